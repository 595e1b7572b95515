"""Security headers on every response: CSP with the tenant's LMS as the only framer, HSTS,
Referrer-Policy, nosniff, and ``no-store`` on pages of a signed-in person.

Lodestar lives in an LMS iframe, so ``X-Frame-Options`` cannot be used (it knows no list of
origins); CSP ``frame-ancestors`` names the web origins of the tenant's LMS instead. Those
come from two places:

* the platform's configured URLs: the origin of its OIDC auth URL (the Moodle site, the
  sandbox LMS), the issuer's origin unless it is a cloud issuer shared by every customer
  (``canvas.instructure.com`` is no district's Canvas), and the Canvas REST base URL an
  operator configured (the district's own ``*.instructure.com`` or custom domain);
* launches: the origin of ``launch_presentation.return_url`` (the page of the LMS that
  launched us, e.g. ``https://district.instructure.com/courses/1/external_content/...``),
  kept per platform in ``Platform.settings["web_origins"]`` (capped).

Which tenant: the signed-in actor's; for the login and the launch POST (no actor yet) the
platform named by ``iss``/``client_id``, plus the origin that posted them (a Canvas cloud
district's first launch comes from a domain nothing else names); otherwise only ``'self'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jwt
from flask import Flask, Response, current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lti_tool import hygiene
from lti_tool.extensions import db
from lti_tool.lti_vocab import LAUNCH_PRESENTATION_CLAIM
from lti_tool.models import Platform
from lti_tool.tenants import find_platform, is_shared_issuer

#: ``Platform.settings`` key of the LMS web origins learned from launches.
WEB_ORIGINS_SETTING = "web_origins"
#: At most this many learned origins per platform (the newest are kept): a district's
#: Canvas has its vanity domain and ``*.instructure.com``; a Moodle its one site.
MAX_LEARNED_ORIGINS = 5
#: One year, the value the HSTS preload list asks for (hstspreload.org).
HSTS_VALUE = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store, private"

#: Endpoints that are launch pages: no cache even before a session exists.
LAUNCH_ENDPOINTS = frozenset(
    {"launch.login", "launch.launch", "launch.check_login", "launch.open_window"}
)
#: Dynamic Registration opens the registration page in a window or an iframe of the
#: platform (LTI Dynamic Registration 1.0, 3.6 closes it by postMessage to the opener or
#: the parent), so that page may be framed by the origin of its ``openid_configuration``.
REGISTER_ENDPOINT = "launch.register"


def platform_origins(platform: Platform) -> list[str]:
    """The LMS web origins that may frame Lodestar for one platform registration."""
    settings = platform.settings or {}
    candidates: list[Any] = [platform.auth_login_url, settings.get("canvas_api_url")]
    if not is_shared_issuer(platform.issuer):
        candidates.append(platform.issuer)
    learned = settings.get(WEB_ORIGINS_SETTING)
    if isinstance(learned, list):
        candidates.extend(learned)
    origins: list[str] = []
    for candidate in candidates:
        origin = hygiene.origin(candidate)
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def learn_launch_origin(platform: Platform, body: Mapping[str, Any]) -> None:
    """Remember the origin of the launch's ``return_url`` as one of the platform's web
    origins, and commit. The id_token was verified, so the platform vouches for it."""
    presentation = body.get(LAUNCH_PRESENTATION_CLAIM)
    if not isinstance(presentation, Mapping):
        return
    origin = hygiene.origin(presentation.get("return_url"))
    if origin is None:
        return
    settings = dict(platform.settings or {})
    learned = [o for o in settings.get(WEB_ORIGINS_SETTING) or [] if isinstance(o, str)]
    if learned and learned[-1] == origin:
        return
    learned = [o for o in learned if o != origin] + [origin]
    settings[WEB_ORIGINS_SETTING] = learned[-MAX_LEARNED_ORIGINS:]
    platform.settings = settings  # a new dict: plain JSON columns do not track mutation
    db.session.commit()


def frame_ancestors(platforms: Iterable[Platform]) -> str:
    """The ``frame-ancestors`` source list: ``'self'`` and the platforms' web origins."""
    sources = ["'self'"]
    for platform in platforms:
        sources.extend(o for o in platform_origins(platform) if o not in sources)
    return " ".join(sources)


def content_security_policy(ancestors: str) -> str:
    """The CSP of every response: only our own scripts, styles, images and fetches; no
    inline script or style; framed only by ``ancestors``. ``form-action`` is left open on
    purpose: the Deep Linking response posts a form to the platform."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def _request_platforms() -> list[Platform]:
    """The platforms whose LMS may frame this response (see the module docstring)."""
    actor = g.get("actor")
    # A page about a session that ended or waits for its frame's proof (sign-out, idle,
    # "this link does not open here") shows in that tenant's LMS frame too; it holds no data.
    tenant_id = actor.tenant_id if actor is not None else g.get("session_tenant_id")
    if tenant_id is not None:
        return list(
            db.session.execute(
                select(Platform).where(Platform.tenant_id == tenant_id, Platform.active.is_(True))
            ).scalars()
        )
    if request.endpoint not in LAUNCH_ENDPOINTS:
        return []
    issuer, client_id = _named_platform()
    if not issuer:
        return []
    platform = find_platform(issuer, client_id)
    return [platform] if platform is not None else []


def requester_origin() -> str | None:
    """The web origin of the page that posted this request (the ``Origin`` header a browser
    sends with the auto-submitted form POSTs of Canvas's and Moodle's login initiation and
    of the id_token), or None for a GET or an opaque origin."""
    if request.method != "POST":
        return None
    return hygiene.origin(request.headers.get("Origin"))


def _named_platform() -> tuple[str | None, str | None]:
    """``iss`` and ``client_id`` of a login request, or of a launch's id_token (read without
    verification: it only chooses which registered platform's origins may frame the page)."""
    if request.values.get("iss"):
        return str(request.values["iss"]), request.values.get("client_id")
    token = request.form.get("id_token")
    if not token:
        return None, None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, None
    aud = claims.get("aud")
    client_id = claims.get("azp") or (aud[0] if isinstance(aud, list) and aud else aud)
    issuer = claims.get("iss")
    return (
        issuer if isinstance(issuer, str) else None,
        client_id if isinstance(client_id, str) else None,
    )


def _ancestors() -> str:
    if request.endpoint == "static":
        return "'self'"
    if request.endpoint == REGISTER_ENDPOINT and g.get("actor") is None:
        origin = hygiene.origin(request.args.get("openid_configuration"))
        return f"'self' {origin}" if origin else "'self'"
    try:
        platforms = _request_platforms()
        ancestors = frame_ancestors(platforms)
        if platforms and g.get("actor") is None:
            # The login and launch pages of a registered platform before any session: the
            # page of the LMS that sent them may frame them. Canvas cloud's first launch
            # needs it (its issuer and auth URL name no district's domain, and the return_url
            # is only learned once the id_token is verified); these pages hold no one's data,
            # and every page after the launch is framed only by the tenant's own origins.
            origin = requester_origin()
            if origin and origin not in ancestors.split():
                ancestors += " " + origin
        return ancestors
    except SQLAlchemyError:  # a failed request's session: fall back to the safe answer
        current_app.logger.warning("Could not read the platforms for frame-ancestors")
        return "'self'"


def apply_headers(response: Response) -> Response:
    """Add the security headers to one response (an ``after_request`` hook)."""
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(_ancestors())
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if current_app.config.get("ILP_ENV") == "production":
        headers["Strict-Transport-Security"] = HSTS_VALUE
    if request.endpoint != "static" and (
        g.get("actor") is not None or request.endpoint in LAUNCH_ENDPOINTS
    ):
        headers["Cache-Control"] = NO_STORE
        headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    """Register the header hook on the application."""
    app.after_request(apply_headers)

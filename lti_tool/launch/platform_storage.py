"""OIDC state without third-party cookies: LTI Client Side postMessage storage.

Specs: "LTI Client Side postMessages" and "OIDC Login with LTI Client Side postMessages"
(https://www.imsglobal.org/spec/lti-cs-oidc/v0p1). When the platform's login initiation
carries ``lti_storage_target``, the login page stores the OIDC ``state`` in the
*platform's* window (``lti.put_data``) before going on to the platform's authorization
endpoint. If the browser then posts the launch without our state cookie (Safari and other
browsers that block cookies in iframes), the launch page asks the platform for the stored
value (``lti.get_data``) and, when it matches the posted state, re-posts the launch with
``fetch`` and the header ``X-Lodestar-Platform-Storage``.

Why this is as strong as the cookie: the platform answers ``get_data`` only to our origin and
only with what *this browser* stored; and a custom request header cannot be sent cross-site
without a CORS preflight, which Lodestar never grants, so only our own page can take the
second step. The pending record is single-use, like a nonce.

Which window answers (``lti_tool/static/launch.js``): the page first asks the platform
``lti.capabilities`` (sent to the parent window with target origin ``"*"``, as the spec's
capabilities request and the 1EdTech example library do), which may name the frame for
``lti.put_data``/``lti.get_data``. A named frame (Canvas's ``post_message_forwarding``) is
addressed with the platform's OIDC origin as target origin. When that frame is missing (a
tool inside Canvas's Rich Content Editor, whose parent is the editor) the page falls back to
the parent window with ``"*"``, as the 1EdTech library does and Canvas's documentation asks
("the wildcard origin * should still be used"). A ``"*"`` answer is then accepted only from
the origins in ``answer_origins`` and only with our random ``message_id``. After the launch
the page stores ``null`` under its key: Canvas removes a key whose ``lti.put_data`` value is
null, and any other platform then answers null for it.
"""

from __future__ import annotations

import re
from typing import Any

import jwt
from flask import request

from lti_tool import hygiene
from lti_tool.lti_vocab import LAUNCH_PRESENTATION_CLAIM
from lti_tool.store import get_store

HEADER = "X-Lodestar-Platform-Storage"
KEY_PREFIX = "lodestar_state_"
TTL = 600
#: What ``lti_storage_target`` may be: a frame name. Canvas sends
#: ``post_message_forwarding``; the spec's default is ``_parent``; Moodle sends none.
TARGET = re.compile(r"[A-Za-z0-9_-]{1,64}")


def valid_target(target: str | None) -> bool:
    """Whether a login's ``lti_storage_target`` is absent or a short frame name."""
    return not target or TARGET.fullmatch(target) is not None


def platform_origin(auth_login_url: str) -> str:
    """The origin (scheme://host[:port]) that answers postMessages: the platform's."""
    return hygiene.origin(auth_login_url) or ""


def answer_origins(platform_origin: str, issuer: str, id_token: str) -> list[str]:
    """The origins whose answer to a ``"*"``-addressed ``lti.get_data`` the launch page trusts.

    The platform's OIDC origin, its issuer, and the origin of the launch's
    ``launch_presentation.return_url`` (the LMS page itself: a Canvas institution's domain,
    a Moodle site). The token is read without verification here because nothing is granted
    on it: the page only re-posts it, and the launch then verifies it in full; a forged token
    naming another origin fails there.
    """
    origins = [platform_origin]
    try:
        body = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        body = {}
    presentation = body.get(LAUNCH_PRESENTATION_CLAIM)
    return_url = presentation.get("return_url") if isinstance(presentation, dict) else None
    for origin in (hygiene.origin(issuer), hygiene.origin(return_url)):
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def remember(state: str, *, target: str, origin: str, issuer: str) -> None:
    """Note that this login used platform storage (checked when the launch comes back)."""
    if not valid_target(target):
        raise ValueError("lti_storage_target must be a frame name")
    get_store().set(
        f"lti-storage:{state}", {"target": target, "origin": origin, "issuer": issuer}, TTL
    )


def pending(state: str | None) -> dict[str, Any] | None:
    """The platform-storage record of a login, if it used one."""
    if not state:
        return None
    value = get_store().get(f"lti-storage:{state}")
    return dict(value) if value else None


def verified_state() -> str | None:
    """The state this request proved through platform storage, consuming the record.

    Only our own page can send the header (no CORS is ever granted); browsers also say where
    a request comes from in ``Sec-Fetch-Site``, which must then be ``same-origin``.
    """
    if not request.headers.get(HEADER):
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return None
    state = request.form.get("state")
    if not state or get_store().pop(f"lti-storage:{state}") is None:
        return None
    return state


def state_cookie_present(state: str | None) -> bool:
    """Whether the browser sent the state cookie pylti1p3 set at login."""
    return bool(state) and request.cookies.get(f"lti1p3-{state}") == state

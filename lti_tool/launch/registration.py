"""LTI Dynamic Registration, tool side (https://www.imsglobal.org/spec/lti-dr/v1p0).

A platform admin opens ``/lti/register?openid_configuration=...&registration_token=...``.
Lodestar reads the platform's OpenID configuration, checks that its issuer matches the URL
it came from, posts its own configuration to the platform's ``registration_endpoint`` with
the one-time token, and stores the platform (tenant) and deployment it gets back: the same
rows ``ilp platforms add`` writes. It can be switched off with ``ILP_DYNAMIC_REGISTRATION``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

from lti_tool import audit, hygiene
from lti_tool.errors import InvalidInput, LmsApiError, NotAuthorized
from lti_tool.extensions import db
from lti_tool.http import OutboundRefused, get_session
from lti_tool.launch import keys, placements, services, tenancy
from lti_tool.lti_vocab import PLATFORM_CONFIGURATION, SCOPES, TOOL_CONFIGURATION
from lti_tool.models import LmsKind, Platform
from lti_tool.store import get_store
from lti_tool.urls import base_url, public_url

#: ``product_family_code`` of the platform configuration: Canvas's registration guide shows
#: "canvas", Moodle's openid-configuration.php sends "moodle".
LMS_BY_FAMILY = {"canvas": LmsKind.CANVAS, "schoology": LmsKind.SCHOOLOGY, "moodle": LmsKind.MOODLE}
LMS_NAMES = {LmsKind.CANVAS: "Canvas", LmsKind.SCHOOLOGY: "Schoology", LmsKind.MOODLE: "Moodle"}


@dataclass(frozen=True)
class Registered:
    """What the registration created."""

    platform: Platform
    #: None when the platform made no deployment yet (Canvas without a root-account
    #: deployment): the first launch from a deployment asks an admin to enable it.
    deployment_id: str | None
    #: The LMS family the platform's configuration names (decides the next steps shown).
    lms: LmsKind

    @property
    def lms_name(self) -> str:
        """The LMS by name, for the page ("your LMS" when it is not one Lodestar knows)."""
        return LMS_NAMES.get(self.lms, "your LMS")


def tool_configuration(
    lms: LmsKind = LmsKind.GENERIC, key_set: str | None = None
) -> dict[str, Any]:
    """Lodestar's client metadata for the platform (OpenID Connect Dynamic Client
    Registration plus the LTI tool configuration claim).

    Placements, privacy level and tool id are Canvas extensions other platforms ignore. The
    ``$Canvas...`` custom parameters go to Canvas only: another LMS would send them
    unexpanded (Moodle copies the tool-level ``custom_parameters`` into every launch); the
    time zone's ``$Person.address.timezone`` goes to every LMS (Moodle expands it too).
    """
    launch = public_url("launch.launch")
    title = current_app.config["ILP_TOOL_TITLE"]
    custom = dict(
        placements.CANVAS_CUSTOM_FIELDS
        if lms == LmsKind.CANVAS
        else placements.PERSON_CUSTOM_FIELDS
    )
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": public_url("launch.login"),
        "redirect_uris": [launch],
        "client_name": title,
        "jwks_uri": (
            public_url("launch.registration_jwks", key_set=key_set)
            if key_set
            else public_url("launch.jwks")
        ),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            # With the port: Moodle requires it to equal target_link_uri's host[:port].
            "domain": urlsplit(base_url()).netloc,
            "target_link_uri": launch,
            "description": placements.DESCRIPTION,
            "claims": list(placements.CLAIMS),
            "custom_parameters": custom,
            "messages": placements.registration_messages(title, launch),
            placements.CANVAS_PRIVACY_LEVEL_EXT: placements.CANVAS_PRIVACY_LEVEL,
            placements.CANVAS_TOOL_ID_EXT: placements.CANVAS_TOOL_ID,
        },
    }


def _deployment_id(answer: dict[str, Any]) -> str | None:
    """The deployment the platform made, wherever it put it.

    The spec and Moodle (``config_to_registration``) put ``deployment_id`` inside the tool
    configuration; Canvas puts it at the top level of its answer, and leaves it out when it
    made no root-account deployment.
    """
    tool = answer.get(TOOL_CONFIGURATION)
    for source in (tool if isinstance(tool, dict) else {}, answer):
        value = _identifier(source.get("deployment_id"))
        if value is not None:
            return value
    return None


def _identifier(value: Any) -> str | None:
    """A non-empty string or number as text (Moodle sends ids as strings, some LMSs as
    numbers); anything else is absent."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _fetch_json(url: str, what: str) -> dict[str, Any]:
    try:
        # Redirects off: the URL checked is the URL read.
        response = get_session().get(
            url, headers={"Accept": "application/json"}, allow_redirects=False
        )
    except (requests.RequestException, OutboundRefused) as err:
        current_app.logger.warning("Dynamic Registration: %s unreachable: %s", what, err)
        raise LmsApiError(GENERIC_FAILURE, retryable=True, detail=str(err)) from err
    if response.status_code != 200:
        current_app.logger.warning(
            "Dynamic Registration: %s answered %s", what, response.status_code
        )
        raise LmsApiError(GENERIC_FAILURE, upstream_status=response.status_code)
    try:
        body = response.json()
    except ValueError as err:
        raise LmsApiError(GENERIC_FAILURE, detail=f"{what} is not JSON") from err
    if not isinstance(body, dict):
        raise LmsApiError(GENERIC_FAILURE, detail=f"{what} is not a JSON object")
    return body


LINK_PREFIX = "reglink:"
#: Default life of a registration link.
LINK_TTL = 24 * 3600
#: Hosts that serve a cloud LMS's endpoints under another name than its issuer: Canvas
#: cloud's issuer is canvas.instructure.com while it authorizes and issues tokens at
#: sso.canvaslms.com (Canvas docs, "LTI 1.3 Launch Overview"); Schoology's issuer is
#: schoology.schoology.com and its LTI service is lti-service.svc.schoology.com.
KNOWN_ENDPOINT_HOSTS = {
    "canvas.instructure.com": {"sso.canvaslms.com"},
    "canvas.beta.instructure.com": {"sso.beta.canvaslms.com"},
    "canvas.test.instructure.com": {"sso.test.canvaslms.com"},
    "schoology.schoology.com": {"lti-service.svc.schoology.com"},
}
#: What a person sees when a registration fails: the reason goes to the log only (an
#: error oracle would let anyone map the district's network).
GENERIC_FAILURE = (
    "The registration could not be completed. Ask the Lodestar operator for "
    "a new registration link; the reason is in Lodestar's server log."
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(
    *,
    tenant_id: int | None = None,
    issuer: str | None = None,
    update_platform_id: int | None = None,
    ttl: int = LINK_TTL,
    hosts: tuple[str, ...] = (),
) -> str:
    """Make a one-time Dynamic Registration link; only its hash is stored.

    :raises InvalidInput: for an unknown tenant or platform, or a malformed issuer.
    """
    if tenant_id is not None and tenancy.find_tenant(tenant_id) is None:
        raise InvalidInput(f"No tenant with id {tenant_id}")
    if update_platform_id is not None:
        platform = services.get_platform(update_platform_id)
        tenant_id, issuer = platform.tenant_id, platform.issuer
    if issuer is not None and hygiene.http_url(issuer) is None:
        raise InvalidInput("The issuer must be an http(s) URL")
    token = secrets.token_urlsafe(32)
    get_store().set(
        LINK_PREFIX + _digest(token),
        {
            "tenant": tenant_id,
            "issuer": issuer,
            "update": update_platform_id,
            "hosts": [h.lower() for h in hosts],
        },
        ttl,
    )
    return token


def link_url(token: str) -> str:
    """The URL the LMS admin pastes into the LMS."""
    return f"{public_url('launch.register')}?link={token}"


def _refuse(detail: str) -> InvalidInput:
    current_app.logger.warning("Dynamic Registration refused: %s", detail)
    return InvalidInput(GENERIC_FAILURE, detail=detail)


def _check_endpoints(config: dict[str, Any], issuer: str, link: dict[str, Any]) -> None:
    """The platform's endpoints sit on the issuer's host, a host known for that LMS, or a
    host the link names; https only in production."""
    issuer_parts = hygiene.http_url(issuer)
    issuer_host = (issuer_parts.hostname or "").lower() if issuer_parts else ""
    allowed = {issuer_host, *KNOWN_ENDPOINT_HOSTS.get(issuer_host, set()), *link["hosts"]}
    production = current_app.config.get("ILP_ENV") == "production"
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        parts = hygiene.http_url(str(config.get(key) or ""))
        if parts is None or parts.hostname is None:
            raise _refuse(f"{key} is not a URL")
        if production and parts.scheme.lower() != "https":
            raise _refuse(f"{key} is not https")
        if parts.hostname.lower() not in allowed:
            raise _refuse(f"{key} host {parts.hostname} is not the issuer's")


def register(
    openid_configuration: str, registration_token: str | None, link_token: str | None = None
) -> Registered:
    """Run the registration and store the platform, for a valid one-time link only.

    :raises NotAuthorized: when dynamic registration is off, or without a valid link
        (nothing is fetched then).
    :raises InvalidInput: for a malformed request or platform configuration.
    :raises LmsApiError: when the platform cannot be reached or refuses.
    """
    if not current_app.config.get("ILP_DYNAMIC_REGISTRATION"):
        raise NotAuthorized(
            "Dynamic registration is switched off on this Lodestar server; "
            "ask its administrator to run `ilp platforms add`."
        )
    link = get_store().pop(LINK_PREFIX + _digest(link_token)) if link_token else None
    if not isinstance(link, dict):
        raise NotAuthorized(
            "This registration link is not valid, has expired or was already "
            "used. Ask the Lodestar operator for a new one "
            "(`ilp platforms registration-link`)."
        )
    if link.get("tenant") is not None and tenancy.find_tenant(link["tenant"]) is None:
        raise _refuse("the link's tenant no longer exists")
    if hygiene.http_url(openid_configuration) is None:
        raise InvalidInput("The registration link has no valid openid_configuration URL.")
    config = _fetch_json(openid_configuration, "OpenID configuration")
    issuer = str(config.get("issuer") or "")
    if not issuer or (link.get("issuer") and issuer != link["issuer"]):
        raise _refuse(f"issuer {issuer!r} is not the one the link names")
    # The configuration must come from the issuer's own origin (spec section 3.5.1), or
    # from the issuer the operator named in the link.
    allowed_origins = {hygiene.origin(issuer), hygiene.origin(link.get("issuer"))} - {None}
    if hygiene.origin(openid_configuration) not in allowed_origins:
        raise _refuse("the configuration URL is not on the issuer's origin")
    _check_endpoints(config, issuer, link)
    platform_config = config.get(PLATFORM_CONFIGURATION)
    family = str(
        (platform_config if isinstance(platform_config, dict) else {}).get("product_family_code")
        or ""
    )
    lms = LMS_BY_FAMILY.get(family.lower(), LmsKind.GENERIC)
    update = link.get("update")
    # This registration's own key set (kept on an update), published before the LMS asks.
    existing_set = services.get_platform(update).key_set if update is not None else None
    key_set = existing_set or secrets.token_urlsafe(12)
    keys.active_key(key_set)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = get_session().post(
            config["registration_endpoint"],
            json=tool_configuration(lms, key_set),
            headers=headers,
            allow_redirects=False,
        )
    except (requests.RequestException, OutboundRefused) as err:
        current_app.logger.warning("Dynamic Registration: endpoint unreachable: %s", err)
        raise LmsApiError(GENERIC_FAILURE, retryable=True, detail=str(err)) from err
    if response.status_code not in (200, 201):
        raise LmsApiError(
            f"The platform refused the registration ({response.status_code}).",
            upstream_status=response.status_code,
            url=config["registration_endpoint"],
            detail=response.text[:500],
        )
    try:
        answer = response.json()
    except ValueError as err:
        raise LmsApiError("The platform's registration answer is unreadable.") from err
    client_id = _identifier(answer.get("client_id")) if isinstance(answer, dict) else None
    if client_id is None:
        raise LmsApiError("The platform's registration answer has no client id.")
    known = services.platforms_with_client_id(client_id)
    if any(p.id != update for p in known) or (
        update is not None and (not known or known[0].issuer != issuer)
    ):
        # Never overwrite or re-activate a registration unless the link was made to update
        # exactly that one (Moodle's "Update" re-registration).
        current_app.logger.warning("Dynamic Registration refused: client_id already known")
        raise InvalidInput(
            "This LMS registration is already known to Lodestar. To update it, "
            "ask the operator for a link made with --update."
        )
    deployment_id = _deployment_id(answer)
    # No deployment yet is not an error: the platform has made the client (Canvas: the
    # developer key) already; the first launch from a deployment asks an admin to enable it.
    platform = services.add_platform(
        issuer=issuer,
        client_id=client_id,
        deployment_ids=[deployment_id] if deployment_id else [],
        auth_login_url=config["authorization_endpoint"],
        auth_token_url=config["token_endpoint"],
        key_set_url=config["jwks_uri"],
        name=f"{LMS_NAMES.get(lms, family or 'LMS')} ({urlsplit(issuer).netloc})",
        lms=lms,
        tenant=link.get("tenant"),
    )
    platform.key_set = key_set
    audit.record(
        "platform.registered",
        tenant_id=platform.tenant_id,
        actor_id=None,
        subject_type="platform",
        subject_id=platform.id,
        issuer=issuer,
        client_id=client_id,
        deployment_id=deployment_id,
    )
    db.session.commit()
    return Registered(platform=platform, deployment_id=deployment_id, lms=lms)

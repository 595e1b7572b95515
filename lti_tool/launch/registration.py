"""LTI Dynamic Registration, tool side (https://www.imsglobal.org/spec/lti-dr/v1p0).

A platform admin opens ``/lti/register?openid_configuration=...&registration_token=...``.
Lodestar reads the platform's OpenID configuration, checks that its issuer matches the URL
it came from, posts its own configuration to the platform's ``registration_endpoint`` with
the one-time token, and stores the platform (tenant) and deployment it gets back: the same
rows ``ilp platforms add`` writes. It can be switched off with ``ILP_DYNAMIC_REGISTRATION``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lti_tool import audit, hygiene
from lti_tool.errors import InvalidInput, LmsApiError, NotAuthorized
from lti_tool.http import get_session
from lti_tool.launch import placements, services, tenancy
from lti_tool.models import LmsKind, Platform

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
#: ``product_family_code`` of the platform configuration: Canvas's registration guide shows
#: "canvas", Moodle's openid-configuration.php sends "moodle".
LMS_BY_FAMILY = {"canvas": LmsKind.CANVAS, "schoology": LmsKind.SCHOOLOGY,
                 "moodle": LmsKind.MOODLE}
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


def _base_url() -> str:
    return current_app.config.get("ILP_BASE_URL") or request.url_root.rstrip("/")


def tool_configuration(lms: LmsKind = LmsKind.GENERIC) -> dict[str, Any]:
    """Lodestar's client metadata for the platform (OpenID Connect Dynamic Client
    Registration plus the LTI tool configuration claim).

    Placements, privacy level and tool id are Canvas extensions other platforms ignore. The
    ``$Canvas...`` custom parameters go to Canvas only: another LMS would send them
    unexpanded (Moodle copies the tool-level ``custom_parameters`` into every launch).
    """
    base = _base_url()
    launch = base + url_for("launch.launch")
    title = current_app.config["ILP_TOOL_TITLE"]
    custom = dict(placements.CANVAS_CUSTOM_FIELDS) if lms == LmsKind.CANVAS else {}
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base + url_for("launch.login"),
        "redirect_uris": [launch],
        "client_name": title,
        "jwks_uri": base + url_for("launch.jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(placements.SCOPES),
        TOOL_CONFIGURATION: {
            # With the port: Moodle requires it to equal target_link_uri's host[:port].
            "domain": urlsplit(base).netloc,
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
        response = get_session().get(url, headers={"Accept": "application/json"})
    except requests.RequestException as err:
        raise LmsApiError(f"Could not reach the platform for its {what}.", retryable=True,
                          url=url, detail=str(err)) from err
    if response.status_code != 200:
        raise LmsApiError(f"The platform answered {response.status_code} for its {what}.",
                          upstream_status=response.status_code, url=url)
    try:
        body = response.json()
    except ValueError as err:
        raise LmsApiError(f"The platform's {what} is not JSON.", url=url) from err
    if not isinstance(body, dict):
        raise LmsApiError(f"The platform's {what} is not a JSON object.", url=url)
    return body


TENANT_LINK_SALT = "lodestar-registration-tenant"
#: How long a registration link that names a tenant stays valid.
TENANT_LINK_MAX_AGE = 7 * 24 * 3600


def tenant_link_token(tenant_id: int) -> str:
    """A signed value for ``/lti/register?tenant=...``: the registration joins that tenant."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=TENANT_LINK_SALT).dumps({"t": tenant_id})


def read_tenant_link(token: str) -> int:
    """The tenant id a registration link names.

    :raises InvalidInput: when the link is forged, malformed or expired.
    """
    try:
        data = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TENANT_LINK_SALT
                                      ).loads(token, max_age=TENANT_LINK_MAX_AGE)
        return int(data["t"])
    except (BadSignature, KeyError, TypeError, ValueError) as err:
        raise InvalidInput("This registration link is not valid or has expired; ask the "
                           "Lodestar operator for a new one.") from err


def register(openid_configuration: str, registration_token: str | None,
             tenant_token: str | None = None) -> Registered:
    """Run the registration and store the platform (in the tenant the link names, if any).

    :raises NotAuthorized: when dynamic registration is switched off.
    :raises InvalidInput: for a malformed request or platform configuration.
    :raises LmsApiError: when the platform cannot be reached or refuses.
    """
    if not current_app.config.get("ILP_DYNAMIC_REGISTRATION"):
        raise NotAuthorized("Dynamic registration is switched off on this Lodestar server; "
                            "ask its administrator to run `ilp platforms add`.")
    if hygiene.http_url(openid_configuration) is None:
        raise InvalidInput("The registration link has no valid openid_configuration URL.")
    tenant = read_tenant_link(tenant_token) if tenant_token else None
    if tenant is not None and tenancy.find_tenant(tenant) is None:
        raise InvalidInput("The tenant this registration link names no longer exists; ask "
                           "the Lodestar operator for a new link.")
    config = _fetch_json(openid_configuration, "OpenID configuration")
    issuer = str(config.get("issuer") or "")
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
    if hygiene.http_url(issuer) is None or any(hygiene.http_url(config.get(key)) is None
                                               for key in needed):
        raise InvalidInput("The platform's configuration lacks its issuer or endpoints.")
    # The configuration must come from the issuer it names (spec section 3.5.1).
    if not openid_configuration.startswith(issuer.rstrip("/") + "/") \
            and urlsplit(openid_configuration).netloc != urlsplit(issuer).netloc:
        raise InvalidInput("The platform's issuer does not match where its configuration "
                           "was read from.")
    platform_config = config.get(PLATFORM_CONFIGURATION)
    family = str((platform_config if isinstance(platform_config, dict) else {})
                 .get("product_family_code") or "")
    lms = LMS_BY_FAMILY.get(family.lower(), LmsKind.GENERIC)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = get_session().post(config["registration_endpoint"],
                                      json=tool_configuration(lms), headers=headers)
    except requests.RequestException as err:
        raise LmsApiError("Could not reach the platform to register.", retryable=True,
                          url=config["registration_endpoint"], detail=str(err)) from err
    if response.status_code not in (200, 201):
        raise LmsApiError(f"The platform refused the registration ({response.status_code}).",
                          upstream_status=response.status_code,
                          url=config["registration_endpoint"], detail=response.text[:500])
    try:
        answer = response.json()
    except ValueError as err:
        raise LmsApiError("The platform's registration answer is unreadable.") from err
    client_id = _identifier(answer.get("client_id")) if isinstance(answer, dict) else None
    if client_id is None:
        raise LmsApiError("The platform's registration answer has no client id.")
    deployment_id = _deployment_id(answer)
    # No deployment yet is not an error: the platform has made the client (Canvas: the
    # developer key) already; the first launch from a deployment asks an admin to enable it.
    platform = services.add_platform(
        issuer=issuer, client_id=client_id,
        deployment_ids=[deployment_id] if deployment_id else [],
        auth_login_url=config["authorization_endpoint"],
        auth_token_url=config["token_endpoint"], key_set_url=config["jwks_uri"],
        name=f"{LMS_NAMES.get(lms, family or 'LMS')} ({urlsplit(issuer).netloc})",
        lms=lms, tenant=tenant)
    audit.record("platform.registered", tenant_id=platform.tenant_id, actor_id=None,
                 subject_type="platform", subject_id=platform.id, issuer=issuer,
                 client_id=client_id, deployment_id=deployment_id)
    from lti_tool.extensions import db

    db.session.commit()
    return Registered(platform=platform, deployment_id=deployment_id, lms=lms)

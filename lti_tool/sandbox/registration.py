"""LTI Dynamic Registration, platform side (https://www.imsglobal.org/spec/lti-dr/v1p0).

The platform publishes its OpenID configuration; an admin opens the tool's registration URL
with ``openid_configuration`` and a one-time ``registration_token``; the tool posts its
configuration to ``registration_endpoint`` with that token and receives its client_id and
deployment id. The sandbox has one client, so it answers with its configured ids after
checking the request.

:attr:`.SandboxState.registration_style` makes the endpoint answer like a real LMS:

``"sandbox"``
    The spec's shape: ``deployment_id`` inside the tool configuration.
``"canvas"``
    Canvas (``Lti::IMS::DynamicRegistrationController#render_registration``): validates the
    tool configuration as Canvas's LtiToolConfiguration schema does, answers with
    ``deployment_id`` at the top level (the root-account deployment), ``scope`` with
    ``openid`` added, and records the placements Canvas would create.
``"canvas-no-deployment"``
    Canvas without a root-account deployment: no ``deployment_id`` at all.
``"moodle"``
    Moodle 4.5 (``mod/lti/openid-registration.php``): checks the domain against
    ``target_link_uri``, stores the tool as *pending*, and answers with its own rebuilt
    configuration, ``deployment_id`` inside the tool configuration.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.wrappers import Response as BaseResponse

from . import vocab
from .state import SandboxError, SandboxState

bp = Blueprint("sandbox_registration", __name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
STYLES = ("sandbox", "canvas", "canvas-no-deployment", "moodle")

# Canvas (Lti::ResourcePlacement): placements by message type, accepted bare or with the
# Canvas prefix; the spec's ContentArea and RichTextEditor map to link_selection and
# editor_button. A message without placements becomes link_selection only.
CANVAS_PREFIX = "https://canvas.instructure.com/lti/"
CANVAS_PLACEMENTS = {
    vocab.MESSAGE_RESOURCE_LINK: (
        "account_navigation",
        "assignment_edit",
        "assignment_menu",
        "assignment_selection",
        "assignment_view",
        "course_assignments_menu",
        "course_home_sub_navigation",
        "course_navigation",
        "course_settings_sub_navigation",
        "discussion_topic_menu",
        "file_menu",
        "global_navigation",
        "homework_submission",
        "link_selection",
        "migration_selection",
        "module_index_menu",
        "module_menu",
        "post_grades",
        "quiz_menu",
        "resource_selection",
        "student_context_card",
        "submission_type_selection",
        "tool_configuration",
        "user_navigation",
        "wiki_page_menu",
    ),
    vocab.MESSAGE_DEEP_LINKING: (
        "assignment_selection",
        "collaboration",
        "course_assignments_menu",
        "editor_button",
        "homework_submission",
        "link_selection",
        "migration_selection",
        "module_index_menu_modal",
        "module_menu_modal",
        "resource_selection",
        "submission_type_selection",
    ),
}
CANVAS_SPEC_PLACEMENTS = {"ContentArea": "link_selection", "RichTextEditor": "editor_button"}
CANVAS_PRIVACY_LEVELS = ("public", "name_only", "email_only", "anonymous")
CANVAS_COURSE_NAV_DEFAULT_ENABLED = CANVAS_PREFIX + "course_navigation/default_enabled"
CANVAS_PRIVACY_LEVEL = CANVAS_PREFIX + "privacy_level"
CANVAS_VARIABLES = (
    "ResourceLink.id",
    "Context.id",
    "Canvas.user.id",
    "Canvas.course.id",
    "Canvas.user.sisSourceId",
    "Person.email.primary",
)
# Moodle's LTI_URL_DOMAIN_REGEX: host[:port] without scheme and a leading "www.".
MOODLE_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?([^/]+)(?:/|$)", re.IGNORECASE)
MOODLE_VERSION = "4.5.6"


def _state() -> SandboxState:
    from flask import current_app

    state: SandboxState = current_app.extensions["sandbox"]
    return state


def issue_registration_token(state: SandboxState) -> str:
    """A one-time token an admin hands to the tool's registration URL."""
    token = secrets.token_urlsafe(24)
    with state.lock:
        state.registration_tokens.add(token)
    return token


def registration_url(state: SandboxState, token: str) -> str:
    """The tool's registration URL as the platform opens it."""
    from urllib.parse import urlencode

    query = urlencode(
        {
            "openid_configuration": state.url("/.well-known/openid-configuration"),
            "registration_token": token,
        }
    )
    # Like Canvas and Moodle: the admin pastes the tool's registration URL (which may carry
    # its own query, e.g. Lodestar's one-time link) and the LMS appends its parameters.
    base = state.tool_registration_url or f"{state.tool_url}/lti/register"
    return f"{base}{'&' if '?' in base else '?'}{query}"


@bp.get("/admin/register-tool")
def start_registration() -> BaseResponse:
    """An administrator starts Dynamic Registration: open the tool's registration URL."""
    from flask import redirect

    state = _state()
    return redirect(registration_url(state, issue_registration_token(state)))


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    """The platform's OpenID configuration, with the LTI platform extension."""
    state = _state()
    return jsonify(
        {
            "issuer": state.issuer,
            "authorization_endpoint": state.auth_url,
            "token_endpoint": state.token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": state.jwks_url,
            "registration_endpoint": state.url("/register"),
            "scopes_supported": ["openid", *sorted(vocab.SUPPORTED_SCOPES)],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: _platform_configuration(state.registration_style),
        }
    )


def _platform_configuration(style: str) -> dict[str, Any]:
    """The LTI platform configuration claim as each LMS publishes it."""
    if style.startswith("canvas"):
        # Canvas's registration guide: product_family_code "canvas", version "vCloud",
        # placements listed per message type, and the variables it can substitute.
        return {
            "product_family_code": "canvas",
            "version": "vCloud",
            "messages_supported": [
                {"type": message_type, "placements": list(placements)}
                for message_type, placements in CANVAS_PLACEMENTS.items()
            ],
            "variables": list(CANVAS_VARIABLES),
            CANVAS_PREFIX + "account_name": "Springfield District",
        }
    if style == "moodle":
        # Moodle's mod/lti/openid-configuration.php.
        return {
            "product_family_code": "moodle",
            "version": MOODLE_VERSION,
            "messages_supported": [
                {"type": vocab.MESSAGE_RESOURCE_LINK},
                {"type": vocab.MESSAGE_DEEP_LINKING, "placements": ["ContentArea"]},
            ],
            "variables": ["ResourceLink.id", "Context.id", "User.id", "Person.email.primary"],
        }
    return {
        "product_family_code": "lodestar-sandbox",
        "version": "1.0",
        "messages_supported": [
            {"type": vocab.MESSAGE_RESOURCE_LINK},
            {"type": vocab.MESSAGE_DEEP_LINKING},
        ],
    }


@bp.post("/register")
def register() -> tuple[Response, int]:
    """Accept a tool registration bearing a one-time registration token."""
    state = _state()
    auth = request.headers.get("Authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    with state.lock:
        if not token or token not in state.registration_tokens:
            raise SandboxError(
                "unknown or used registration token", status=401, error="invalid_token"
            )
        state.registration_tokens.discard(token)
    body: dict[str, Any] = request.get_json(silent=True) or {}
    tool = body.get(TOOL_CONFIGURATION) or {}
    required = ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name")
    missing = [name for name in required if not body.get(name)]
    if missing or not isinstance(tool, dict) or not tool.get("target_link_uri"):
        raise SandboxError(
            "missing " + ", ".join(missing or [TOOL_CONFIGURATION]), error="invalid_client_metadata"
        )
    if state.tool_launch_url not in body["redirect_uris"]:
        raise SandboxError(
            "redirect_uris must include the tool's launch URL", error="invalid_redirect_uri"
        )
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        raise SandboxError(
            "token_endpoint_auth_method must be private_key_jwt", error="invalid_client_metadata"
        )
    style = state.registration_style
    if style.startswith("canvas"):
        result, answer = _register_like_canvas(state, body, tool)
    elif style == "moodle":
        result, answer = _register_like_moodle(state, body, tool)
    else:
        result = {}
        answer = {
            **body,
            "client_id": state.client_id,
            TOOL_CONFIGURATION: {**tool, "deployment_id": state.deployment_id},
        }
    with state.lock:
        state.registrations.append(body)
        state.registration_results.append(result)
    return jsonify(answer), 200


def _register_like_canvas(
    state: SandboxState, body: dict[str, Any], tool: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and answer as Canvas does; the result is the developer key Canvas makes."""
    errors = _canvas_errors(tool)
    if errors:
        raise SandboxError("; ".join(errors), status=422, error="invalid_client_metadata")
    result = {
        "placements": canvas_placements(tool),
        "custom_fields": dict(tool.get("custom_parameters") or {}),
        "privacy_level": tool.get(CANVAS_PRIVACY_LEVEL) or "anonymous",
        "domain": tool["domain"],
    }
    scopes = [s for s in str(body.get("scope") or "").split() if s != "openid"]
    registration_url = state.url("/api/lti/registrations/1")
    answer: dict[str, Any] = {
        "client_id": state.client_id,
        "application_type": "web",
        "grant_types": ["client_credentials", "implicit"],
        "initiate_login_uri": body["initiate_login_uri"],
        "redirect_uris": body["redirect_uris"],
        "response_types": ["id_token"],
        "client_name": body["client_name"],
        "jwks_uri": body["jwks_uri"],
        "logo_uri": body.get("logo_uri"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join([*scopes, "openid"]),
        TOOL_CONFIGURATION: {
            **tool,
            CANVAS_PREFIX + "registration_config_url": registration_url + "/view",
        },
        "registration_client_uri": registration_url,
    }
    # Canvas makes the root-account deployment only with its newer LTI registrations; its
    # answer then leaves deployment_id out (``.compact``).
    if state.registration_style == "canvas":
        answer["deployment_id"] = state.deployment_id
    return result, {k: v for k, v in answer.items() if v is not None}


def _canvas_errors(tool: dict[str, Any]) -> list[str]:
    """What Canvas's LtiToolConfiguration schema refuses (422)."""
    errors = [f"missing {name}" for name in ("domain", "messages", "claims") if name not in tool]
    domain = tool.get("domain")
    if domain is not None and (not isinstance(domain, str) or "/" in domain):
        errors.append("domain must be a host name without protocol")
    for where, custom in [
        ("tool", tool.get("custom_parameters")),
        *[
            ("message", m.get("custom_parameters"))
            for m in tool.get("messages") or []
            if isinstance(m, dict)
        ],
    ]:
        if custom is not None and (
            not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values())
        ):
            errors.append(f"{where} custom_parameters values must be strings")
    privacy = tool.get(CANVAS_PRIVACY_LEVEL)
    if privacy is not None and privacy not in CANVAS_PRIVACY_LEVELS:
        errors.append(f"unknown privacy level {privacy!r}")
    for message in tool.get("messages") or []:
        if not isinstance(message, dict) or message.get("type") not in CANVAS_PLACEMENTS:
            errors.append("messages must have a type Canvas knows")
            continue
        for placement in message.get("placements") or []:
            if _canvas_placement_name(str(placement)) not in _ALL_CANVAS_PLACEMENTS:
                errors.append(f"unknown placement {placement!r}")
    return errors


_ALL_CANVAS_PLACEMENTS = frozenset(p for ps in CANVAS_PLACEMENTS.values() for p in ps)


def _canvas_placement_name(placement: str) -> str:
    if placement in CANVAS_SPEC_PLACEMENTS:
        return CANVAS_SPEC_PLACEMENTS[placement]
    return placement.removeprefix(CANVAS_PREFIX)


def canvas_placements(tool: dict[str, Any]) -> list[dict[str, Any]]:
    """The placements Canvas builds from a tool configuration (Lti::IMS::Registration
    ``#placements``): one per message and placement, the first of each name winning; a
    message without placements gives link_selection; placements Canvas does not support for
    the message type give none."""
    built: list[dict[str, Any]] = []
    for message in tool.get("messages") or []:
        names = [_canvas_placement_name(str(p)) for p in message.get("placements") or []]
        for name in names or ["link_selection"]:
            if name in {p["placement"] for p in built}:
                continue
            if name not in _ALL_CANVAS_PLACEMENTS:
                continue
            placement: dict[str, Any] = {
                "placement": name,
                "message_type": message["type"],
                "target_link_uri": message.get("target_link_uri"),
                "text": message.get("label"),
            }
            if (
                name == "course_navigation"
                and message.get(CANVAS_COURSE_NAV_DEFAULT_ENABLED) is False
            ):
                placement["default"] = "disabled"
            built.append(placement)
    return built


def _register_like_moodle(
    state: SandboxState, body: dict[str, Any], tool: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and answer as Moodle 4.5's registration_helper does; the result is the
    external tool Moodle stores (pending until an admin activates it)."""
    domain = str(tool.get("domain") or "")
    if not domain:
        raise SandboxError("missing_domain")
    target = str(tool.get("target_link_uri") or f"https://{domain}")
    if _moodle_domain(domain) != _moodle_domain(target):
        raise SandboxError("domain_targetlinkuri_mismatch")
    if "id_token" not in (body.get("response_types") or []):
        raise SandboxError("invalid_response_types")
    if body.get("application_type") not in (None, "", "web"):
        raise SandboxError("invalid_application_type")
    claims = tool.get("claims") or []
    scopes = str(body.get("scope") or "").split()
    deep_linking = [
        m
        for m in tool.get("messages") or []
        if isinstance(m, dict) and m.get("type") == vocab.MESSAGE_DEEP_LINKING
    ]
    custom = tool.get("custom_parameters") or {}
    result = {
        "state": "pending",
        "tooldomain": _moodle_domain(domain),
        # Moodle reads only the tool-level custom parameters, as name=value lines.
        "customparameters": "\n".join(f"{k}={v}" for k, v in custom.items()),
        "contentitem": bool(deep_linking),
        "sendname": "always" if {"name", "given_name", "family_name"} & set(claims) else "never",
        "sendemailaddr": "always" if "email" in claims else "never",
        "acceptgrades": "delegate" if set(vocab.AGS_SCOPES) & set(scopes) else "never",
        "memberships": vocab.SCOPE_NRPS in scopes,
    }
    config: dict[str, Any] = {
        "version": "1.3.0",
        "deployment_id": state.deployment_id,
        "target_link_uri": target,
        "domain": result["tooldomain"],
        "description": tool.get("description") or "",
        "claims": ["sub", "iss", "name", "family_name", "given_name", "email"],
    }
    if deep_linking:
        config["messages"] = [
            {
                "type": vocab.MESSAGE_DEEP_LINKING,
                "target_link_uri": deep_linking[-1].get("target_link_uri", ""),
            }
        ]
    if custom:
        config["custom_parameters"] = dict(custom)
    answer = {
        "client_id": state.client_id,
        "response_types": ["id_token"],
        "jwks_uri": body["jwks_uri"],
        "initiate_login_uri": body["initiate_login_uri"],
        "grant_types": ["client_credentials", "implicit"],
        "redirect_uris": body["redirect_uris"],
        "application_type": "web",
        "token_endpoint_auth_method": "private_key_jwt",
        "client_name": body["client_name"],
        "logo_uri": body.get("logo_uri") or "",
        TOOL_CONFIGURATION: config,
        "scope": " ".join(scopes),
    }
    return result, answer


def _moodle_domain(url: str) -> str:
    match = MOODLE_DOMAIN.search(url)
    return match.group(1).lower() if match else ""

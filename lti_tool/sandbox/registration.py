"""LTI Dynamic Registration, platform side (https://www.imsglobal.org/spec/lti-dr/v1p0).

The platform publishes its OpenID configuration; an admin opens the tool's registration URL
with ``openid_configuration`` and a one-time ``registration_token``; the tool posts its
configuration to ``registration_endpoint`` with that token and receives its client_id and
deployment id. The sandbox has one client, so it answers with its configured ids after
checking the request.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, request

from . import vocab
from .state import SandboxError, SandboxState

bp = Blueprint("sandbox_registration", __name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"


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

    query = urlencode({"openid_configuration": state.url("/.well-known/openid-configuration"),
                       "registration_token": token})
    return f"{state.tool_url}/lti/register?{query}"


@bp.get("/admin/register-tool")
def start_registration() -> Response:
    """An administrator starts Dynamic Registration: open the tool's registration URL."""
    from flask import redirect

    state = _state()
    return redirect(registration_url(state, issue_registration_token(state)))


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    """The platform's OpenID configuration, with the LTI platform extension."""
    state = _state()
    return jsonify({
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
        PLATFORM_CONFIGURATION: {
            "product_family_code": "lodestar-sandbox",
            "version": "1.0",
            "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                   {"type": "LtiDeepLinkingRequest"}],
        },
    })


@bp.post("/register")
def register() -> tuple[Response, int]:
    """Accept a tool registration bearing a one-time registration token."""
    state = _state()
    auth = request.headers.get("Authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    with state.lock:
        if not token or token not in state.registration_tokens:
            raise SandboxError("unknown or used registration token", status=401,
                               error="invalid_token")
        state.registration_tokens.discard(token)
    body: dict[str, Any] = request.get_json(silent=True) or {}
    tool = body.get(TOOL_CONFIGURATION) or {}
    required = ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name")
    missing = [name for name in required if not body.get(name)]
    if missing or not isinstance(tool, dict) or not tool.get("target_link_uri"):
        raise SandboxError("missing " + ", ".join(missing or [TOOL_CONFIGURATION]),
                           error="invalid_client_metadata")
    if state.tool_launch_url not in body["redirect_uris"]:
        raise SandboxError("redirect_uris must include the tool's launch URL",
                           error="invalid_redirect_uri")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        raise SandboxError("token_endpoint_auth_method must be private_key_jwt",
                           error="invalid_client_metadata")
    with state.lock:
        state.registrations.append(body)
    answer = {**body, "client_id": state.client_id,
              TOOL_CONFIGURATION: {**tool, "deployment_id": state.deployment_id}}
    return jsonify(answer), 200

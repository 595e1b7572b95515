"""Lodestar sandbox: a small in-memory LMS ("platform") speaking LTI 1.3 Advantage.

It seeds a deterministic demo district and implements OIDC launches, the
platform JWKS, the OAuth2 token endpoint, NRPS, AGS, Deep Linking returns and
fault injection, and a slice of Canvas's REST API for a person (OAuth2 sign-in, their
enrollments with course grades, their courses with terms; for account admins the district's
courses and their enrollments: :mod:`.canvas_rest`).  The demo command runs it next to the tool; the test suite
runs it live with :func:`run_in_thread` or drives it with a Flask test client.

Configuration keys (all optional):

``SANDBOX_BASE_URL``       public base URL (default ``http://127.0.0.1:5001``)
``SANDBOX_ISSUER``         ``iss`` of id_tokens (default: the base URL)
``SANDBOX_TOOL_URL``       the tool's base URL (default ``http://localhost:5000``)
``SANDBOX_CLIENT_ID``      the tool's client_id (default ``lodestar-sandbox``)
``SANDBOX_DEPLOYMENT_ID``  deployment id (default ``sandbox-deployment-1``)
``SANDBOX_SECRET_KEY``     signs launch hints (default: random per app)
``SANDBOX_PAGE_SIZE``      default NRPS/AGS page size (default 100)
``SANDBOX_PRIVATE_KEY``    platform RSA key: PEM or :class:`PlatformKey` (default: generated)
``SANDBOX_GRANTED_SCOPES`` service scopes the tool's registration has (default: all)
``SANDBOX_SCOPE_POLICY``   ``canvas`` (default) or ``moodle``: how ``/token`` answers a
                           request naming a scope the registration lacks
``SANDBOX_FLAVOUR``        which real LMS launches and NRPS imitate: ``sandbox`` (default),
                           ``canvas`` or ``moodle`` (courses and single launches may override;
                           see :mod:`lti_tool.sandbox.flavours`)
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, request
from jinja2 import DictLoader
from werkzeug.exceptions import HTTPException

from .api import api
from .data import District, seed_demo_district
from .flavours import FLAVOURS
from .keys import PlatformKey, jwks, sign_jwt
from .launch import build_launch_claims
from .server import run_in_thread
from .state import SandboxError, SandboxState
from .templates import TEMPLATES
from .views import bp

__all__ = [
    "DEFAULT_CONFIG",
    "FLAVOURS",
    "District",
    "PlatformKey",
    "SandboxError",
    "SandboxState",
    "build_launch_claims",
    "create_sandbox_app",
    "get_state",
    "jwks",
    "run_in_thread",
    "seed_demo_district",
    "sign_jwt",
]

DEFAULT_CONFIG: dict[str, Any] = {
    "SANDBOX_BASE_URL": "http://127.0.0.1:5001",
    "SANDBOX_ISSUER": None,
    "SANDBOX_TOOL_URL": "http://localhost:5000",
    "SANDBOX_CLIENT_ID": "lodestar-sandbox",
    "SANDBOX_DEPLOYMENT_ID": "sandbox-deployment-1",
    "SANDBOX_SECRET_KEY": None,
    "SANDBOX_PAGE_SIZE": 100,
    "SANDBOX_PRIVATE_KEY": None,
    "SANDBOX_GRANTED_SCOPES": None,
    "SANDBOX_SCOPE_POLICY": "canvas",
    "SANDBOX_FLAVOUR": "sandbox",
}

_JSON_PREFIXES = ("/api/", "/token", "/jwks", "/_sandbox/", "/login/oauth2/token")


def get_state(app: Flask) -> SandboxState:
    """Return the :class:`SandboxState` of a sandbox app."""
    return app.extensions["sandbox"]  # type: ignore[no-any-return]


def create_sandbox_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the sandbox platform Flask app with a freshly seeded district."""
    app = Flask(__name__)
    app.config.update(DEFAULT_CONFIG)
    app.config.update(config or {})
    secret = app.config["SANDBOX_SECRET_KEY"] or secrets.token_hex(32)
    app.config["SANDBOX_SECRET_KEY"] = secret
    app.config["SECRET_KEY"] = secret
    app.jinja_loader = DictLoader(TEMPLATES)
    app.jinja_options = {**app.jinja_options, "trim_blocks": True, "lstrip_blocks": True}

    app.extensions["sandbox"] = SandboxState(
        base_url=str(app.config["SANDBOX_BASE_URL"]),
        issuer=app.config["SANDBOX_ISSUER"] or None,
        tool_url=str(app.config["SANDBOX_TOOL_URL"]),
        client_id=str(app.config["SANDBOX_CLIENT_ID"]),
        deployment_id=str(app.config["SANDBOX_DEPLOYMENT_ID"]),
        secret_key=secret,
        page_size=int(app.config["SANDBOX_PAGE_SIZE"]),
        key=_platform_key(app.config["SANDBOX_PRIVATE_KEY"]),
        granted_scopes=_scopes(app.config["SANDBOX_GRANTED_SCOPES"]),
        scope_policy=str(app.config["SANDBOX_SCOPE_POLICY"]),
        flavour=str(app.config["SANDBOX_FLAVOUR"]),
    )
    app.register_blueprint(bp)
    app.register_blueprint(api)
    from .canvas_rest import canvas_rest
    from .registration import bp as registration_bp

    app.register_blueprint(registration_bp)
    app.register_blueprint(canvas_rest)
    _install_hooks(app)
    return app


def _platform_key(value: PlatformKey | str | bytes | None) -> PlatformKey | None:
    """Accept a :class:`PlatformKey`, an RSA private key PEM, or ``None`` (generate)."""
    if value is None or isinstance(value, PlatformKey):
        return value
    return PlatformKey.from_pem(value)


def _scopes(value: str | Iterable[str] | None) -> list[str] | None:
    """Accept a space-separated string or an iterable of scopes (``None``: all)."""
    if value is None:
        return None
    return value.split() if isinstance(value, str) else list(value)


def _error_response(
    status: int, error: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """JSON for API/test-control paths, plain text for browser pages."""
    if request.path.startswith(_JSON_PREFIXES):
        body, mimetype = (
            json.dumps({"error": error, "error_description": message}),
            "application/json",
        )
    else:
        body, mimetype = f"{status} {error}: {message}\n", "text/plain"
    response = Response(body, status=status, mimetype=mimetype)
    response.headers.update(dict(headers or {}))
    if status == 401 and request.path.startswith("/api/"):
        response.headers["WWW-Authenticate"] = f'Bearer realm="lodestar-sandbox", error="{error}"'
    return response


def _install_hooks(app: Flask) -> None:
    @app.before_request
    def _inject_faults() -> Response | None:
        if request.path.startswith("/_sandbox/"):
            return None
        fault = get_state(app).consume_fault(request.path)
        if fault is None:
            return None
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return _error_response(
            fault.status, "injected_fault", f"fault injected for {fault.path_prefix}", headers
        )

    @app.after_request
    def _log(response: Response) -> Response:
        get_state(app).log_request(request.method, request.path, response.status_code)
        return response

    @app.errorhandler(SandboxError)
    def _sandbox_error(exc: SandboxError) -> Response:
        return _error_response(exc.status, exc.error, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        name = (exc.name or "error").lower().replace(" ", "_")
        response = _error_response(code, name, exc.description or exc.name)
        if code == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("sandbox error")
        return _error_response(500, "server_error", "the sandbox hit an unexpected error")

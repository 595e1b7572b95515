"""Fixtures for the sandbox platform tests (names are prefixed to stay out of the tool's way)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.sandbox import PlatformKey, SandboxState, create_sandbox_app, get_state, vocab

TOOL_KID = "tool-key-1"


class FormParser(HTMLParser):
    """Collects ``<input name=... value=...>`` pairs and the form ``action``."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.iframe_src: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.action = values.get("action")
        elif tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""
        elif tag == "iframe":
            self.iframe_src = values.get("src")


def parse_html(html: str) -> FormParser:
    """Parse a page for its form fields and iframe."""
    parser = FormParser()
    parser.feed(html)
    return parser


@pytest.fixture(scope="session")
def tool_private_key() -> rsa.RSAPrivateKey:
    """The tool's RSA key (generated once per session)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def tool_public_jwks(tool_private_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The tool's JWKS document."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(tool_private_key.public_key()))
    jwk.update({"kid": TOOL_KID, "alg": "RS256", "use": "sig"})
    return {"keys": [jwk]}


@pytest.fixture(scope="session")
def sandbox_platform_key() -> PlatformKey:
    """One platform key shared by the session's sandbox apps (key generation is slow)."""
    return PlatformKey.generate()


@pytest.fixture
def sandbox_app(tool_public_jwks: dict[str, Any], sandbox_platform_key: PlatformKey) -> Flask:
    """A fresh sandbox app whose state knows the tool JWKS (no HTTP fetch)."""
    app = create_sandbox_app(
        {
            "TESTING": True,
            "SANDBOX_SECRET_KEY": "test-secret",
            "SANDBOX_PRIVATE_KEY": sandbox_platform_key,
        }
    )
    get_state(app).tool_jwks = tool_public_jwks
    return app


@pytest.fixture
def sandbox_state(sandbox_app: Flask) -> SandboxState:
    """The sandbox state of :func:`sandbox_app`."""
    return get_state(sandbox_app)


@pytest.fixture
def sandbox_client(sandbox_app: Flask) -> FlaskClient:
    """A Flask test client for :func:`sandbox_app`."""
    return sandbox_app.test_client()


@pytest.fixture
def tool_assertion(
    tool_private_key: rsa.RSAPrivateKey, sandbox_state: SandboxState
) -> Callable[..., str]:
    """Build a client assertion signed by the tool; keyword arguments override claims."""

    def build(*, key: Any = None, kid: str = TOOL_KID, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": sandbox_state.client_id,
            "sub": sandbox_state.client_id,
            "aud": sandbox_state.token_url,
            "iat": now,
            "exp": now + 60,
            "jti": str(uuid.uuid4()),
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or tool_private_key, algorithm="RS256", headers={"kid": kid})

    return build


@pytest.fixture
def access_token(
    sandbox_client: FlaskClient, tool_assertion: Callable[..., str]
) -> Callable[..., str]:
    """Obtain a bearer token for the given scopes through ``POST /token``."""

    def obtain(*scopes: str) -> str:
        response = sandbox_client.post(
            "/token",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE_JWT,
                "client_assertion": tool_assertion(),
                "scope": " ".join(scopes),
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return str(response.get_json()["access_token"])

    return obtain


def build_oidc_params(login_url: str, **overrides: str | None) -> dict[str, str]:
    """Turn the tool login URL from a course page into /auth parameters, like a tool would."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(login_url).query).items()}
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": query["client_id"],
        "redirect_uri": query["target_link_uri"].split("?")[0],
        "login_hint": query["login_hint"],
        "lti_message_hint": query["lti_message_hint"],
        "state": "state-" + uuid.uuid4().hex,
        "nonce": "nonce-" + uuid.uuid4().hex,
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


@pytest.fixture
def oidc_params() -> Callable[..., dict[str, str]]:
    """Fixture form of :func:`build_oidc_params`."""
    return build_oidc_params


@pytest.fixture
def html_page() -> Callable[[str], FormParser]:
    """Fixture form of :func:`parse_html`."""
    return parse_html


@pytest.fixture
def login_url(sandbox_client: FlaskClient) -> Callable[..., str]:
    """Return the iframe src (tool login URL) of a course page."""

    def get(context_id: str, sub: str, **query: str) -> str:
        response = sandbox_client.get(
            f"/courses/{context_id}/view", query_string={"user": sub, **query}
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        src = parse_html(response.get_data(as_text=True)).iframe_src
        assert src is not None
        return src

    return get


@pytest.fixture
def launch(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, login_url: Callable[..., str]
) -> Callable[..., dict[str, Any]]:
    """Run a full launch through /auth and return the verified id_token claims."""

    def run(context_id: str, sub: str, **query: str) -> dict[str, Any]:
        params = build_oidc_params(login_url(context_id, sub, **query))
        response = sandbox_client.post("/auth", data=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        form = parse_html(response.get_data(as_text=True))
        assert form.action == sandbox_state.tool_launch_url
        assert form.fields["state"] == params["state"]
        jwks = sandbox_client.get("/jwks").get_json()
        header = jwt.get_unverified_header(form.fields["id_token"])
        key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
        claims: dict[str, Any] = jwt.decode(
            form.fields["id_token"],
            jwt.PyJWK(key).key,
            algorithms=["RS256"],
            audience=sandbox_state.client_id,
            issuer=sandbox_state.issuer,
        )
        assert claims["nonce"] == params["nonce"]
        return claims

    return run

"""OAuth2 client_credentials token endpoint with JWT client assertions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, sign_jwt, vocab


def _post(client: FlaskClient, assertion: str, scope: str = vocab.SCOPE_NRPS, **extra: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE_JWT,
        "client_assertion": assertion,
        "scope": scope,
        **extra,
    }
    return client.post("/token", data=data)


def test_token_success(sandbox_client: FlaskClient, tool_assertion: Callable[..., str]) -> None:
    scope = f"{vocab.SCOPE_NRPS} {vocab.SCOPE_SCORE}"
    response = _post(sandbox_client, tool_assertion(), scope)
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == scope
    assert body["access_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_token_accepts_audience_list(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, tool_assertion: Callable[..., str]
) -> None:
    assertion = tool_assertion(aud=["https://other.example", sandbox_state.token_url])
    assert _post(sandbox_client, assertion).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"aud": "http://127.0.0.1:5001/wrong"}, "aud"),
        ({"iss": "someone-else"}, "iss"),
        ({"sub": "someone-else"}, "sub"),
        ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 180}, "expired"),
        ({"jti": None}, "jti"),
        ({"kid": "unknown-kid"}, "kid"),
    ],
)
def test_token_rejects_bad_assertions(
    sandbox_client: FlaskClient,
    tool_assertion: Callable[..., str],
    overrides: dict[str, Any],
    expected: str,
) -> None:
    response = _post(sandbox_client, tool_assertion(**overrides))
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "invalid_client"
    assert expected in body["error_description"]


def test_token_rejects_bad_signature(
    sandbox_client: FlaskClient, tool_assertion: Callable[..., str]
) -> None:
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = _post(sandbox_client, tool_assertion(key=foreign))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert "signature" in response.get_json()["error_description"]


def test_token_rejects_unsigned_and_hmac(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, tool_public_jwks: dict[str, Any]
) -> None:
    now = int(time.time())
    claims = {
        "iss": sandbox_state.client_id,
        "sub": sandbox_state.client_id,
        "aud": sandbox_state.token_url,
        "iat": now,
        "exp": now + 60,
        "jti": "x1",
    }
    for token in (
        sign_jwt(claims, alg="none", kid="tool-key-1"),
        sign_jwt(claims, alg="HS256", key=tool_public_jwks["keys"][0]["n"], kid="tool-key-1"),
    ):
        response = _post(sandbox_client, token)
        assert response.status_code == 401
        assert "alg" in response.get_json()["error_description"]


def test_token_rejects_reused_jti(
    sandbox_client: FlaskClient, tool_assertion: Callable[..., str]
) -> None:
    assertion = tool_assertion(jti="only-once")
    assert _post(sandbox_client, assertion).status_code == 200
    response = _post(sandbox_client, tool_assertion(jti="only-once"))
    assert response.status_code == 401
    assert "already used" in response.get_json()["error_description"]


def test_token_rejects_bad_scope(
    sandbox_client: FlaskClient, tool_assertion: Callable[..., str]
) -> None:
    response = _post(
        sandbox_client, tool_assertion(), f"{vocab.SCOPE_NRPS} https://example.com/admin"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"
    response = _post(sandbox_client, tool_assertion(), "")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_token_rejects_bad_grant(
    sandbox_client: FlaskClient, tool_assertion: Callable[..., str]
) -> None:
    response = _post(sandbox_client, tool_assertion(), grant_type="password")
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"
    response = _post(sandbox_client, tool_assertion(), client_assertion_type="basic")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    response = _post(sandbox_client, "not-a-jwt")
    assert response.status_code == 401


def test_token_method_not_allowed_is_json(sandbox_client: FlaskClient) -> None:
    response = sandbox_client.get("/token")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


LIMITED = (
    vocab.SCOPE_NRPS,
    vocab.SCOPE_LINEITEM_READONLY,
    vocab.SCOPE_RESULT_READONLY,
    vocab.SCOPE_SCORE,
)


def test_limited_registration_refuses_a_request_naming_a_missing_scope_like_canvas(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, tool_assertion: Callable[..., str]
) -> None:
    """A Canvas developer key with ``lineitem.readonly`` but not ``lineitem``: asking for both
    is refused as a whole (400 invalid_scope, Canvas's wording); each granted one alone works."""
    sandbox_state.set_granted_scopes(LIMITED)
    both = f"{vocab.SCOPE_LINEITEM} {vocab.SCOPE_LINEITEM_READONLY}"
    response = _post(sandbox_client, tool_assertion(), both)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_scope"
    assert body["error_description"].endswith(
        "The following scopes were requested, but not granted: " + vocab.SCOPE_LINEITEM
    )
    assert _post(sandbox_client, tool_assertion(), vocab.SCOPE_LINEITEM).status_code == 400
    alone = _post(sandbox_client, tool_assertion(), vocab.SCOPE_LINEITEM_READONLY)
    assert alone.status_code == 200
    assert alone.get_json()["scope"] == vocab.SCOPE_LINEITEM_READONLY


def test_moodle_policy_grants_the_permitted_part(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, tool_assertion: Callable[..., str]
) -> None:
    sandbox_state.set_granted_scopes(LIMITED, "moodle")
    both = f"{vocab.SCOPE_LINEITEM} {vocab.SCOPE_LINEITEM_READONLY}"
    response = _post(sandbox_client, tool_assertion(), both)
    assert response.status_code == 200
    assert response.get_json()["scope"] == vocab.SCOPE_LINEITEM_READONLY
    assert _post(sandbox_client, tool_assertion(), vocab.SCOPE_LINEITEM).status_code == 400


def test_scopes_test_control(sandbox_client: FlaskClient, sandbox_state: SandboxState) -> None:
    assert sandbox_client.get("/_sandbox/scopes").get_json()["policy"] == "canvas"
    response = sandbox_client.put(
        "/_sandbox/scopes", json={"scopes": [vocab.SCOPE_SCORE], "policy": "moodle"}
    )
    assert response.status_code == 200
    assert response.get_json() == {"scopes": [vocab.SCOPE_SCORE], "policy": "moodle"}
    assert sandbox_state.granted_scopes == {vocab.SCOPE_SCORE}
    for bad in (
        {"scopes": ["https://example.com/admin"]},
        {"scopes": "x"},
        {"scopes": [], "policy": "blackboard"},
    ):
        assert sandbox_client.put("/_sandbox/scopes", json=bad).status_code == 400


def test_launch_service_claims_follow_the_registration(
    sandbox_state: SandboxState, launch: Callable[..., dict[str, Any]]
) -> None:
    """As Canvas's message builder: AGS lists the key's AGS scopes; no NRPS scope, no claim."""
    sandbox_state.set_granted_scopes((vocab.SCOPE_LINEITEM_READONLY, vocab.SCOPE_SCORE))
    claims = launch("sbx-course-bio1", "sbx-user-0001")
    assert claims[vocab.CLAIM_AGS]["scope"] == [vocab.SCOPE_LINEITEM_READONLY, vocab.SCOPE_SCORE]
    assert vocab.CLAIM_NRPS not in claims

"""OIDC authorization endpoint and id_token contents."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, build_launch_claims, sign_jwt, vocab


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"redirect_uri": "http://localhost:5000/evil"}, "redirect_uri"),
        ({"client_id": "someone-else"}, "client_id"),
        ({"nonce": None}, "nonce"),
        ({"state": None}, "state"),
        ({"scope": "profile"}, "scope"),
        ({"response_type": "code"}, "response_type"),
        ({"response_mode": "query"}, "response_mode"),
        ({"prompt": "login"}, "prompt"),
        ({"login_hint": "sbx-user-9999"}, "login_hint"),
        ({"login_hint": "sbx-user-0002"}, "another user"),
        ({"lti_message_hint": "tampered"}, "message-hint"),
    ],
)
def test_auth_rejects_bad_requests(
    sandbox_client: FlaskClient,
    login_url: Callable[..., str],
    oidc_params: Callable[..., dict[str, str]],
    override: dict[str, Any],
    message: str,
) -> None:
    params = oidc_params(login_url("sbx-course-bio1", "sbx-user-0001"), **override)
    response = sandbox_client.get("/auth", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert message in response.get_data(as_text=True)


def test_auth_form_is_machine_readable(
    sandbox_client: FlaskClient,
    sandbox_state: SandboxState,
    login_url: Callable[..., str],
    oidc_params: Callable[..., dict[str, str]],
) -> None:
    params = oidc_params(login_url("sbx-course-bio1", "sbx-user-0001"))
    html = sandbox_client.get("/auth", query_string=params).get_data(as_text=True)
    assert f'<form id="lti-launch" method="post" action="{sandbox_state.tool_launch_url}">' in html
    assert 'name="id_token" value="ey' in html
    assert f'name="state" value="{params["state"]}"' in html
    assert "<noscript>" in html
    assert "submit()" in html


def test_teacher_launch_claims(
    launch: Callable[..., dict[str, Any]], sandbox_state: SandboxState
) -> None:
    claims = launch("sbx-course-bio1", "sbx-user-0001")
    assert claims["sub"] == "sbx-user-0001"
    assert claims["aud"] == claims["azp"] == "lodestar-sandbox"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["name"] == "Margaret Ellison"
    assert claims[vocab.CLAIM_MESSAGE_TYPE] == "LtiResourceLinkRequest"
    assert claims[vocab.CLAIM_VERSION] == "1.3.0"
    assert claims[vocab.CLAIM_DEPLOYMENT_ID] == "sandbox-deployment-1"
    assert claims[vocab.CLAIM_TARGET_LINK_URI] == "http://localhost:5000/lti/launch"
    assert claims[vocab.CLAIM_RESOURCE_LINK] == {"id": "sbx-rl-bio1", "title": "Lodestar ILP"}
    assert claims[vocab.CLAIM_ROLES] == [vocab.ROLE_INSTRUCTOR, vocab.INST_FACULTY]
    assert claims[vocab.CLAIM_CONTEXT] == {
        "id": "sbx-course-bio1",
        "label": "BIO-1",
        "title": "Biology 1",
        "type": [vocab.CONTEXT_TYPE_COURSE_OFFERING],
    }
    assert claims[vocab.CLAIM_TOOL_PLATFORM]["product_family_code"] == "lodestar-sandbox"
    assert claims[vocab.CLAIM_CUSTOM] == {
        "lms_user_id": "1",
        "lms_course_id": "101",
        "timezone": "America/Chicago",
    }
    assert claims[vocab.CLAIM_LAUNCH_PRESENTATION]["document_target"] == "iframe"
    assert claims[vocab.CLAIM_NRPS] == {
        "context_memberships_url": "http://127.0.0.1:5001/api/lti/courses/sbx-course-bio1/memberships",
        "service_versions": ["2.0"],
    }
    assert (
        claims[vocab.CLAIM_AGS]["lineitems"]
        == "http://127.0.0.1:5001/api/lti/courses/sbx-course-bio1/line_items"
    )
    assert set(claims[vocab.CLAIM_AGS]["scope"]) == set(vocab.AGS_SCOPES)
    assert vocab.CLAIM_ROLE_SCOPE_MENTOR not in claims
    assert vocab.CLAIM_DL_SETTINGS not in claims


def test_student_launch_claims(launch: Callable[..., dict[str, Any]]) -> None:
    claims = launch("sbx-course-alg2", "sbx-user-0008")
    assert claims["sub"] == "sbx-user-0008"
    assert claims[vocab.CLAIM_ROLES] == [vocab.ROLE_LEARNER, vocab.INST_STUDENT]
    assert claims[vocab.CLAIM_CONTEXT]["id"] == "sbx-course-alg2"
    assert claims["email"].endswith("@cedarridge.example")


def test_parent_launch_has_role_scope_mentor(launch: Callable[..., dict[str, Any]]) -> None:
    claims = launch("sbx-course-bio1", "sbx-user-0005")
    assert claims[vocab.CLAIM_ROLES] == [vocab.ROLE_MENTOR, vocab.INST_MENTOR]
    assert claims[vocab.CLAIM_ROLE_SCOPE_MENTOR] == ["sbx-user-0007"]


@pytest.mark.parametrize(
    ("sub", "role"),
    [("sbx-user-0004", vocab.INST_STAFF), ("sbx-user-0006", vocab.INST_ADMINISTRATOR)],
)
def test_staff_launch_has_institution_roles_only(
    launch: Callable[..., dict[str, Any]], sub: str, role: str
) -> None:
    claims = launch("sbx-course-bio1", sub)
    assert claims[vocab.CLAIM_ROLES] == [role]


def test_deep_linking_launch(launch: Callable[..., dict[str, Any]]) -> None:
    claims = launch("sbx-course-ied", "sbx-user-0003", message="deep_link")
    assert claims[vocab.CLAIM_MESSAGE_TYPE] == "LtiDeepLinkingRequest"
    assert vocab.CLAIM_RESOURCE_LINK not in claims
    settings = claims[vocab.CLAIM_DL_SETTINGS]
    assert settings["deep_link_return_url"].startswith("http://127.0.0.1:5001/deep_linking/return")
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["accept_multiple"] is True
    assert settings["data"]


def test_build_launch_claims_without_course(sandbox_state: SandboxState) -> None:
    counselor = sandbox_state.get_user("sbx-user-0004")
    claims = build_launch_claims(sandbox_state, counselor, None, nonce="n", now=1_700_000_000)
    assert claims["iat"] == 1_700_000_000
    assert claims["exp"] == 1_700_000_300
    assert claims[vocab.CLAIM_ROLES] == [vocab.INST_STAFF]
    assert vocab.CLAIM_CONTEXT not in claims
    assert vocab.CLAIM_NRPS not in claims


def test_issuer_override() -> None:
    from lti_tool.sandbox import create_sandbox_app, get_state

    app = create_sandbox_app(
        {"SANDBOX_ISSUER": "https://lms.example", "SANDBOX_BASE_URL": "http://127.0.0.1:9"}
    )
    state = get_state(app)
    assert state.issuer == "https://lms.example"
    assert state.token_url == "http://127.0.0.1:9/token"


def _segments(token: str) -> list[dict[str, Any]]:
    parts = token.split(".")
    return [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in parts[:2]]


def test_sign_jwt_forgeries(sandbox_app: Any, sandbox_state: SandboxState) -> None:
    claims = {"sub": "x"}
    jwks = sandbox_state.key.jwks()
    public = jwt.PyJWK(jwks["keys"][0]).key

    good = sandbox_state.sign_jwt(claims)
    assert jwt.get_unverified_header(good)["kid"] == sandbox_state.key.kid
    assert jwt.decode(good, public, algorithms=["RS256"]) == claims
    with sandbox_app.app_context():
        assert jwt.decode(sign_jwt(claims), public, algorithms=["RS256"]) == claims
    with pytest.raises(ValueError, match="key="):
        sign_jwt(claims)

    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = sign_jwt(claims, key=foreign, kid=sandbox_state.key.kid)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, public, algorithms=["RS256"])

    unknown_kid = sandbox_state.sign_jwt(claims, kid="not-a-key")
    assert jwt.get_unverified_header(unknown_kid)["kid"] == "not-a-key"

    unsigned = sign_jwt(claims, alg="none")
    assert unsigned.endswith(".")
    assert unsigned.count(".") == 2
    assert _segments(unsigned) == [{"alg": "none", "typ": "JWT"}, claims]

    hs = sign_jwt(claims, alg="HS256", key="shared-secret-that-is-long-enough-for-hs256")
    assert (
        jwt.decode(hs, "shared-secret-that-is-long-enough-for-hs256", algorithms=["HS256"])
        == claims
    )
    confused = sign_jwt(claims, alg="HS256", key=sandbox_state.key)  # public PEM as HMAC secret
    assert _segments(confused)[0]["alg"] == "HS256"

    no_kid = sandbox_state.sign_jwt(claims, headers={"kid": None, "x5u": "http://evil.example"})
    header = jwt.get_unverified_header(no_kid)
    assert "kid" not in header
    assert header["x5u"] == "http://evil.example"


def test_private_key_from_pem(sandbox_platform_key: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    from lti_tool.sandbox import create_sandbox_app, get_state

    pem = sandbox_platform_key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    state = get_state(create_sandbox_app({"SANDBOX_PRIVATE_KEY": pem}))
    assert state.key.kid == sandbox_platform_key.kid
    assert state.key.public_jwk["kid"] == state.key.kid
    assert "d" not in state.key.jwks()["keys"][0]

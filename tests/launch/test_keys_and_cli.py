"""Signing keys, platform registration through the ``ilp`` CLI, the config endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.launch import keys
from lti_tool.launch.models import KeyStatus, ToolKey
from lti_tool.models import Platform
from tests.lti_driver import token_of

ADD = [
    "platforms",
    "add",
    "--issuer",
    "https://canvas.instructure.com",
    "--client-id",
    "10000000000042",
    "--deployment-id",
    "12:abc",
    "--auth-login-url",
    "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--auth-token-url",
    "https://sso.canvaslms.com/login/oauth2/token",
    "--key-set-url",
    "https://sso.canvaslms.com/api/lti/security/jwks",
    "--name",
    "Springfield Canvas",
    "--lms",
    "canvas",
]


def test_platforms_add_list_remove(runner: Any, app: Flask) -> None:
    result = runner.invoke(args=ADD)
    assert result.exit_code == 0, result.output
    assert "Registered platform" in result.output
    # Adding again with another deployment extends the same registration.
    again = runner.invoke(args=[*ADD[:6], "--deployment-id", "13:def", *ADD[8:]])
    assert again.exit_code == 0, again.output
    listing = runner.invoke(args=["platforms", "list"])
    assert "Springfield Canvas" in listing.output and "12:abc,13:def" in listing.output
    with app.app_context():
        platform_id = db.session.execute(select(Platform.id)).scalar_one()
    removed = runner.invoke(args=["platforms", "remove", str(platform_id)])
    assert removed.exit_code == 0 and "Deactivated" in removed.output
    with app.app_context():
        assert db.session.get(Platform, platform_id).active is False


def test_platforms_add_rejects_bad_url(runner: Any) -> None:
    args = list(ADD)
    args[args.index("--key-set-url") + 1] = "ftp://nope"
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert "key set URL must be an http(s) URL" in result.output


def test_platforms_remove_unknown(runner: Any) -> None:
    result = runner.invoke(args=["platforms", "remove", "999"])
    assert result.exit_code == 2 and "No platform with id 999" in result.output


def test_key_rotation_keeps_old_key_published_until_retired(
    runner: Any, client: Any, app: Flask
) -> None:
    first = client.get("/lti/jwks").get_json()["keys"]
    assert len(first) == 1 and first[0]["alg"] == "RS256" and "d" not in first[0]
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    both = client.get("/lti/jwks").get_json()["keys"]
    assert [k["kid"] for k in both][1] == first[0]["kid"]
    assert len(both) == 2
    with app.app_context():
        assert keys.active_key().kid == both[0]["kid"]
    assert "Retired 1 key" in runner.invoke(args=["keys", "retire"]).output
    last = client.get("/lti/jwks").get_json()["keys"]
    assert [k["kid"] for k in last] == [both[0]["kid"]]


def test_private_keys_are_encrypted_at_rest(app: Flask) -> None:
    with app.app_context():
        key = keys.active_key()
        stored = db.session.execute(select(ToolKey)).scalar_one()
        assert "PRIVATE KEY" not in stored.private_key_encrypted
        assert "PRIVATE KEY" in keys.private_pem(key)
        assert stored.status == KeyStatus.ACTIVE


def test_retire_unknown_kid(runner: Any) -> None:
    result = runner.invoke(args=["keys", "retire", "--kid", "nope"])
    assert result.exit_code == 2


def test_canvas_developer_key_json(client: Any) -> None:
    data = client.get("/lti/config/canvas.json").get_json()
    assert data["oidc_initiation_url"] == "http://localhost/lti/login"
    assert data["target_link_uri"] == "http://localhost/lti/launch"
    assert data["public_jwk_url"] == "http://localhost/lti/jwks"
    placements = {p["placement"] for p in data["extensions"][0]["settings"]["placements"]}
    assert {"course_navigation", "assignment_selection"} <= placements
    assert any("contextmembership" in s for s in data["scopes"])


def test_proxy_fix_uses_forwarded_scheme_and_host(database_url: str, tmp_path: Any) -> None:
    from tests.conftest import _make_app

    app = _make_app(database_url, tmp_path, ILP_PROXY_COUNT="1")
    data = (
        app.test_client()
        .get(
            "/lti/config/canvas.json",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ilp.district.example"},
        )
        .get_json()
    )
    assert data["target_link_uri"] == "https://ilp.district.example/lti/launch"
    with app.app_context():
        db.engine.dispose()


def test_unexpected_error_is_a_clean_500(app: Flask, client: Any) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "kaboom" not in body
    assert "Nothing you saved was lost" in body


def test_unknown_page_is_404_page(client: Any) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert "Not Found" in response.get_data(as_text=True)


def test_json_errors_for_api_clients(client: Any) -> None:
    response = client.get("/plans/me", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["status"] == 401


def test_production_requires_secret_key(tmp_path: Any) -> None:
    from lti_tool.errors import ConfigurationError
    from lti_tool.settings import load_settings

    with pytest.raises(ConfigurationError, match="ILP_SECRET_KEY"):
        load_settings(tmp_path, {"ILP_ENV": "production"})
    with pytest.raises(ConfigurationError, match="whole number"):
        load_settings(tmp_path, {"ILP_PROXY_COUNT": "two"})


def test_demo_once_registers_the_sandbox_and_prints_where_to_start(runner: Any, app: Flask) -> None:
    result = runner.invoke(args=["demo", "--once", "--tool-port", "5999", "--lms-port", "5998"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5998/" in result.output
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        assert platform.issuer == "http://127.0.0.1:5998"
        assert [d.deployment_id for d in platform.deployments] == ["sandbox-deployment-1"]


def test_purge_deletes_the_tenants_data(
    lti: Any, app: Flask, runner: Any, platform_id: int
) -> None:
    from lti_tool.models import Course, Person

    lti.launch(lti.person("student"))
    lti.launch(lti.person("teacher"))
    result = runner.invoke(args=["platforms", "remove", str(platform_id), "--purge"], input="y\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(select(Person)).first() is None
        assert db.session.execute(select(Course)).first() is None


@pytest.mark.parametrize(
    "path",
    [
        "/plans/students/99999999999999999999",
        "/courses/99999999999999999999",
        "/portfolio/files/99999999999999999999",
    ],
)
def test_ids_too_large_for_any_column_are_404(lti: Any, path: str) -> None:

    token = token_of(lti.launch(lti.person("teacher")))
    assert lti.client.get(path, query_string={"lt": token}).status_code == 404

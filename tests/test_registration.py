"""LTI Dynamic Registration against the sandbox LMS."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Platform
from lti_tool.sandbox import get_state
from lti_tool.sandbox.registration import issue_registration_token, registration_url


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_dynamic_registration_creates_a_working_platform(app: Flask, client: Any,
                                                         sandbox: Flask) -> None:
    state = get_state(sandbox)
    token = issue_registration_token(state)
    page = client.get(_path(registration_url(state, token)))
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "org.imsglobal.lti.close" in page.get_data(as_text=True)
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        assert platform.issuer == state.issuer and platform.client_id == state.client_id
        assert [d.deployment_id for d in platform.deployments] == [state.deployment_id]
        assert platform.key_set_url == state.jwks_url
        assert db.session.execute(select(AuditEvent.action)).scalars().all() == [
            "platform.registered"]
    sent = state.registrations[-1]
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert sent["redirect_uris"] == ["http://localhost/lti/launch"]
    # The token is single use.
    again = client.get(_path(registration_url(state, token)))
    assert again.status_code == 502
    assert "refused the registration (401)" in again.get_data(as_text=True)


def test_registration_with_a_foreign_issuer_is_refused(app: Flask, client: Any,
                                                       sandbox: Flask) -> None:
    state = get_state(sandbox)
    token = issue_registration_token(state)
    original = state.explicit_issuer
    state.explicit_issuer = "https://lms.elsewhere.example"
    try:
        page = client.get(_path(registration_url(state, token)))
    finally:
        state.explicit_issuer = original
    assert page.status_code == 400
    assert "issuer does not match" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Platform)).first() is None


def test_registration_link_without_configuration_is_400(client: Any) -> None:
    assert client.get("/lti/register").status_code == 400


def test_registration_can_be_switched_off(app: Flask, client: Any, sandbox: Flask) -> None:
    app.config["ILP_DYNAMIC_REGISTRATION"] = False
    state = get_state(sandbox)
    page = client.get(_path(registration_url(state, issue_registration_token(state))))
    assert page.status_code == 403

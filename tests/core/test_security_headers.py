"""Security headers: CSP with the tenant's LMS as the only framer, HSTS, no-store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool import TEMPLATE_DIR, create_app, hygiene, security_headers
from lti_tool.extensions import db
from lti_tool.models import Platform, Tenant
from lti_tool.sandbox.launch import login_initiation_url
from tests.lti_driver import LtiDriver

PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


def directives(response: Any) -> dict[str, str]:
    """The response's CSP as ``{directive: sources}``."""
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def test_every_response_has_the_policy(client: Any) -> None:
    for path in ("/", "/static/lodestar.css", "/no-such-page", "/lti/jwks"):
        response = client.get(path)
        csp = directives(response)
        assert csp["default-src"] == "'self'"
        assert csp["script-src"] == "'self'" and "unsafe-inline" not in str(csp)
        assert csp["style-src"] == "'self'"
        assert csp["object-src"] == "'none'"
        assert csp["frame-ancestors"] == "'self'", path
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response.headers
        response.close()


def test_hsts_only_in_production(app: Flask) -> None:
    with app.test_request_context("/"):
        app.config["ILP_ENV"] = "production"
        try:
            response = security_headers.apply_headers(app.response_class("x"))
        finally:
            app.config["ILP_ENV"] = "testing"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_launch_pages_and_signed_in_pages_are_not_cached(lti: LtiDriver) -> None:
    anonymous = lti.client.get("/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    teacher = lti.person("teacher")
    login = lti.login(teacher)
    assert login.headers["Cache-Control"] == "no-store, private"
    launch = lti.post_launch(lti.authorize(login))
    assert launch.headers["Cache-Control"] == "no-store, private"
    page = lti.client.get(launch.headers["Location"])
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store, private"
    # Our own static files hold no student data and stay cacheable.
    with lti.client.get("/static/lodestar.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_frame_ancestors_of_the_login_and_launch_name_the_platform(lti: LtiDriver) -> None:
    lms_origin = lti.state.url("/").rstrip("/")
    teacher = lti.person("teacher")
    login = lti.login(teacher)
    assert directives(login)["frame-ancestors"] == f"'self' {lms_origin}"
    launch = lti.post_launch(lti.authorize(login))
    assert directives(launch)["frame-ancestors"] == f"'self' {lms_origin}"
    page = lti.client.get(launch.headers["Location"])
    assert directives(page)["frame-ancestors"] == f"'self' {lms_origin}"


def test_first_login_posted_by_the_lms_may_be_framed_by_it(lti: LtiDriver) -> None:
    """Canvas cloud's first launch: the login form is posted from the district's domain,
    which neither the shared issuer nor the SSO auth URL names yet."""
    district = "https://district.instructure.com"
    teacher = lti.person("teacher")
    url = urlsplit(login_initiation_url(lti.state, teacher, lti.course_of(teacher)))
    form = {k: v[0] for k, v in parse_qs(url.query).items()}
    login = lti.client.post(url.path, data=form, headers={"Origin": district})
    assert login.status_code in {200, 302}, login.get_data(as_text=True)
    assert district in directives(login)["frame-ancestors"].split()
    # A GET carries no Origin to trust; an unknown platform gets no one's origin.
    unknown = lti.client.post(
        "/lti/login", data={**form, "iss": "https://unknown.invalid"}, headers={"Origin": district}
    )
    assert unknown.status_code == 403
    assert directives(unknown)["frame-ancestors"] == "'self'"
    # Pages of the session that follows are framed only by the tenant's own origins.
    launch = lti.post_launch(lti.authorize(login))
    page = lti.client.get(launch.headers["Location"], headers={"Origin": district})
    assert district not in page.headers["Content-Security-Policy"]


def test_launch_return_url_origin_is_learned(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    state, nonce = lti.begin(teacher)
    claims = lti.claims(teacher, nonce)
    claims[PRESENTATION] = {
        "document_target": "iframe",
        "return_url": "https://district.instructure.com/courses/1/"
        "external_content/success/external_tool_redirect",
    }
    response = lti.post_launch({"id_token": lti.sign(claims), "state": state})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = lti.client.get(response.headers["Location"])
    assert "https://district.instructure.com" in directives(page)["frame-ancestors"].split()
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalars().one()
        assert platform.settings["web_origins"][-1] == "https://district.instructure.com"


def test_a_rejected_launch_learns_nothing(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    state, _nonce = lti.begin(teacher)
    claims = lti.claims(teacher, "not-the-nonce")
    claims[PRESENTATION] = {"return_url": "https://evil.example/x"}
    response = lti.post_launch({"id_token": lti.sign(claims), "state": state})
    assert response.status_code >= 400
    assert "evil.example" not in response.headers["Content-Security-Policy"]
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalars().one()
        assert "evil.example" not in str(platform.settings)


def test_learned_origins_are_capped_and_deduplicated(app: Flask) -> None:
    with app.app_context():
        tenant = Tenant(name="District")
        db.session.add(tenant)
        db.session.flush()
        platform = Platform(
            tenant=tenant,
            name="Canvas",
            issuer="https://canvas.instructure.com",
            client_id="1",
            auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
            auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
            key_set_url="https://sso.canvaslms.com/api/lti/security/jwks",
            settings={"canvas_api_url": "https://learn.district.org"},
        )
        db.session.add(platform)
        db.session.commit()
        for n in range(8):
            security_headers.learn_launch_origin(
                platform, {PRESENTATION: {"return_url": f"https://site{n}.instructure.com/x"}}
            )
        security_headers.learn_launch_origin(
            platform, {PRESENTATION: {"return_url": "https://site7.instructure.com/y"}}
        )
        security_headers.learn_launch_origin(
            platform, {PRESENTATION: {"return_url": "javascript:alert(1)"}}
        )
        db.session.expire_all()
        platform = db.session.get(Platform, platform.id)
        assert platform.settings["web_origins"] == [
            f"https://site{n}.instructure.com" for n in range(3, 8)
        ]
        origins = security_headers.platform_origins(platform)
        # The shared Canvas cloud issuer is no district's Canvas; its configured REST base
        # URL and its SSO host (where the login goes) are.
        assert "https://canvas.instructure.com" not in origins
        assert "https://learn.district.org" in origins
        assert "https://sso.canvaslms.com" in origins


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Moodle.District.org/mod/lti/return.php?x=1", "https://moodle.district.org"),
        ("https://moodle.district.org:443/", "https://moodle.district.org"),
        ("http://127.0.0.1:8001/courses/1", "http://127.0.0.1:8001"),
        ("http://[::1]:8001/", "http://[::1]:8001"),
        ("javascript:alert(1)", None),
        ("https://a.org;script-src *", None),
        ("http://[::1", None),
        ("", None),
        (["https://a.org"], None),
    ],
)
def test_web_origin(url: Any, origin: str | None) -> None:
    assert hygiene.origin(url) == origin


def test_other_tenants_origins_never_frame(lti: LtiDriver, app: Flask) -> None:
    with app.app_context():
        other = Tenant(name="Elsewhere")
        db.session.add(other)
        db.session.flush()
        db.session.add(
            Platform(
                tenant=other,
                name="M",
                issuer="https://moodle.other.org",
                client_id="c",
                auth_login_url="https://moodle.other.org/auth",
                auth_token_url="https://moodle.other.org/token",
                key_set_url="https://moodle.other.org/jwks",
            )
        )
        db.session.commit()
    response = lti.launch(lti.person("student"))
    page = lti.client.get(response.headers["Location"])
    assert "moodle.other.org" not in page.headers["Content-Security-Policy"]


def test_registration_page_may_be_framed_by_its_platform(client: Any) -> None:
    response = client.get(
        "/lti/register",
        query_string={
            "openid_configuration": "https://moodle.district.org/mod/lti/openid-configuration.php"
        },
    )
    assert directives(response)["frame-ancestors"] == "'self' https://moodle.district.org"


def test_templates_have_no_inline_script_or_style() -> None:
    for path in TEMPLATE_DIR.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=", text), path
        assert "<style" not in text, path


def test_create_app_registers_the_hook(tmp_path: Path) -> None:
    app = create_app(
        {"ILP_ENV": "testing", "ILP_DATABASE_URL": "sqlite://", "ILP_INSTANCE_DIR": str(tmp_path)}
    )
    assert security_headers.apply_headers in app.after_request_funcs[None]

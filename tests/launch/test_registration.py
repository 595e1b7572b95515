"""LTI Dynamic Registration against the sandbox LMS."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
import responses
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.launch.registration import (
    PLATFORM_CONFIGURATION,
    TOOL_CONFIGURATION,
    create_link,
    tool_configuration,
)
from lti_tool.lti_vocab import (
    AGS_LINEITEM,
    AGS_LINEITEM_READONLY,
    AGS_RESULT,
    AGS_SCORE,
    NRPS_SCOPE,
    SCOPES,
)
from lti_tool.models import AuditEvent, LmsKind, Platform
from lti_tool.sandbox import SandboxState, get_state
from lti_tool.sandbox.registration import issue_registration_token, registration_url
from tests.browser import DemoStack
from tests.lti_driver import LtiDriver


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture(autouse=True)
def make_link(app: Flask, sandbox: Flask) -> Iterator[Callable[..., str]]:
    """The operator's one-time registration link, given to the (session-wide) sandbox LMS
    the way an LMS admin pastes it; ``make_link(**options)`` makes another."""
    state = get_state(sandbox)

    def make(**options: Any) -> str:
        with app.app_context():
            token = create_link(**options)
        state.tool_registration_url = f"http://localhost/lti/register?link={token}"
        return token

    make()
    yield make
    state.tool_registration_url = None


def test_dynamic_registration_creates_a_working_platform(
    app: Flask, client: Any, sandbox: Flask
) -> None:
    state = get_state(sandbox)
    token = issue_registration_token(state)
    page = client.get(_path(registration_url(state, token)))
    assert page.status_code == 200, page.get_data(as_text=True)
    # The Finish button's script is a static file (no inline script under the CSP).
    assert "/static/pages.js" in page.get_data(as_text=True)
    with client.get("/static/pages.js") as script:
        assert "org.imsglobal.lti.close" in script.get_data(as_text=True)
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        assert platform.issuer == state.issuer and platform.client_id == state.client_id
        assert [d.deployment_id for d in platform.deployments] == [state.deployment_id]
        assert platform.key_set_url == state.jwks_url
        assert db.session.execute(select(AuditEvent.action)).scalars().all() == [
            "platform.registered"
        ]
    sent = state.registrations[-1]
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert sent["redirect_uris"] == ["http://localhost/lti/launch"]
    # The link is single use: a second try is refused before anything is fetched.
    fetched = len(state.request_log)
    again = client.get(_path(registration_url(state, issue_registration_token(state))))
    assert again.status_code == 403
    assert "already used" in again.get_data(as_text=True)
    assert len(state.request_log) == fetched


def test_registration_with_a_foreign_issuer_is_refused(
    app: Flask, client: Any, sandbox: Flask
) -> None:
    state = get_state(sandbox)
    token = issue_registration_token(state)
    original = state.explicit_issuer
    state.explicit_issuer = "https://lms.elsewhere.example"
    try:
        page = client.get(_path(registration_url(state, token)))
    finally:
        state.explicit_issuer = original
    assert page.status_code == 400
    assert "could not be completed" in page.get_data(as_text=True)  # detail only in the log
    with app.app_context():
        assert db.session.execute(select(Platform)).first() is None


def test_registration_link_without_configuration_is_400(
    client: Any, make_link: Callable[..., str]
) -> None:
    assert client.get("/lti/register").status_code == 403  # no link: nothing at all
    assert client.get("/lti/register", query_string={"link": make_link()}).status_code == 400


def test_registration_can_be_switched_off(app: Flask, client: Any, sandbox: Flask) -> None:
    app.config["ILP_DYNAMIC_REGISTRATION"] = False
    state = get_state(sandbox)
    page = client.get(_path(registration_url(state, issue_registration_token(state))))
    assert page.status_code == 403


# -- the shapes real LMSs answer in -------------------------------------------------------

CANVAS_DR_PLACEMENTS = {
    "course_navigation",
    "user_navigation",
    "assignment_selection",
    "link_selection",
}


@pytest.fixture
def lms_style(sandbox: Flask) -> Iterator[Callable[[str], SandboxState]]:
    """Make the (session-wide) sandbox answer registrations like a real LMS for one test."""
    state = get_state(sandbox)

    def use(style: str) -> SandboxState:
        state.registration_style = style
        return state

    yield use
    state.registration_style = "sandbox"


def _register(client: Any, state: SandboxState) -> Any:
    return client.get(_path(registration_url(state, issue_registration_token(state))))


def _page_text(page: Any) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))).split())


def test_canvas_top_level_deployment_id_is_stored(
    app: Flask, client: Any, lms_style: Callable[[str], SandboxState]
) -> None:
    state = lms_style("canvas")
    page = _register(client, state)
    assert page.status_code == 200, page.get_data(as_text=True)
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        assert platform.lms == LmsKind.CANVAS
        assert [d.deployment_id for d in platform.deployments] == [state.deployment_id]
    text = _page_text(page)
    assert "Lodestar is registered with Canvas" in text
    assert "Enable & Close" in text
    assert "Admin > Developer Keys" in text and "State is ON" in text
    assert "View in Canvas Apps" in text
    assert "None yet" not in text


def test_canvas_registration_sends_placements_and_custom_fields(
    client: Any, lms_style: Callable[[str], SandboxState]
) -> None:
    state = lms_style("canvas")
    assert _register(client, state).status_code == 200
    tool = state.registrations[-1][TOOL_CONFIGURATION]
    assert tool["custom_parameters"] == {
        "lms_user_id": "$Canvas.user.id",
        "lms_course_id": "$Canvas.course.id",
        "timezone": "$Person.address.timezone",
    }
    assert tool["https://canvas.instructure.com/lti/privacy_level"] == "public"
    assert set(tool["claims"]) >= {"sub", "name", "email"}
    # What Canvas makes of it: every placement of the manual developer key, not just the
    # link_selection Canvas derives from messages without placements.
    made = state.registration_results[-1]
    by_name = {p["placement"]: p for p in made["placements"]}
    assert set(by_name) == CANVAS_DR_PLACEMENTS
    assert by_name["user_navigation"]["text"] == "My Learning Plan"
    assert by_name["assignment_selection"]["message_type"] == "LtiDeepLinkingRequest"
    assert by_name["link_selection"]["message_type"] == "LtiDeepLinkingRequest"
    assert by_name["course_navigation"]["message_type"] == "LtiResourceLinkRequest"
    assert "default" not in by_name["course_navigation"]  # shown in courses by default
    assert made["custom_fields"]["lms_user_id"] == "$Canvas.user.id"
    assert made["privacy_level"] == "public"


def test_canvas_registered_platform_launches(
    app: Flask, client: Any, sandbox: Flask, lms_style: Callable[[str], SandboxState]
) -> None:
    state = lms_style("canvas")
    assert _register(client, state).status_code == 200
    lti = LtiDriver(client, app, sandbox)
    teacher = lti.person("teacher")
    assert lti.launch(teacher).status_code == 302


def test_canvas_without_root_deployment_registers_with_no_deployment(
    app: Flask, client: Any, lms_style: Callable[[str], SandboxState]
) -> None:
    state = lms_style("canvas-no-deployment")
    page = _register(client, state)
    # Canvas has already made the developer key: refusing here (it was a 502) strands it.
    assert page.status_code == 200, page.get_data(as_text=True)
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        assert platform.client_id == state.client_id and platform.deployments == []
        event = db.session.execute(select(AuditEvent)).scalar_one()
        assert event.action == "platform.registered"
    text = _page_text(page)
    assert "Deployment ID None yet" in text
    assert "a Lodestar administrator is asked to enable the new installation" in text
    assert f"By Client ID , enter the client ID {state.client_id}" in text


def test_moodle_deployment_id_inside_tool_configuration(
    app: Flask, client: Any, lms_style: Callable[[str], SandboxState]
) -> None:
    state = lms_style("moodle")
    page = _register(client, state)
    assert page.status_code == 200, page.get_data(as_text=True)
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        assert platform.lms == LmsKind.MOODLE
        assert [d.deployment_id for d in platform.deployments] == [state.deployment_id]
    text = _page_text(page)
    assert "Lodestar is registered with Moodle" in text
    assert "will now show Lodestar" not in text
    assert "Site administration > Plugins > Activity modules > External tool > Manage tools" in text
    assert "Pending" in text and "Activate" in text
    assert "Tool configuration usage" in text
    assert "Show in activity chooser and as a preconfigured tool" in text


def test_moodle_registration_gets_no_canvas_variables(
    client: Any, lms_style: Callable[[str], SandboxState]
) -> None:
    state = lms_style("moodle")
    assert _register(client, state).status_code == 200
    sent = state.registrations[-1]
    # Only the person's time zone, a variable Moodle expands (lti_get_capabilities).
    assert sent[TOOL_CONFIGURATION]["custom_parameters"] == {"timezone": "$Person.address.timezone"}
    # What Moodle 4.5 stores: a pending tool that shares names and email, offers Deep Linking,
    # takes grades and the roster, and has no "$Canvas..." custom parameters to send as is.
    tool = state.registration_results[-1]
    assert tool["state"] == "pending"
    assert tool["customparameters"] == "timezone=$Person.address.timezone"
    assert tool["contentitem"] is True
    assert tool["sendname"] == tool["sendemailaddr"] == "always"
    assert tool["acceptgrades"] == "delegate" and tool["memberships"] is True


def test_generic_platform_page_names_no_lms(client: Any, sandbox: Flask) -> None:
    state = get_state(sandbox)
    text = _page_text(_register(client, state))
    assert "Lodestar is registered with your LMS" in text
    assert "Finish" in text and "Moodle" not in text and "Developer Keys" not in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"client_id": None}, "no client id"),
        ({"registration_client_uri": "https://lms.example/x"}, "no client id"),
        ([1, 2], "no client id"),
        ("not json", "unreadable"),
    ],
)
def test_unreadable_registration_answer_is_a_clear_502(
    app: Flask, client: Any, body: Any, message: str, make_link: Callable[..., str]
) -> None:
    issuer = "https://lms.example"
    with responses.RequestsMock() as mock:
        mock.get(
            issuer + "/openid",
            json={
                "issuer": issuer,
                "authorization_endpoint": issuer + "/auth",
                "token_endpoint": issuer + "/token",
                "jwks_uri": issuer + "/jwks",
                "registration_endpoint": issuer + "/register",
                PLATFORM_CONFIGURATION: "not an object",
            },
        )
        if isinstance(body, str):
            mock.post(issuer + "/register", body=body)
        else:
            mock.post(issuer + "/register", json=body)
        page = client.get(
            "/lti/register",
            query_string={
                "openid_configuration": issuer + "/openid",
                "registration_token": "t",
                "link": make_link(),
            },
        )
    assert page.status_code == 502
    assert message in page.get_data(as_text=True) or "could not be completed" in page.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.execute(select(Platform)).first() is None


def test_numeric_deployment_id_is_read(
    app: Flask, client: Any, make_link: Callable[..., str]
) -> None:
    issuer = "https://moodle.example"
    with responses.RequestsMock() as mock:
        mock.get(
            issuer + "/mod/lti/openid-configuration.php",
            json={
                "issuer": issuer,
                "authorization_endpoint": issuer + "/auth",
                "token_endpoint": issuer + "/token",
                "jwks_uri": issuer + "/jwks",
                "registration_endpoint": issuer + "/register",
                PLATFORM_CONFIGURATION: {"product_family_code": "moodle"},
            },
        )
        mock.post(
            issuer + "/register",
            json={"client_id": "abc", TOOL_CONFIGURATION: {"deployment_id": 7}},
        )
        page = client.get(
            "/lti/register",
            query_string={
                "openid_configuration": issuer + "/mod/lti/openid-configuration.php",
                "link": make_link(),
            },
        )
    assert page.status_code == 200
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        assert [d.deployment_id for d in platform.deployments] == ["7"]


# -- one source for both ways of installing ------------------------------------------------


def test_registration_and_developer_key_json_agree(app: Flask, client: Any) -> None:
    key = client.get("/lti/config/canvas.json").get_json()
    with app.test_request_context("/"):
        registration = tool_configuration(LmsKind.CANVAS)
    tool = registration[TOOL_CONFIGURATION]
    by_message = {
        (p["placement"], p["message_type"], p["text"])
        for p in key["extensions"][0]["settings"]["placements"]
    }
    registered = {
        (p, m["type"], m["label"])
        for m in tool["messages"]
        for p in m["placements"]
        if p != "ContentArea"
    }
    assert by_message == registered
    assert {p for p, _, _ in registered} == CANVAS_DR_PLACEMENTS
    assert key["custom_fields"] == tool["custom_parameters"]
    assert key["scopes"] == registration["scope"].split()
    assert (
        key["extensions"][0]["privacy_level"]
        == tool["https://canvas.instructure.com/lti/privacy_level"]
    )
    assert key["extensions"][0]["tool_id"] == tool["https://canvas.instructure.com/lti/tool_id"]
    assert key["description"] == tool["description"]


def test_scopes_match_the_services_client() -> None:
    assert set(SCOPES) == {NRPS_SCOPE, AGS_LINEITEM, AGS_LINEITEM_READONLY, AGS_RESULT, AGS_SCORE}


def test_developer_key_domain_comes_from_base_url(app: Flask, client: Any) -> None:
    app.config["ILP_BASE_URL"] = "https://ilp.district.example"
    key = client.get("/lti/config/canvas.json", headers={"Host": "10.0.0.7:8000"}).get_json()
    assert key["extensions"][0]["domain"] == "ilp.district.example"
    assert key["target_link_uri"] == "https://ilp.district.example/lti/launch"


def test_developer_key_domain_falls_back_to_request_host(client: Any) -> None:
    key = client.get("/lti/config/canvas.json", headers={"Host": "ilp.local:8000"}).get_json()
    assert key["extensions"][0]["domain"] == "ilp.local"


# -- in a real browser ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("style", ["moodle", "canvas-no-deployment"])
def test_registered_page_in_the_platform_frame(demo_stack: DemoStack, style: str) -> None:
    """The platform opens registration in a frame and closes it on the close message: the
    steps stay up until the admin chooses Finish, and the page passes axe."""
    from tests.browser import axe_violations, chromium

    state = get_state(demo_stack.sandbox_app)
    state.registration_style = style
    start = demo_stack.lms_url + "/admin/register-tool"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.goto(demo_stack.lms_url + "/jwks")  # any page of the platform's origin
        page.evaluate(
            """(src) => {
            window.received = [];
            window.addEventListener("message", (e) => window.received.push(e.data));
            const frame = document.createElement("iframe");
            frame.src = src; frame.id = "registration"; frame.title = "Register a tool";
            frame.style.width = "360px"; frame.style.height = "700px";
            document.body.appendChild(frame);
        }""",
            start,
        )
        tool = page.frame_locator("#registration")
        tool.get_by_role("heading", name="What to do next").wait_for(timeout=15000)
        assert page.evaluate("window.received") == []
        frame = page.locator("#registration").element_handle().content_frame()
        assert frame is not None
        assert axe_violations(frame) == []
        tool.get_by_role("button", name="Finish").click()
        page.wait_for_function("window.received.length > 0", timeout=5000)
        assert page.evaluate("window.received") == [{"subject": "org.imsglobal.lti.close"}]


def test_registration_link_names_its_tenant(
    app: Flask, client: Any, sandbox: Flask, runner: Any
) -> None:
    """The operator's link decides the tenant, also for an issuer never seen before."""
    from lti_tool.launch import services
    from lti_tool.models import Tenant

    state = get_state(sandbox)
    with app.app_context():
        existing = services.add_platform(
            issuer="https://other.example",
            client_id="x",
            deployment_ids=["d"],
            auth_login_url="https://other.example/a",
            auth_token_url="https://other.example/t",
            key_set_url="https://other.example/k",
            tenant="Springfield USD",
        )
        tenant_id = existing.tenant_id
    link = runner.invoke(
        args=["platforms", "registration-link", "--tenant", str(tenant_id), "--expires", "1h"]
    )
    assert link.exit_code == 0, link.output
    token = link.output.strip().splitlines()[0].split("link=")[1]
    state.tool_registration_url = f"http://localhost/lti/register?link={token}"
    assert (
        client.get(_path(registration_url(state, issue_registration_token(state)))).status_code
        == 200
    )
    with app.app_context():
        platform = db.session.execute(
            select(Platform).where(Platform.issuer == state.issuer)
        ).scalar_one()
        assert platform.tenant_id == tenant_id
        assert db.session.execute(select(Tenant)).scalars().all()[0].name == "Springfield USD"
        # Stored hashed: the token itself is nowhere in the database.
        from lti_tool.models import ShortLivedValue

        assert not [
            v for v in db.session.execute(select(ShortLivedValue.key)).scalars() if token in v
        ]


@pytest.mark.parametrize("link", [None, "forged"])
def test_without_a_valid_link_nothing_is_fetched(
    client: Any, sandbox: Flask, link: str | None
) -> None:
    state = get_state(sandbox)
    state.tool_registration_url = "http://localhost/lti/register" + (
        f"?link={link}" if link else ""
    )
    fetched = len(state.request_log)
    page = client.get(_path(registration_url(state, issue_registration_token(state))))
    assert page.status_code == 403
    assert len(state.request_log) == fetched


def test_a_known_registration_is_never_overwritten_without_an_update_link(
    app: Flask, client: Any, sandbox: Flask, make_link: Callable[..., str]
) -> None:
    state = get_state(sandbox)
    assert (
        client.get(_path(registration_url(state, issue_registration_token(state)))).status_code
        == 200
    )
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        platform_id, jwks = platform.id, platform.key_set_url
    make_link()
    again = client.get(_path(registration_url(state, issue_registration_token(state))))
    assert again.status_code == 400 and "already known" in again.get_data(as_text=True)
    make_link(update_platform_id=platform_id)
    assert (
        client.get(_path(registration_url(state, issue_registration_token(state)))).status_code
        == 200
    )
    with app.app_context():
        assert db.session.get(Platform, platform_id).key_set_url == jwks


def test_endpoints_off_the_issuer_host_are_refused(
    app: Flask, client: Any, make_link: Callable[..., str]
) -> None:
    issuer = "https://moodle.example"
    with responses.RequestsMock() as mock:
        mock.get(
            issuer + "/openid",
            json={
                "issuer": issuer,
                "authorization_endpoint": issuer + "/auth",
                "token_endpoint": "https://victim.example/token",
                "jwks_uri": issuer + "/jwks",
                "registration_endpoint": issuer + "/register",
            },
        )
        page = client.get(
            "/lti/register",
            query_string={"openid_configuration": issuer + "/openid", "link": make_link()},
        )
    assert page.status_code == 400
    assert "victim" not in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Platform)).first() is None


def test_configuration_from_another_origin_or_a_redirect_is_refused(
    app: Flask, client: Any, make_link: Callable[..., str]
) -> None:
    issuer = "https://moodle.example"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://moodle.example.evil.example/openid", json={"issuer": issuer})
        mock.get(
            issuer + "/redirect", status=302, headers={"Location": "https://evil.example/openid"}
        )
        for url in ("https://moodle.example.evil.example/openid", issuer + "/redirect"):
            page = client.get(
                "/lti/register", query_string={"openid_configuration": url, "link": make_link()}
            )
            assert page.status_code in (400, 502), url
            assert "evil" not in page.get_data(as_text=True)


def test_outbound_guard_refuses_private_addresses() -> None:
    from lti_tool.http import OutboundRefused, check_outbound, outbound_allowed

    for url in (
        "http://127.0.0.1:5000/x",
        "http://[::1]/x",
        "http://169.254.169.254/x",
        "http://10.1.2.3/x",
        "http://localhost/x",
    ):
        with pytest.raises(OutboundRefused):
            check_outbound(url, allowed=[])
    check_outbound("http://10.1.2.3/x", allowed=outbound_allowed("10.0.0.0/8"))


def test_guarded_session_in_production_like_config(app: Flask) -> None:
    import requests as real_requests

    from lti_tool.http import make_session

    app.config["ILP_OUTBOUND_GUARD"] = True
    with app.app_context():
        session = make_session(retries=0)
    with pytest.raises(real_requests.RequestException):
        session.get("http://127.0.0.1:9/")


def test_a_dynamic_registration_signs_with_its_own_key_set(
    app: Flask, client: Any, sandbox: Flask
) -> None:
    """No registration can obtain service tokens in another's name: the key and the JWKS
    URL carry the registration."""
    import jwt as pyjwt

    from lti_tool.grades.tokens import client_assertion

    state = get_state(sandbox)
    assert (
        client.get(_path(registration_url(state, issue_registration_token(state)))).status_code
        == 200
    )
    jwks_uri = state.registrations[-1]["jwks_uri"]
    assert jwks_uri.startswith("http://localhost/lti/jwks/")
    own = client.get(urlsplit(jwks_uri).path).get_json()["keys"]
    shared = client.get("/lti/jwks").get_json()["keys"]
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        kid = pyjwt.get_unverified_header(client_assertion(platform))["kid"]
    assert kid.startswith(platform.key_set + ".")
    assert kid in {k["kid"] for k in own} and kid not in {k["kid"] for k in shared}
    assert client.get("/lti/jwks/no-such-set").status_code == 404

"""Launches where the browser blocks Lodestar's cookies in the LMS frame and the LMS offers no
platform storage (Moodle 4.5): the frame offers Lodestar in a window of its own, and the
launch in that window is validated like any other."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.launch import cookieless, platform_storage
from lti_tool.models import Person
from lti_tool.sandbox.launch import login_initiation_url
from tests.lti_driver import LtiDriver, hidden_inputs, page_config

FRAME = {"Sec-Fetch-Dest": "iframe"}
CHECK = {cookieless.CHECK_HEADER: "1", "Sec-Fetch-Site": "same-origin"}


def _people(app: Flask) -> int:
    with app.app_context():
        return int(db.session.execute(select(func.count(Person.id))).scalar_one())


def _frame_login(lti: LtiDriver, user: Any, **query: str) -> dict[str, Any]:
    """The login inside the LMS frame; returns the login page's settings."""
    url = urlsplit(login_initiation_url(lti.state, user, lti.course_of(user), **query))
    page = lti.client.get(f"{url.path}?{url.query}", headers=FRAME)
    assert page.status_code == 200, page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store, private"
    return page_config(page.get_data(as_text=True))


def _block_cookie(lti: LtiDriver, state: str) -> None:
    lti.client.delete_cookie(f"lti1p3-{state}")  # the browser did not keep it


def _authorize(lti: LtiDriver, auth_url: str) -> dict[str, str]:
    """The browser at the platform's auth URL: returns the form it posts to the tool."""
    location = urlsplit(auth_url)
    answer = lti.lms.get(f"{location.path}?{location.query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return hidden_inputs(answer.get_data(as_text=True))


def test_login_in_a_frame_checks_the_cookie_before_going_to_the_platform(lti: LtiDriver) -> None:
    student = lti.person("student")
    config = _frame_login(lti, student)
    assert config["storage"] is None  # Moodle 4.5: no lti_storage_target
    assert config["check_url"] == "/lti/login/check"
    assert config["auth_url"].startswith(lti.state.auth_url)
    # The browser kept the cookie: go on to the platform.
    answer = lti.client.post("/lti/login/check", data={"state": config["state"]}, headers=CHECK)
    assert answer.status_code == 200
    assert answer.get_json() == {"cookies": True}


def test_cookie_check_works_in_a_browser_with_an_open_session(lti: LtiDriver) -> None:
    """A second launch in the same browser: the open session's CSRF rule does not apply to
    the login page's check (which has its own header rule)."""
    assert lti.launch(lti.person("student")).status_code == 302
    teacher = lti.person("teacher")
    url = urlsplit(login_initiation_url(lti.state, teacher, lti.course_of(teacher)))
    html = lti.client.get(f"{url.path}?{url.query}", headers=FRAME).get_data(as_text=True)
    assert "site-nav" not in html  # not the earlier session's pages while a new login runs
    config = page_config(html)
    answer = lti.client.post("/lti/login/check", data={"state": config["state"]}, headers=CHECK)
    assert answer.status_code == 200
    assert answer.get_json() == {"cookies": True}


def test_login_of_a_window_of_its_own_goes_straight_to_the_platform(lti: LtiDriver) -> None:
    response = lti.login(lti.person("student"))  # Sec-Fetch-Dest: document
    assert response.status_code == 302


def test_blocked_cookie_offers_a_window_whose_launch_works(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    config = _frame_login(lti, student)
    _block_cookie(lti, config["state"])
    answer = lti.client.post("/lti/login/check", data={"state": config["state"]}, headers=CHECK)
    body = answer.get_json()
    assert body["cookies"] is False
    window_url = body["window_url"]
    assert window_url.startswith("/lti/window/")
    # Only an opaque ticket travels in the link: no person, hint or issuer.
    for value in (student.sub, lti.state.issuer, "login_hint", "lti_message_hint"):
        assert value not in window_url
    people = _people(app)

    # The new window (top level, first party) runs the login again with the recorded
    # parameters, the platform's lti_message_hint still unused.
    opened = lti.client.get(window_url)
    assert opened.status_code == 302
    query = parse_qs(urlsplit(opened.headers["Location"]).query)
    assert query["login_hint"] == [student.sub]
    assert query["state"] != [config["state"]]
    original_hint = parse_qs(urlsplit(config["auth_url"]).query)["lti_message_hint"]
    assert query["lti_message_hint"] == original_hint
    form = _authorize(lti, opened.headers["Location"])
    launched = lti.post_launch(form)  # the window's cookie comes back: a normal launch
    assert launched.status_code == 302
    assert launched.headers["Location"].startswith("/plans/me")
    assert _people(app) == people + 1
    # The ticket was single use.
    again = lti.client.get(window_url)
    assert again.status_code == 410
    assert "expired or was already used" in again.get_data(as_text=True)


def test_window_launch_keeps_every_check(lti: LtiDriver, app: Flask) -> None:
    """The launch in the new window needs its own state cookie and a fresh nonce."""
    config = _frame_login(lti, lti.person("student"))
    _block_cookie(lti, config["state"])
    window_url = lti.client.post(
        "/lti/login/check", data={"state": config["state"]}, headers=CHECK
    ).get_json()["window_url"]
    form = _authorize(lti, lti.client.get(window_url).headers["Location"])
    _block_cookie(lti, form["state"])  # cookies blocked even in the window
    refused = lti.post_launch(form)
    assert refused.status_code == 400
    assert "state mismatch" in refused.get_data(as_text=True)
    assert _people(app) == 0  # nobody launched (grants name people by sub only)


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no header: not our page
        {cookieless.CHECK_HEADER: "1", "Sec-Fetch-Site": "cross-site"},
    ],
)
def test_cookie_check_answers_only_lodestars_own_page(
    lti: LtiDriver, headers: dict[str, str]
) -> None:
    config = _frame_login(lti, lti.person("student"))
    _block_cookie(lti, config["state"])
    answer = lti.client.post("/lti/login/check", data={"state": config["state"]}, headers=headers)
    assert answer.status_code == 403
    # The login is still there for its own page.
    assert lti.client.post(
        "/lti/login/check", data={"state": config["state"]}, headers=CHECK
    ).get_json()["window_url"]


def test_cookie_check_of_an_unknown_login_offers_no_window(lti: LtiDriver) -> None:
    answer = lti.client.post("/lti/login/check", data={"state": "state-made-up"}, headers=CHECK)
    assert answer.get_json() == {"cookies": False}


def test_unknown_window_ticket_is_a_clear_error(lti: LtiDriver) -> None:
    answer = lti.client.get("/lti/window/not-a-ticket")
    assert answer.status_code == 410
    assert "Open Lodestar again from your course" in answer.get_data(as_text=True)


def test_launch_without_cookie_or_storage_offers_a_window_not_a_dead_end(
    lti: LtiDriver, app: Flask
) -> None:
    """A launch that arrives without the state cookie anyway (no JavaScript at login, or a
    browser that does not say it is framed) gets the offer, not "state mismatch"."""
    student = lti.person("student")
    login = lti.login(student)
    form = lti.authorize(login)
    _block_cookie(lti, form["state"])
    page = lti.post_launch(form)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Open Lodestar in a new window" in html
    assert 'target="_blank"' in html
    assert _people(app) == 0  # nothing was accepted from the unproven launch
    # The same launch cannot be turned into a second offer, and then is an error.
    again = lti.post_launch(form)
    assert again.status_code == 400
    # The window runs the recorded login again. This platform, like Canvas and Moodle, takes
    # each lti_message_hint once, so it answers with its own "open it again" message; that is
    # why the frame offers the window at login, before the hint is used.
    window_url = re.search(r'id="new-window-link"[^>]*href="([^"]+)"', html, re.S)
    assert window_url
    opened = lti.client.get(window_url.group(1))
    assert opened.status_code == 302
    refused = lti.lms.get(opened.headers["Location"].split(lti.state.base_url, 1)[1])
    assert refused.status_code == 400
    assert "already used" in refused.get_data(as_text=True)


def test_launch_with_a_state_lodestar_never_issued_keeps_the_error(lti: LtiDriver) -> None:
    _state, nonce = lti.begin(lti.person("student"))
    token = lti.sign(lti.claims(lti.person("student"), nonce))
    response = lti.client.post("/lti/launch", data={"id_token": token, "state": "state-forged"})
    assert response.status_code == 400
    assert "state mismatch" in response.get_data(as_text=True)


def test_moodle_launch_that_spent_its_hint_reopens_from_moodle(lti: LtiDriver, app: Flask) -> None:
    """Moodle accepts its lti_message_hint once; a window opened after the launch starts a
    new one from Moodle's launch page for the activity."""
    hint = json.dumps({"cmid": "42", "launchid": "ltilaunch7_123456"})
    with app.test_request_context():
        cookieless.remember_login(
            "state-moodle",
            {
                "iss": "https://moodle.example.org",
                "login_hint": "3",
                "lti_message_hint": hint,
                "client_id": "abc",
                "target_link_uri": "http://localhost/lti/launch",
            },
        )
        ticket = cookieless.ticket_at_launch("state-moodle")
    assert ticket
    opened = lti.client.get(f"/lti/window/{ticket}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == "https://moodle.example.org/mod/lti/launch.php?id=42"


@pytest.mark.parametrize(
    "params",
    [
        {"iss": "https://moodle.example.org", "lti_message_hint": "opaque-canvas-jwt"},
        {"iss": "https://moodle.example.org", "lti_message_hint": '{"launchid": "ltilaunch_x"}'},
        {
            "iss": "https://moodle.example.org",
            "lti_message_hint": '{"cmid": "1 OR 1", "launchid": "ltilaunch1_2"}',
        },
        {"iss": "javascript:alert(1)", "lti_message_hint": '{"cmid": 4, "launchid": "ltilaunch4"}'},
    ],
)
def test_moodle_relaunch_only_for_moodle_activity_hints(params: dict[str, str]) -> None:
    assert cookieless.moodle_relaunch_url(params) is None


def test_platform_storage_answers_are_trusted_from_the_lms_origins(lti: LtiDriver) -> None:
    """A "*" answer (no forwarding frame) counts only from the platform's own origins: its
    OIDC origin, its issuer and the origin of the launch's return URL."""
    user = lti.person("student")
    claims = lti.claims(
        user,
        "n-1",
        **{
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                "return_url": "https://district.instructure.com/courses/1/external_content"
            }
        },
    )
    origins = platform_storage.answer_origins(
        "https://sso.canvaslms.com", "https://canvas.instructure.com", lti.sign(claims)
    )
    assert origins == [
        "https://sso.canvaslms.com",
        "https://canvas.instructure.com",
        "https://district.instructure.com",
    ]
    assert platform_storage.answer_origins("https://sso.canvaslms.com", "", "not-a-jwt") == [
        "https://sso.canvaslms.com"
    ]


def test_storage_launch_page_trusts_only_lms_origins_and_offers_a_window(lti: LtiDriver) -> None:
    teacher = lti.person("teacher")
    config = _frame_login(lti, teacher, storage_target="post_message_forwarding")
    assert config["storage"] == {"target": "post_message_forwarding", "origin": lti.state.base_url}
    _block_cookie(lti, config["state"])
    # The page's cookie check comes first; the login stays recorded for the launch.
    check = lti.client.post("/lti/login/check", data={"state": config["state"]}, headers=CHECK)
    assert check.get_json()["cookies"] is False
    form = _authorize(lti, config["auth_url"])
    page = lti.post_launch(form)
    assert page.status_code == 200
    launch = page_config(page.get_data(as_text=True))
    assert launch["storage"]["accept"] == [lti.state.base_url]
    assert launch["key"] == platform_storage.KEY_PREFIX + form["state"]
    assert launch["window_url"].startswith("/lti/window/")

"""Resource-link launches built and signed by ``lti1p3platform``, and the ones we must refuse."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import jwt

from tests.conformance.conftest import (
    COURSE,
    STUDENTS,
    TEACHER,
    Browser,
    stored,
    text_of,
)
from tests.conformance.platform import PlatformRegistration


def _signed_in_as(html: str) -> str:
    match = re.search(r"Signed in through your school as <strong>([^<]+)</strong>", html)
    assert match, html
    return match.group(1)


def test_instructor_lands_on_the_class_page_with_the_names_from_the_token(browser: Browser) -> None:
    launch = browser.launch(TEACHER)
    assert launch.status_code == 302, text_of(launch)
    assert re.fullmatch(r"/courses/\d+", urlsplit(launch.headers["Location"]).path)
    page = browser.follow(launch)
    assert page.status_code == 200
    html = text_of(page)
    assert _signed_in_as(html) == TEACHER.name
    assert browser.course.title in html


def test_learner_lands_on_their_plan_page_with_the_names_from_the_token(browser: Browser) -> None:
    student = STUDENTS[0]
    launch = browser.launch(student)
    assert launch.status_code == 302, text_of(launch)
    assert urlsplit(launch.headers["Location"]).path == "/plans/me"
    page = browser.follow(launch)
    assert page.status_code == 200
    assert _signed_in_as(text_of(page)) == student.name


def test_the_tool_asks_the_library_for_exactly_the_registered_launch(browser: Browser) -> None:
    """Our OIDC authentication request passes the library's preflight check and the fixed
    OIDC parameters; the id_token the library signs names our client and deployment."""
    form = browser.authorize(browser.login(STUDENTS[1]))
    assert form["action"] == browser.lms.registration().get_launch_url()
    body = jwt.decode(form["id_token"], options={"verify_signature": False})
    assert body["aud"] == browser.lms.client_id and body["iss"] == browser.lms.issuer
    assert body["https://purl.imsglobal.org/spec/lti/claim/context"]["id"] == COURSE
    assert not browser.lms.refusals


def test_a_launch_signed_with_a_key_outside_the_platform_jwks_is_refused(
    browser: Browser, rogue_pem: str
) -> None:
    browser.lms.signing_pem = rogue_pem  # the library signs with it; its JWKS lacks it
    form = browser.authorize(browser.login(TEACHER))
    before = stored(browser.app)
    answer = browser.post_launch(form)
    assert answer.status_code == 401, text_of(answer)
    assert "no key with kid" in text_of(answer)
    assert stored(browser.app) == before


def test_a_launch_naming_the_published_kid_but_signed_by_another_key_is_refused(
    browser: Browser, rogue_pem: str
) -> None:
    published = PlatformRegistration.get_jwk(browser.lms.public_pem)["kid"]
    browser.lms.signing_pem, browser.lms.announced_kid = rogue_pem, published
    form = browser.authorize(browser.login(STUDENTS[0]))
    before = stored(browser.app)
    answer = browser.post_launch(form)
    assert answer.status_code == 401, text_of(answer)
    assert "could not be verified" in text_of(answer)
    assert stored(browser.app) == before


def test_a_launch_carrying_a_nonce_the_tool_never_issued_is_refused(browser: Browser) -> None:
    # The library signs whatever nonce the authentication request carries.
    form = browser.authorize(browser.login(STUDENTS[0]), nonce="nonce-the-tool-never-issued")
    before = stored(browser.app)
    answer = browser.post_launch(form)
    assert answer.status_code == 401, text_of(answer)
    assert "already used or has expired" in text_of(answer)
    assert stored(browser.app) == before


def test_a_replayed_launch_is_refused_and_changes_nothing(browser: Browser) -> None:
    form = browser.authorize(browser.login(TEACHER))
    assert browser.post_launch(form).status_code == 302
    before = stored(browser.app)
    replay = browser.post_launch(form)
    assert replay.status_code == 401, text_of(replay)
    assert "already used or has expired" in text_of(replay)
    assert stored(browser.app) == before

"""Fixtures for the conformance tests: the ``lti1p3platform`` LMS, wired to our tool.

The tool is driven through Flask's test client at ``http://localhost`` as everywhere else.
The test LMS lives at ``https://lms.lti1p3platform.test``; the browser steps (LMS page ->
tool login -> LMS auth -> tool launch) go through the two test clients, and the
server-to-server calls (our JWKS, token and AGS calls; the library's fetch of our JWKS)
through ``responses`` into the other app. The platform is registered the way an operator
does it: ``ilp platforms add``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from lti_tool.extensions import db
from lti_tool.models import ShortLivedValue
from tests.conformance.platform import (
    INSTRUCTOR,
    LEARNER,
    Course,
    LibraryLms,
    Link,
    Member,
    create_platform_app,
    new_private_pem,
    route_to,
)
from tests.conftest import TOOL_URL
from tests.lti_driver import hidden_inputs, token_of

PLATFORM_URL = "https://lms.lti1p3platform.test"
COURSE = "lib-course-bio"
TEACHER = Member("lib-user-teacher", "Grace Hopper", "ghopper@school.example")
STUDENTS = (
    Member("lib-user-student-1", "Ada Lovelace", "alovelace@school.example"),
    Member("lib-user-student-2", "Alan Turing", "aturing@school.example"),
)


@pytest.fixture(scope="session")
def platform_pems() -> tuple[str, str]:
    """The test LMS's signing key and a key it never publishes (made once: RSA is slow)."""
    return new_private_pem(), new_private_pem()


@pytest.fixture
def lms(platform_pems: tuple[str, str]) -> LibraryLms:
    """The test LMS with one course: a teacher, two students and the course-menu link."""
    lms = LibraryLms(PLATFORM_URL, TOOL_URL, platform_pems[0])
    course = lms.add_course(COURSE, "Biology 1 (Period 2)", "BIO1-P2")
    course.links["course-navigation"] = Link("course-navigation", "Lodestar")
    lms.enrol(COURSE, TEACHER, INSTRUCTOR)
    for student in STUDENTS:
        lms.enrol(COURSE, student, LEARNER)
    return lms


@pytest.fixture
def rogue_pem(platform_pems: tuple[str, str]) -> str:
    """A private key whose public half is in no JWKS."""
    return platform_pems[1]


@pytest.fixture
def platform_app(lms: LibraryLms) -> Flask:
    """The test LMS's web app."""
    return create_platform_app(lms)


@pytest.fixture
def wire(app: Flask, platform_app: Flask) -> Iterator[responses.RequestsMock]:
    """Route HTTP calls between the tool and the test LMS (both ways) through ``responses``."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        route_to(mock, PLATFORM_URL, platform_app)
        route_to(mock, TOOL_URL, app)
        yield mock


@pytest.fixture
def registered(app: Flask, lms: LibraryLms) -> None:
    """The district admin registers the test LMS with ``ilp platforms add``."""
    result = app.test_cli_runner().invoke(
        args=[
            "platforms",
            "add",
            "--issuer",
            lms.issuer,
            "--client-id",
            lms.client_id,
            "--deployment-id",
            lms.deployment_id,
            "--auth-login-url",
            lms.auth_url,
            "--auth-token-url",
            lms.token_url,
            "--key-set-url",
            lms.jwks_url,
            "--name",
            "District LMS (lti1p3platform)",
            "--lms",
            "generic",
        ]
    )
    assert result.exit_code == 0, result.output


@dataclass
class Browser:
    """The person's browser between the test LMS and the tool."""

    tool: FlaskClient
    lms_client: FlaskClient
    lms: LibraryLms
    app: Flask

    @property
    def course(self) -> Course:
        return self.lms.courses[COURSE]

    def login(
        self, member: Member, *, link: str | None = None, deep_link: bool = False
    ) -> TestResponse:
        """Open the tool from the LMS: the library's login initiation, then our login."""
        page = "add_activity" if deep_link else "launch"
        query = {"user": member.sub, **({"link": link} if link else {})}
        start = self.lms_client.get(f"/courses/{COURSE}/{page}", query_string=query)
        assert start.status_code == 302, start.get_data(as_text=True)
        location = urlsplit(start.headers["Location"])
        assert f"{location.scheme}://{location.netloc}" == TOOL_URL
        # A top-level browser says so (the login then redirects at once, as in a frame
        # whose cookie came back); see tests/lti_driver.py.
        return self.tool.get(
            f"{location.path}?{location.query}", headers={"Sec-Fetch-Dest": "document"}
        )

    def authorize(self, login: TestResponse, **tamper: str) -> dict[str, str]:
        """Follow our redirect to the LMS's auth endpoint (``tamper`` alters its query);
        return the auto-posting form the library rendered, ``action`` included."""
        assert login.status_code == 302, login.get_data(as_text=True)
        location = urlsplit(login.headers["Location"])
        assert location.geturl().startswith(self.lms.auth_url)
        query = {k: v[0] for k, v in parse_qs(location.query).items()}
        query.update(tamper)
        answer = self.lms_client.get(urlunsplit(("", "", location.path, urlencode(query), "")))
        assert answer.status_code == 200, (answer.get_data(as_text=True), self.lms.refusals)
        html = answer.get_data(as_text=True)
        action = re.search(r'action="([^"]+)"', html)
        assert action is not None
        return {**hidden_inputs(html), "action": unescape(action.group(1))}

    def post_launch(self, form: dict[str, str]) -> TestResponse:
        """The auto-posting form reaches the tool's launch URL."""
        action = urlsplit(form["action"])
        assert f"{action.scheme}://{action.netloc}" == TOOL_URL
        data = {k: v for k, v in form.items() if k != "action"}
        return self.tool.post(action.path, data=data)

    def launch(
        self, member: Member, *, link: str | None = None, deep_link: bool = False
    ) -> TestResponse:
        """The whole handshake."""
        return self.post_launch(self.authorize(self.login(member, link=link, deep_link=deep_link)))

    def follow(self, response: TestResponse) -> TestResponse:
        """Follow one redirect inside the tool."""
        assert response.status_code == 302, response.get_data(as_text=True)
        location = urlsplit(response.headers["Location"])
        # A top-level browser says so (the login then redirects at once, as in a frame
        # whose cookie came back); see tests/lti_driver.py.
        return self.tool.get(
            f"{location.path}?{location.query}", headers={"Sec-Fetch-Dest": "document"}
        )


@pytest.fixture
def browser(
    client: FlaskClient,
    app: Flask,
    lms: LibraryLms,
    platform_app: Flask,
    wire: responses.RequestsMock,
    registered: None,
) -> Browser:
    """A browser, the test LMS registered in the tool, HTTP between them wired."""
    return Browser(client, platform_app.test_client(), lms, app)


def text_of(response: TestResponse) -> str:
    """A page's text with HTML entities decoded."""
    return unescape(response.get_data(as_text=True))


def stored(app: Flask) -> dict[str, Any]:
    """What a refused launch must not change: the rows of every table, and the shared
    store's keys except the platform key sets it caches (fetching them is fine) and the
    rate-limit counters."""
    store_table = ShortLivedValue.__tablename__
    with app.app_context():
        counts = {
            table.name: int(
                db.session.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in db.metadata.sorted_tables
            if table.name != store_table
        }
        if app.config.get("ILP_REDIS_URL"):
            import redis

            client = redis.Redis.from_url(app.config["ILP_REDIS_URL"])
            keys = [k.decode().removeprefix("lodestar:") for k in client.keys("lodestar:*")]
        else:
            keys = list(db.session.execute(select(ShortLivedValue.key)).scalars())
    # Rate-limit counters count every attempt, refused ones too: that is their job.
    return {
        "rows": counts,
        "store": sorted(k for k in keys if not k.startswith(("jwks:", "rate:"))),
    }


def form_of(response: TestResponse) -> dict[str, str]:
    """The hidden inputs and the ``action`` of an auto-posting form page."""
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    action = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert action is not None, html
    return {**hidden_inputs(html), "action": unescape(action.group(1))}


#: The picker's settings of the plan reflection (what a teacher leaves as it is, plus a due date).
REFLECTION_SETTINGS = {
    "title": "Plan reflection",
    "instructions": "Say what this class's work shows about your plan.",
    "points": "10",
    "due": "2027-03-01T15:00",
    "scoring": "completion",
}


def pick_activity(browser: Browser, member: Member, activity: str = "reflection") -> TestResponse:
    """``member`` opens the LMS's activity picker (a Deep Linking request signed by the
    library), our picker, and chooses ``activity`` with :data:`REFLECTION_SETTINGS`;
    returns our answer page."""
    launch = browser.launch(member, deep_link=True)
    assert urlsplit(launch.headers.get("Location", "")).path == "/portfolio/activities", text_of(
        launch
    )
    token = token_of(launch)
    picker = browser.follow(launch)
    assert picker.status_code == 200 and "Plan reflection" in text_of(picker)
    return browser.tool.post(
        "/portfolio/activities", data={"lt": token, "activity": activity, **REFLECTION_SETTINGS}
    )


def return_to_lms(browser: Browser, form: dict[str, str]) -> TestResponse:
    """The browser auto-posts our Deep Linking response form to the LMS's return URL."""
    form = dict(form)
    action = urlsplit(form.pop("action"))
    assert f"{action.scheme}://{action.netloc}" == PLATFORM_URL
    return browser.lms_client.post(f"{action.path}?{action.query}", data=form)


def place_reflection(browser: Browser) -> Link:
    """The teacher places the plan reflection through Deep Linking; the LMS's new link."""
    before = set(browser.course.links)
    back = return_to_lms(browser, form_of(pick_activity(browser, TEACHER)))
    assert back.status_code == 200, (back.get_data(as_text=True), browser.lms.refusals)
    (link_id,) = set(browser.course.links) - before
    return browser.course.links[link_id]

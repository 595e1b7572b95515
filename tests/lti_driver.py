"""Drive real LTI 1.3 launches: tool (Flask test client) <-> sandbox LMS.

The driver plays the browser: it follows the tool's OIDC redirect to the sandbox's
authorization endpoint, reads the auto-submitted form and posts it back to the tool. Tests
that need a forged or altered id_token take the state and nonce from a real login and sign
their own claims with the sandbox's helpers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.sandbox import get_state
from lti_tool.sandbox.flavours import USER_NAVIGATION
from lti_tool.sandbox.launch import build_launch_claims, login_initiation_url
from tests.browser_client import browser_of

RESOURCE = "LtiResourceLinkRequest"
DEEP_LINK = "LtiDeepLinkingRequest"


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden inputs of an auto-submitting form, by name."""
    fields = {}
    for tag in re.findall(r"<input[^>]+>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value:
            fields[name.group(1)] = unescape(value.group(1))
    return fields


def token_of(response: TestResponse) -> str:
    """The launch token (``lt``) of a launch: the handle of the stand-in browser that holds
    the session it opened (see ``tests.browser_client``). A launch answers with a redirect
    to the person's page; anything else fails here, with the page it got."""
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser_of(response)


def page_config(html: str) -> dict[str, Any]:
    """The JSON settings a launch page hands to launch.js (``#lodestar-launch``)."""
    import json

    found = re.search(
        r'<script type="application/json" id="lodestar-launch">(.*?)</script>', html, re.S
    )
    assert found, "no launch settings on this page"
    return dict(json.loads(found.group(1)))


@dataclass(frozen=True)
class FrameSession:
    """A session opened in a frame that keeps no cookie (see ``LtiDriver.frame_launch``)."""

    handle: str
    secret: str
    first_page: str

    @property
    def proof(self) -> dict[str, str]:
        """The header ``pages.js`` sends with the frame's own requests."""
        return {"X-Lodestar-Frame": self.secret}


class LtiDriver:
    """Launch seeded sandbox people into the tool."""

    def __init__(self, client: FlaskClient, app: Flask, sandbox: Flask) -> None:
        # The driver's browser opens the tool in a window of its own, so the login answers
        # with the redirect; tests of the LMS frame send ``Sec-Fetch-Dest: iframe``.
        client.environ_base["HTTP_SEC_FETCH_DEST"] = "document"
        self.client = client
        self.app = app
        self.state = get_state(sandbox)
        self.lms = sandbox.test_client()

    # -- seeded people ------------------------------------------------------------------

    def people(self, kind: str) -> list[Any]:
        return list(self.state.district.users_of_kind(kind))

    def person(self, kind: str, index: int = 0) -> Any:
        return self.people(kind)[index]

    def user(self, sub: str) -> Any:
        """A seeded person by ``sub`` (e.g. ``lti_tool.sandbox.data.HELP_DESK_ADMIN``)."""
        return self.state.get_user(sub)

    def course(self, context_id: str) -> Any:
        """A seeded course by context id (e.g. ``lti_tool.sandbox.data.WHIST_COURSE``)."""
        return self.state.get_course(context_id)

    def course_of(self, user: Any) -> Any:
        courses = self.state.district.courses_of(user.sub)
        return courses[0] if courses else next(iter(self.state.district.courses.values()))

    # -- the handshake ------------------------------------------------------------------

    def login(
        self, user: Any, course: Any | None = None, *, message_type: str = RESOURCE, **shape: Any
    ) -> TestResponse:
        """Step 1: the platform opens the tool's login initiation URL.

        ``shape`` (all optional) picks a real-LMS shape for this one launch:
        ``flavour="canvas"|"moodle"|"sandbox"``, ``placement="user_navigation"`` (Canvas's
        account menu: no course, an Account context), ``resource_link_id=...`` (e.g.
        ``sbx-rl-fsci-literal``, whose custom fields stay ``$Canvas...``) and
        ``custom={...}`` (added to the custom claim verbatim).
        """
        if shape.get("placement") != USER_NAVIGATION:
            course = course or self.course_of(user)
        url = login_initiation_url(self.state, user, course, message_type=message_type, **shape)
        parts = urlsplit(url)
        return self.client.get(f"{parts.path}?{parts.query}")

    def authorize(self, login_response: TestResponse) -> dict[str, str]:
        """Step 2: the browser follows the redirect to the platform's auth endpoint."""
        assert login_response.status_code == 302, login_response.get_data(as_text=True)
        location = urlsplit(login_response.headers["Location"])
        answer = self.lms.get(f"{location.path}?{location.query}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return hidden_inputs(answer.get_data(as_text=True))

    def post_launch(self, form: dict[str, str]) -> TestResponse:
        """Step 3: the auto-submitted form posts the id_token to the tool."""
        return self.client.post("/lti/launch", data=form)

    def launch(
        self, user: Any, course: Any | None = None, *, message_type: str = RESOURCE, **shape: Any
    ) -> TestResponse:
        """The whole handshake for one person (``shape``: see :meth:`login`).

        ``lti.launch(user, flavour="canvas")`` launches as Canvas would, ``lti.launch(user,
        placement="user_navigation")`` from Canvas's account menu; a course whose
        ``flavour`` is set (``sbx-course-pd``/``fsci``: Canvas, ``sbx-course-whist``:
        Moodle) is shaped that way without asking.
        """
        return self.post_launch(
            self.authorize(self.login(user, course, message_type=message_type, **shape))
        )

    def user_navigation(self, user: Any, **shape: Any) -> TestResponse:
        """Launch ``user`` from Canvas's user navigation (account context, no course)."""
        return self.launch(user, placement=USER_NAVIGATION, **shape)

    def frame_launch(self, user: Any, course: Any | None = None) -> FrameSession:
        """A launch in a frame that keeps no cookie, through the platform's postMessage
        storage, as ``launch.js`` runs it: the login keeps its state in the platform's
        window, the browser drops Lodestar's cookies, and the launch page posts the
        id_token again with the storage header. Returns the frame session: its handle,
        the secret the frame keeps in sessionStorage, and the first page (with a hop code).
        """
        course = course or self.course_of(user)
        url = urlsplit(login_initiation_url(self.state, user, course, storage_target="_parent"))
        page = self.client.get(f"{url.path}?{url.query}")
        assert page.status_code == 200, page.get_data(as_text=True)
        auth = urlsplit(page_config(page.get_data(as_text=True))["auth_url"])
        answer = self.lms.get(f"{auth.path}?{auth.query}")
        form = hidden_inputs(answer.get_data(as_text=True))
        self.client.delete_cookie(f"lti1p3-{form['state']}")  # the browser blocked it
        self.client.delete_cookie("lodestar_session")
        done = self.client.post(
            "/lti/launch",
            data=form,
            headers={
                "X-Lodestar-Platform-Storage": "1",
                "Sec-Fetch-Site": "same-origin",
                "Accept": "application/json",
            },
        )
        assert done.status_code == 200, done.get_data(as_text=True)
        body = done.get_json()
        assert "lodestar_session" not in (done.headers.get("Set-Cookie") or "")
        return FrameSession(
            handle=body["session"]["handle"],
            secret=body["session"]["secret"],
            first_page=body["redirect"],
        )

    def begin(self, user: Any, course: Any | None = None, **shape: Any) -> tuple[str, str]:
        """Run the login step only; return (state, nonce) the tool chose."""
        response = self.login(user, course, **shape)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        return query["state"][0], query["nonce"][0]

    def claims(
        self,
        user: Any,
        nonce: str,
        course: Any | None = None,
        *,
        shape: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """A correct id_token body for ``user``, with ``overrides`` applied (None deletes).

        ``shape`` (e.g. ``{"flavour": "canvas"}``, ``{"placement": "user_navigation"}``) is
        passed to :func:`build_launch_claims`.
        """
        shape = shape or {}
        if shape.get("placement") != USER_NAVIGATION:
            course = course or self.course_of(user)
        body = build_launch_claims(self.state, user, course, nonce=nonce, **shape)
        for key, value in overrides.items():
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
        return body

    def sign(self, claims: dict[str, Any], **kwargs: Any) -> str:
        """Sign with the platform's key (or whatever ``kwargs`` say)."""
        return str(self.state.sign_jwt(claims, **kwargs))

"""A test client that stands in for each person's own browser.

A launch opens a cookie session: the browser that launched keeps it, and nothing in any URL
carries it. Many tests launch several people and then act as each of them in turn, the way
several people on several computers would. ``BrowserClient`` makes that easy without one
client fixture per person: after every launch it answers with ``response.browser``, a
handle naming a new browser that holds that launch's cookie (a copy of the client's cookies
at that moment). A request that names a handle as ``lt`` (query, form or the
``X-Lodestar-Launch`` header) is sent from that person's browser instead: the handle is
taken out of the request and, on a form post, the page's CSRF field is filled in as the
person's own page would have it. Anything else named ``lt`` (a real frame session's handle,
a forged value) goes to the tool untouched.

The client itself goes on as the browser of whoever launched last, as a real one would.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from lti_tool.actor import Actor
from lti_tool.launch.session import CSRF_FIELD, CSRF_HEADER, TOKEN_HEADER, TOKEN_PARAM

PREFIX = "browser-"
_numbers = itertools.count(1)


class BrowserClient(FlaskClient):
    """Flask's test client, plus one stand-in browser per launch (see the module doc)."""

    @property
    def browsers(self) -> dict[str, tuple[FlaskClient, str, str]]:
        """Every stand-in browser of this app: handle -> (client, CSRF token, session
        handle). Shared by all the app's clients, as a district's computers share the tool."""
        return _browsers(self.application)

    # -- launches make browsers --------------------------------------------------------

    def _session_cookie(self) -> str | None:
        name = self.application.config["SESSION_COOKIE_NAME"]
        cookie = self.get_cookie(name)
        return cookie.value if cookie is not None else None

    def _new_browser(self, cookie_value: str) -> str:
        app = self.application
        data = app.session_interface.get_signing_serializer(app).loads(cookie_value)  # type: ignore[attr-defined]
        with app.app_context():
            from lti_tool.launch.session import csrf_for_handle

            csrf = csrf_for_handle(str(data["sid"]))
        browser = FlaskClient(app, use_cookies=True)
        browser.environ_base.update(self.environ_base)
        for cookie in self._cookies.values():
            browser._cookies[cookie._storage_key] = cookie
        handle = f"{PREFIX}{next(_numbers)}"
        self.browsers[handle] = (browser, csrf, str(data["sid"]))
        return handle

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        handle = _named_browser(args, kwargs)
        if handle is not None and handle in self.browsers:
            browser, csrf, _sid = self.browsers[handle]
            args, kwargs = _without_handle(handle, csrf, args, kwargs)
            response = browser.open(*args, **kwargs)
            _follow_in_same_browser(response, handle)
            return response
        before = self._session_cookie()
        response = super().open(*args, **kwargs)
        path = args[0] if args and isinstance(args[0], str) else ""
        after = self._session_cookie()
        if urlsplit(path).path == "/lti/launch" and after and after != before:
            response.browser = self._new_browser(after)  # type: ignore[attr-defined]
        return response

    def browser(self, handle: str) -> FlaskClient:
        """The stand-in browser a launch opened (see :func:`browser_of`)."""
        return self.browsers[handle][0]

    def form_fields(self, handle: str) -> dict[str, str]:
        """The session fields that person's pages put in every form (the CSRF token)."""
        return {CSRF_FIELD: self.browsers[handle][1]}


def _follow_in_same_browser(response: TestResponse, handle: str) -> None:
    """A redirect is followed by the browser that got it: a test that reads ``Location``
    and requests it through this client reaches the same stand-in browser."""
    location = response.headers.get("Location")
    if not location:
        return
    parts = urlsplit(location)
    if parts.netloc and parts.netloc != "localhost":
        return
    query = [*parse_qsl(parts.query, keep_blank_values=True), (TOKEN_PARAM, handle)]
    response.headers["Location"] = urlunsplit(parts._replace(query=urlencode(query)))


def _browsers(app: Flask) -> dict[str, tuple[FlaskClient, str, str]]:
    found: dict[str, tuple[FlaskClient, str, str]] = app.extensions.setdefault(
        "lodestar_test_browsers", {}
    )
    return found


def actor_of(app: Flask, handle: str) -> Actor:
    """The actor of a stand-in browser's session (needs an app context)."""
    from lti_tool import session_records

    record = session_records.find(_browsers(app)[handle][2])
    assert record is not None
    return Actor.of(record)


def _named_browser(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    candidates: list[Any] = []
    if args and isinstance(args[0], str):
        candidates += [v for k, v in parse_qsl(urlsplit(args[0]).query) if k == TOKEN_PARAM]
    query = kwargs.get("query_string")
    if isinstance(query, dict):
        candidates.append(query.get(TOKEN_PARAM))
    data = kwargs.get("data")
    if isinstance(data, dict | MultiDict):
        candidates.append(data.get(TOKEN_PARAM))
    headers = kwargs.get("headers")
    if isinstance(headers, dict):
        candidates.append(headers.get(TOKEN_HEADER))
    for value in candidates:
        if isinstance(value, str) and value.startswith(PREFIX):
            return value
    return None


def _without_handle(
    handle: str, csrf: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    kwargs = dict(kwargs)
    if args and isinstance(args[0], str):
        parts = urlsplit(args[0])
        query = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not (k == TOKEN_PARAM and v == handle)
        ]
        args = (urlunsplit(parts._replace(query=urlencode(query))), *args[1:])
    if isinstance(kwargs.get("query_string"), dict):
        kwargs["query_string"] = {
            k: v
            for k, v in kwargs["query_string"].items()
            if not (k == TOKEN_PARAM and v == handle)
        }
    data = kwargs.get("data")
    if isinstance(data, MultiDict):
        data = data.copy()
        if data.get(TOKEN_PARAM) == handle:
            data.poplist(TOKEN_PARAM)
            data[CSRF_FIELD] = csrf
        kwargs["data"] = data
    elif isinstance(data, dict):
        data = dict(data)
        if data.get(TOKEN_PARAM) == handle:
            data.pop(TOKEN_PARAM)
            data[CSRF_FIELD] = csrf
        kwargs["data"] = data
    if isinstance(kwargs.get("headers"), dict):
        headers = dict(kwargs["headers"])
        if headers.get(TOKEN_HEADER) == handle:
            headers.pop(TOKEN_HEADER)
            headers[CSRF_HEADER] = csrf
        kwargs["headers"] = headers
    return args, kwargs


def browser_of(response: TestResponse) -> str:
    """The handle of the browser a launch response opened a session in."""
    assert response.status_code in {200, 302}, response.get_data(as_text=True)
    handle = getattr(response, "browser", None)
    assert handle, "this response opened no session"
    return str(handle)


def open_in_new_tab(
    client: BrowserClient, handle: str, url: str
) -> tuple[FlaskClient, TestResponse]:
    """Follow a link that opens a new tab, as ``pages.js`` does with a cookie session: the
    person's page trades its CSRF token for a one-time hop code, and the new tab (a
    top-level window, where the frame's partitioned cookie is not sent) opens the link
    with it. Returns the tab and its first response."""
    browser, csrf, _sid = client.browsers[handle]
    answer = browser.post(
        "/lti/session/hop", headers={CSRF_HEADER: csrf, "Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    tab = FlaskClient(client.application, use_cookies=True)
    tab.environ_base.update(client.environ_base)
    separator = "&" if "?" in url else "?"
    return tab, tab.get(f"{url}{separator}hop={answer.get_json()['hop']}")


def request_context_of(app: Flask, handle: str) -> Any:
    """A test request context carrying the stand-in browser's session cookie."""
    browser = _browsers(app)[handle][0]
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = browser.get_cookie(name)
    assert cookie is not None
    return app.test_request_context("/", headers={"Cookie": f"{name}={cookie.value}"})

"""In headless Chromium: the sandbox LMS may frame Lodestar, another origin may not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, chromium, open_as
from tests.conftest import free_port

pytestmark = pytest.mark.browser


@contextmanager
def framing_site() -> Iterator[str]:
    """A page on another loopback port (an origin no platform registered) that frames the
    URL in its ``?src=`` parameter, as a clickjacking page would."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            src = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
            body = (
                f'<!doctype html><html lang="en"><title>Elsewhere</title>'
                f'<iframe id="victim" title="framed" src="{escape(src)}"></iframe>'
                f"</html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_sandbox_frames_the_tool_and_an_unregistered_origin_is_refused(
    demo_stack: DemoStack,
) -> None:
    state = get_state(demo_stack.sandbox_app)
    student = state.district.users_of_kind("student")[0]
    violations: list[str] = []
    with chromium(csp_violations=violations) as browser, framing_site() as elsewhere:
        page = browser.new_page()
        seen: dict[str, str] = {}
        page.on(
            "response",
            lambda r: seen.__setitem__(r.url, r.headers.get("content-security-policy", "")),
        )
        # The registered LMS frames Lodestar: the launch and the plan page show.
        frame = open_as(page, demo_stack, student.name)
        assert frame.get_by_role("heading", name="My Individual Learning Plan").is_visible()
        plan_url = frame.url
        assert plan_url.startswith(demo_stack.tool_url)
        assert violations == []
        assert f"frame-ancestors 'self' {demo_stack.lms_url}" in seen[plan_url]

        # Another origin (same host, another port: another origin all the same) frames the
        # student's plan page in the same browser, and the tool's login page: both refused.
        login_url = page.locator("iframe#lodestar-frame").get_attribute("src") or ""
        for victim in (plan_url, login_url):
            if not victim.startswith("http"):
                continue
            violations.clear()
            other = browser.new_page()
            with other.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=15000):
                other.goto(elsewhere + "?src=" + victim)
            framed = other.locator("iframe#victim").element_handle().content_frame()
            assert framed is not None
            assert not framed.url.startswith(demo_stack.tool_url + "/courses"), framed.url
            assert "Individual Learning Plan" not in framed.content()
            # Chromium: "Framing '<tool>' violates ... "frame-ancestors 'self' <sandbox>"".
            # (The plan's URL carries no session: there it is "frame-ancestors 'self'".)
            wanted = "frame-ancestors 'self'" + (
                "" if victim == plan_url else " " + demo_stack.lms_url
            )
            assert any(wanted in v for v in violations), violations
            other.close()

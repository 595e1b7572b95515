"""Sessions in real headless Chromium, inside the sandbox LMS's cross-site frame.

Both ways a browser can carry a session: with the tool's cookie (no session in any link or
URL), and with every tool cookie stripped (Safari in an iframe: the frame's script proves
each request with the secret it keeps in sessionStorage). Either way, a URL from the
browser's history opened in another browser opens nothing, and "Sign out" ends it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import (
    NO_LOCAL_NETWORK_CHECKS,
    DemoStack,
    block_tool_cookies,
    chromium,
    open_as,
)

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("ILP_SCREENSHOTS", "")) if os.environ.get("ILP_SCREENSHOTS") else None


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _launch(page: Any, stack: DemoStack, name: str) -> Any:
    """Launch as ``name``; a locator of the tool's frame."""
    open_as(page, stack, name)
    return page.frame_locator("iframe#lodestar-frame")


def _frame(page: Any) -> Any:
    frame = page.locator("iframe#lodestar-frame").element_handle().content_frame()
    assert frame is not None
    return frame


def _session_in_markup(frame: Any) -> list[str]:
    """Every link and form field of the frame's page that names a session."""
    found: list[str] = frame.evaluate("""() => [
        ...Array.from(document.querySelectorAll('a[href]'), a => a.href),
        ...Array.from(document.querySelectorAll('form'), f => f.action),
        ...Array.from(document.querySelectorAll('input[name="lt"]'), i => 'lt:' + i.value)
    ].filter(v => v.includes('lt=') || v.startsWith('lt:'))""")
    return found


def test_cookie_session_keeps_urls_clean_and_signs_out(
    demo_stack: DemoStack, tmp_path: Path
) -> None:
    state = get_state(demo_stack.sandbox_app)
    student = state.district.users_of_kind("student")[0]
    with chromium() as browser:
        page = browser.new_page()
        locator = _launch(page, demo_stack, student.name)
        locator.get_by_role("heading", name="My Individual Learning Plan").wait_for()
        frame = _frame(page)
        assert "lt=" not in frame.url and "hop=" not in frame.url
        assert _session_in_markup(frame) == []
        locator.get_by_role("link", name="My portfolio", exact=True).click()
        locator.get_by_role("heading", name="My portfolio").wait_for(timeout=15000)
        assert "lt=" not in _frame(page).url
        portfolio_url = _frame(page).url
        _shot(page, "session-header", tmp_path)
        page.set_viewport_size({"width": 375, "height": 740})
        _shot(page, "session-header-375", tmp_path)
        page.set_viewport_size({"width": 1280, "height": 720})

        # Another browser (the next person at another computer) opens the same URL.
        other = browser.new_context().new_page()
        other.goto(portfolio_url)
        assert student.name not in other.content()
        assert (
            "open Lodestar from your course" in other.content()
            or "Open Lodestar again" in other.content()
        )
        other.close()

        locator.get_by_role("button", name="Sign out").click()
        locator.get_by_role("heading", name="You're signed out of Lodestar").wait_for(timeout=15000)
        _shot(page, "signed-out", tmp_path)
        page.set_viewport_size({"width": 375, "height": 740})
        _shot(page, "signed-out-375", tmp_path)
        # The portfolio, asked for from the same frame: the session is over.
        status = _frame(page).evaluate(
            "url => fetch(url, {credentials: 'include'}).then(r => r.status)", portfolio_url
        )
        assert status == 401


def test_cookieless_frame_session_works_and_its_urls_open_nothing_elsewhere(
    demo_stack: DemoStack, tmp_path: Path
) -> None:
    state = get_state(demo_stack.sandbox_app)
    student = state.district.users_of_kind("student")[1]
    with chromium([NO_LOCAL_NETWORK_CHECKS]) as browser:
        context = browser.new_context()
        block_tool_cookies(context, demo_stack.tool_url)
        page = context.new_page()
        locator = _launch(page, demo_stack, student.name)
        locator.get_by_role("heading", name="My Individual Learning Plan").wait_for()
        assert context.cookies() == []
        frame = _frame(page)
        assert "lt=" in frame.url and "hop=" in frame.url
        assert _session_in_markup(frame), "a frame session's links name the session"
        # A link: pages.js trades the frame's secret for a one-time hop code first.
        locator.get_by_role("link", name="My portfolio", exact=True).click()
        locator.get_by_role("heading", name="My portfolio").wait_for(timeout=15000)
        # A form: the secret goes along in the posted body, never in a URL.
        locator.get_by_role("link", name="My plan", exact=True).click()
        locator.get_by_role("heading", name="My Individual Learning Plan").wait_for(timeout=15000)
        _frame(page).goto(demo_stack.tool_url + "/plans/me/profile?lt=" + _handle(_frame(page).url))
        # The page opened without proof (like a reload); this frame still holds the secret,
        # so its script goes on with a fresh hop code.
        locator.get_by_role("button", name="Save my profile").wait_for(timeout=15000)
        locator.locator("textarea[name=about]").fill("I like building robots.")
        locator.get_by_role("button", name="Save my profile").click()
        locator.get_by_role("heading", name="My Individual Learning Plan").wait_for(timeout=15000)
        assert "I like building robots." in _frame(page).content()
        history_url = _frame(page).url
        assert "hop=" in history_url

        # The next person at another computer opens that URL from the history.
        other = browser.new_context().new_page()
        other.goto(history_url)
        other.get_by_role("heading", name="This link does not open here").wait_for(timeout=10000)
        assert student.name not in other.content()
        assert "I like building robots." not in other.content()
        _shot(other, "link-opens-nothing-here", tmp_path)
        other.set_viewport_size({"width": 375, "height": 740})
        _shot(other, "link-opens-nothing-here-375", tmp_path)
        other.close()

        # Sign out in the frame: its links die with the session.
        locator.get_by_role("button", name="Sign out").click()
        locator.get_by_role("heading", name="You're signed out of Lodestar").wait_for(timeout=15000)
        answer = _frame(page).evaluate(
            "url => fetch(url).then(r => r.text().then(t => [r.status, t]))", history_url
        )
        assert answer[0] == 401 and "I like building robots." not in answer[1]


def _handle(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)["lt"][0]

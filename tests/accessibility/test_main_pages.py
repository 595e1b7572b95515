"""Every main page, for every role, passes axe-core's WCAG 2.1 A/AA rules in real Chromium,
opened the way people open it: inside the LMS course page's cross-site iframe."""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser


def _check(frame: Any, label: str, failures: dict[str, Any]) -> None:
    violations = axe_violations(frame)
    if violations:
        failures[f"{label} ({frame.url.split('?')[0]})"] = violations


def _visit_nav(frame: Any, label: str, failures: dict[str, Any]) -> None:
    """Check the landing page, then every page the navigation bar leads to."""
    _check(frame, label, failures)
    links = frame.locator("nav.site-nav a")
    for index in range(links.count()):
        link = frame.locator("nav.site-nav a").nth(index)
        text = link.inner_text()
        link.click()
        frame.wait_for_load_state()
        frame.locator("main h1").first.wait_for(timeout=15000)
        _check(frame, f"{label}: {text}", failures)


def test_main_pages_pass_axe_for_every_role(demo_stack: DemoStack) -> None:
    state = get_state(demo_stack.sandbox_app)
    district = state.district
    people = [
        district.users_of_kind("student")[0],
        district.users_of_kind("teacher")[0],
        district.users_of_kind("parent")[0],
        district.users_of_kind("counselor")[0],
        district.users_of_kind("admin")[0],
    ]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page()
        for person in people:
            frame = open_as(page, demo_stack, person.name)
            _visit_nav(frame, f"{person.kind} {person.name}", failures)
    assert not failures, failures

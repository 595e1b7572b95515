"""Every main page, for every role, passes axe-core's WCAG 2.1 A/AA rules in real Chromium,
opened the way people open it: inside the LMS course page's cross-site iframe, with content
(the demo district's lived-in plans: a student's plan with goals, the teacher's class view of
students with plans, the counselor's caseload and a student's plan, a parent's child's plan,
the admin page)."""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.accessibility.test_keyboard_and_width_browser import seed
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


def _visit_a_students_plan(frame: Any, label: str, failures: dict[str, Any]) -> None:
    """From the caseload or the guardian's list: one student's plan (the review panel)."""
    link = frame.locator("main a[href*='/plans/students/']")
    link.first.wait_for(timeout=15000)  # the caseload or the guardian's list has loaded
    link.first.click()
    frame.wait_for_load_state()
    frame.locator("main h1").first.wait_for(timeout=15000)
    assert frame.locator("main section h2").count() >= 3, f"{label}: the plan has no content"
    _check(frame, f"{label}: a student's plan", failures)


def test_main_pages_pass_axe_for_every_role(demo_stack: DemoStack) -> None:
    seed(demo_stack)
    state = get_state(demo_stack.sandbox_app)
    district = state.district
    people = [
        district.users_of_kind("student")[0],
        district.users_of_kind("teacher")[0],
        district.users_of_kind("parent")[0],
        district.users_of_kind("counselor")[0],
        next(a for a in district.users_of_kind("admin") if "AccountAdmin" in a.account_roles),
    ]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page()
        for person in people:
            frame = open_as(page, demo_stack, person.name)
            label = f"{person.kind} {person.name}"
            _visit_nav(frame, label, failures)
            if person.kind == "student":
                # The landing page is the plan: with goals, from the demo district's seed.
                frame.locator("nav.site-nav a", has_text="My plan").first.click()
                frame.get_by_role("heading", name="Goals").first.wait_for(timeout=15000)
            if person.kind == "counselor":
                frame.locator("nav.site-nav a", has_text="Caseload").click()
                _visit_a_students_plan(frame, label, failures)
            if person.kind == "parent":
                frame.locator("nav.site-nav a", has_text="My students").click()
                _visit_a_students_plan(frame, label, failures)
    assert not failures, failures

"""A student's course plan in real Chromium inside the LMS iframe: the courses and grades the
teacher's launch synced come in from the LMS, a duplicate is refused with the form kept, and
at 375 px the course grid stacks into cards (no sideways scrolling). axe passes at both
widths. Screenshots go to ``ILP_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 375, "height": 1400}

SCROLL_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def _check(page: Any, frame: Any, name: str, failures: dict[str, Any]) -> None:
    """axe at both widths, no sideways scrolling at 375 px, and screenshots when asked."""
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("desktop", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = v
        if folder:
            target = Path(folder) / f"course-plan-{name}-{label}.png"
            page.locator("iframe#lodestar-frame").screenshot(path=str(target))
        if label == "375":
            scroll, client = frame.evaluate(SCROLL_WIDTH)
            if scroll > min(375, client):
                failures[f"{name} (375): page {scroll} px wide in a {client} px frame"] = scroll
    page.set_viewport_size(DESKTOP)


def test_course_plan_from_the_lms_at_both_widths(demo_stack: DemoStack) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    teacher = district.users_of_kind("teacher")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        # The teacher's launch syncs the class's roster and grades (AGS).
        open_as(page, demo_stack, teacher.name)
        frame = open_as(page, demo_stack, student.name)
        frame.get_by_role("link", name="Edit my course plan").first.click()
        frame.get_by_role("heading", level=1, name="My four-year course plan").wait_for(
            timeout=15000
        )

        # The student's grade is not known yet: they give it and import.
        frame.get_by_label("Which grade are you in this year?").select_option("10")
        frame.get_by_role("button", name="Import my courses from").click()
        frame.get_by_text("added 1 course").wait_for(timeout=15000)
        row = frame.locator("#grade-10 tbody tr").first
        assert "In progress" in row.inner_text()
        course_name = row.locator("th").inner_text().split(" from ")[0].strip()
        _check(page, frame, "imported", failures)

        # The same course again in grade 10 is refused; what was typed stays.
        frame.get_by_label("Grade", exact=True).select_option("10")
        frame.get_by_label("Course name", exact=True).fill(course_name)
        frame.get_by_label("Credits", exact=True).fill("0.5")
        frame.get_by_role("button", name="Add this course").click()
        frame.get_by_text("is already in your plan for grade 10").first.wait_for(timeout=15000)
        assert frame.get_by_label("Course name", exact=True).input_value() == course_name
        assert frame.get_by_label("Credits", exact=True).input_value() == "0.5"
        _check(page, frame, "duplicate", failures)

        # Importing again adds nothing.
        frame.get_by_role("button", name="Import my courses from").click()
        frame.get_by_text("already matches").wait_for(timeout=15000)
        assert frame.locator("#grade-10 tbody tr").count() == 1
    assert not failures, failures

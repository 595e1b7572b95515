"""A counselor adds a community resource and recommends it to a student; the student sees it
as "Recommended for you" on their plan and marks it done. Real Chromium inside the LMS
iframe, every page checked by axe, screenshots at desktop width and at 375 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

NOTE = "Ask for Ms. Rivera; she tutors chemistry on Tuesdays."


def _navigate(frame: Any, link: str, heading: str) -> None:
    frame.get_by_role("link", name=link, exact=True).click()
    frame.get_by_role("heading", level=1, name=heading).wait_for(timeout=15000)


def test_counselor_recommends_and_student_sees_it(demo_stack: DemoStack, tmp_path: Path) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    counselor = district.users_of_kind("counselor")[0]
    failures: dict[str, Any] = {}

    def check(where: str, frame: Any) -> None:
        failures.update({f"{where}: {v['id']}": v for v in axe_violations(frame)})

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        open_as(page, demo_stack, student.name)  # the student exists in Lodestar

        frame = open_as(page, demo_stack, counselor.name)
        _navigate(frame, "Community resources", "Community resources")
        _navigate(frame, "Add a resource", "Add a community resource")
        frame.get_by_label("Name", exact=True).fill("Eastside Homework Club")
        frame.get_by_label("Category").select_option(label="Tutoring")
        frame.get_by_label("What it offers").fill("Free tutoring after school.")
        frame.get_by_label("Who it serves").fill("Grades 9-12")
        frame.get_by_label("Web address").fill("javascript:alert(1)")
        frame.get_by_role("button", name="Add this resource").click()
        frame.get_by_role("heading", name="Please check the form: nothing was saved").wait_for(
            timeout=15000
        )
        check("resource form with an error", frame)
        frame.get_by_label("Web address").fill("https://homework.example.org")
        frame.get_by_role("button", name="Add this resource").click()
        frame.get_by_role("heading", level=2, name="Eastside Homework Club").wait_for(timeout=15000)
        check("resource list", frame)

        _navigate(frame, "Caseload", "Caseload")
        frame.locator("table.caseload").get_by_role("link", name=student.name).first.click()
        frame.get_by_role("link", name="Recommend a community resource").click()
        frame.get_by_role(
            "heading", level=1, name=f"Recommend a community resource to {student.name}"
        ).wait_for(timeout=15000)
        check("recommend page", frame)
        frame.get_by_label("Resource").select_option(label="Eastside Homework Club (Tutoring)")
        frame.get_by_label("Note for the student").fill(NOTE)
        frame.get_by_role("button", name="Recommend").click()
        frame.get_by_text("Recommended Eastside Homework Club to").wait_for(timeout=15000)

        frame = open_as(page, demo_stack, student.name)
        _navigate(frame, "My plan", "My Individual Learning Plan")
        frame.get_by_role("heading", level=2, name="Recommended for you").wait_for(timeout=15000)
        frame.get_by_text(NOTE).wait_for(timeout=15000)
        check("plan with a recommendation", frame)
        page.screenshot(path=str(tmp_path / "recommended-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        section = frame.locator("#recommended")
        section.scroll_into_view_if_needed()
        check("plan at 375 px", frame)
        page.screenshot(path=str(tmp_path / "recommended-375.png"))
        section.screenshot(path=str(tmp_path / "recommended-375-section.png"))
        page.set_viewport_size({"width": 1280, "height": 900})

        frame.get_by_role("button", name="Mark done").first.click()
        frame.get_by_text("Nothing recommended for you right now.").wait_for(timeout=15000)
        check("plan after marking done", frame)
    assert not failures, failures

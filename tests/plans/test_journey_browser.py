"""A new student walks through the first-run guide in real Chromium inside the LMS iframe, then
sees this year's steps; a counselor sees completion by grade. Every page passes axe, on a
desktop and on a 375 px wide phone. Screenshots go to ``ILP_SCREENSHOTS`` when it is set."""

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


WIDER_THAN_THE_FRAME = """(scope) => [...document.querySelectorAll(scope)]
    .flatMap(root => [root, ...root.querySelectorAll('*')])
    .filter(e => !e.closest('.table-scroll'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"""


def _shots(page: Any, name: str, failures: dict[str, Any], frame: Any, scope: str = "main") -> None:
    """axe at both widths, and screenshots of the tool's frame when asked for."""
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("desktop", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = v
        if folder:
            target = Path(folder) / f"journey-{name}-{label}.png"
            page.locator("iframe#lodestar-frame").screenshot(path=str(target))
        # Nothing of the journey may be wider than the frame (no sideways scrolling on a
        # phone); tables scroll inside their own region.
        wide = frame.evaluate(WIDER_THAN_THE_FRAME, scope)
        if wide:
            failures[f"{name} ({label}): wider than the frame"] = wide
    page.set_viewport_size(DESKTOP)


def test_new_student_walks_through_the_guide(demo_stack: DemoStack) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    counselor = district.users_of_kind("counselor")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, student.name)
        frame.get_by_role("heading", name="Welcome! Let's start your plan").wait_for(timeout=15000)
        _shots(page, "guide-start", failures, frame, "#guide")

        # Step 1: tell us about you.
        frame.get_by_role("link", name="Start: tell us about you").click()
        frame.get_by_role("heading", level=1, name="My profile").wait_for(timeout=15000)
        # The profile's fieldset shares the id "about" with the text box, so the box is found
        # by its name rather than its label.
        frame.locator("textarea[name=about]").fill("I like building robots and drawing comics.")
        frame.get_by_label("Grade level").fill("8")
        frame.get_by_role("button", name="Save my profile").click()
        frame.get_by_text("Step 1 of 6: done").wait_for(timeout=15000)

        # Step 2: discover your interests.
        frame.get_by_role("link", name="Continue: discover your interests").click()
        frame.get_by_role("button", name="Save my answers and see my result").wait_for()
        frame.evaluate(
            """() => document.querySelectorAll('fieldset.inventory-item').forEach((f, i) => {
                 const radios = f.querySelectorAll('input[type=radio]');
                 radios[i % 3 === 0 ? radios.length - 1 : 1].checked = true;
               })"""
        )
        frame.get_by_role("button", name="Save my answers and see my result").click()
        frame.get_by_text("Your answers are saved. Your interest code is").wait_for(timeout=15000)
        frame.get_by_role("link", name="Back to my plan").first.click()
        frame.get_by_text("Step 2 of 6: done").wait_for(timeout=15000)
        _shots(page, "guide-step3", failures, frame, "#guide, #journey")

        # A first goal (the guide's fourth step, after the clusters); then the student closes
        # the guide and this year's steps count the goal.
        frame.get_by_role("link", name="Set a first goal").click()
        frame.get_by_label("Goal statement").fill("Build a robot for the science fair")
        frame.get_by_role("button", name="Add this goal").click()
        frame.get_by_text("Goal added.").wait_for(timeout=15000)
        frame.get_by_role("link", name="Back to my plan").first.click()
        frame.get_by_role("heading", name="This year's steps: grade 8").wait_for(timeout=15000)
        frame.get_by_text("Step 4 of 6: done").wait_for(timeout=15000)
        frame.get_by_role("button", name="No thanks, hide these first steps").click()
        frame.get_by_text("The guide is closed.").wait_for(timeout=15000)
        assert frame.locator("#guide").count() == 0
        assert "1 of 3" in frame.locator("#journey").inner_text()
        _shots(page, "steps", failures, frame, "#journey")

        frame = open_as(page, demo_stack, counselor.name)
        frame.get_by_role("link", name="Journey by grade", exact=True).click()
        frame.get_by_role("heading", level=1, name="Journey: steps completed by grade").wait_for(
            timeout=15000
        )
        assert "Grade 8: 1 student" in frame.locator("main").inner_text()
        _shots(page, "report", failures, frame)
        frame.get_by_role("link", name="Change the district's steps").click()
        frame.get_by_role(
            "heading", level=1, name="The district's journey, grades 6 to 12"
        ).wait_for(timeout=15000)
        _shots(page, "editor", failures, frame)
    assert not failures, failures

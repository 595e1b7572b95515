"""Skills as chips in real Chromium inside the LMS iframe: a teacher tags the course and an
assignment in one save (a too-long skill first keeps every edit), a student picks skills on
the profile, and the class view shows the match. axe passes, nothing is wider than a 375 px
frame. Screenshots go to ``ILP_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 375, "height": 1400}
HEALTH = "2024.healthcare-human-services"
TOO_LONG = "Carefully recording every observation made under the microscope"

WIDER_THAN_THE_FRAME = """() => [...document.querySelectorAll('main, main *')]
    .filter(e => !e.closest('.table-scroll'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"""


def _open(page: Any, stack: DemoStack, context_id: str, name: str) -> Any:
    """Launch Lodestar as ``name`` from the card of the course ``context_id``."""
    page.goto(stack.lms_url + "/")
    card = page.locator(f'section[aria-labelledby="course-{context_id}"]')
    card.get_by_role("link", name=f"Open Lodestar as {name}", exact=True).click()
    page.frame_locator("iframe#lodestar-frame").locator("nav.site-nav").wait_for(timeout=20000)
    frame = page.locator("iframe#lodestar-frame").element_handle().content_frame()
    assert frame is not None
    return frame


def _check(
    page: Any,
    frame: Any,
    name: str,
    failures: dict[str, Any],
    *,
    overflow: bool = True,
    also: str | None = None,
) -> None:
    """axe and (unless ``overflow`` is false) overflow at both widths; screenshots of the
    frame when asked for, another one scrolled to ``also``."""
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = v
        wide = frame.evaluate(WIDER_THAN_THE_FRAME) if overflow else None
        if wide:
            failures[f"{name} ({label}): wider than the frame"] = wide
        if folder:
            target = Path(folder) / f"skills-{name}-{label}.png"
            page.locator("iframe#lodestar-frame").screenshot(path=str(target))
            if also:
                frame.locator(also).first.scroll_into_view_if_needed()
                target = Path(folder) / f"skills-{name}-{label}-b.png"
                page.locator("iframe#lodestar-frame").screenshot(path=str(target))
    page.set_viewport_size(DESKTOP)


def _chips(field: Any) -> list[str]:
    return [t.strip() for t in field.locator(".chip > span").all_inner_texts()]


def test_skills_as_chips_from_tag_page_to_class_view(demo_stack: DemoStack) -> None:
    district = get_state(demo_stack.sandbox_app).district
    teacher = district.users_of_kind("teacher")[0]
    course = district.courses_of(teacher.sub)[0]
    student = district.students_of(course.context_id)[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)

        # The teacher tags the course and its first assignment.
        frame = _open(page, demo_stack, course.context_id, teacher.name)
        frame.get_by_role("link", name="Class and student plans").first.click()
        frame.get_by_role(
            "link", name="Tag this course and its assignments with career clusters and skills"
        ).click()
        frame.get_by_role("button", name="Save tags").wait_for(timeout=15000)
        course_field = frame.locator(".skill-field").first
        first = frame.locator("fieldset.assignment-tags").first
        title = first.locator("legend").first.inner_text().split(" (due")[0]

        frame.locator(f'input[name=course_clusters][value="{HEALTH}"]').check()
        course_entry = frame.locator("#course-skills")
        course_entry.fill("Data analysis")
        course_entry.press("Enter")
        course_entry.type("lab safety,")
        assert _chips(course_field) == ["Data analysis", "lab safety"]
        # Assignment clusters are there before the course is saved.
        first.locator("summary").click()
        first.locator(f'input[value="{HEALTH}"]').check()
        a_entry = first.locator(".skill-field input[type=text]")
        a_entry.fill("Microscopy")
        a_entry.press("Enter")
        assert _chips(first.locator(".skill-field")) == ["Microscopy"]
        # Removing a chip takes it away; nothing else.
        course_entry.fill("drawing")
        course_entry.press("Enter")
        course_field.get_by_role("button", name="Remove drawing").click()
        assert _chips(course_field) == ["Data analysis", "lab safety"]

        # A too-long skill stays in the box with a message instead of being dropped.
        course_entry.fill(TOO_LONG)
        course_entry.press("Enter")
        assert course_entry.input_value() == TOO_LONG
        error = course_field.locator(".chip-error")
        assert error.is_visible() and "longer than 60 characters" in error.inner_text()
        _check(page, frame, "tags-chip-error", failures, also="#course-skills")

        # Saving anyway: the server refuses it and every edit is still there.
        frame.get_by_role("button", name="Save tags").click()
        frame.get_by_text("The tags were not saved.").wait_for(timeout=15000)
        course_field = frame.locator(".skill-field").first
        first = frame.locator("fieldset.assignment-tags").first
        assert frame.locator(f'input[name=course_clusters][value="{HEALTH}"]').is_checked()
        assert first.locator(f'input[value="{HEALTH}"]').is_checked()
        assert _chips(course_field) == ["Data analysis", "lab safety"]
        assert _chips(first.locator(".skill-field")) == ["Microscopy"]
        assert frame.locator("#course-skills").input_value() == TOO_LONG
        assert course_field.locator("#course-skills-error").is_visible()
        _check(page, frame, "tags-refused", failures, also="fieldset.assignment-tags")

        # One save with the long skill gone tags the course and the assignment.
        frame.locator("#course-skills").fill("")
        frame.get_by_role("button", name="Save tags").click()
        frame.get_by_text("Tags saved").wait_for(timeout=15000)
        # skills.js draws the chips once the page has loaded (later when the machine is busy).
        frame.locator(".skill-field").first.locator(".chip").nth(1).wait_for(timeout=15000)
        assert _chips(frame.locator(".skill-field").first) == ["data analysis", "lab safety"]
        first = frame.locator("fieldset.assignment-tags").first
        assert first.locator(f'input[value="{HEALTH}"]').is_checked()
        assert _chips(first.locator(".skill-field")) == ["microscopy"]
        _check(page, frame, "tags-saved", failures, also="fieldset.assignment-tags")

        # The student picks skills as chips on the profile.
        frame = _open(page, demo_stack, course.context_id, student.name)
        frame.get_by_role("link", name="My plan").first.click()
        frame.locator('a[href*="/plans/me/profile"]').first.click()
        frame.get_by_role("heading", level=1, name="My profile").wait_for(timeout=15000)
        skills_field = frame.locator(".skill-field")
        entry = frame.locator("#skills")
        # The course's tags are among the suggestions.
        options = frame.locator("#skill-suggestions option").evaluate_all(
            "(os) => os.map(o => o.value)"
        )
        assert {"data analysis", "microscopy", "critical thinking"} <= set(options)
        entry.type("data")  # on the way to a longer skill: typing is not picking a suggestion
        assert _chips(skills_field) == []
        entry.fill("")
        entry.type("microscopy")
        entry.press("Enter")
        entry.type("Analysing-data")
        entry.press("Enter")
        assert _chips(skills_field) == ["microscopy", "Analysing-data"]
        entry.press("Enter")  # Enter in an empty skills box does not send the profile
        assert "/plans/me/profile" in frame.url and _chips(skills_field) == [
            "microscopy",
            "Analysing-data",
        ]
        _check(page, frame, "profile", failures, also="#skills")
        frame.get_by_role("button", name="Save my profile").click()
        frame.get_by_text("Your profile is saved.").wait_for(timeout=15000)

        frame.get_by_role("link", name="This class and my plan").first.click()
        frame.get_by_text("data analysis:").first.wait_for(timeout=15000)
        mine = frame.locator("main").inner_text()
        assert "data analysis: ✓ Matches your plan" in mine
        assert title in mine and "practises microscopy, a skill in your plan" in mine

        # The class view shows the match.
        frame = _open(page, demo_stack, course.context_id, teacher.name)
        frame.get_by_role("link", name="Class and student plans").first.click()
        frame.get_by_role("heading", level=1).first.wait_for(timeout=15000)
        row = frame.locator("tr", has_text=title).first
        assert f"{student.name} (" in row.inner_text() and "skill in plan" in row.inner_text()
        # The class view's own layout at 375 px is another part of this work; axe only.
        _check(page, frame, "class-view", failures, overflow=False, also=f'tr:has-text("{title}")')
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())

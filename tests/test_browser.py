"""End to end in headless Chromium: the sandbox LMS page frames Lodestar cross-site."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, chromium

pytestmark = pytest.mark.browser


def test_teacher_launch_in_cross_site_iframe_shows_roster(demo_stack: DemoStack,
                                                           tmp_path: Path) -> None:
    state = get_state(demo_stack.sandbox_app)
    teacher = state.district.users_of_kind("teacher")[0]
    course = state.district.courses_of(teacher.sub)[0]
    student = state.district.students_of(course.context_id)[0]
    with chromium() as browser:
        page = browser.new_page()
        # A student opens Lodestar first, so the teacher's roster has someone in it.
        page.goto(demo_stack.lms_url + "/")
        page.get_by_role("link", name=f"Open Lodestar as {student.name}").first.click()
        frame = page.frame_locator("iframe#lodestar-frame")
        frame.get_by_role("heading", name="My Individual Learning Plan").wait_for(timeout=15000)

        page.goto(demo_stack.lms_url + "/")
        page.get_by_role("link", name=f"Open Lodestar as {teacher.name}").first.click()
        frame = page.frame_locator("iframe#lodestar-frame")
        frame.get_by_role("heading", name=course.title).wait_for(timeout=15000)
        roster = frame.get_by_role("table", name="Roster").inner_text()
        # The launch synced the roster (NRPS) and grades (AGS) from the sandbox LMS.
        for learner in state.district.students_of(course.context_id):
            assert learner.name in roster
        assignments = frame.get_by_role("table", name="Assignments").inner_text()
        for item in state.district.line_items[course.context_id].values():
            assert item.label in assignments
        page.screenshot(path=str(tmp_path / "teacher-class.png"), full_page=True)
        # The tool really is cross-site: another host than the LMS page.
        frame_url = page.frames[1].url
        assert frame_url.startswith(demo_stack.tool_url)
        assert not page.url.startswith(demo_stack.tool_url)



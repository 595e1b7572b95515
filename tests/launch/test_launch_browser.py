"""End to end in headless Chromium: the sandbox LMS page frames Lodestar cross-site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import (
    NO_LOCAL_NETWORK_CHECKS,
    DemoStack,
    axe_violations,
    block_tool_cookies,
    chromium,
)

pytestmark = pytest.mark.browser


def test_teacher_launch_in_cross_site_iframe_shows_roster(
    demo_stack: DemoStack, tmp_path: Path
) -> None:
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
        # The browser kept the state cookie in the frame: nothing went to platform storage.
        assert _stored_keys(page, demo_stack) is None
        # The tool really is cross-site: another host than the LMS page.
        frame_url = page.frames[1].url
        assert frame_url.startswith(demo_stack.tool_url)
        assert not page.url.startswith(demo_stack.tool_url)


def test_launch_works_when_the_browser_blocks_the_tools_cookies(demo_stack: DemoStack) -> None:
    """Like Safari in an iframe: no cookie from the tool is ever stored. The OIDC state goes
    through the LMS page's postMessage storage and the session through the launch token."""
    state = get_state(demo_stack.sandbox_app)
    teacher = state.district.users_of_kind("teacher")[1]
    course = state.district.courses_of(teacher.sub)[0]
    with chromium([NO_LOCAL_NETWORK_CHECKS]) as browser:
        context = browser.new_context()
        stripped = block_tool_cookies(context, demo_stack.tool_url)
        page = context.new_page()
        page.goto(demo_stack.lms_url + "/")
        page.get_by_role("link", name=f"Open Lodestar as {teacher.name}").first.click()
        frame = page.frame_locator("iframe#lodestar-frame")
        frame.get_by_role("heading", name=course.title).wait_for(timeout=20000)
        # Following a link inside the tool keeps the session (token in the URL).
        frame.get_by_role("link", name="Class roster").click()
        frame.get_by_role("heading", name=course.title).wait_for(timeout=15000)
        assert context.cookies() == []
        assert _stored_keys(page, demo_stack) == []  # the state key was cleared after use
    assert any("/lti/login" in url for url in stripped)


def test_admin_registers_lodestar_by_dynamic_registration(demo_stack: DemoStack) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(demo_stack.lms_url + "/")
        page.get_by_role(
            "link", name="Register Lodestar again with LTI Dynamic Registration"
        ).click()
        page.get_by_role("heading", name="Lodestar is registered").wait_for(timeout=15000)
        assert page.url.startswith(demo_stack.tool_url + "/lti/register")


def _stored_keys(page: Any, stack: DemoStack) -> list[str] | None:
    """The keys the LMS page holds in platform storage for the tool (None: the tool never
    stored anything there)."""
    keys = page.evaluate(
        "(origin) => { var all = window.sandboxPlatformStorage || {};"
        " return all[origin] ? Object.keys(all[origin]) : null; }",
        stack.tool_url,
    )
    return None if keys is None else list(keys)


def _open_course(page: Any, stack: DemoStack, person: Any, storage: str) -> None:
    """Open the sandbox course page of ``person``'s first course, with a storage mode."""
    state = get_state(stack.sandbox_app)
    course = state.district.courses_of(person.sub)[0]
    page.goto(
        f"{stack.lms_url}/courses/{course.context_id}/view?user={person.sub}&storage={storage}"
    )


def _auth_requests(stack: DemoStack) -> int:
    return sum(1 for entry in get_state(stack.sandbox_app).request_log if entry.path == "/auth")


def test_moodle_like_lms_without_storage_offers_a_new_window_that_works(
    demo_stack: DemoStack,
) -> None:
    """Moodle 4.5 sends no lti_storage_target. With the tool's cookies blocked in the frame,
    the frame offers a window of its own before the LMS has used its one-time launch hint;
    the launch in that window is first party and lands on the student's plan."""
    state = get_state(demo_stack.sandbox_app)
    student = state.district.users_of_kind("student")[3]
    with chromium([NO_LOCAL_NETWORK_CHECKS]) as browser:
        context = browser.new_context()
        block_tool_cookies(context, demo_stack.tool_url, frames_only=True)
        page = context.new_page()
        auth_before = _auth_requests(demo_stack)
        _open_course(page, demo_stack, student, "moodle")
        frame = page.frame_locator("iframe#lodestar-frame")
        frame.get_by_role("heading", name="Open Lodestar in its own window").wait_for(timeout=15000)
        assert _auth_requests(demo_stack) == auth_before  # the hint is still unused
        with context.expect_page() as opened:
            frame.get_by_role("link", name="Open Lodestar in a new window").click()
        window = opened.value
        window.get_by_role("heading", name="My Individual Learning Plan").wait_for(timeout=20000)
        assert window.url.startswith(demo_stack.tool_url)
        assert student.name in window.locator("header").inner_text()
        assert _auth_requests(demo_stack) == auth_before + 1
        # First-party cookies in the window; none were kept for the frame.
        assert {c["name"] for c in context.cookies(demo_stack.tool_url)} >= {"lodestar_session"}
        assert "opening in a new window" in frame.locator("#new-window-status").inner_text()
        assert _stored_keys(page, demo_stack) is None  # no platform storage in this LMS
        tool_frame = page.locator("iframe#lodestar-frame").element_handle().content_frame()
        assert axe_violations(tool_frame) == []


def test_canvas_editor_like_lms_without_forwarding_frame_answers_on_the_parent(
    demo_stack: DemoStack,
) -> None:
    """Inside Canvas's Rich Content Editor the named storage frame is missing: the tool asks
    window.parent with target origin "*" and the launch succeeds in the frame."""
    state = get_state(demo_stack.sandbox_app)
    teacher = state.district.users_of_kind("teacher")[2]
    course = state.district.courses_of(teacher.sub)[0]
    with chromium([NO_LOCAL_NETWORK_CHECKS]) as browser:
        context = browser.new_context()
        block_tool_cookies(context, demo_stack.tool_url)
        page = context.new_page()
        _open_course(page, demo_stack, teacher, "canvas-rce")
        frame = page.frame_locator("iframe#lodestar-frame")
        frame.get_by_role("heading", name=course.title).wait_for(timeout=20000)
        assert context.cookies() == []
        assert _stored_keys(page, demo_stack) == []  # stored at login, cleared after launch


def test_canvas_like_lms_relays_storage_through_its_forwarding_frame(demo_stack: DemoStack) -> None:
    state = get_state(demo_stack.sandbox_app)
    student = state.district.users_of_kind("student")[5]
    with chromium([NO_LOCAL_NETWORK_CHECKS]) as browser:
        context = browser.new_context()
        block_tool_cookies(context, demo_stack.tool_url)
        page = context.new_page()
        _open_course(page, demo_stack, student, "canvas")
        frame = page.frame_locator("iframe#lodestar-frame")
        frame.get_by_role("heading", name="My Individual Learning Plan").wait_for(timeout=20000)
        assert context.cookies() == []
        assert _stored_keys(page, demo_stack) == []

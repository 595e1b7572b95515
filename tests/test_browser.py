"""End to end in headless Chromium: the sandbox LMS page frames Lodestar cross-site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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




def test_launch_works_when_the_browser_blocks_the_tools_cookies(demo_stack: DemoStack) -> None:
    """Like Safari in an iframe: no cookie from the tool is ever stored. The OIDC state goes
    through the LMS page's postMessage storage and the session through the launch token."""
    import requests

    state = get_state(demo_stack.sandbox_app)
    teacher = state.district.users_of_kind("teacher")[1]
    course = state.district.courses_of(teacher.sub)[0]
    hop = {"set-cookie", "content-length", "content-encoding", "transfer-encoding", "connection"}
    stripped: list[str] = []

    def without_cookies(route: Any) -> None:
        # Fetch outside the browser (Playwright's own fetch would share its cookie jar) and
        # hand the answer back without any Set-Cookie header.
        req = route.request
        answer = requests.request(
            req.method, req.url, data=req.post_data_buffer, allow_redirects=False, timeout=30,
            headers={k: v for k, v in req.headers.items() if k.lower() != "cookie"})
        if "set-cookie" in {k.lower() for k in answer.headers}:
            stripped.append(req.url)
        route.fulfill(status=answer.status_code, body=answer.content,
                      headers={k: v for k, v in answer.headers.items() if k.lower() not in hop})

    # Answers fulfilled by the test harness count as "public" for Chromium's Local Network
    # Access checks, which would then block the hop back to the loopback LMS.
    with chromium(["--disable-features=LocalNetworkAccessChecks"]) as browser:
        context = browser.new_context()
        context.route(demo_stack.tool_url + "/**", without_cookies)
        page = context.new_page()
        page.goto(demo_stack.lms_url + "/")
        page.get_by_role("link", name=f"Open Lodestar as {teacher.name}").first.click()
        frame = page.frame_locator("iframe#lodestar-frame")
        frame.get_by_role("heading", name=course.title).wait_for(timeout=20000)
        # Following a link inside the tool keeps the session (token in the URL).
        frame.get_by_role("link", name="Class roster").click()
        frame.get_by_role("heading", name=course.title).wait_for(timeout=15000)
        assert context.cookies() == []
    assert any("/lti/login" in url for url in stripped)


def test_admin_registers_lodestar_by_dynamic_registration(demo_stack: DemoStack) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(demo_stack.lms_url + "/")
        page.get_by_role("link", name="Register Lodestar again with LTI Dynamic Registration").click()
        page.get_by_role("heading", name="Lodestar is registered").wait_for(timeout=15000)
        assert page.url.startswith(demo_stack.tool_url + "/lti/register")

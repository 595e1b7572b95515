"""End to end in headless Chromium: the sandbox LMS page frames Lodestar cross-site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lti_tool.demo import register_sandbox, serve_demo
from lti_tool.extensions import db
from lti_tool.sandbox import create_sandbox_app, get_state
from tests.browser import DemoStack, chromium
from tests.conftest import _empty_tables, _make_app, free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_stack(database_url: str, tmp_path: Path) -> Iterator[DemoStack]:
    tool_port, lms_port = free_port(), free_port()
    tool_url, lms_url = f"http://localhost:{tool_port}", f"http://127.0.0.1:{lms_port}"
    tool_app = _make_app(database_url, tmp_path)
    with tool_app.app_context():
        _empty_tables()
    sandbox_app = create_sandbox_app({"SANDBOX_BASE_URL": lms_url, "SANDBOX_TOOL_URL": tool_url})
    register_sandbox(tool_app, sandbox_app)
    servers = serve_demo(tool_app, sandbox_app, tool_port=tool_port, lms_port=lms_port)
    yield DemoStack(tool_url, lms_url, tool_app, sandbox_app)
    for server in servers:
        server.shutdown()
    with tool_app.app_context():
        db.session.remove()
        db.engine.dispose()


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
        roster = frame.get_by_role("table")
        assert student.name in roster.inner_text()
        page.screenshot(path=str(tmp_path / "teacher-class.png"), full_page=True)
        # The tool really is cross-site: another host than the LMS page.
        frame_url = page.frames[1].url
        assert frame_url.startswith(demo_stack.tool_url)
        assert not page.url.startswith(demo_stack.tool_url)



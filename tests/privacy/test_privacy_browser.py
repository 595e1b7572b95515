"""The privacy page in real Chromium inside the LMS iframe: a student reaches it from the
footer of every page, an admin sees the operations part, and it passes axe at desktop width
and at 375 px."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ["ILP_SCREENSHOTS"]) if os.environ.get("ILP_SCREENSHOTS") else None


def _shot(page: Any, frame: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the frame lay out again after a viewport change
    # The whole page, not the frame's window onto it: the iframe grows to its content.
    height = frame.evaluate("document.documentElement.scrollHeight")
    iframe = frame.frame_element()
    iframe.evaluate("(el, h) => { el.style.height = h + 'px'; }", height)
    viewport = page.viewport_size
    page.set_viewport_size({"width": viewport["width"], "height": height + 400})
    page.wait_for_timeout(500)
    iframe.screenshot(path=str(folder / f"{name}.png"))
    page.set_viewport_size(viewport)


def _follow_footer_link(frame: Any) -> None:
    link = frame.get_by_role("contentinfo").get_by_role("link", name="Privacy and your data")
    link.wait_for(state="visible", timeout=30000)
    with frame.expect_navigation(wait_until="load", timeout=90000):
        link.click()
    frame.get_by_role("heading", level=1, name="Privacy and your data").wait_for(timeout=30000)


def test_student_and_admin_read_the_privacy_page(demo_stack: DemoStack, tmp_path: Path) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    admin = district.users_of_kind("admin")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        frame = open_as(page, demo_stack, student.name)
        _follow_footer_link(frame)
        assert frame.get_by_role("heading", name="Who can see it").is_visible()
        assert frame.get_by_role("heading", name="For admins: operations").count() == 0
        # The full inventory opens field by field.
        frame.get_by_text("The student's Individual Learning Plan").click()
        frame.get_by_text("Accommodation needs (not shown to teachers)").wait_for(timeout=15000)
        failures.update({f"student: {v['id']}": v for v in axe_violations(frame)})
        _shot(page, frame, "privacy-student-1280", tmp_path)
        page.set_viewport_size({"width": 375, "height": 740})
        _shot(page, frame, "privacy-student-375", tmp_path)
        failures.update({f"student 375: {v['id']}": v for v in axe_violations(frame)})
        overflow = frame.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        assert not overflow, "the privacy page scrolls sideways at 375 px"

        page = browser.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        frame = open_as(page, demo_stack, admin.name)
        _follow_footer_link(frame)
        frame.get_by_role("heading", level=2, name="For admins: operations").wait_for(timeout=15000)
        assert frame.get_by_text("ilp tenants delete").count() >= 1
        failures.update({f"admin: {v['id']}": v for v in axe_violations(frame)})
        _shot(page, frame, "privacy-admin-1280", tmp_path)
        page.set_viewport_size({"width": 375, "height": 740})
        _shot(page, frame, "privacy-admin-375", tmp_path)
    assert not failures, failures

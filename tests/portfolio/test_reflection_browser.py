"""The plan reflection activity end to end in real Chromium through the sandbox LMS: the
teacher sets it up in the Deep Linking picker, a student hands in a reflection, the teacher
scores it with the rubric and comments, the score lands in the sandbox gradebook and the
student sees the comment. Every page passes axe, at 1280 px and at 375 px."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from lti_tool.portfolio.reflection import GRADEBOOK_WAITING
from lti_tool.portfolio.reflection_reviews import SCORE_SENT
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ["ILP_SCREENSHOTS"]) if os.environ.get("ILP_SCREENSHOTS") else None
IED = "sbx-course-ied"
TEACHER = "sbx-user-0003"  # teaches Introduction to Engineering Design
TITLE = "Where my design work is heading"
REFLECTION = (
    "Building the phone stand in CAD showed me that I like turning a sketch into a real "
    "object, so I want to study mechanical engineering after high school."
)
COMMENT = "You linked the project to your goal clearly. Next time, name one skill you grew."


def _check(frame: Any, label: str, failures: dict[str, Any]) -> None:
    failures.update({f"{label}: {v['id']}": v for v in axe_violations(frame)})


def _shot(page: Any, frame: Any, name: str, tmp_path: Path) -> None:
    """A full-page screenshot with the tool's frame as tall as its page (a course page's
    frame is shorter and would hide the rest)."""
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => { document.getElementById('lodestar-frame').style.height = '200px'; }")
    page.wait_for_timeout(500)  # let the frame lay out again after a viewport change
    height = frame.evaluate("document.body.scrollHeight")
    page.evaluate(
        "h => { document.getElementById('lodestar-frame').style.height = h + 'px'; }", height
    )
    # Chromium paints a cross-site frame only where the viewport is: make it that tall.
    viewport = page.viewport_size
    total = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": total})
    page.wait_for_timeout(300)
    page.screenshot(path=str(folder / f"{name}.png"))
    page.set_viewport_size(viewport)


def _both_widths(
    page: Any, frame: Any, name: str, tmp_path: Path, failures: dict[str, Any]
) -> None:
    """Screenshots at 1280 px and 375 px; axe and no sideways scrolling at 375 px."""
    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, frame, f"{name}-1280", tmp_path)
    page.set_viewport_size({"width": 375, "height": 740})
    _shot(page, frame, f"{name}-375", tmp_path)
    _check(frame, f"{name} at 375 px", failures)
    overflow = frame.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 375 px"
    page.set_viewport_size({"width": 1280, "height": 900})
    frame.wait_for_load_state()


def _open(page: Any, stack: DemoStack, sub: str, heading: str, **query: str) -> Any:
    """Open the sandbox course page as ``sub`` (with ``query``) and return the tool's frame
    once its page heading shows."""
    params = "&".join(f"{k}={v}" for k, v in {"user": sub, **query}.items())
    page.goto(f"{stack.lms_url}/courses/{IED}/view?{params}")
    page.frame_locator("iframe#lodestar-frame").get_by_role(
        "heading", level=1, name=heading
    ).wait_for(timeout=30000)
    frame = page.locator("iframe#lodestar-frame").element_handle().content_frame()
    assert frame is not None
    return frame


def test_teacher_sets_up_scores_and_the_student_sees_the_comment(
    demo_stack: DemoStack, tmp_path: Path
) -> None:
    state = get_state(demo_stack.sandbox_app)
    student = state.district.students_of(IED)[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        # 1. The teacher places the activity and sets it up in the picker.
        frame = _open(
            page, demo_stack, TEACHER, "Add a Lodestar activity to this course", message="deep_link"
        )
        _check(frame, "picker", failures)
        _both_widths(page, frame, "reflection-picker", tmp_path, failures)
        frame.get_by_label("Title").fill(TITLE)
        frame.get_by_label("Instructions for students").fill(
            "Pick one project from this class and say what it taught you about your plan."
        )
        frame.get_by_label("Points", exact=True).fill("20")
        frame.get_by_label("Due (your school's time, optional)").fill("2027-03-01T15:00")
        frame.get_by_label("By me, with a rubric").check()
        for row, points in enumerate(("20", "14", "8", "0"), start=1):
            frame.get_by_label(f"Level {row} points").fill(points)
        frame.get_by_role("button", name="Add to course").click()
        page.frame_locator("iframe#lodestar-frame").get_by_role(
            "heading", level=1, name=f"Added: {TITLE}"
        ).wait_for(timeout=30000)
        (link,) = [
            link
            for link in state.district.resource_links[IED].values()
            if link.custom.get("activity") == "reflection"
        ]
        item = state.get_line_item(IED, link.line_item_id)
        assert item.score_maximum == 20.0 and item.end_date_time == "2027-03-01T21:00:00+00:00"

        # 2. A student opens it and hands in a reflection.
        frame = _open(page, demo_stack, student.sub, TITLE, resource_link=link.id)
        frame.get_by_label("Your reflection (20 to 5000 characters)").fill(REFLECTION)
        frame.get_by_role("button", name="Hand in my reflection").click()
        frame.get_by_text(GRADEBOOK_WAITING).wait_for(timeout=30000)
        (pending,) = state.scores(item.id)
        assert pending.grading_progress == "Pending" and pending.score_given is None

        # 3. The teacher opens the activity: its own page, with every student.
        frame = _open(page, demo_stack, TEACHER, TITLE, resource_link=link.id)
        frame.get_by_text("Needs scoring").wait_for(timeout=15000)
        _check(frame, "activity page", failures)
        _both_widths(page, frame, "reflection-activity", tmp_path, failures)
        frame.get_by_role("link", name=student.name, exact=True).click()
        frame.get_by_role("heading", level=1, name=f"{student.name}: {TITLE}").wait_for(
            timeout=30000
        )
        frame.get_by_text(REFLECTION).wait_for(timeout=15000)
        frame.get_by_label(re.compile(r"^Clear \(14 of 20 points\)")).check()
        frame.get_by_label(f"Comment for {student.name}").fill(COMMENT)
        frame.get_by_role("button", name="Save and send to the gradebook").click()
        frame.get_by_text(SCORE_SENT).wait_for(timeout=30000)
        _check(frame, "review page", failures)
        _both_widths(page, frame, "reflection-review", tmp_path, failures)

        # 4. The score and the comment are in the sandbox's gradebook.
        final = state.scores(item.id)[-1]
        assert final.user_id == student.sub
        assert final.score_given == 14.0 and final.score_maximum == 20.0
        assert final.grading_progress == "FullyGraded" and final.comment == COMMENT
        (result,) = state.results(item, user_id=student.sub)
        assert result.result_score == 14.0 and result.comment == COMMENT
        page.goto(f"{demo_stack.lms_url}/courses/{IED}/gradebook")
        page.get_by_role("heading", level=2, name=TITLE).wait_for(timeout=15000)
        assert "14 / 20" in page.content() and COMMENT in page.content()

        # 5. The student sees the teacher's score and comment.
        frame = _open(page, demo_stack, student.sub, TITLE, resource_link=link.id)
        frame.get_by_role("heading", level=2, name="Your teacher's feedback").wait_for(
            timeout=15000
        )
        frame.get_by_text(COMMENT).wait_for(timeout=15000)
        frame.get_by_text("Score: 14 of 20").wait_for(timeout=15000)
        _check(frame, "student feedback", failures)
        _both_widths(page, frame, "reflection-student", tmp_path, failures)
    assert not failures, failures

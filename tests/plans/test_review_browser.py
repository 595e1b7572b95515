"""Two-way review in real Chromium inside the LMS iframe: a counselor returns a plan for
changes, the student finds it in "What's new", answers the note and submits again, and the
counselor reads the reply. Every page passes axe; screenshots at 1280 and 375 px."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

NOTE = "Please add a goal about the college you want to visit."
REPLY = "I added a goal to visit State University in the spring."


def _navigate(frame: Any, link: str, heading: str) -> None:
    frame.get_by_role("link", name=link, exact=True).click()
    frame.get_by_role("heading", level=1, name=heading).wait_for(timeout=15000)


def _shoot(page: Any, frame: Any, path: Path, width: int) -> None:
    """The whole tool page in the LMS frame, ``width`` pixels wide."""
    page.set_viewport_size({"width": width + 40, "height": 900})
    iframe = page.locator("iframe#lodestar-frame")
    iframe.evaluate(
        "(el, w) => { el.style.width = w + 'px'; el.style.maxWidth = 'none';"
        " el.style.height = '200px'; }",
        width,
    )
    height = frame.evaluate("document.documentElement.scrollHeight")
    iframe.evaluate("(el, h) => { el.style.height = h + 'px'; }", height)
    page.set_viewport_size({"width": width + 40, "height": height + 400})
    # Nothing wider than the frame.
    assert frame.evaluate("document.documentElement.scrollWidth") <= width + 1
    iframe.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_return_reply_resubmit(demo_stack: DemoStack, tmp_path: Path) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    counselor = district.users_of_kind("counselor")[0]
    shots = Path(os.environ.get("ILP_SHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    failures: dict[str, Any] = {}

    def check(where: str, frame: Any) -> None:
        failures.update({f"{where}: {v['id']}": v for v in axe_violations(frame)})

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        frame = open_as(page, demo_stack, student.name)
        _navigate(frame, "My plan", "My Individual Learning Plan")
        frame.get_by_role("button", name="Submit my plan for review").click()
        frame.get_by_text("was submitted for review").wait_for(timeout=15000)

        # The counselor returns it with a note.
        frame = open_as(page, demo_stack, counselor.name)
        _navigate(frame, "Caseload", "Caseload")
        frame.locator("table.caseload").get_by_role("link", name=student.name).first.click()
        frame.get_by_text("Submitted for review on").first.wait_for(timeout=15000)
        frame.get_by_role("button", name="Return for changes").click()
        frame.locator("#review-errors").wait_for(timeout=15000)
        assert "The plan was not returned yet" in frame.locator("#review-errors").inner_text()
        check("return without a note", frame)
        frame.locator("#comment-body").fill(NOTE)
        frame.get_by_role("button", name="Return for changes").click()
        frame.get_by_text("The plan was returned for changes.").wait_for(timeout=15000)

        # The student: one new item in the navigation, the note on top of the plan.
        frame = open_as(page, demo_stack, student.name)
        news_link = frame.locator("nav.site-nav").get_by_role("link", name=re.compile("What's new"))
        assert news_link.inner_text().split() == ["What's", "new", "1", "unread"]
        _navigate(frame, "My plan", "My Individual Learning Plan")
        banner = frame.locator("aside.review-status")
        assert "Returned for changes" in banner.inner_text()
        banner.get_by_role("link", name=re.compile(r"^Read .+'s note$")).click()
        box = frame.get_by_label(f"Reply to {counselor.name}")
        box.fill(REPLY)
        frame.get_by_role("button", name="Reply", exact=True).click()
        frame.get_by_text("Your reply was added.").wait_for(timeout=15000)
        assert REPLY in frame.locator("ol.replies").first.inner_text()
        check("plan, returned, with a reply", frame)
        for width in (1280, 375):
            _shoot(page, frame, shots / f"review-returned-{width}.png", width)
        frame.get_by_role("button", name="Submit my plan again").click()
        frame.get_by_text("was submitted for review").wait_for(timeout=15000)
        assert "Submitted for review" in frame.locator(".review-state").inner_text()

        # The counselor reads the reply and the new submission in "What's new".
        frame = open_as(page, demo_stack, counselor.name)
        frame.locator("nav.site-nav").get_by_role("link", name=re.compile("What's new")).click()
        frame.get_by_role("heading", level=1, name="What's new").wait_for(timeout=15000)
        items = frame.locator("ol.news-list").inner_text()
        assert f"{student.name} submitted their plan for review" in items
        assert f"{student.name} replied to a comment on their plan" in items
        check("what's new", frame)
        for width in (1280, 375):
            _shoot(page, frame, shots / f"whats-new-{width}.png", width)
        frame.get_by_role("button", name="Mark all read").click()
        frame.get_by_text("Everything is marked read.").wait_for(timeout=15000)
        assert "unread" not in frame.locator("nav.site-nav").inner_text()
    assert not failures, failures

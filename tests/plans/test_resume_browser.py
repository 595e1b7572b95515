"""The resume builder in real Chromium inside the LMS iframe: build, preview, print; axe-core's
WCAG 2.1 A/AA rules on each page; screenshots at desktop and phone width."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans.models import PlanItem, PlanItemKind
from lti_tool.plans.reading import get_or_create_plan
from lti_tool.sandbox import get_state
from tests import factories
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser


def _fill_plan(stack: DemoStack, sub: str) -> None:
    with stack.tool_app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()
        plan = get_or_create_plan(person)
        plan.about = "I like building robots, and I help younger kids learn to code."
        plan.skills = "Soldering, Python, teamwork"
        plan.strengths = "Patient, curious"
        plan.grade_level = 10
        plan.graduation_year = 2029
        db.session.add_all(
            [
                PlanItem(
                    plan_id=plan.id,
                    kind=PlanItemKind.ACTIVITY,
                    title="Robotics club",
                    date=dt.date(2025, 9, 1),
                    total_hours=40,
                    detail="Built the drive train for our competition robot.",
                ),
                PlanItem(
                    plan_id=plan.id, kind=PlanItemKind.ACTIVITY, title="Choir", total_hours=20
                ),
                PlanItem(
                    plan_id=plan.id,
                    kind=PlanItemKind.SERVICE,
                    title="Food bank volunteer",
                    total_hours=12,
                ),
                PlanItem(
                    plan_id=plan.id,
                    kind=PlanItemKind.ACCOMPLISHMENT,
                    title="Science fair, 2nd place",
                    date=dt.date(2025, 3, 10),
                ),
            ]
        )
        db.session.flush()
        factories.evidence(
            plan,
            snapshot_title="Bridge model",
            snapshot_url="https://example.org/a-rather-long-link/to/my-bridge-model-project",
        )
        db.session.commit()


def _shoot(page: Any, frame: Any, path: Path, width: int, *, media: str = "screen") -> None:
    """A screenshot of the whole tool page in the LMS frame, the frame ``width`` pixels wide
    and as tall as the page (the session lives in the frame, so the page cannot be opened on
    its own)."""
    page.set_viewport_size({"width": width + 40, "height": 900})
    page.emulate_media(media=media)
    iframe = page.locator("iframe#lodestar-frame")
    iframe.evaluate(
        "(el, w) => { el.style.width = w + 'px'; el.style.maxWidth = 'none';"
        " el.style.height = '200px'; }",
        width,
    )
    height = frame.evaluate("document.documentElement.scrollHeight")
    iframe.evaluate("(el, h) => { el.style.height = h + 'px'; }", height)
    page.set_viewport_size({"width": width + 40, "height": height + 400})
    iframe.screenshot(path=str(path))
    page.emulate_media(media="screen")


def test_resume_builder_preview_and_print(demo_stack: DemoStack, tmp_path: Path) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        frame = open_as(page, demo_stack, student.name)
        _fill_plan(demo_stack, student.sub)
        frame.get_by_role("link", name="My plan", exact=True).click()
        frame.get_by_role("link", name="My resume", exact=True).click()
        frame.get_by_role("heading", level=1, name="My resume").wait_for(timeout=15000)

        # Hide one activity, show the grade, move Activities up (no script needed).
        frame.get_by_label("Choir").uncheck()
        frame.get_by_label("My grade and graduation year").check()
        frame.get_by_role("button", name=re.compile(r"^Move up\W+Activities$")).click()
        frame.get_by_text("Moved “Activities” up.").wait_for(timeout=15000)
        preview = frame.locator("#preview article.resume")
        text = preview.inner_text()
        assert "Robotics club" in text and "September 2025 · 40 hours" in text
        assert "Choir" not in text and "Grade 10 · Class of 2029" in text
        assert text.index("Activities") < text.index("Skills and strengths")
        failures.update({f"builder: {v['id']}": v for v in axe_violations(frame)})
        for width in (1280, 375):
            _shoot(page, frame, tmp_path / f"resume-builder-{width}.png", width)

        frame.get_by_role("link", name="Printable resume").click()
        frame.get_by_role("heading", level=1, name=student.name).wait_for(timeout=15000)
        assert frame.locator("nav.site-nav").count() == 0
        assert "Robotics club" in frame.locator("article.resume").inner_text()
        failures.update({f"print page: {v['id']}": v for v in axe_violations(frame)})
        for width in (1280, 375):
            _shoot(page, frame, tmp_path / f"resume-print-{width}.png", width)
        _shoot(page, frame, tmp_path / "resume-print-media.png", 816, media="print")
        print(f"\nresume screenshots in {tmp_path}")
    assert not failures, failures

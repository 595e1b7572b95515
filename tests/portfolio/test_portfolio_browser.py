"""The portfolio pages in real Chromium inside the LMS iframe, with content, checked by axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans.models import Goal, GoalCategory
from lti_tool.plans.reading import get_or_create_plan
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

REFLECTION = "My poster shows how I explain cell biology to other people."


def _goal(stack: DemoStack, sub: str, statement: str) -> None:
    with stack.tool_app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()
        plan = get_or_create_plan(person)
        db.session.add(Goal(plan_id=plan.id, category=GoalCategory.CAREER, statement=statement))
        db.session.commit()


def _navigate(frame: Any, link: str, heading: str) -> None:
    frame.get_by_role("link", name=link, exact=True).click()
    frame.get_by_role("heading", level=1, name=heading).wait_for(timeout=15000)


def test_portfolio_pages_with_content_pass_axe(demo_stack: DemoStack, tmp_path: Path) -> None:
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    teacher = district.users_of_kind("teacher")[0]
    failures: dict[str, Any] = {}
    upload = tmp_path / "essay.txt"
    upload.write_text("Why I want to work with animals.\n")
    with chromium() as browser:
        page = browser.new_page()
        frame = open_as(page, demo_stack, student.name)
        _goal(demo_stack, student.sub, "Become a veterinarian")
        _navigate(frame, "My portfolio", "My portfolio")

        frame.get_by_label("A web address", exact=True).check()
        frame.get_by_label("Web address (starting with https:// or http://)").fill(
            "https://example.org/poster"
        )
        frame.get_by_label("Title (optional for web addresses and files)").fill("Cell poster")
        frame.get_by_label("Goal", exact=True).select_option(label="Become a veterinarian (career)")
        frame.get_by_label("Reflection: what does this work show").fill(REFLECTION)
        frame.get_by_role("button", name="Link to my plan").click()
        frame.get_by_role("heading", level=3, name="Cell poster").wait_for(timeout=15000)

        frame.get_by_label("A file from my device").check()
        frame.get_by_label("File (up to 5 MB").set_input_files(str(upload))
        frame.get_by_label("Reflection: what does this work show").fill(REFLECTION)
        frame.get_by_role("button", name="Link to my plan").click()
        frame.get_by_role("heading", level=3, name="essay.txt").wait_for(timeout=15000)
        frame.locator("details.evidence-edit summary").first.click()
        failures.update({f"student portfolio: {v['id']}": v for v in axe_violations(frame)})

        frame = open_as(page, demo_stack, teacher.name)
        _navigate(frame, "Attach evidence", "Attach an assignment as evidence")
        failures.update({f"attach form: {v['id']}": v for v in axe_violations(frame)})
        frame.get_by_label("Assignment", exact=True).select_option(index=1)
        frame.get_by_label(student.name, exact=True).check()
        frame.get_by_label(f"Goal of {student.name}").select_option(
            label="Become a veterinarian (career)"
        )
        frame.get_by_role("button", name="Attach as evidence").click()
        frame.get_by_text("attached to 1 student").wait_for(timeout=15000)
        failures.update({f"attach done: {v['id']}": v for v in axe_violations(frame)})

        frame = open_as(page, demo_stack, student.name)
        _navigate(frame, "My portfolio", "My portfolio")
        frame.get_by_text("(teacher)").first.wait_for(timeout=15000)
        failures.update(
            {f"portfolio with teacher evidence: {v['id']}": v for v in axe_violations(frame)}
        )
        page.screenshot(path=str(tmp_path / "portfolio.png"), full_page=True)
    assert not failures, failures

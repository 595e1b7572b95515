"""The postsecondary pages in real Chromium inside the LMS iframe: a student picks a program
from the district catalogue, and every page passes axe, at desktop width and at 375 px."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans.postsecondary_models import CatalogueProgram, ProgramKind
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ["ILP_SCREENSHOTS"]) if os.environ.get("ILP_SCREENSHOTS") else None


def _catalogue(stack: DemoStack, sub: str) -> None:
    with stack.tool_app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()
        for kind, name, institution, state, cost in (
            (ProgramKind.TWO_YEAR, "Nursing (ADN)", "Riverbend Community College", "OR", 14500),
            (ProgramKind.APPRENTICESHIP, "Inside Wireman", "IBEW Local 48", "OR", None),
            (ProgramKind.FOUR_YEAR, "Computer Science", "Cascade State University", "WA", 28900),
        ):
            db.session.add(
                CatalogueProgram(
                    tenant_id=person.tenant_id,
                    kind=kind,
                    name=name,
                    institution=institution,
                    city="Salem",
                    state=state,
                    cost_per_year=cost,
                    source="district",
                    source_release="District list 2026",
                )
            )
        db.session.commit()


def _check(frame: Any, label: str, failures: dict[str, Any]) -> None:
    failures.update({f"{label}: {v['id']}": v for v in axe_violations(frame)})


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let the frame lay out again after a viewport change
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_student_adds_a_catalogue_program_and_pages_pass_axe(
    demo_stack: DemoStack, tmp_path: Path
) -> None:
    student = get_state(demo_stack.sandbox_app).district.users_of_kind("student")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page()
        frame = open_as(page, demo_stack, student.name)
        _catalogue(demo_stack, student.sub)
        frame.get_by_role("link", name="My plan", exact=True).click()
        frame.get_by_role("link", name="Edit my list of schools and programs").click()
        frame.get_by_role("heading", level=1, name="After high school").wait_for(timeout=15000)
        _check(frame, "empty list", failures)

        frame.get_by_role("link", name="Search 3 schools and programs").click()
        frame.get_by_role("heading", level=1, name="in my district's catalogue").wait_for(
            timeout=15000
        )
        frame.get_by_label("Words").fill("nursing")
        frame.get_by_label("Kind").select_option(label="2-year college")
        frame.get_by_role("button", name="Search").click()
        frame.get_by_text("1 found").wait_for(timeout=15000)
        _check(frame, "catalogue search", failures)
        frame.get_by_role("button", name=re.compile(r"Add to my list.*Nursing \(ADN\)")).click()
        frame.get_by_role("heading", level=1, name="Nursing (ADN)").wait_for(timeout=15000)

        frame.get_by_label("Status", exact=True).select_option(label="Planning to apply")
        frame.get_by_label("Application deadline (optional)").fill("2028-01-15")
        frame.get_by_label("Occupation codes (SOC, optional)").fill("29-1141")
        frame.get_by_role("button", name="Save", exact=True).click()
        frame.get_by_text("Saved.").wait_for(timeout=15000)
        frame.get_by_label("Essay prompt or letter writer").fill("Why nursing? (500 words)")
        frame.get_by_role("button", name="Add", exact=True).click()
        frame.get_by_role("button", name=re.compile(r"Remove.*Why nursing")).wait_for(timeout=15000)
        _check(frame, "tracker", failures)
        page.set_viewport_size({"width": 1280, "height": 900})
        _shot(page, "postsecondary-tracker-desktop", tmp_path)
        page.set_viewport_size({"width": 375, "height": 740})
        _shot(page, "postsecondary-tracker-375", tmp_path)
        _check(frame, "tracker at 375 px", failures)

        frame.get_by_role("link", name="Back to my list").click()
        frame.get_by_text("Planning to apply").first.wait_for(timeout=15000)
        _check(frame, "list with a program", failures)
        _shot(page, "postsecondary-list-375", tmp_path)
        page.set_viewport_size({"width": 1280, "height": 900})
        _shot(page, "postsecondary-list-desktop", tmp_path)

        # The screenshots resized the page, and under load a mouse click can land while the
        # frame lays out again and be lost. Follow the link with a DOM click instead (the
        # page's own session script still handles it, as it does a person's click) and wait
        # for the navigation it makes, generously.
        frame.wait_for_load_state()
        link = frame.get_by_role("link", name="My money checklist")
        link.wait_for(state="visible", timeout=30000)
        with frame.expect_navigation(
            url=re.compile(r"/plans/me/money(\?|$)"), wait_until="load", timeout=90000
        ):
            link.evaluate("a => a.click()")
        frame.get_by_role("heading", level=1, name="My money checklist").wait_for(timeout=30000)
        frame.get_by_role(
            "button", name=re.compile(r"Tick as done.*Learn what college costs")
        ).click()
        frame.get_by_text("Ticked as done.").wait_for(timeout=15000)
        _check(frame, "money checklist", failures)
        _shot(page, "money-desktop", tmp_path)
        page.set_viewport_size({"width": 375, "height": 740})
        _shot(page, "money-375", tmp_path)
    assert not failures, failures

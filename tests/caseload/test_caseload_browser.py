"""A counselor opens a 120-student caseload in real Chromium inside the LMS iframe: filters
by grade, sorts by a column heading, goes to the next page, searches by name (the name
stays out of the URL); axe passes; at 375 px nothing
overflows the page sideways. Screenshots go to ``ILP_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.extensions import db
from lti_tool.models import Platform, Tenant
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as
from tests.caseload.helpers import student

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 375, "height": 1400}
DASH = "\N{EN DASH}"

#: What sticks out of the frame (tables scroll inside their own region, so not theirs).
WIDER_THAN_THE_FRAME = """() => [...document.querySelectorAll('body *')]
    .filter(e => !e.closest('.table-scroll'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"""


def _students(stack: DemoStack, n: int) -> None:
    """``n`` students known from the SIS (a CSV import), grades 9-12."""
    with stack.tool_app.app_context():
        tenant_id = db.session.execute(db.select(Platform.tenant_id)).scalars().first()
        tenant = db.session.get(Tenant, tenant_id)
        assert tenant is not None
        for i in range(n):
            student(tenant, f"Sis{i:03d} Learner{chr(65 + i % 26)}", grade_level=9 + i % 4)
        db.session.commit()


def _check(page: Any, frame: Any, name: str, failures: dict[str, Any]) -> None:
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = v
        if folder:
            tall = frame.evaluate("() => document.documentElement.scrollHeight")
            iframe = page.locator("iframe#lodestar-frame")
            before = iframe.evaluate(
                "(f, h) => { const b = f.style.height; f.style.height = h + 'px'; return b; }", tall
            )
            page.set_viewport_size({"width": size["width"], "height": tall + 600})
            iframe.screenshot(path=str(Path(folder) / f"caseload-{name}-{label}.png"))
            iframe.evaluate("(f, b) => { f.style.height = b; }", before)
            page.set_viewport_size(size)
        if label == "375":
            width = frame.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if width[0] > 375 or width[0] > width[1]:
                failures[f"{name} (375): the page scrolls sideways"] = [
                    width,
                    frame.evaluate(WIDER_THAN_THE_FRAME),
                ]
    page.set_viewport_size(DESKTOP)


def test_counselor_filters_sorts_and_pages_the_caseload(demo_stack: DemoStack) -> None:
    _students(demo_stack, 120)
    district = get_state(demo_stack.sandbox_app).district
    counselor = district.users_of_kind("counselor")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, counselor.name)
        if not frame.locator("h1", has_text="Caseload").count():
            frame.get_by_role("link", name="Caseload").first.click()
        frame.get_by_role("heading", name="Caseload", exact=True).wait_for(timeout=15000)
        status = frame.locator("#cl-count")
        assert status.inner_text().startswith(f"Students 1{DASH}50 of ")
        _check(page, frame, "all", failures)

        # Filter: grade 10 (30 SIS students, maybe a demo student or two more).
        frame.get_by_label("Grade", exact=True).select_option("10")
        with frame.expect_navigation(timeout=20000):
            frame.get_by_role("button", name="Show students").click()
        frame.locator("#cl-count").wait_for(timeout=15000)
        text = frame.locator("#cl-count").inner_text()
        total = int(text.split(" of ")[1].split(" ")[0])
        assert total >= 30, text
        grades = frame.locator("table.caseload tbody td:nth-child(2)").all_inner_texts()
        assert set(grades) == {"10"}, grades

        # Sort by name, the other way: a click on the heading.
        names = frame.locator("table.caseload tbody th").all_inner_texts()
        with frame.expect_navigation(timeout=20000):
            frame.locator("table.caseload thead th").first.get_by_role("link").click()
        heading = frame.locator("table.caseload thead th").first
        heading.wait_for(timeout=15000)
        assert heading.get_attribute("aria-sort") == "descending"
        reversed_names = frame.locator("table.caseload tbody th").all_inner_texts()
        assert reversed_names[0] != names[0]
        assert "grade=10" in frame.url and "dir=desc" in frame.url

        # Everyone again, next page.
        frame.get_by_role("link", name="Clear search and filters").click()
        frame.get_by_role("link", name="Next 50").wait_for(timeout=15000)
        with frame.expect_navigation(timeout=20000):
            frame.get_by_role("link", name="Next 50").click()
        frame.get_by_role("link", name="Previous 50").wait_for(timeout=15000)
        assert frame.locator("#cl-count").inner_text().startswith(f"Students 51{DASH}100 of ")
        _check(page, frame, "page2", failures)

        # Search by name: the list's URL carries a token, never the name.
        frame.get_by_label("Search by name, email, SIS id or LMS id").fill("Sis001 Learner")
        with frame.expect_navigation(timeout=20000):
            frame.get_by_role("button", name="Show students").click()
        frame.locator("#cl-count").wait_for(timeout=15000)
        found = frame.locator("table.caseload tbody th").all_inner_texts()
        assert len(found) == 1 and found[0].startswith("Sis001 LearnerB"), found
        assert "search=" in frame.url and "sis001" not in frame.url.lower(), frame.url
        assert frame.get_by_label("Search by name, email, SIS id or LMS id").input_value() == (
            "Sis001 Learner"
        )
    assert not failures, failures

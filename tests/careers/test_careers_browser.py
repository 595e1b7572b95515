"""Careers in real Chromium inside the LMS iframe: a student takes the interest inventory,
sees ranked occupations, chooses a state and metro, opens an occupation with their figures,
saves it and turns it into a goal; axe-core's WCAG 2.1 A/AA rules on each page; screenshots
at desktop and phone width."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lti_tool.careers import oews
from lti_tool.plans import inventory
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as
from tests.careers.oews_files import package_database
from tests.plans.test_resume_browser import _shoot

pytestmark = pytest.mark.browser

#: Investigative and Conventional first, then Realistic: the computer occupations' code.
ANSWERS = {"I": "2", "C": "2", "R": "1", "A": "0", "S": "0", "E": "0"}


def test_inventory_matches_occupation_save_and_goal(demo_stack: DemoStack, tmp_path: Path) -> None:
    with demo_stack.tool_app.app_context():
        oews.load_file(package_database(tmp_path / "oews-2025.sqlite"))
    district = get_state(demo_stack.sandbox_app).district
    student = district.users_of_kind("student")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        frame = open_as(page, demo_stack, student.name)
        frame.get_by_role("link", name="My plan", exact=True).click()
        # A new plan opens with the first-run guide; its second step is the inventory.
        frame.get_by_role(
            "link", name=re.compile(r"^(Take the interest inventory|Discover your interests)$")
        ).first.click()
        frame.get_by_role("heading", level=1, name="Interest inventory").wait_for(timeout=15000)
        for item in inventory.items():
            value = ANSWERS[item.type]
            frame.locator(f'input[name="answer-{item.id}"][value="{value}"]').check()
        frame.get_by_role("button", name="Save my answers and see my result").click()
        frame.get_by_text("Your interest code is").first.wait_for(timeout=15000)

        frame.get_by_role("link", name="Careers that fit your interests").first.click()
        frame.get_by_role("heading", level=1, name="Careers that fit your interests").wait_for(
            timeout=15000
        )
        ranked = frame.locator("ol.matches h3").all_inner_texts()
        assert ranked[0].startswith("Software Developers"), ranked
        assert ranked.index("Chief Executives") > 1
        assert "Shares your interests" in frame.locator("ol.matches").inner_text()
        failures.update({f"matches: {v['id']}": v for v in axe_violations(frame)})
        for width in (1280, 375):
            _shoot(page, frame, tmp_path / f"careers-matches-{width}.png", width)

        # Choose New York and its metro, then open the occupation.
        frame.get_by_role("link", name="Software Developers").click()
        frame.get_by_role("link", name="Change my state and metro area").click()
        frame.get_by_label("State").select_option(label="New York")
        frame.get_by_label("Metro area").select_option(label="New York-Newark-Jersey City, NY-NJ")
        frame.get_by_role("button", name="Save").click()
        frame.get_by_role("heading", level=1, name="Jobs in demand where you live").wait_for(
            timeout=15000
        )
        failures.update({f"in demand: {v['id']}": v for v in axe_violations(frame)})
        for width in (1280, 375):
            _shoot(page, frame, tmp_path / f"careers-in-demand-{width}.png", width)
        frame.get_by_role("link", name="Software Developers", exact=True).click()
        frame.get_by_role("heading", level=1, name="Software Developers").wait_for(timeout=15000)
        table = frame.locator("table.figures").inner_text()
        assert "New York-Newark-Jersey City, NY-NJ" in table and "New York" in table
        assert "$160,160" in table and "$239,200 or more" in table
        assert "May 2025" in frame.locator("#pay-h + p, section .source").first.inner_text() or (
            "May 2025" in frame.locator("main").inner_text()
        )
        failures.update({f"occupation: {v['id']}": v for v in axe_violations(frame)})
        for width in (1280, 375):
            _shoot(page, frame, tmp_path / f"careers-occupation-{width}.png", width)

        # Save it with a note, then make it a goal.
        frame.get_by_label("My note (optional)").fill("I like solving puzzles with code.")
        frame.get_by_role("button", name="Save to my plan").click()
        frame.get_by_text("Saved in your plan.").wait_for(timeout=15000)
        frame.get_by_role("button", name="Make it a goal").click()
        frame.get_by_text("Goal added.").wait_for(timeout=15000)
        statement = frame.locator("textarea, input").evaluate_all(
            "els => els.map(e => e.value).join(' | ')"
        )
        assert re.search(r"Work toward a career as: Software Developers", statement), statement
        failures.update({f"goal: {v['id']}": v for v in axe_violations(frame)})

        frame.get_by_role("link", name=re.compile("plan", re.I)).first.click()
        frame.locator("#saved-occupations").wait_for(timeout=15000)
        assert "Software Developers" in frame.locator("#saved-occupations").inner_text()
        print(f"\ncareers screenshots in {tmp_path}")
    assert not failures, failures

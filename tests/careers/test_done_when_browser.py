"""Issue 10's whole student story in real Chromium inside the LMS iframe, end to end: a
student launched from the sandbox takes the inventory, sees ranked occupations with their
state and metro figures from the OEWS release, saves one, turns it into a goal, adds an
activity and a program to the postsecondary list, and prints a resume that already holds
the activity; axe-core's WCAG 2.1 A/AA rules on every page on the way."""

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

pytestmark = pytest.mark.browser

#: Investigative and Conventional first, then Realistic: the computer occupations' code.
ANSWERS = {"I": "2", "C": "2", "R": "1", "A": "0", "S": "0", "E": "0"}


def test_inventory_to_printed_resume(demo_stack: DemoStack, tmp_path: Path) -> None:
    with demo_stack.tool_app.app_context():
        oews.load_file(package_database(tmp_path / "oews-2025.sqlite"))
    student = get_state(demo_stack.sandbox_app).district.users_of_kind("student")[1]
    failures: dict[str, Any] = {}

    def check(name: str, frame: Any) -> None:
        failures.update({f"{name}: {v['id']}": v for v in axe_violations(frame)})

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        frame = open_as(page, demo_stack, student.name)

        # The inventory.
        frame.get_by_role("link", name="My plan", exact=True).click()
        # A new plan opens with the first-run guide; its second step is the inventory.
        frame.get_by_role(
            "link", name=re.compile(r"^(Take the interest inventory|Discover your interests)$")
        ).first.click()
        for item in inventory.items():
            frame.locator(f'input[name="answer-{item.id}"][value="{ANSWERS[item.type]}"]').check()
        frame.get_by_role("button", name="Save my answers and see my result").click()
        frame.get_by_text("Your interest code is").first.wait_for(timeout=15000)
        check("inventory result", frame)

        # Ranked occupations; the student's state and metro; the occupation's figures.
        frame.get_by_role("link", name="Careers that fit your interests").first.click()
        frame.get_by_role("heading", level=1, name="Careers that fit your interests").wait_for(
            timeout=15000
        )
        ranked = frame.locator("ol.matches h3").all_inner_texts()
        assert ranked and ranked[0].startswith("Software Developers"), ranked
        check("matches", frame)
        frame.get_by_role("link", name="Software Developers").click()
        frame.get_by_role("link", name="Change my state and metro area").click()
        frame.get_by_label("State").select_option(label="New York")
        frame.get_by_label("Metro area").select_option(label="New York-Newark-Jersey City, NY-NJ")
        frame.get_by_role("button", name="Save").click()
        frame.get_by_role("heading", level=1, name="Jobs in demand where you live").wait_for(
            timeout=15000
        )
        frame.get_by_role("link", name="Software Developers", exact=True).click()
        frame.get_by_role("heading", level=1, name="Software Developers").wait_for(timeout=15000)
        table = frame.locator("table.figures").inner_text()
        assert "New York-Newark-Jersey City, NY-NJ" in table and "Nation" in table
        main = frame.locator("main").inner_text()
        assert "Bureau of Labor Statistics" in main and "May 2025" in main
        check("occupation", frame)

        # Save it, and make it a goal.
        frame.get_by_role("button", name="Save to my plan").click()
        frame.get_by_text("Saved in your plan.").wait_for(timeout=15000)
        frame.get_by_role("button", name="Make it a goal").click()
        frame.get_by_text("Goal added.").wait_for(timeout=15000)

        # An activity with hours, then a program on the postsecondary list.
        frame.get_by_role("link", name="My plan", exact=True).click()
        frame.get_by_role("link", name="Edit my activities").click()
        frame.get_by_role("heading", level=1, name="Activities").wait_for(timeout=15000)
        frame.get_by_label("Title").fill("Robotics club")
        frame.get_by_label("Employer or organisation (optional)").fill("Lincoln High School")
        frame.get_by_label("Total hours (optional)").fill("45")
        frame.get_by_role("button", name="Add this activity").click()
        frame.get_by_text("Added to activities.").wait_for(timeout=15000)
        check("activities", frame)
        frame.get_by_role("link", name="My plan", exact=True).click()
        frame.get_by_role("link", name="Edit my list of schools and programs").click()
        frame.get_by_role("heading", level=1, name="After high school").wait_for(timeout=15000)
        frame.get_by_label("Kind").select_option(label="4-year college")
        frame.get_by_label("School or program").fill("B.S. Computer Science")
        frame.get_by_role("button", name="Add to my list").click()
        frame.locator("main").get_by_text("B.S. Computer Science").first.wait_for(timeout=15000)
        check("postsecondary list", frame)

        # The resume already holds the activity, without retyping; then print it.
        frame.get_by_role("link", name="My plan", exact=True).click()
        frame.locator("#saved-occupations").wait_for(timeout=15000)
        plan_text = frame.locator("main").inner_text()
        assert "Software Developers" in plan_text and "B.S. Computer Science" in plan_text
        frame.get_by_role("link", name="My resume", exact=True).click()
        frame.get_by_role("heading", level=1, name="My resume").wait_for(timeout=15000)
        frame.get_by_role("link", name="Printable resume").click()
        frame.get_by_role("heading", level=1, name=student.name).wait_for(timeout=15000)
        printed = frame.locator("body").inner_text()
        assert "Robotics club" in printed and re.search(r"45 hours", printed), printed
        check("printable resume", frame)
    assert not failures, failures

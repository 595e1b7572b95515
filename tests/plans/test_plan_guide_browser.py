"""A new student's plan guides them, in real Chromium inside the LMS frame: the next step and
the completeness meter on top, the first-run path followed step by step, the clusters page's
search filtering as they type. No page scrolls sideways at 375 px, axe finds nothing, and
screenshots at 1280 and 375 px go to ``ILP_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 375, "height": 1400}

#: Is anything wider than the page (the tool's frame, and the LMS page around it)?
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _check(
    page: Any, frame: Any, name: str, failures: dict[str, Any], scroll_to: str | None = None
) -> None:
    """axe and overflow at 1280 and 375 px, and the screenshots."""
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = [n["target"] for n in v["nodes"]][:5]
        if label == "375":
            outer = page.evaluate("() => document.documentElement.scrollWidth")
            if outer > 375:
                failures[f"{name} (375): the LMS page is {outer} px wide"] = outer
            inner = frame.evaluate(OVERFLOW)
            if inner > 0:
                failures[f"{name} (375): the tool's page scrolls sideways by {inner} px"] = inner
        if folder:
            target = Path(folder) / f"plan-guide-{name}-{label}.png"
            page.locator("iframe#lodestar-frame").screenshot(path=str(target))
            if scroll_to:
                frame.locator(scroll_to).first.scroll_into_view_if_needed()
                frame.evaluate(f"() => document.querySelector('{scroll_to}').scrollIntoView()")
                target = Path(folder) / f"plan-guide-{name}-lower-{label}.png"
                page.locator("iframe#lodestar-frame").screenshot(path=str(target))
                frame.evaluate("() => window.scrollTo(0, 0)")
    page.set_viewport_size(DESKTOP)


def _back_to_plan(frame: Any) -> None:
    frame.get_by_role("link", name="Back to my plan").first.click()
    frame.locator("#next-step").wait_for(timeout=15000)


def test_a_new_student_follows_the_plan_guide(demo_stack: DemoStack) -> None:
    student = get_state(demo_stack.sandbox_app).district.users_of_kind("student")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, student.name)
        frame.get_by_role("heading", name="This year's next step").wait_for(timeout=15000)
        meter = frame.locator(".plan-meter-text").inner_text()
        assert meter.startswith("Your plan is 0% complete"), meter
        assert frame.locator("progress.plan-meter-bar").get_attribute("value") == "0"
        guide = frame.locator("#guide")
        assert guide.locator(".guide-step").count() == 6
        assert guide.locator(".guide-step-done").count() == 0
        # The snapshot is no button of a new plan.
        assert frame.get_by_role("button", name="Save this year's snapshot").count() == 0
        _check(page, frame, "new", failures)

        assert frame.locator("#next-step").get_by_label("Which grade are you in?").count() == 1

        # Step 1: tell us about you (the grade too): this year's next step appears on top.
        frame.get_by_role("link", name="Start: tell us about you").click()
        frame.locator("textarea[name=about]").fill("I like fixing bikes and helping people.")
        frame.get_by_label("Grade level").fill("9")
        frame.get_by_role("button", name="Save my profile").click()
        frame.get_by_text("Step 1 of 6: done").wait_for(timeout=15000)
        assert "10% complete" in frame.locator(".plan-meter-text").inner_text()
        next_step = frame.locator("#next-step .next-step-title").inner_text()
        first_step = frame.locator("#journey .journey-step .journey-title").first.inner_text()
        assert next_step == first_step

        # Step 2: the interest inventory, its statements taking turns by type.
        frame.get_by_role("link", name="Continue: discover your interests").click()
        frame.get_by_role("button", name="Save my answers and see my result").wait_for()
        legends = frame.locator("fieldset.inventory-item legend").all_inner_texts()
        assert len(legends) == 30
        frame.evaluate(
            """() => document.querySelectorAll('fieldset.inventory-item').forEach((f, i) => {
                 const radios = f.querySelectorAll('input[type=radio]');
                 radios[i % 6 === 3 ? radios.length - 1 : 1].checked = true;
               })"""
        )
        frame.get_by_role("button", name="Save my answers and see my result").click()
        frame.get_by_text("Your answers are saved. Your interest code is").wait_for(timeout=15000)
        _back_to_plan(frame)
        frame.get_by_text("Step 2 of 6: done").wait_for(timeout=15000)

        # Step 3: career clusters, found with the search.
        frame.get_by_role("link", name="Continue: choose career clusters").click()
        frame.get_by_role("heading", level=1, name="My career clusters and pathways").wait_for()
        assert frame.locator("details.cluster[open]").count() == 0  # folded
        frame.get_by_label("Search the clusters and pathways").fill("health")
        frame.get_by_text("of 14 clusters match").wait_for(timeout=5000)
        visible = frame.locator("details.cluster:not([hidden])")
        assert visible.count() == 1
        assert "Healthcare" in visible.locator("summary").inner_text()
        assert visible.get_attribute("open") is not None  # what the search found is open
        _check(page, frame, "clusters-search", failures)
        frame.get_by_label("Search the clusters and pathways").fill("")
        assert frame.locator("details.cluster:not([hidden])").count() == 14
        assert frame.locator("details.cluster[open]").count() == 0  # folded again
        frame.get_by_label("Search the clusters and pathways").fill("cyber")
        frame.get_by_label("Network Systems & Cybersecurity").check()
        frame.get_by_role("button", name="Save my clusters and pathways").click()
        frame.get_by_text("Your career clusters and pathways are saved.").wait_for(timeout=15000)
        frame.get_by_text("Step 3 of 6: done").wait_for(timeout=15000)

        # Step 4: a first goal.
        frame.get_by_role("link", name="Continue: set a first goal").click()
        frame.get_by_label("Goal statement").fill("Fix ten bikes for the school's bike library")
        frame.get_by_role("button", name="Add this goal").click()
        frame.get_by_text("Goal added.").wait_for(timeout=15000)
        _back_to_plan(frame)
        frame.get_by_text("Step 4 of 6: done").wait_for(timeout=15000)

        # Step 5: the course plan.
        frame.get_by_role("link", name="Continue: plan your courses").click()
        frame.get_by_label("Course name").fill("Biology")
        frame.get_by_role("button", name="Add this course").click()
        frame.get_by_role("cell", name="Biology").or_(
            frame.get_by_role("rowheader", name="Biology")
        ).first.wait_for(timeout=15000)
        _back_to_plan(frame)
        frame.get_by_text("Step 5 of 6: done").wait_for(timeout=15000)
        meter = frame.locator(".plan-meter-text").inner_text()
        assert meter.startswith("Your plan is 50% complete"), meter

        # Step 6: link work, in the portfolio.
        frame.get_by_role("link", name="Continue: link work to your plan").click()
        frame.get_by_role("heading", level=1, name="My portfolio").wait_for(timeout=15000)
        frame.locator("nav.site-nav").get_by_role("link", name="My plan", exact=True).click()
        frame.locator("#next-step").wait_for(timeout=15000)
        assert "Step 6 of 6" in frame.locator("#guide").inner_text()
        # With content, the snapshot is there, as a secondary button.
        snapshot = frame.get_by_role("button", name="Save this year's snapshot")
        assert "secondary" in (snapshot.get_attribute("class") or "")
        nav = frame.locator("nav.plan-nav .plan-nav-group").all_inner_texts()
        assert nav == [
            "About me",
            "Explore careers",
            "Goals and courses",
            "Evidence and resume",
            "After high school",
        ]
        _check(page, frame, "plan", failures, scroll_to="nav.plan-nav")
    assert not failures, failures

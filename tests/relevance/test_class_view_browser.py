"""A teacher opens the demo class's view in real Chromium inside the LMS iframe: students best
matched first with their grades, a chart whose bars show, and evidence attached from an
assignment row in one click. axe passes; at 375 px nothing overflows the page sideways.
Screenshots go to ``ILP_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.demo_seed import seed_demo_plans, seed_demo_tags
from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 375, "height": 1400}

#: Each bar of the class chart: its width and its computed background.
BARS = """() => [...document.querySelectorAll('.bar-chart .bar-track > span')].map(b => {
    const s = getComputedStyle(b);
    return {cls: b.className, width: b.getBoundingClientRect().width,
            color: s.backgroundColor, image: s.backgroundImage,
            value: b.closest('.bar-row').querySelector('.bar-value').textContent};
  })"""

#: What sticks out of the frame (tables scroll inside their own region, so not theirs).
WIDER_THAN_THE_FRAME = """() => [...document.querySelectorAll('body *')]
    .filter(e => !e.closest('.table-scroll'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"""

WHITE_OR_NONE = {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)", "transparent"}


def _seed(stack: DemoStack) -> None:
    """What ``ilp demo`` seeds: the students' plans and the teachers' tags."""
    state = get_state(stack.sandbox_app)
    with stack.tool_app.app_context():
        tenant_id = db.session.execute(db.select(Platform.tenant_id)).scalars().first()
        assert tenant_id is not None
        seed_demo_plans(tenant_id, state.district)
        assert seed_demo_tags(tenant_id, state.district, state.line_item_url) == 3


def _check_page(page: Any, frame: Any, name: str, failures: dict[str, Any]) -> None:
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = v
        if folder:
            target = Path(folder) / f"class-view-{name}-{label}.png"
            # The whole page: the frame made as tall as the tool's page for the picture.
            tall = frame.evaluate("() => document.documentElement.scrollHeight")
            iframe = page.locator("iframe#lodestar-frame")
            before = iframe.evaluate(
                "(f, h) => { const b = f.style.height; f.style.height = h + 'px'; return b; }", tall
            )
            page.set_viewport_size({"width": size["width"], "height": tall + 600})
            iframe.screenshot(path=str(target))
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


def test_teacher_sees_best_matches_with_grades_and_attaches_in_one_click(
    demo_stack: DemoStack,
) -> None:
    _seed(demo_stack)
    district = get_state(demo_stack.sandbox_app).district
    teacher = district.users_of_kind("teacher")[0]
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, teacher.name)
        frame.get_by_role("link", name="Class and student plans").click()
        frame.get_by_role("heading", name="Students, best matched first").wait_for(timeout=15000)

        roster = frame.locator("table.class-roster")
        header = roster.locator("thead th").all_inner_texts()
        assert header[:4] == ["Student", "Plan", "Grade in this course", "Matches"]
        rows = roster.locator("tbody tr")
        matches = [int(t) for t in rows.locator("td:nth-child(4)").all_inner_texts()]
        assert matches == sorted(matches, reverse=True) and matches[0] > 0
        grades = rows.locator("td:nth-child(3)").all_inner_texts()
        assert all(g.endswith("%") for g in grades), grades
        assert rows.locator(".flag-no-plan").count() > 0  # the demo keeps some plans empty

        bars = frame.evaluate(BARS)
        assert bars
        for bar in bars:
            if not bar["value"].startswith("0 "):
                assert bar["width"] > 1, bar
                assert bar["color"] not in WHITE_OR_NONE or "gradient" in bar["image"], bar
        _check_page(page, frame, "class", failures)

        button = frame.get_by_role("button", name="Attach as evidence for these").first
        label = button.inner_text()
        served = int(label.split("these ")[1].split(" ")[0])
        button.click()
        frame.get_by_text(f"attached to {served} students").wait_for(timeout=15000)
        frame.get_by_role("heading", name="Students, best matched first").wait_for()
        evidence = frame.locator("table.assignment-relevance").get_by_text("linked by the teacher")
        assert evidence.count() == served

        frame.get_by_role("link", name="Attach evidence").first.click()
        frame.get_by_role("heading", name="Attach an assignment as evidence").wait_for()
        frame.wait_for_load_state("load")  # pages.js runs after the heading is drawn
        frame.get_by_label("Assignment").select_option(label="Cell Structure Lab")
        ticked = frame.locator('input[name="student"]:checked').count()
        assert 0 < ticked < frame.locator('input[name="student"]').count()
        _check_page(page, frame, "attach", failures)
    assert not failures, failures

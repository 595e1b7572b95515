"""Keyboard and phone width, in real Chromium inside the LMS's cross-site iframe, on pages with
content (the demo district's lived-in plans):

* the first Tab stop is "Skip to main content", and one more Tab is inside the main content;
  on a long page the "Skip to" list names its sections, and following one lands there;
* each role's main pages fit a 375 px wide phone (no sideways scrolling of the page).

Screenshots go to ``ILP_SCREENSHOTS`` when it is set.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from lti_tool.demo_seed import seed_demo_plans
from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.sandbox import get_state
from tests.browser import DemoStack, chromium, open_as

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 900}

FOCUSED = """() => { const e = document.activeElement;
  return {tag: e.tagName, cls: e.className, text: (e.textContent || '').trim().slice(0, 60),
          inMain: !!e.closest('main'), id: e.id}; }"""
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 1)
    .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' +
         Math.round(e.getBoundingClientRect().right) + ': ' + (e.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 30));
  return {scroll: document.documentElement.scrollWidth, client: width, wide: wide.slice(0, 6)};
}"""


def seed(stack: DemoStack) -> None:
    """The demo district's plans, goals, evidence and courses (as ``ilp demo`` has them)."""
    with stack.tool_app.app_context():
        platform = db.session.execute(db.select(Platform)).scalars().first()
        assert platform is not None
        seed_demo_plans(platform.tenant_id, get_state(stack.sandbox_app).district)
        db.session.commit()


def people(stack: DemoStack) -> dict[str, Any]:
    district = get_state(stack.sandbox_app).district
    admins = [a for a in district.users_of_kind("admin") if "AccountAdmin" in a.account_roles]
    return {
        "student": district.users_of_kind("student")[0],
        "teacher": district.users_of_kind("teacher")[0],
        "counselor": district.users_of_kind("counselor")[0],
        "parent": district.users_of_kind("parent")[0],
        "admin": admins[0],
    }


def focus_frame(frame: Any) -> None:
    """Put keyboard focus at the start of the tool's document, as a Tab into the frame does."""
    frame.evaluate(
        "() => { window.focus(); document.activeElement && document.activeElement.blur(); }"
    )


def reload(frame: Any) -> None:
    """Load the page again: keyboard focus starts at the top of the document."""
    # Wait for the new document: under load, "loaded" and the old page's h1 could otherwise be
    # seen before the reload began, and the reload would then take the focus away.
    with frame.expect_navigation():
        frame.evaluate("() => location.reload()")
    frame.wait_for_load_state()
    frame.locator("main h1").first.wait_for()
    focus_frame(frame)


def tab(page: Any, frame: Any) -> dict[str, Any]:
    page.keyboard.press("Tab")
    return dict(frame.evaluate(FOCUSED))


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("ILP_SCREENSHOTS")
    if folder:
        page.locator("iframe#lodestar-frame").screenshot(path=str(Path(folder) / f"{name}.png"))


def test_skip_link_is_the_first_tab_stop_and_sections_are_listed(demo_stack: DemoStack) -> None:
    seed(demo_stack)
    student = people(demo_stack)["student"]
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, student.name)
        frame.locator("main h1").first.wait_for()

        focus_frame(frame)
        first = tab(page, frame)
        assert first["text"] == "Skip to main content", first
        shot(page, "skip-link-1280")
        page.keyboard.press("Enter")
        inside = tab(page, frame)
        assert inside["inMain"], inside  # Tab, Enter, Tab: inside the main content

        # The plan is long: "Skip to a section" (the second stop) opens the list of its
        # sections, and following one lands there.
        sections = frame.evaluate(
            "() => [...document.querySelectorAll('.skip-sections a')].map(a => a.getAttribute('href'))"
        )
        assert len(sections) >= 3, sections
        target = sections[1]
        reload(frame)
        tab(page, frame)
        summary = tab(page, frame)
        assert summary["tag"] == "SUMMARY" and summary["text"].startswith("Skip to a section")
        page.keyboard.press("Enter")
        shot(page, "skip-list-open-1280")
        tab(page, frame)
        link = tab(page, frame)
        assert link["cls"] == "skip-link" and link["tag"] == "A", link
        page.keyboard.press("Enter")
        after = tab(page, frame)
        landed = frame.evaluate(
            """(id) => { const t = document.getElementById(id);
                 const a = document.activeElement;
                 return t.contains(a) || !!(t.compareDocumentPosition(a) & 4); }""",
            target[1:],
        )
        assert landed, (target, after)

        reload(frame)
        # Without the skip link: how many stops before the first one inside <main>?
        focus_frame(frame)
        stops = 0
        while not tab(page, frame)["inMain"] and stops < 200:
            stops += 1
        assert stops >= 3  # the skip list, the header and the navigation come first


#: role -> the pages checked at 375 px: (label, how to reach it) where reaching is a link text
#: in the navigation or a path pattern of a link on a page already seen.
MINE = {
    "student": [("profile", "link:/plans/me/profile$"), ("my class", "nav:This class and my plan")],
    "teacher": [("roster", "nav:Class roster")],
    "counselor": [("caseload", "nav:Caseload"), ("journey", "nav:Journey by grade")],
    "parent": [("my students", "nav:My students")],
    "admin": [("admin", "nav:Administration")],
}
#: The pages with the widest content (the plan page, the course grid, the portfolio form, the
#: class view, the attach table and the tag page): tables become cards or scroll in a box.
WIDE_CONTENT = {
    "student": [
        ("plan", "nav:My plan"),
        ("course grid", r"link:/plans/me/courses$"),
        ("portfolio form", "nav:My portfolio"),
    ],
    "counselor": [
        ("caseload", "nav:Caseload"),
        ("student plan", r"link:/plans/students/\d+$"),
        ("printable plan", r"link:/plans/students/\d+/print$"),
        ("money checklist", r"link:/plans/checklist$"),
    ],
    "teacher": [
        ("class view", "nav:Class and student plans"),
        ("attach", "nav:Attach evidence"),
        ("tag page", r"link:/tags$"),
    ],
}


def _go(frame: Any, how: str, seen_links: list[str]) -> bool:
    kind, _, what = how.partition(":")
    if kind == "nav":
        link = frame.locator("nav.site-nav a", has_text=what)
        if link.count() == 0:
            return False
        link.first.click()
    else:
        hrefs = [h for h in seen_links if re.search(what, h.split("?")[0])]
        if not hrefs:
            return False
        frame.goto(hrefs[0])
    frame.wait_for_load_state()
    frame.locator("main h1").first.wait_for(timeout=15000)
    return True


def _widths(stack: DemoStack, pages: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    seed(stack)
    who = people(stack)
    wide: dict[str, Any] = {}
    missing: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        for role, wanted in pages.items():
            frame = open_as(page, stack, who[role].name)
            seen_links: list[str] = []
            for label, how in wanted:
                page.set_viewport_size(DESKTOP)
                seen_links += frame.evaluate("() => [...document.links].map(a => a.href)")
                if not _go(frame, how, seen_links):
                    missing.append(f"{role}: {label}")
                    continue
                name = f"width-{role}-{label.replace(' ', '-')}"
                shot(page, f"{name}-1280")
                page.set_viewport_size(PHONE)
                frame.locator("main h1").first.wait_for()
                # Under load the frame may still have its desktop width for a moment.
                frame.wait_for_function(
                    "() => document.documentElement.clientWidth <= 375", timeout=15000
                )
                size = frame.evaluate(OVERFLOW)
                shot(page, f"{name}-375")
                if size["scroll"] > min(size["client"], 375):
                    wide[f"{role}: {label}"] = size
            page.set_viewport_size(DESKTOP)
    assert not missing, f"pages not reached: {missing}"
    return wide


def test_main_pages_fit_a_375px_phone(demo_stack: DemoStack) -> None:
    wide = _widths(demo_stack, MINE)
    assert not wide, json.dumps(wide, indent=1)


def test_pages_with_wide_content_fit_a_375px_phone(demo_stack: DemoStack) -> None:
    wide = _widths(demo_stack, WIDE_CONTENT)
    assert not wide, json.dumps(wide, indent=1)


def test_picker_in_the_lms_modal_is_bare(demo_stack: DemoStack) -> None:
    """The teacher's "Add a plan reflection activity" opens the picker with no navigation and
    no link out of it, at both widths; axe passes."""
    from tests.browser import axe_violations

    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(demo_stack.lms_url + "/")
        page.get_by_role("link", name="Add a plan reflection activity (Deep Linking)").first.click()
        frame_el = page.locator("iframe#lodestar-frame")
        page.frame_locator("iframe#lodestar-frame").get_by_role(
            "heading", name="Add a Lodestar activity to this course"
        ).wait_for(timeout=20000)
        frame = frame_el.element_handle().content_frame()
        for label, size in (("1280", DESKTOP), ("375", PHONE)):
            page.set_viewport_size(size)
            frame.locator("main h1").wait_for()
            shot(page, f"picker-{label}")
            assert frame.locator("nav.site-nav").count() == 0
            hrefs = frame.evaluate("() => [...document.links].map(a => a.getAttribute('href'))")
            assert all(h.startswith("#") for h in hrefs), hrefs
            assert not axe_violations(frame)
            size_now = frame.evaluate(OVERFLOW)
            assert size_now["scroll"] <= size_now["client"], size_now

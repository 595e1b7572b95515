"""A parent in real Chromium inside the LMS iframe: the family page's card for their child,
"Sign off", a refused sign-off without the "reviewed with my child" tick (the comment kept),
then the sign-off with it, signed with their own account. The pages pass axe and fit
1280 px and 375 px. Screenshots go to ``ILP_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lti_tool.sandbox import get_state
from tests.accessibility.test_keyboard_and_width_browser import seed
from tests.browser import DemoStack, axe_violations, chromium, open_as

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 1400}
PHONE = {"width": 375, "height": 1400}
#: Whether the tool's document is wider than its frame (a sideways scroll).
OVERFLOWS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


def _check(page: Any, frame: Any, name: str, failures: dict[str, Any]) -> None:
    """axe and the width at 1280 and 375 px, and screenshots of the frame when asked for."""
    folder = os.environ.get("ILP_SCREENSHOTS")
    for label, size in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(size)
        frame.locator("main h1").first.wait_for(timeout=15000)
        frame.wait_for_function(f"() => window.innerWidth <= {size['width']}", timeout=15000)
        if frame.evaluate(OVERFLOWS):
            failures[f"{name} ({label}): wider than the screen"] = True
        for v in axe_violations(frame):
            failures[f"{name} ({label}): {v['id']}"] = v
        if folder:
            target = Path(folder) / f"family-{name}-{label}.png"
            page.locator("iframe#lodestar-frame").screenshot(path=str(target))
    page.set_viewport_size(DESKTOP)


def test_parent_reads_the_summary_and_signs_with_their_own_account(
    demo_stack: DemoStack,
) -> None:
    seed(demo_stack)
    parent = get_state(demo_stack.sandbox_app).district.users_of_kind("parent")[0]
    comment = "We went through the plan together on Sunday."
    failures: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        frame = open_as(page, demo_stack, parent.name)
        # A parent's launch lands on the family page: one card per child.
        frame.get_by_role("heading", level=1, name="Your children's plans").wait_for(timeout=20000)
        card = frame.locator("section.family-card").first
        card.wait_for(timeout=15000)
        text = card.inner_text()
        for words in ("Goals", "This year's milestones", "From the counselor", "Waiting"):
            assert words in text, words
        _check(page, frame, "landing", failures)

        with frame.expect_navigation(timeout=20000):
            card.get_by_role("link", name="Sign off", exact=False).click()
        frame.locator("#reviewed-with-child").wait_for(timeout=15000)
        assert parent.name in frame.locator("#signing-as").inner_text()
        assert frame.locator("input[name=signature_name]").count() == 0
        frame.get_by_label("Add a comment").fill(comment)
        with page.expect_response(lambda r: "/sign" in r.url) as sent:
            frame.get_by_role("button", name="Sign off the plan").click()
        assert sent.value.status == 422
        frame.locator("#signature-error").wait_for(timeout=15000)
        assert frame.get_by_label("Add a comment").input_value() == comment
        _check(page, frame, "sign-off-refused", failures)

        frame.get_by_label("I have reviewed this plan with my child").check()
        with frame.expect_navigation(timeout=20000):
            frame.get_by_role("button", name="Sign off the plan").click()
        frame.get_by_text("You signed off the plan", exact=False).first.wait_for(timeout=15000)
        panel = frame.locator("section.review-panel").inner_text()
        assert f"by {parent.name} (their own LMS account) on" in panel
        assert "reviewed with their child" in panel and comment in panel

        with frame.expect_navigation(timeout=20000):
            frame.locator("nav.site-nav a", has_text="My students").click()
        signed = frame.locator("section.family-card").first
        signed.wait_for(timeout=15000)
        assert "Signed by you on" in signed.inner_text()
        _check(page, frame, "landing-signed", failures)
    assert not failures, failures

"""Every main page, for every role, has unique ids and a label on every form control.

axe-core checks a page as the browser shows it; these checks read the HTML the server sends
for each page a person reaches from their landing page (and one step further), with the
demo district's lived-in plans, so a second ``id="about"`` or a text box without a label
fails here whichever page it is on.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from lti_tool.demo_seed import seed_demo_plans
from lti_tool.extensions import db
from lti_tool.models import Platform
from tests.lti_driver import LtiDriver, token_of

#: Form controls a person fills in or operates (hidden inputs and buttons name themselves).
UNLABELLED_OK = {"hidden", "submit", "button", "image", "reset"}
#: Paths never fetched while walking: they act (sign out) or leave the HTML pages.
SKIP = re.compile(r"/(export|print|download|files?)\b|\.json$|\.csv$|/lti/")


class PageStructure(HTMLParser):
    """The ids, labels and form controls of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self.links: list[str] = []
        self._labels = 0  # open <label> elements around the current position
        self._first: dict[str, int] = {}  # id -> the element a browser finds by it
        self._count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._count += 1
        if "id" in a:
            self.ids.append(a["id"])
            self._first.setdefault(a["id"], self._count)
        if tag == "label":
            self._labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag in {"input", "select", "textarea"}:
            if tag == "input" and a.get("type", "text").lower() in UNLABELLED_OK:
                return
            self.controls.append(
                {**a, "tag": tag, "wrapped": "1" if self._labels else "", "at": str(self._count)}
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._labels:
            self._labels -= 1

    def problems(self) -> list[str]:
        found = [f"id {i!r} used {n} times" for i, n in Counter(self.ids).items() if n > 1]
        for c in self.controls:
            named = (
                c["wrapped"]
                # <label for> names the first element with that id, whatever it is.
                or (c.get("id", "") in self.label_for and self._first.get(c["id"]) == int(c["at"]))
                or c.get("aria-label", "").strip()
                or c.get("aria-labelledby", "").strip()
                or c.get("title", "").strip()
            )
            if not named:
                found.append(f"<{c['tag']} name={c.get('name')!r} id={c.get('id')!r}> has no label")
        return found


def _shape(path: str) -> str:
    """One page per kind: ``/plans/goals/12`` and ``/plans/goals/13`` are the same page."""
    return re.sub(r"\d+", "N", path)


def walk(lti: LtiDriver, token: str, start: str, depth: int = 2, limit: int = 40) -> dict[str, Any]:
    """Fetch ``start`` and the tool pages it links to, ``depth`` steps out (one page of each
    shape); return path -> problems."""
    seen: set[str] = set()
    found: dict[str, Any] = {}
    frontier = [start]
    for _ in range(depth + 1):
        following: list[str] = []
        for path in frontier:
            if _shape(path) in seen or len(seen) >= limit or SKIP.search(path):
                continue
            seen.add(_shape(path))
            answer = lti.client.get(path, query_string={"lt": token})
            if answer.status_code != 200 or "text/html" not in answer.content_type:
                continue
            page = PageStructure()
            page.feed(answer.get_data(as_text=True))
            if page.problems():
                found[path] = page.problems()
            for href in page.links:
                parts = urlsplit(href)
                if not parts.netloc and parts.path.startswith("/") and parts.path != path:
                    following.append(parts.path)
        frontier = following
    assert len(seen) > 3, f"only {seen} reached from {start}"
    return found


@pytest.fixture
def seeded(lti: LtiDriver, app: Flask, platform_id: int) -> LtiDriver:
    """The demo district's plans (goals, evidence, courses) in the tool."""
    with app.app_context():
        tenant_id = db.session.get(Platform, platform_id).tenant_id  # type: ignore[union-attr]
        seed_demo_plans(tenant_id, lti.state.district)
        db.session.commit()
    return lti


def _person(lti: LtiDriver, kind: str) -> Any:
    people = lti.people(kind)
    if kind == "admin":  # the district's own admin, not the help desk's
        return next(p for p in people if "AccountAdmin" in p.account_roles)
    if kind == "student":  # a student whose plan has content
        return people[0]
    return people[0]


@pytest.mark.parametrize("kind", ["student", "teacher", "counselor", "parent", "admin"])
def test_pages_have_unique_ids_and_labelled_controls(seeded: LtiDriver, kind: str) -> None:
    person = _person(seeded, kind)
    launched = seeded.launch(person)
    token = token_of(launched)
    start = urlsplit(launched.headers["Location"]).path
    problems = walk(seeded, token, start)
    assert not problems, problems


def test_the_profile_form_labels_both_text_boxes(seeded: LtiDriver) -> None:
    """The fieldsets around "About me" and "Accommodation needs" once shared their text
    boxes' ids, so the two boxes had no label."""
    token = token_of(seeded.launch(_person(seeded, "student")))
    page = PageStructure()
    page.feed(seeded.client.get("/plans/me/profile", query_string={"lt": token}).get_data(True))
    assert {"about", "accommodations"} <= page.label_for
    assert page.ids.count("about") == page.ids.count("accommodations") == 1
    assert not page.problems()

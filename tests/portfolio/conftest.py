"""Helpers for the portfolio tests: launch people, sync a course, give students goals.

Everything goes through the sandbox LMS and the tool's pages; the only rows written directly
are the students' goals (the goal editor belongs to the plans area and is not under test).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from lti_tool.extensions import db
from lti_tool.grades import sync
from lti_tool.grades.models import Assignment, Grade, SyncKind
from lti_tool.models import Course, Person
from lti_tool.plans.models import Goal, GoalCategory
from lti_tool.plans.reading import get_or_create_plan
from lti_tool.sandbox.launch import login_initiation_url
from tests.lti_driver import DEEP_LINK, LtiDriver, hidden_inputs, token_of

TEACHER = "sbx-user-0003"  # teaches Introduction to Engineering Design
REFLECTION = "Designing the phone stand showed me I want to study mechanical engineering."
BIO = "sbx-course-bio1"
ALG = "sbx-course-alg2"
IED = "sbx-course-ied"


def text_of(response: TestResponse) -> str:
    """The page's text with HTML entities decoded."""
    return unescape(response.get_data(as_text=True))


@dataclass
class Portfolio:
    """Test helpers bound to one app and one LTI driver."""

    lti: LtiDriver
    app: Flask

    # -- people and launches ----------------------------------------------------------

    def user(self, sub: str) -> Any:
        return self.lti.state.district.users[sub]

    def course(self, context_id: str) -> Any:
        return self.lti.state.district.courses[context_id]

    def launch(self, sub: str, context_id: str) -> str:
        """Launch ``sub`` from a course; return the launch token."""
        return token_of(self.lti.launch(self.user(sub), self.course(context_id)))

    def launch_link(self, sub: str, context_id: str, link_id: str) -> TestResponse:
        """Launch ``sub`` from a specific resource link of a course (e.g. a Deep-Linked one)."""
        url = login_initiation_url(
            self.lti.state, self.user(sub), self.course(context_id), resource_link_id=link_id
        )
        parts = urlsplit(url)
        login = self.lti.client.get(f"{parts.path}?{parts.query}")
        return self.lti.post_launch(self.lti.authorize(login))

    def students(self, context_id: str) -> list[Any]:
        return list(self.lti.state.district.students_of(context_id))

    # -- our database -----------------------------------------------------------------

    def course_id(self, context_id: str) -> int:
        with self.app.app_context():
            return db.session.execute(
                select(Course.id).where(Course.context_id == context_id)
            ).scalar_one()

    def person_id(self, sub: str) -> int:
        with self.app.app_context():
            return db.session.execute(select(Person.id).where(Person.sub == sub)).scalar_one()

    def sync(self, context_id: str) -> None:
        """Pull the roster and grades of a course (a teacher must have launched it)."""
        with self.app.app_context():
            course = db.session.execute(
                select(Course).where(Course.context_id == context_id)
            ).scalar_one()
            runs = sync.start_sync(course, [SyncKind.ROSTER, SyncKind.GRADES])
            assert all(r.status == "succeeded" for r in runs), [r.error for r in runs]

    def add_goals(self, sub: str, *statements: str) -> list[int]:
        """Give a student goals (creating their plan); returns the goal ids."""
        with self.app.app_context():
            person = db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()
            plan = get_or_create_plan(person)
            goals = [
                Goal(plan_id=plan.id, category=GoalCategory.CAREER, statement=s) for s in statements
            ]
            db.session.add_all(goals)
            db.session.commit()
            return [g.id for g in goals]

    def assignment(self, context_id: str, item_id: str) -> tuple[int, str, float | None]:
        """Our row of a sandbox line item: (id, title, score maximum)."""
        url = self.lti.state.line_item_url(context_id, item_id)
        with self.app.app_context():
            row = db.session.execute(
                select(Assignment).where(Assignment.external_id == url)
            ).scalar_one()
            return row.id, row.title, row.score_maximum

    def grade_id(self, assignment_id: int, sub: str) -> int:
        with self.app.app_context():
            return db.session.execute(
                select(Grade.id)
                .join(Person, Person.id == Grade.person_id)
                .where(Grade.assignment_id == assignment_id, Person.sub == sub)
            ).scalar_one()


@pytest.fixture
def pf(lti: LtiDriver, app: Flask) -> Iterator[Portfolio]:
    yield Portfolio(lti, app)
    lti.state.clear_faults()


def form_action(html: str) -> str:
    """The action of the first form of a page, HTML-decoded."""
    match = re.search(r'<form[^>]+action="([^"]+)"', html)
    assert match, html
    return unescape(match.group(1))


# -- the plan reflection activity, placed by Deep Linking ------------------------------


@dataclass(frozen=True)
class Placement:
    """A reflection activity placed in the sandbox course by Deep Linking."""

    link_id: str
    item_id: str


SETTINGS = {
    "activity": "reflection",
    "title": "Plan reflection",
    "instructions": "Say what this class's work shows about your plan.",
    "points": "10",
    "due": "",
    "scoring": "completion",
}


def place(pf: Portfolio, **settings: str) -> Placement:
    """The IED teacher deep-links the plan reflection into the course with ``settings``
    (through the tool's picker and the sandbox's Deep Linking return endpoint)."""
    state = pf.lti.state
    state.request_log.clear()  # the log is bounded: counts below must not be cut off
    launch = pf.lti.launch(pf.user(TEACHER), pf.course(IED), message_type=DEEP_LINK)
    assert urlsplit(launch.headers["Location"]).path == "/portfolio/activities"
    token = token_of(launch)
    picker = pf.lti.client.get(launch.headers["Location"])
    assert picker.status_code == 200 and "Plan reflection" in text_of(picker)
    answer = pf.lti.client.post("/portfolio/activities", data={"lt": token, **SETTINGS, **settings})
    assert answer.status_code == 200, text_of(answer)
    html = answer.get_data(as_text=True)
    action = urlsplit(form_action(html))
    before = set(state.district.resource_links[IED])
    back = pf.lti.lms.post(
        f"{action.path}?{action.query}", data={"JWT": hidden_inputs(html)["JWT"]}
    )
    assert back.status_code == 200, back.get_data(as_text=True)
    (link_id,) = set(state.district.resource_links[IED]) - before
    link = state.district.resource_links[IED][link_id]
    assert link.custom["activity"] == "reflection" and link.custom["activity_id"].isdigit()
    assert link.line_item_id
    item = state.get_line_item(IED, link.line_item_id)
    assert item.resource_link_id == link_id
    assert item.score_maximum == float({**SETTINGS, **settings}["points"])
    return Placement(link_id=link_id, item_id=link.line_item_id)


def remove(pf: Portfolio, placement: Placement) -> None:
    """Take a placement out of the sandbox course again."""
    state = pf.lti.state
    state.clear_faults()
    state.delete_line_item(IED, placement.item_id)
    state.district.resource_links[IED].pop(placement.link_id, None)


@pytest.fixture
def placed(pf: Portfolio) -> Iterator[Placement]:
    """A completion-scored plan reflection placed in IED; removed from the sandbox after."""
    placement = place(pf)
    try:
        yield placement
    finally:
        remove(pf, placement)

"""A student's "How this class connects to my plan"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.sandbox.data import seed_due_date
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import (
    AGRICULTURE,
    DIGITAL,
    HEALTH,
    add_evidence,
    launch,
    set_plan,
    synced_class,
    tag,
)


def _local_day(iso: str | None) -> str:
    """A sandbox due date as the page shows it: the day in the sandbox school's zone."""
    local = dt.datetime.fromisoformat(iso or "").astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    return f"{local:%b} {local.day}, {local.year}"


def test_student_without_clusters_is_sent_to_their_plan(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    student = cls["students"][0]
    token = launch(lti, student, cls["course"])
    page = lti.client.get(f"/courses/{cls['course_id']}/me", query_string={"lt": token})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "does not name any career clusters yet" in html
    assert 'href="/plans/me"' in html
    assert "Your teacher has not tagged this class" in html
    assert html.count("<h1") == 1


def test_matches_assignments_and_evidence(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    student, other = cls["students"][:2]
    set_plan(
        app,
        student.sub,
        clusters=[HEALTH, AGRICULTURE],
        skills="Microscopy; singing",
        goals=[("Become a nurse", HEALTH), ("Build an app", DIGITAL)],
    )
    set_plan(app, other.sub, goals=[("Other goal", HEALTH)])
    tag(
        lti,
        app,
        cls,
        clusters=[HEALTH, DIGITAL],
        skills="microscopy, lab safety",
        assignments={
            "Cell Structure Lab": ([HEALTH], ""),
            "Genetics Quiz": ([], "microscopy"),
            "Ecology Field Project": ([DIGITAL], ""),
        },
    )
    add_evidence(
        app,
        sub=student.sub,
        assignment_title="Cell Structure Lab",
        course_id=cls["course_id"],
        goal_statement="Become a nurse",
    )
    add_evidence(app, sub=other.sub, assignment_title="Genetics Quiz", course_id=cls["course_id"])

    token = launch(lti, student, cls["course"])
    page = lti.client.get(f"/courses/{cls['course_id']}/me", query_string={"lt": token})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "does not name any career clusters" not in html
    assert "3 things in this class match your plan." in html
    assert (
        'Healthcare &amp; Human Services: <strong class="match">✓ Matches your plan'
        "</strong>\n        (it is in your plan, and your goal “Become a nurse”)"
    ) in html
    assert 'Digital Technology: <strong class="match">✓ Matches your plan</strong>' in html
    assert 'microscopy: <strong class="match">✓ Matches your plan</strong>' in html
    assert "<li>lab safety</li>" in html
    assert "Agriculture: not a tag of this class" in html
    assert (
        "Become a nurse (career cluster: Healthcare &amp; Human Services): "
        '<strong class="match">✓ This class serves this goal' in html
    )
    # The sandbox's gradebook gives every column but the last a due date (endDateTime).
    lab_due = _local_day(seed_due_date(0, 3))
    quiz_due = _local_day(seed_due_date(1, 3))
    assert (
        f"Cell Structure Lab, due {lab_due}: Healthcare &amp; Human Services is in your plan; "
        "serves your goal “Become a nurse”." in html
    )
    assert f"Genetics Quiz, due {quiz_due}: practises microscopy, a skill in your plan." in html
    assert "Ecology Field Project: serves your goal “Build an app”." in html
    # Only my own evidence, with the goal it supports.
    assert "Cell Structure Lab, for your goal “Become a nurse” (linked by your teacher" in html
    assert "Other goal" not in html
    assert 'href="/portfolio/me"' in html
    with app.app_context():
        assert (
            db.session.execute(
                select(AuditEvent).where(AuditEvent.action == "relevance.student_view")
            )
            .scalar_one()
            .subject_id
            == cls["course_id"]
        )


def test_only_active_learners_of_the_course(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    url = f"/courses/{cls['course_id']}/me"
    assert lti.client.get(url, query_string={"lt": cls["token"]}).status_code == 403
    # Student 1 (index 1) is not enrolled in Biology 1 (see the sandbox seed).
    outsider = lti.state.district.users[f"sbx-user-{7 + 1:04d}"]
    assert outsider not in cls["students"]
    token = launch(lti, outsider)
    assert lti.client.get(url, query_string={"lt": token}).status_code == 403


def test_a_goal_that_ends_a_sentence_gets_no_second_full_stop(lti: LtiDriver, app: Flask) -> None:
    """A goal written as a sentence ("... graduation.") is quoted as it is: ``graduation.”``,
    not ``graduation.”.``."""
    cls = synced_class(lti, app)
    student = cls["students"][0]
    set_plan(app, student.sub, goals=[("Get ready for graduation.", HEALTH)])
    tag(
        lti,
        app,
        cls,
        clusters=[HEALTH],
        skills="",
        assignments={"Cell Structure Lab": ([HEALTH], "")},
    )
    token = launch(lti, student, cls["course"])
    html = lti.client.get(f"/courses/{cls['course_id']}/me", query_string={"lt": token}).get_data(
        as_text=True
    )
    assert "serves your goal “Get ready for graduation.”</li>" in html
    assert "graduation.”." not in html

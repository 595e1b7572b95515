"""The plan reflection activity, end to end: a teacher places it with Deep Linking, a student
launches it, reflects, and the score reaches the LMS gradebook through AGS."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from lti_tool.extensions import db
from lti_tool.models import (
    AuditEvent,
    Enrollment,
    EnrollmentStatus,
    LmsKind,
    Platform,
    ResourceLink,
)
from lti_tool.portfolio.models import Evidence, EvidenceKind
from lti_tool.portfolio.reflection import GRADEBOOK_FAILED, GRADEBOOK_UPDATED
from lti_tool.portfolio.reflection_scores import SCORE_COMMENT
from lti_tool.sandbox.data import Score
from tests.lti_driver import token_of
from tests.portfolio.conftest import IED, REFLECTION, TEACHER, Placement, Portfolio, text_of


def _count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return int(
            db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _listings(pf: Portfolio) -> int:
    """How often the course's line items were listed so far."""
    path = f"/api/lti/courses/{IED}/line_items"
    return sum(1 for r in pf.lti.state.request_log if r.method == "GET" and r.path == path)


def _student(pf: Portfolio, index: int = 0) -> Any:
    return pf.students(IED)[index]


def _open_activity(pf: Portfolio, sub: str, placement: Placement) -> tuple[str, str]:
    """The student launches the placed link; returns (reflect page URL, token)."""
    response = pf.launch_link(sub, IED, placement.link_id)
    location = response.headers["Location"]
    assert urlsplit(location).path == f"/portfolio/courses/{pf.course_id(IED)}/reflect"
    return location, token_of(response)


def test_reflection_activity_end_to_end(pf: Portfolio, app: Flask, placed: Placement) -> None:
    pf.launch(TEACHER, IED)
    pf.sync(IED)  # graded work of the class (and the new column) reach our database
    student = _student(pf)
    location, token = _open_activity(pf, student.sub, placed)
    goal = pf.add_goals(student.sub, "Study mechanical engineering")[0]
    assignment_id, title, _ = pf.assignment(IED, "10")  # "CAD Model: Phone Stand"
    grade = pf.grade_id(assignment_id, student.sub)

    page = pf.lti.client.get(location)
    assert page.status_code == 200
    html = text_of(page)
    assert "<h1>Plan reflection</h1>" in html and "Study mechanical engineering" in html
    assert title in html

    link_row = parse_qs(urlsplit(location).query)["link"][0]
    listings = _listings(pf)
    done = pf.lti.client.post(
        urlsplit(location).path,
        query_string={"link": link_row},
        data={"lt": token, "goal": str(goal), "work": str(grade), "reflection": REFLECTION},
    )
    assert done.status_code == 302
    assert _listings(pf) == listings  # the launch named the line item: no listing needed
    after = text_of(pf.lti.client.get(done.headers["Location"]))
    assert GRADEBOOK_UPDATED in after and REFLECTION in after

    (score,) = pf.lti.state.scores(placed.item_id)
    assert score.user_id == student.sub
    assert score.score_given == 10.0 and score.score_maximum == 10.0
    assert score.activity_progress == "Completed" and score.grading_progress == "FullyGraded"
    assert score.comment == SCORE_COMMENT

    with app.app_context():
        evidence = db.session.execute(select(Evidence)).scalar_one()
        assert evidence.kind == EvidenceKind.SUBMISSION and evidence.course_id == pf.course_id(IED)
        assert evidence.goal_id == goal and evidence.assignment_id == assignment_id
        assert evidence.reflection == REFLECTION and evidence.snapshot_title == title
        assert evidence.snapshot_extra["activity"] == "reflection"
        assert evidence.snapshot_extra["resource_link"] == placed.link_id
    assert _count(app, AuditEvent, AuditEvent.action == "reflection.submit") == 1
    assert _count(app, AuditEvent, AuditEvent.action == "evidence.create") == 1
    assert _count(app, AuditEvent, AuditEvent.action == "reflection.score_posted") == 1
    assert _count(app, AuditEvent, AuditEvent.action == "reflection.view") == 2

    mine = text_of(pf.lti.client.get("/portfolio/me", query_string={"lt": token}))
    assert "plan reflection activity" in mine and REFLECTION in mine


def test_line_item_is_found_by_resource_link_when_the_launch_does_not_name_it(
    pf: Portfolio, app: Flask, placed: Placement
) -> None:
    first = _student(pf, 0)
    _open_activity(pf, first.sub, placed)  # the placement becomes known to Lodestar
    second = _student(pf, 1)
    token = pf.launch(second.sub, IED)  # from the course's ordinary link: no line item
    with app.app_context():
        row = db.session.execute(
            select(ResourceLink.id).where(ResourceLink.resource_link_id == placed.link_id)
        ).scalar_one()
    url = f"/portfolio/courses/{pf.course_id(IED)}/reflect"
    assert pf.lti.client.get(url, query_string={"link": row, "lt": token}).status_code == 200
    listings = _listings(pf)
    done = pf.lti.client.post(
        url,
        query_string={"link": row},
        data={"lt": token, "goal": "", "work": "", "reflection": REFLECTION},
    )
    assert done.status_code == 302
    assert _listings(pf) == listings + 1
    assert GRADEBOOK_UPDATED in text_of(pf.lti.client.get(done.headers["Location"]))
    (score,) = pf.lti.state.scores(placed.item_id)
    assert score.user_id == second.sub and score.score_given == 10.0
    with app.app_context():
        evidence = db.session.execute(select(Evidence)).scalar_one()
        assert evidence.goal_id is None and evidence.assignment_id is None
        assert evidence.snapshot_title == "Plan reflection"


def test_gradebook_failure_keeps_the_reflection(
    pf: Portfolio, app: Flask, placed: Placement, caplog: pytest.LogCaptureFixture
) -> None:
    student = _student(pf)
    location, token = _open_activity(pf, student.sub, placed)
    pf.lti.state.inject_fault(f"/api/lti/courses/{IED}/line_items", 500, count=10)
    path = urlsplit(location).path
    link_row = parse_qs(urlsplit(location).query)["link"][0]
    done = pf.lti.client.post(
        path,
        query_string={"link": link_row},
        data={"lt": token, "goal": "", "work": "", "reflection": REFLECTION},
    )
    assert done.status_code == 302
    after = text_of(pf.lti.client.get(done.headers["Location"]))
    assert GRADEBOOK_FAILED in after and REFLECTION in after
    assert pf.lti.state.scores(placed.item_id) == []
    assert _count(app, Evidence) == 1
    assert any(
        "saved but the AGS score was not posted" in r.getMessage()
        for r in caplog.records
        if r.name == "lti_tool.portfolio.reflection"
    )
    assert _count(app, AuditEvent, AuditEvent.action == "reflection.submit") == 1
    assert _count(app, AuditEvent, AuditEvent.action == "reflection.score_failed") == 1


def test_bad_reflections_save_nothing(pf: Portfolio, app: Flask, placed: Placement) -> None:
    student = _student(pf)
    location, token = _open_activity(pf, student.sub, placed)
    other = _student(pf, 1)
    pf.launch(other.sub, IED)
    foreign_goal = pf.add_goals(other.sub, "Not yours")[0]
    path = urlsplit(location).path
    link_row = parse_qs(urlsplit(location).query)["link"][0]
    for data in ({"reflection": "Too short"}, {"goal": str(foreign_goal)}, {"work": "999999"}):
        response = pf.lti.client.post(
            path,
            query_string={"link": link_row},
            data={"lt": token, "goal": "", "work": "", "reflection": REFLECTION, **data},
        )
        assert response.status_code == 400, data
    assert _count(app, Evidence) == 0 and pf.lti.state.scores(placed.item_id) == []


def test_who_may_open_the_activity(pf: Portfolio, app: Flask, placed: Placement) -> None:
    student = _student(pf)
    location, token = _open_activity(pf, student.sub, placed)
    path = urlsplit(location).path
    link_row = parse_qs(urlsplit(location).query)["link"][0]
    teacher = pf.launch(TEACHER, IED)
    assert (
        pf.lti.client.get(path, query_string={"link": link_row, "lt": teacher}).status_code == 403
    )
    with app.app_context():
        plain = db.session.execute(
            select(ResourceLink.id).where(ResourceLink.resource_link_id == "sbx-rl-ied")
        ).scalar_one()
    assert pf.lti.client.get(path, query_string={"link": plain, "lt": token}).status_code == 404
    assert pf.lti.client.get(path, query_string={"link": "999999", "lt": token}).status_code == 404
    # Not ids at all ("²".isdigit() is true but int("²") fails): absent, not a crash.
    for bad in ("²", "9" * 20, "-1", ""):
        assert (
            pf.lti.client.get(path, query_string={"link": bad, "lt": token}).status_code == 404
        ), bad
    with app.app_context():
        db.session.execute(
            update(Enrollment)
            .where(
                Enrollment.person_id == pf.person_id(student.sub),
                Enrollment.course_id == pf.course_id(IED),
            )
            .values(status=EnrollmentStatus.INACTIVE)
        )
        db.session.commit()
    assert pf.lti.client.get(path, query_string={"link": link_row, "lt": token}).status_code == 403
    response = pf.lti.client.post(
        path,
        query_string={"link": link_row},
        data={"lt": token, "goal": "", "work": "", "reflection": REFLECTION},
    )
    assert response.status_code == 403
    assert _count(app, Evidence) == 0


# -- Canvas: one submission attempt per student, however often they reflect ------------------


def _as_canvas(app: Flask) -> None:
    with app.app_context():
        platform = db.session.execute(select(Platform)).scalar_one()
        platform.lms = LmsKind.CANVAS
        db.session.commit()


def _reflect(pf: Portfolio, sub: str, placement: Placement, text: str = REFLECTION) -> str:
    """The student opens the placed activity and submits a reflection; the page after."""
    location, token = _open_activity(pf, sub, placement)
    link_row = parse_qs(urlsplit(location).query)["link"][0]
    done = pf.lti.client.post(
        urlsplit(location).path,
        query_string={"link": link_row},
        data={"lt": token, "goal": "", "work": "", "reflection": text},
    )
    assert done.status_code == 302
    return text_of(pf.lti.client.get(done.headers["Location"]))


def test_canvas_reposts_do_not_make_new_attempts(
    pf: Portfolio, app: Flask, placed: Placement
) -> None:
    """Canvas makes every score without its extension a new submission attempt; on an
    assignment allowing one attempt the second reflection's score would be refused (422)."""
    _as_canvas(app)
    state = pf.lti.state
    state.update_line_item(IED, placed.item_id, allowed_attempts=1)
    student = _student(pf)
    assert GRADEBOOK_UPDATED in _reflect(pf, student.sub, placed)
    assert GRADEBOOK_UPDATED in _reflect(pf, student.sub, placed, REFLECTION + " Again.")
    first, second = state.scores(placed.item_id)
    assert first.submission is not None and second.submission is not None
    assert first.submission["new_submission"] is True
    assert first.submission["submission_type"] == "external_tool"
    assert "submitted_at" in first.submission
    assert "prioritize_non_tool_grade" not in first.submission  # a teacher's "missing" 0 goes
    assert second.submission == {
        "new_submission": False,
        "submission_type": "external_tool",
        "prioritize_non_tool_grade": True,
    }
    assert state.attempts(placed.item_id, student.sub) == 1
    assert _count(app, AuditEvent, AuditEvent.action == "reflection.score_posted") == 2
    # Another student's first reflection is their own first attempt.
    other = _student(pf, 1)
    assert GRADEBOOK_UPDATED in _reflect(pf, other.sub, placed)
    assert state.scores(placed.item_id)[-1].submission["new_submission"] is True


def test_canvas_attempts_used_up_elsewhere_still_take_the_score(
    pf: Portfolio, app: Flask, placed: Placement
) -> None:
    _as_canvas(app)
    state = pf.lti.state
    state.update_line_item(IED, placed.item_id, allowed_attempts=1)
    student = _student(pf)
    item = state.get_line_item(IED, placed.item_id)
    state.record_score(
        item,
        Score(
            line_item_id=item.id,
            user_id=student.sub,
            score_given=None,
            score_maximum=None,
            activity_progress="Submitted",
            grading_progress="NotReady",
            timestamp="2025-01-01T00:00:00Z",
        ),
    )  # submitted in Canvas
    assert GRADEBOOK_UPDATED in _reflect(pf, student.sub, placed)
    score = state.scores(placed.item_id)[-1]
    assert score.score_given == 10.0 and score.submission["new_submission"] is False
    assert state.attempts(placed.item_id, student.sub) == 1


def test_other_platforms_get_no_canvas_extension(
    pf: Portfolio, app: Flask, placed: Placement
) -> None:
    student = _student(pf)
    assert GRADEBOOK_UPDATED in _reflect(pf, student.sub, placed)
    (score,) = pf.lti.state.scores(placed.item_id)
    assert score.submission is None

"""A teacher attaches an assignment as evidence to several students' goals (bulk)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, func, select, update

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Enrollment, EnrollmentStatus
from lti_tool.plans.models import Plan
from lti_tool.portfolio.models import Evidence, EvidenceKind
from tests.portfolio.conftest import ALG, BIO, Portfolio, text_of

TEACHER = "sbx-user-0001"  # teaches Biology 1
ALG_TEACHER = "sbx-user-0002"


def _evidence(app: Flask) -> list[Evidence]:
    with app.app_context():
        rows = list(db.session.execute(select(Evidence).order_by(Evidence.id)).scalars())
        db.session.expunge_all()
        return rows


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.execute(select(func.count()).select_from(model)).scalar_one())


def _audits(app: Flask, action: str) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            ).scalar_one()
        )


def _ready(pf: Portfolio) -> tuple[str, int, list[Any]]:
    """Teacher launched into Biology 1, roster and grades synced; returns token, course id,
    the first three students (sandbox users)."""
    token = pf.launch(TEACHER, BIO)
    pf.sync(BIO)
    return token, pf.course_id(BIO), pf.students(BIO)[:3]


def test_teacher_attaches_to_three_students_and_snapshot_survives_the_lms(
    pf: Portfolio, app: Flask
) -> None:
    token, course_id, (a, b, c) = _ready(pf)
    goal_a = pf.add_goals(a.sub, "Become a marine biologist", "Pass AP Biology")[0]
    goal_b = pf.add_goals(b.sub, "Work in a hospital lab")[0]
    ids = {u.sub: pf.person_id(u.sub) for u in (a, b, c)}
    assignment_id, title, maximum = pf.assignment(BIO, "1")
    original_score = pf.lti.state.district.results["1"][a.sub].result_score

    page = pf.lti.client.get(f"/portfolio/courses/{course_id}/attach", query_string={"lt": token})
    assert page.status_code == 200
    html = text_of(page)
    assert title in html and a.name in html and "Become a marine biologist" in html
    assert "The plan in general" in html

    form = {
        "lt": token,
        "assignment": str(assignment_id),
        "student": [str(ids[a.sub]), str(ids[b.sub]), str(ids[c.sub])],
        f"goal-{ids[a.sub]}": str(goal_a),
        f"goal-{ids[b.sub]}": str(goal_b),
        f"goal-{ids[c.sub]}": "",
        "note": "Strong lab technique.",
    }
    done = pf.lti.client.post(f"/portfolio/courses/{course_id}/attach", data=form)
    assert done.status_code == 302
    assert "attached to 3 students" in text_of(pf.lti.client.get(done.headers["Location"]))

    rows = _evidence(app)
    assert len(rows) == 3
    by_student = {e.student_id: e for e in rows}
    first = by_student[ids[a.sub]]
    assert first.kind == EvidenceKind.ASSIGNMENT and first.attached_as == "teacher"
    assert first.attached_by == pf.person_id(TEACHER) and first.course_id == course_id
    assert first.goal_id == goal_a and by_student[ids[b.sub]].goal_id == goal_b
    assert by_student[ids[c.sub]].goal_id is None  # "the plan in general"
    assert first.snapshot_title == title and first.snapshot_score == original_score
    assert first.snapshot_score_maximum == maximum and first.note == "Strong lab technique."
    assert first.snapshot_extra["source"] == "ags"
    assert first.snapshot_extra["external_id"] == pf.lti.state.line_item_url(BIO, "1")
    assert first.snapshot_extra["course_title"] == pf.course(BIO).title
    assert first.assignment_id == assignment_id
    with app.app_context():  # c had no plan: one was created
        assert db.session.execute(select(Plan).where(Plan.person_id == ids[c.sub])).scalar_one()
    assert _audits(app, "evidence.create") == 3

    # The same assignment to the same goals again: refreshed, not duplicated.
    again = pf.lti.client.post(f"/portfolio/courses/{course_id}/attach", data=form)
    assert "refreshed for 3 students" in text_of(pf.lti.client.get(again.headers["Location"]))
    assert len(_evidence(app)) == 3
    assert _audits(app, "evidence.update") == 3

    # The LMS changes: a new score and a renamed item, then the item is deleted.
    item = pf.lti.state.district.line_items[BIO]["1"]
    result = pf.lti.state.district.results["1"][a.sub]
    saved_label, saved_score = item.label, result.result_score
    try:
        result.result_score = 1.0
        item.label = "Renamed in the LMS"
        pf.sync(BIO)
        del pf.lti.state.district.line_items[BIO]["1"]
        pf.sync(BIO)
    finally:
        item.label, result.result_score = saved_label, saved_score
        pf.lti.state.district.line_items[BIO]["1"] = item
    with app.app_context():
        from lti_tool.grades.models import Assignment, Grade

        row = db.session.get(Assignment, assignment_id)
        assert row is not None and row.active is False and row.title == "Renamed in the LMS"
        assert (
            db.session.execute(
                select(Grade.score).where(
                    Grade.assignment_id == assignment_id, Grade.person_id == ids[a.sub]
                )
            ).scalar_one()
            == 1.0
        )
    kept = {e.student_id: e for e in _evidence(app)}[ids[a.sub]]
    assert kept.snapshot_title == title and kept.snapshot_score == original_score

    student_token = pf.launch(a.sub, BIO)
    mine = text_of(pf.lti.client.get("/portfolio/me", query_string={"lt": student_token}))
    assert title in mine and f"{original_score:g} / {maximum:g}" in mine
    assert "Renamed in the LMS" not in mine and "Strong lab technique." in mine
    assert "Become a marine biologist" in mine


def test_select_all_attaches_to_every_active_learner(pf: Portfolio, app: Flask) -> None:
    token, course_id, _ = _ready(pf)
    assignment_id, _, _ = pf.assignment(BIO, "2")
    done = pf.lti.client.post(
        f"/portfolio/courses/{course_id}/attach",
        data={"lt": token, "assignment": str(assignment_id), "all": "1"},
    )
    assert done.status_code == 302
    assert len(_evidence(app)) == len(pf.students(BIO))


def test_attach_page_loads_in_a_fixed_number_of_queries(pf: Portfolio, app: Flask) -> None:
    token, course_id, (a, b, _) = _ready(pf)
    pf.add_goals(a.sub, "Goal one", "Goal two")
    pf.add_goals(b.sub, "Goal three")
    url = f"/portfolio/courses/{course_id}/attach"

    def queries() -> int:
        count = 0

        def counter(*_args: Any) -> None:
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert pf.lti.client.get(url, query_string={"lt": token}).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    full = queries()
    with app.app_context():  # most of the class leaves; two students get more goals
        keep = pf.person_id(a.sub)
        db.session.execute(
            update(Enrollment)
            .where(
                Enrollment.course_id == course_id,
                Enrollment.role == "student",
                Enrollment.person_id != keep,
            )
            .values(status=EnrollmentStatus.INACTIVE)
        )
        db.session.commit()
    pf.add_goals(a.sub, "Goal four", "Goal five", "Goal six")
    small = queries()
    assert full == small
    # 13 since the security headers read the tenant's LMS origins for frame-ancestors; 14
    # since the navigation shows the unread "What's new" count.
    assert full <= 14


def test_teacher_of_another_course_is_refused(pf: Portfolio, app: Flask) -> None:
    _token, course_id, (a, _, _) = _ready(pf)
    other = pf.launch(ALG_TEACHER, ALG)
    url = f"/portfolio/courses/{course_id}/attach"
    assert pf.lti.client.get(url, query_string={"lt": other}).status_code == 403
    assignment_id, _, _ = pf.assignment(BIO, "1")
    response = pf.lti.client.post(
        url,
        data={"lt": other, "assignment": str(assignment_id), "student": str(pf.person_id(a.sub))},
    )
    assert response.status_code == 403
    assert _count(app, Evidence) == 0


def test_student_not_in_the_class_is_refused(pf: Portfolio, app: Flask) -> None:
    token, course_id, (a, _, _) = _ready(pf)
    outsider = next(u for u in pf.students(ALG) if u not in pf.students(BIO))
    pf.launch(outsider.sub, ALG)
    assignment_id, _, _ = pf.assignment(BIO, "1")
    response = pf.lti.client.post(
        f"/portfolio/courses/{course_id}/attach",
        data={
            "lt": token,
            "assignment": str(assignment_id),
            "student": [str(pf.person_id(a.sub)), str(pf.person_id(outsider.sub))],
        },
    )
    assert response.status_code == 403
    assert _count(app, Evidence) == 0


def test_inactive_enrollment_is_refused(pf: Portfolio, app: Flask) -> None:
    token, course_id, (a, b, _) = _ready(pf)
    pf.lti.state.set_enrollment_status(BIO, b.sub, "Inactive")
    try:
        pf.sync(BIO)
    finally:
        pf.lti.state.set_enrollment_status(BIO, b.sub, "Active")
    page = text_of(
        pf.lti.client.get(f"/portfolio/courses/{course_id}/attach", query_string={"lt": token})
    )
    assert a.name in page and b.name not in page
    assignment_id, _, _ = pf.assignment(BIO, "1")
    response = pf.lti.client.post(
        f"/portfolio/courses/{course_id}/attach",
        data={
            "lt": token,
            "assignment": str(assignment_id),
            "student": [str(pf.person_id(a.sub)), str(pf.person_id(b.sub))],
        },
    )
    assert response.status_code == 403
    assert _count(app, Evidence) == 0


def test_student_cannot_open_the_attach_page(pf: Portfolio) -> None:
    _token, course_id, (a, _, _) = _ready(pf)
    student = pf.launch(a.sub, BIO)
    assert (
        pf.lti.client.get(
            f"/portfolio/courses/{course_id}/attach", query_string={"lt": student}
        ).status_code
        == 403
    )


def test_bad_attach_forms_save_nothing(pf: Portfolio, app: Flask) -> None:
    token, course_id, (a, b, _) = _ready(pf)
    goal_b = pf.add_goals(b.sub, "Someone else's goal")[0]
    pf.add_goals(a.sub, "My goal")
    assignment_id, _, _ = pf.assignment(BIO, "1")
    url = f"/portfolio/courses/{course_id}/attach"
    a_id = str(pf.person_id(a.sub))
    cases = [
        (
            {"assignment": str(assignment_id), "student": a_id, f"goal-{a_id}": str(goal_b)},
            "not one of their goals",
        ),
        ({"assignment": str(assignment_id)}, "Tick at least one student"),
        ({"assignment": "", "student": a_id}, "Choose one of this class"),
        ({"assignment": "999999", "student": a_id}, "Choose one of this class"),
        # Not ids: "²".isdigit() is true but int("²") fails; 20 digits overflow a column.
        ({"assignment": str(assignment_id), "student": "²"}, "Tick students from the list"),
        ({"assignment": str(assignment_id), "student": "9" * 20}, "Tick students from the list"),
        (
            {"assignment": str(assignment_id), "student": a_id, f"goal-{a_id}": "²"},
            "Choose one of the listed goals",
        ),
        (
            {"assignment": str(assignment_id), "student": a_id, f"goal-{a_id}": "9" * 20},
            "Choose one of the listed goals",
        ),
    ]
    for data, message in cases:
        response = pf.lti.client.post(url, data={"lt": token, **data})
        assert response.status_code == 400, data
        assert message in text_of(response)
    assert _count(app, Evidence) == 0
    without_token = pf.lti.client.post(
        url, data={"assignment": str(assignment_id), "student": a_id}
    )
    assert without_token.status_code == 401

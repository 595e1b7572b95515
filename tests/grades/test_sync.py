"""Roster and grade sync through the sandbox LMS: paging, faults, retries, idempotence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.grades import sync
from lti_tool.grades.models import Assignment, Grade, SyncKind, SyncRun, SyncStatus
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role
from tests.lti_driver import LtiDriver, token_of


@pytest.fixture
def taught(lti: LtiDriver, app: Flask) -> Iterator[dict[str, Any]]:
    """A teacher has launched into Biology 1; yields ids, the token and the sandbox course."""
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    response = lti.launch(teacher, course)
    token = token_of(response)
    with app.app_context():
        course_id = db.session.execute(select(Course.id)).scalar_one()
    original_page_size = lti.state.page_size
    yield {"course_id": course_id, "token": token, "course": course, "teacher": teacher}
    lti.state.page_size = original_page_size
    lti.state.clear_faults()


def _run(app: Flask, course_id: int, kind: SyncKind, **kwargs: Any) -> SimpleNamespace:
    """Run one sync and return what it recorded."""
    with app.app_context():
        course = db.session.get(Course, course_id)
        run: SyncRun = sync.create_run(course, kind, requested_by=None)
        run = sync.execute_run(run.id, **kwargs)
        return SimpleNamespace(status=run.status, counts=dict(run.counts), error=run.error)


def _students(app: Flask, course_id: int, status: EnrollmentStatus) -> set[str]:
    with app.app_context():
        return set(
            db.session.execute(
                select(Person.sub)
                .join(Enrollment, Enrollment.person_id == Person.id)
                .where(
                    Enrollment.course_id == course_id,
                    Enrollment.role == Role.STUDENT,
                    Enrollment.status == status,
                )
            ).scalars()
        )


def test_sync_button_pulls_roster_and_grades(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    response = lti.client.post(f"/courses/{taught['course_id']}/sync", data={"lt": taught["token"]})
    assert response.status_code == 302
    page = lti.client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Up to date" in html
    students = lti.state.district.students_of(taught["course"].context_id)
    assert len(_students(app, taught["course_id"], EnrollmentStatus.ACTIVE)) == len(students)
    for student in students:
        assert student.name in html
    with app.app_context():
        items = lti.state.district.line_items[taught["course"].context_id]
        assert db.session.execute(select(func.count()).select_from(Assignment)).scalar() == len(
            items
        )
        assert db.session.execute(select(func.count()).select_from(Grade)).scalar() == len(
            items
        ) * len(students)
        for item in items.values():
            assert item.label in html
    assert "Roster:</strong>\n      synced" in html


def test_sync_without_token_is_refused(lti: LtiDriver, taught: dict[str, Any]) -> None:
    """The launch token is the CSRF token: a cross-site form without it fails."""
    response = lti.client.post(f"/courses/{taught['course_id']}/sync")
    assert response.status_code == 401


def test_student_cannot_sync(lti: LtiDriver, taught: dict[str, Any]) -> None:
    student = lti.state.district.students_of(taught["course"].context_id)[0]
    token = token_of(lti.launch(student, taught["course"]))
    response = lti.client.post(f"/courses/{taught['course_id']}/sync", data={"lt": token})
    assert response.status_code == 403


def test_roster_sync_is_idempotent(app: Flask, taught: dict[str, Any]) -> None:
    first = _run(app, taught["course_id"], SyncKind.ROSTER)
    assert first.status == SyncStatus.SUCCEEDED
    assert first.counts["created"] > 0
    second = _run(app, taught["course_id"], SyncKind.ROSTER)
    assert second.counts["created"] == 0 and second.counts["updated"] == 0
    assert second.counts["deactivated"] == 0
    assert second.counts["seen"] == first.counts["seen"]


def test_roster_pages_follow_link_next(lti: LtiDriver, app: Flask, taught: dict[str, Any]) -> None:
    lti.state.page_size = 3
    run = _run(app, taught["course_id"], SyncKind.ROSTER)
    assert run.status == SyncStatus.SUCCEEDED
    roster = lti.state.members(taught["course"].context_id)
    assert run.counts["pages"] == -(-len(roster) // 3)
    assert len(_students(app, taught["course_id"], EnrollmentStatus.ACTIVE)) == len(
        lti.state.district.students_of(taught["course"].context_id)
    )


@pytest.mark.parametrize("status", ["Inactive", "Deleted"])
def test_members_no_longer_active_are_deactivated_not_deleted(
    lti: LtiDriver, app: Flask, taught: dict[str, Any], status: str
) -> None:
    ctx = taught["course"].context_id
    student = lti.state.district.students_of(ctx)[1]
    assert _run(app, taught["course_id"], SyncKind.ROSTER).status == SyncStatus.SUCCEEDED
    lti.state.set_enrollment_status(ctx, student.sub, status)
    try:
        run = _run(app, taught["course_id"], SyncKind.ROSTER)
    finally:
        lti.state.set_enrollment_status(ctx, student.sub, "Active")
    assert run.status == SyncStatus.SUCCEEDED
    assert student.sub in _students(app, taught["course_id"], EnrollmentStatus.INACTIVE)
    with app.app_context():
        assert db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()


def test_failed_page_keeps_what_was_seen_and_deactivates_nothing(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    assert _run(app, taught["course_id"], SyncKind.ROSTER).status == SyncStatus.SUCCEEDED
    before = _students(app, taught["course_id"], EnrollmentStatus.ACTIVE)
    lti.state.page_size = 5
    path = urlsplit(lti.state.memberships_url(taught["course"].context_id)).path

    def fail_after_first_page(_: int) -> None:
        lti.state.inject_fault(path, 500, count=10)

    run = _run(app, taught["course_id"], SyncKind.ROSTER, progress=fail_after_first_page)
    assert run.status == SyncStatus.PARTIAL
    assert "Nothing that was already stored was removed" in (run.error or "")
    assert _students(app, taught["course_id"], EnrollmentStatus.ACTIVE) == before


def test_429_with_retry_after_is_retried(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    path = urlsplit(lti.state.memberships_url(taught["course"].context_id)).path
    lti.state.inject_fault(path, 429, count=1, retry_after=1)
    import time

    start = time.monotonic()
    run = _run(app, taught["course_id"], SyncKind.ROSTER)
    assert time.monotonic() - start >= 0.9  # waited as the LMS asked
    assert run.status == SyncStatus.SUCCEEDED
    statuses = [r.status for r in lti.state.request_log if r.path == path]
    assert statuses[-2:] == [429, 200]


def test_lms_500_shows_a_clear_message_on_the_class_page(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    path = urlsplit(lti.state.memberships_url(taught["course"].context_id)).path
    lti.state.inject_fault(path, 500, count=10)
    response = lti.client.post(f"/courses/{taught['course_id']}/sync", data={"lt": taught["token"]})
    page = lti.client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "did not complete" in html and "answered 500" in html
    assert "stopped part-way" in html


def test_grades_sync_reads_every_results_page(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    assert _run(app, taught["course_id"], SyncKind.ROSTER).status == SyncStatus.SUCCEEDED
    lti.state.page_size = 4  # 20 results per line item -> 5 pages each
    run = _run(app, taught["course_id"], SyncKind.GRADES)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    ctx = taught["course"].context_id
    items = lti.state.district.line_items[ctx]
    students = lti.state.district.students_of(ctx)
    assert run.counts["results_seen"] == len(items) * len(students)
    with app.app_context():
        grade = db.session.execute(select(Grade).limit(1)).scalar_one()
        assert grade.score is not None and grade.score_maximum
    again = _run(app, taught["course_id"], SyncKind.GRADES)
    assert again.counts["results_created"] == 0 and again.counts["results_updated"] == 0


def test_line_items_removed_in_lms_become_inactive(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    ctx = taught["course"].context_id
    assert _run(app, taught["course_id"], SyncKind.GRADES).status == SyncStatus.SUCCEEDED
    items = lti.state.district.line_items[ctx]
    item_id, item = next(iter(items.items()))
    del items[item_id]
    try:
        run = _run(app, taught["course_id"], SyncKind.GRADES)
    finally:
        items[item_id] = item
    assert run.counts["deactivated"] == 1
    with app.app_context():
        row = db.session.execute(
            select(Assignment).where(Assignment.title == item.label)
        ).scalar_one()
        assert row.active is False


def test_service_token_is_cached(lti: LtiDriver, app: Flask, taught: dict[str, Any]) -> None:
    before = sum(1 for r in lti.state.request_log if r.path == "/token")
    _run(app, taught["course_id"], SyncKind.ROSTER)
    _run(app, taught["course_id"], SyncKind.ROSTER)
    assert sum(1 for r in lti.state.request_log if r.path == "/token") - before == 1


def test_revoked_token_is_replaced_once(lti: LtiDriver, app: Flask, taught: dict[str, Any]) -> None:
    _run(app, taught["course_id"], SyncKind.ROSTER)
    lti.state.revoke_access_tokens()
    assert _run(app, taught["course_id"], SyncKind.ROSTER).status == SyncStatus.SUCCEEDED


def test_teacher_launch_syncs_a_stale_roster(lti: LtiDriver, app: Flask) -> None:
    app.config["ILP_SYNC_ON_LAUNCH"] = True
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    page_response = lti.launch(teacher, course)
    html = lti.client.get(page_response.headers["Location"]).get_data(as_text=True)
    for student in lti.state.district.students_of(course.context_id):
        assert student.name in html


def test_cli_sync_prints_counts(runner: Any, taught: dict[str, Any]) -> None:
    result = runner.invoke(args=["sync", "all", "--course", str(taught["course_id"])])
    assert result.exit_code == 0, result.output
    assert "roster: seen" in result.output and "grades: seen" in result.output


def test_cli_sync_unknown_course(runner: Any) -> None:
    result = runner.invoke(args=["sync", "roster", "--course", "999"])
    assert result.exit_code == 2


def _flip_teacher_to_learner(lti: LtiDriver, app: Flask, taught: dict[str, Any]) -> dict[Role, str]:
    ctx = taught["course"].context_id
    teacher = taught["teacher"]
    lti.state.set_enrollment_roles(
        ctx, teacher.sub, ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    )
    try:
        assert _run(app, taught["course_id"], SyncKind.ROSTER).status == SyncStatus.SUCCEEDED
    finally:
        lti.state.set_enrollment_roles(
            ctx, teacher.sub, ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
        )
    with app.app_context():
        return dict(
            db.session.execute(
                select(Enrollment.role, Enrollment.status)
                .join(Person)
                .where(Person.sub == teacher.sub, Enrollment.course_id == taught["course_id"])
            ).all()
        )


def test_roster_never_undoes_a_recent_launch(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    """NRPS listing a just-launched Instructor as Learner (Moodle's non-editing teacher)
    neither removes the teacher role nor adds a student one."""
    assert _run(app, taught["course_id"], SyncKind.ROSTER).status == SyncStatus.SUCCEEDED
    rows = _flip_teacher_to_learner(lti, app, taught)
    assert rows[Role.TEACHER] == EnrollmentStatus.ACTIVE
    assert Role.STUDENT not in rows


def test_role_the_lms_no_longer_lists_is_deactivated(
    lti: LtiDriver, app: Flask, taught: dict[str, Any]
) -> None:
    """Once the launch is older than a session, a role NRPS no longer lists is dropped; a
    person whose latest launch here said Instructor is still not made a student."""
    assert _run(app, taught["course_id"], SyncKind.ROSTER).status == SyncStatus.SUCCEEDED
    with app.app_context():
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.course_id == taught["course_id"])
            .values(asserted_at=utcnow() - dt.timedelta(hours=3))
        )
        db.session.commit()
    rows = _flip_teacher_to_learner(lti, app, taught)
    assert rows[Role.TEACHER] == EnrollmentStatus.INACTIVE
    assert Role.STUDENT not in rows

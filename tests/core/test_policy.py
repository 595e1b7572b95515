"""Access as a role x action x tenant matrix, over real launches and enrollments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, update

from lti_tool import policy
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.grades import sync
from lti_tool.grades.models import SyncKind
from lti_tool.models import Course, Enrollment, Person
from lti_tool.policy import Action
from lti_tool.sandbox import create_sandbox_app, get_state, run_in_thread
from tests.browser_client import actor_of
from tests.conftest import TOOL_URL, free_port
from tests.lti_driver import LtiDriver, token_of

A = Action
# Who may do what to the plan of student sbx-user-0007 (Biology 1 and Algebra II).
EXPECTED: dict[str, set[Action]] = {
    "self": {
        A.READ_PLAN,
        A.READ_ACCOMMODATIONS,
        A.EDIT_PLAN,
        A.EXPORT_PLAN,
        A.REPLY_PLAN,
        A.SUBMIT_PLAN,
    },
    "classmate": set(),
    "teacher_of_student": {A.READ_PLAN, A.COMMENT_PLAN, A.REPLY_PLAN},
    "teacher_elsewhere": set(),
    "parent": {
        A.READ_PLAN,
        A.READ_ACCOMMODATIONS,
        A.COMMENT_PLAN,
        A.REPLY_PLAN,
        A.SIGN_PLAN,
        A.EXPORT_PLAN,
    },
    "counselor": {
        A.READ_PLAN,
        A.READ_ACCOMMODATIONS,
        A.COMMENT_PLAN,
        A.REPLY_PLAN,
        A.REVIEW_PLAN,
        A.RETURN_PLAN,
        A.EXPORT_PLAN,
    },
    "admin": {
        A.READ_PLAN,
        A.READ_ACCOMMODATIONS,
        A.COMMENT_PLAN,
        A.REPLY_PLAN,
        A.REVIEW_PLAN,
        A.RETURN_PLAN,
        A.EXPORT_PLAN,
        A.DELETE_PLAN,
    },
    "counselor_other_tenant": set(),
}
PLAN_ACTIONS = [
    A.READ_PLAN,
    A.READ_ACCOMMODATIONS,
    A.EDIT_PLAN,
    A.COMMENT_PLAN,
    A.REPLY_PLAN,
    A.REVIEW_PLAN,
    A.SUBMIT_PLAN,
    A.RETURN_PLAN,
    A.SIGN_PLAN,
    A.EXPORT_PLAN,
    A.DELETE_PLAN,
]


@pytest.fixture
def other_tenant(app: Flask) -> Iterator[LtiDriver]:
    """A second LMS registration (another tenant) served by a second sandbox."""
    from lti_tool.demo import register_sandbox
    from lti_tool.launch import keys

    port = free_port()
    sandbox = create_sandbox_app(
        {
            "SANDBOX_BASE_URL": f"http://127.0.0.1:{port}",
            "SANDBOX_TOOL_URL": TOOL_URL,
            "SANDBOX_CLIENT_ID": "lodestar-other-district",
        }
    )
    server, _ = run_in_thread(sandbox, "127.0.0.1", port)
    register_sandbox(app, sandbox)
    with app.app_context():
        get_state(sandbox).tool_jwks = keys.jwks()
    yield LtiDriver(app.test_client(), app, sandbox)
    server.shutdown()


@pytest.fixture
def tokens(lti: LtiDriver, other_tenant: LtiDriver, app: Flask) -> dict[str, str]:
    d = lti.state.district
    student = d.users["sbx-user-0007"]
    bio = d.courses["sbx-course-bio1"]
    ied = d.courses["sbx-course-ied"]
    classmate = next(s for s in d.students_of(bio.context_id) if s.sub != student.sub)
    return {
        "self": token_of(lti.launch(student, bio)),
        "classmate": token_of(lti.launch(classmate, bio)),
        "teacher_of_student": token_of(lti.launch(d.teacher_of(bio.context_id), bio)),
        "teacher_elsewhere": token_of(lti.launch(d.teacher_of(ied.context_id), ied)),
        "parent": token_of(lti.launch(lti.person("parent"), bio)),
        "counselor": token_of(lti.launch(lti.person("counselor"), bio)),
        "admin": token_of(lti.launch(lti.person("admin"), bio)),
        "counselor_other_tenant": token_of(other_tenant.launch(other_tenant.person("counselor"))),
    }


def _subject(app: Flask) -> Person:
    # Both tenants have a course "sbx-course-bio1"; only the first has launched the student.
    return db.session.execute(
        select(Person).where(
            Person.sub == "sbx-user-0007",
            Person.tenant_id.in_(
                select(Course.tenant_id).where(Course.context_id == "sbx-course-bio1")
            ),
        )
    ).scalar_one()


def test_plan_access_matrix(app: Flask, tokens: dict[str, str]) -> None:
    with app.test_request_context():
        student = _subject(app)
        got = {
            who: {
                action
                for action in PLAN_ACTIONS
                if policy.allowed(actor_of(app, token), action, student)
            }
            for who, token in tokens.items()
        }
    assert got == EXPECTED


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_plan_page_follows_the_matrix(
    app: Flask, lti: LtiDriver, tokens: dict[str, str], who: str
) -> None:
    with app.app_context():
        student_id = _subject(app).id
    response = lti.client.get(f"/plans/students/{student_id}", query_string={"lt": tokens[who]})
    if who == "counselor_other_tenant":
        assert response.status_code == 404  # another tenant's records do not exist for them
    elif A.READ_PLAN in EXPECTED[who]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_class_access_matrix(app: Flask, tokens: dict[str, str]) -> None:
    with app.test_request_context():
        bio = (
            db.session.execute(select(Course).where(Course.context_id == "sbx-course-bio1"))
            .scalars()
            .first()
        )
        rights = {
            who: {
                a
                for a in (A.VIEW_CLASS, A.SYNC_CLASS, A.TAG_COURSE, A.VIEW_COURSE_AS_STUDENT)
                if policy.allowed(actor_of(app, t), a, bio)
            }
            for who, t in tokens.items()
        }
    assert rights["teacher_of_student"] == {A.VIEW_CLASS, A.SYNC_CLASS, A.TAG_COURSE}
    assert rights["self"] == rights["classmate"] == {A.VIEW_COURSE_AS_STUDENT}
    for who in ("teacher_elsewhere", "parent", "counselor", "admin", "counselor_other_tenant"):
        assert rights[who] == set(), who


def test_teacher_loses_access_when_student_leaves_the_course(
    app: Flask, lti: LtiDriver, tokens: dict[str, str]
) -> None:
    """Rights come from the enrollment at request time, not from the launch."""
    with app.app_context():
        student_id = _subject(app).id
        bio = (
            db.session.execute(select(Course).where(Course.context_id == "sbx-course-bio1"))
            .scalars()
            .first()
        )
    url = f"/plans/students/{student_id}"
    teacher = {"lt": tokens["teacher_of_student"]}
    assert lti.client.get(url, query_string=teacher).status_code == 200
    lti.state.set_enrollment_status("sbx-course-bio1", "sbx-user-0007", "Deleted")
    try:
        with app.app_context():
            # The student's own launch outranks the roster for a session's life; this is
            # the day after, when their session is long over.
            db.session.execute(
                update(Enrollment)
                .where(Enrollment.course_id == bio.id)
                .values(asserted_at=utcnow() - dt.timedelta(days=1))
            )
            db.session.commit()
            course = db.session.get(Course, bio.id)
            [run] = sync.start_sync(course, [SyncKind.ROSTER])
            assert run.status == "succeeded"
        assert lti.client.get(url, query_string=teacher).status_code == 403
    finally:
        lti.state.set_enrollment_status("sbx-course-bio1", "sbx-user-0007", "Active")


def test_attach_evidence_needs_both_enrollments(app: Flask, tokens: dict[str, str]) -> None:
    with app.test_request_context():
        student = _subject(app)
        bio = (
            db.session.execute(select(Course).where(Course.context_id == "sbx-course-bio1"))
            .scalars()
            .first()
        )
        ied = (
            db.session.execute(select(Course).where(Course.context_id == "sbx-course-ied"))
            .scalars()
            .first()
        )
        teacher = actor_of(app, tokens["teacher_of_student"])
        assert policy.allowed(teacher, A.ATTACH_EVIDENCE, (bio, student))
        elsewhere = actor_of(app, tokens["teacher_elsewhere"])
        assert not policy.allowed(elsewhere, A.ATTACH_EVIDENCE, (ied, student))
        assert not policy.allowed(elsewhere, A.ATTACH_EVIDENCE, (bio, student))


def test_other_tenant_cannot_see_class(lti: LtiDriver, app: Flask, tokens: dict[str, str]) -> None:
    with app.app_context():
        bio_id = (
            db.session.execute(select(Course.id).where(Course.context_id == "sbx-course-bio1"))
            .scalars()
            .first()
        )
    response = lti.client.get(
        f"/courses/{bio_id}", query_string={"lt": tokens["counselor_other_tenant"]}
    )
    assert response.status_code == 404


def test_activity_picker_needs_an_active_teaching_enrollment(lti: LtiDriver, app: Flask) -> None:
    from sqlalchemy import update

    from lti_tool.models import Enrollment, EnrollmentStatus
    from tests.lti_driver import DEEP_LINK

    teacher = lti.person("teacher")
    response = lti.launch(teacher, lti.course_of(teacher), message_type=DEEP_LINK)
    assert response.status_code == 302
    picker = response.headers["Location"]
    assert lti.client.get(picker).status_code == 200
    with app.app_context():
        db.session.execute(update(Enrollment).values(status=EnrollmentStatus.INACTIVE))
        db.session.commit()
    assert lti.client.get(picker).status_code == 403

"""Deletion on request leaves nothing of the student; the export zip holds everything;
bulk pages record which students they showed.

The leftover check scans every table of the schema (``db.metadata``) and the shared store,
so a table added later is covered without touching this test.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool import audit
from lti_tool.extensions import db
from lti_tool.grades import sync
from lti_tool.grades.models import Assignment, Grade, LmsCredential, SyncKind, SyncRun
from lti_tool.models import AuditEvent, Course, Enrollment, Mentorship, Person
from lti_tool.plans.viewers import viewers_of
from lti_tool.portfolio.models import (
    ReflectionReview,
    ReflectionScoring,
    ReflectionSetup,
    StoredFile,
)
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_export import add_lms_records
from tests.plans.test_plan_pages import (
    SECRET_NEED,
    build_plan,
    course,
    get,
    launch,
    person_id,
    post,
)

GRADE_COMMENT = "Lovely lab write-up, but check your units next time"
REVIEW_COMMENT = "Your reflection on the microscope work shows real growth"
PRIVATE_URL = "https://lms.example/courses/1/assignments/9/submissions/4242?private=tok-xyz"
FILE_BYTES = b"%PDF-1.7 unique work sample bytes 7f3a"


def _add_grade_records(app: Flask, sid: int) -> None:
    """A graded submission with a teacher comment, a REST credential and a transcript sync,
    as grade sync and the Canvas connection write them; plus an old audit event holding the
    student's private URL (attack 11)."""
    with app.app_context():
        person = db.session.get(Person, sid)
        assert person is not None
        bio = db.session.execute(
            select(Course).where(Course.context_id == "sbx-course-bio1")
        ).scalar_one()
        assignment = Assignment(
            course_id=bio.id,
            source="ags",
            title="Cell Structure Lab",
            external_id="https://lms.example/lineitems/9",
            score_maximum=20.0,
        )
        db.session.add(assignment)
        db.session.flush()
        db.session.add_all(
            [
                Grade(
                    assignment_id=assignment.id,
                    person_id=sid,
                    score=18.0,
                    score_maximum=20.0,
                    comment=GRADE_COMMENT,
                    url=PRIVATE_URL,
                    state="graded",
                ),
                LmsCredential(
                    tenant_id=person.tenant_id,
                    person_id=sid,
                    kind="canvas",
                    access_token_encrypted="encrypted-token-of-the-student",
                ),
                SyncRun(
                    tenant_id=person.tenant_id,
                    person_id=sid,
                    kind=SyncKind.CANVAS_TRANSCRIPT,
                    status="succeeded",
                ),
            ]
        )
        # A teacher's score and comment on the student's plan reflection.
        setup = ReflectionSetup(
            tenant_id=person.tenant_id,
            course_id=bio.id,
            title="Plan reflection",
            points=10.0,
            scoring=ReflectionScoring.RUBRIC,
        )
        db.session.add(setup)
        db.session.flush()
        db.session.add(
            ReflectionReview(
                tenant_id=person.tenant_id,
                activity_id=setup.id,
                student_id=sid,
                level="Thoughtful",
                score=10.0,
                comment=REVIEW_COMMENT,
                scored_at=dt.datetime.now(dt.UTC),
            )
        )
        stored = db.session.execute(
            select(StoredFile).where(StoredFile.owner_id == sid)
        ).scalar_one()
        stored.content = FILE_BYTES
        stored.size = len(FILE_BYTES)
        audit.record(
            "evidence.create",
            tenant_id=person.tenant_id,
            actor_id=sid,
            subject_type="evidence",
            subject_id=None,
            student_id=sid,
            snapshot_url=PRIVATE_URL,
            kind="url",
            counts={"files": 1},
        )
        db.session.commit()


def _secrets(app: Flask, sid: int) -> tuple[set[str], set[bytes]]:
    with app.app_context():
        person = db.session.get(Person, sid)
        assert person is not None and person.name and person.email
        texts = {
            person.name,
            person.email,
            SECRET_NEED,
            GRADE_COMMENT,
            REVIEW_COMMENT,
            PRIVATE_URL,
            "Become a registered nurse",
            "I learned how cells divide.",
            "Volunteer at the clinic",
            "Science fair poster",
            "poster.pdf",
        }
        return texts, {FILE_BYTES}


def _leftovers(app: Flask, texts: set[str], blobs: set[bytes]) -> list[str]:
    """Every (table, column) in the database, and every store key, that still holds one of
    the student's texts or files."""
    folded = {t.casefold() for t in texts}
    found: list[str] = []

    def check(where: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bytes | memoryview):
            data = bytes(value)
            if any(b in data for b in blobs) or any(t.encode() in data.lower() for t in folded):
                found.append(where)
            return
        text = (
            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        ).casefold()
        if any(t in text for t in folded):
            found.append(where)

    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).mappings():
                for column, value in row.items():
                    check(f"{table.name}.{column}", value)
        redis_url = app.config.get("ILP_REDIS_URL")
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter("lodestar:*"):
                check(f"redis {key!r}", client.get(key))
    return found


def test_deletion_leaves_nothing_of_the_student(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    add_lms_records(app, lti, student)
    launch(lti, lti.person("parent"))  # a guardian link to the student
    sid = person_id(app, student)
    _add_grade_records(app, sid)
    texts, blobs = _secrets(app, sid)
    # Before: the launch body (name, email) sits in the store, the texts in their tables.
    before = _leftovers(app, texts, blobs)
    assert any(w.startswith(("short_lived_values", "redis")) for w in before)
    assert {
        "grades.comment",
        "reflection_reviews.comment",
        "stored_files.content",
        "people.name",
        "audit_events.detail",
    } <= set(before)

    admin = launch(lti, lti.person("admin"))
    response = post(lti, admin, f"/plans/students/{sid}/delete", {"confirm_name": student.name})
    assert response.status_code == 302

    assert _leftovers(app, texts, blobs) == []
    with app.app_context():
        tomb = db.session.get(Person, sid)
        assert tomb is not None and tomb.erased_at is not None
        assert (tomb.name, tomb.email, tomb.sis_id, tomb.lms_user_id) == ("", None, None, None)
        for model, column in (
            (Enrollment, Enrollment.person_id),
            (Mentorship, Mentorship.student_id),
            (Grade, Grade.person_id),
            (LmsCredential, LmsCredential.person_id),
            (SyncRun, SyncRun.person_id),
            (ReflectionReview, ReflectionReview.student_id),
        ):
            assert not db.session.execute(select(model).where(column == sid)).first(), model
        # Audit events keep ids and counts, never content.
        event = db.session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "evidence.create",
                AuditEvent.actor_id == sid,
                AuditEvent.subject_id.is_(None),
            )
        ).scalar_one()
        assert event.detail == {"student_id": sid, "kind": "url", "counts": {"files": 1}}
        deleted = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.delete")
        ).scalar_one()
        counts = deleted.detail["counts"]
        assert counts["grades"] == 1 and counts["files"] == 1 and counts["launches"] >= 1
        assert counts["enrollments"] >= 1 and counts["mentorships"] == 1

        # A roster sync before their next launch does not bring them back.
        bio = db.session.execute(
            select(Course).where(Course.context_id == "sbx-course-bio1")
        ).scalar_one()
        sync.sync_roster(bio)
        tomb = db.session.get(Person, sid)
        assert tomb is not None and tomb.name == "" and tomb.email is None
        assert not db.session.execute(select(Enrollment).where(Enrollment.person_id == sid)).first()
    assert _leftovers(app, texts, blobs) == []

    # Their own next launch is a fresh start: the name comes back, the old data does not.
    token = launch(lti, student, course(lti, "bio1"))
    assert "Your plan is empty" in get(lti, token, "/plans/me").get_data(as_text=True)
    with app.app_context():
        back = db.session.get(Person, sid)
        assert back is not None and back.erased_at is None and back.name == student.name


def test_export_zip_holds_json_with_grades_page_and_files(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    add_lms_records(app, lti, student)
    sid = person_id(app, student)
    _add_grade_records(app, sid)
    with app.app_context():
        file_id = db.session.execute(
            select(StoredFile.id).where(StoredFile.owner_id == sid)
        ).scalar_one()

    response = get(lti, token, f"/plans/students/{sid}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == [f"files/{file_id}-poster.pdf", "plan.html", "plan.json"]
    assert archive.read(f"files/{file_id}-poster.pdf") == FILE_BYTES
    document = json.loads(archive.read("plan.json"))
    [grade] = document["grades"]
    assert {
        k: grade[k] for k in ("assignment", "score", "score_maximum", "state", "comment", "url")
    } == {
        "assignment": "Cell Structure Lab",
        "score": 18.0,
        "score_maximum": 20.0,
        "state": "graded",
        "comment": GRADE_COMMENT,
        "url": PRIVATE_URL,
    }
    assert document["goals"] and document["snapshots"] == []
    page = archive.read("plan.html").decode()
    assert "Become a registered nurse" in page and student.name in page
    # The JSON download still works and carries the grades too.
    plain = get(lti, token, f"/plans/students/{sid}/export.json")
    assert plain.status_code == 200 and plain.json["grades"][0]["comment"] == GRADE_COMMENT
    # A teacher may not export; the zip is audited with its file count.
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    assert get(lti, teacher, f"/plans/students/{sid}/export.zip").status_code == 403
    with app.app_context():
        formats = [
            e.detail
            for e in db.session.execute(
                select(AuditEvent).where(AuditEvent.action == "plan.export")
            ).scalars()
        ]
    assert {"format": "zip", "files": 1} in [
        {k: d[k] for k in ("format", "files") if k in d} for d in formats
    ]


def test_viewers_of_answers_who_saw_a_students_plan(lti: LtiDriver, app: Flask) -> None:
    student, other = lti.state.district.students_of("sbx-course-bio1")[:2]
    launch(lti, student, course(lti, "bio1"))
    launch(lti, other, course(lti, "bio1"))
    sid, other_id = person_id(app, student), person_id(app, other)
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    with app.app_context():
        cid = db.session.execute(
            select(Course.id).where(Course.context_id == "sbx-course-bio1")
        ).scalar_one()
    assert get(lti, teacher, f"/courses/{cid}/plans").status_code == 200
    counselor = launch(lti, lti.person("counselor"))
    assert get(lti, counselor, "/plans/caseload").status_code == 200
    assert get(lti, counselor, "/plans/caseload.csv").status_code == 200
    assert get(lti, counselor, f"/plans/students/{other_id}").status_code == 200

    with app.app_context():
        seen = viewers_of(sid)
        teacher_id = person_id(app, lti.person("teacher", 0))
        counselor_id = person_id(app, lti.person("counselor"))
        assert {(v.actor_id, v.action) for v in seen} >= {
            (teacher_id, "relevance.class_view"),
            (counselor_id, "caseload.view"),
            (counselor_id, "caseload.export"),
        }
        # The counselor opened only the other student's plan page.
        assert (counselor_id, "plan.view") not in {(v.actor_id, v.action) for v in seen}
        assert (counselor_id, "plan.view") in {(v.actor_id, v.action) for v in viewers_of(other_id)}
        assert viewers_of(10**9) == []

"""Export (JSON and printable page) and deletion on request, through the sandbox."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades.models import TranscriptEntry
from lti_tool.models import AuditEvent, Course, Person
from lti_tool.plans import programs
from lti_tool.plans.models import (
    CoursePlanEntry,
    Goal,
    Milestone,
    Plan,
    PlanComment,
    PlanItem,
    PlanSnapshot,
    ProgramOfStudy,
)
from lti_tool.portfolio.models import Evidence, StoredFile
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import (
    SECRET_NEED,
    build_plan,
    count,
    course,
    get,
    html,
    launch,
    person_id,
    plan_of,
    post,
)

SECTIONS = (
    "student",
    "plan",
    "profile",
    "accommodations",
    "career_exploration",
    "college_planning",
    "financial_planning",
    "framework",
    "clusters",
    "pathways",
    "inventory",
    "goals",
    "unlinked_evidence",
    "program_of_study",
    "course_plan",
    "requirements",
    "items",
    "transcript",
    "comments",
    "snapshots",
)


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        )


def add_lms_records(app: Flask, lti: LtiDriver, student: Any) -> None:
    """Evidence (with a stored file), a transcript row and a comment, as the portfolio, grade
    sync and review features would write them."""
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()
        plan = db.session.execute(select(Plan).where(Plan.person_id == person.id)).scalar_one()
        goal = (
            db.session.execute(select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id))
            .scalars()
            .first()
        )
        assert goal is not None
        bio = db.session.execute(
            select(Course).where(Course.context_id == "sbx-course-bio1")
        ).scalar_one()
        teacher = db.session.execute(
            select(Person).where(Person.sub == lti.person("teacher", 0).sub)
        ).scalar_one()
        upload = StoredFile(
            tenant_id=person.tenant_id,
            owner_id=person.id,
            filename="poster.pdf",
            content_type="application/pdf",
            size=4,
            sha256="0" * 64,
            content=b"%PDF",
        )
        db.session.add(upload)
        db.session.flush()
        db.session.add_all(
            [
                Evidence(
                    tenant_id=person.tenant_id,
                    plan_id=plan.id,
                    goal_id=goal.id,
                    student_id=person.id,
                    kind="assignment",
                    course_id=bio.id,
                    attached_by=teacher.id,
                    attached_as="teacher",
                    reflection="I learned how cells divide.",
                    snapshot_title="Cell Structure Lab",
                    snapshot_score=18.0,
                    snapshot_score_maximum=20.0,
                    snapshot_date=dt.datetime(2026, 10, 2, tzinfo=dt.UTC),
                    snapshot_url="https://lms.example/assignments/1",
                ),
                Evidence(
                    tenant_id=person.tenant_id,
                    plan_id=plan.id,
                    goal_id=None,
                    student_id=person.id,
                    kind="file",
                    file_id=upload.id,
                    attached_by=person.id,
                    attached_as="student",
                    snapshot_title="Science fair poster",
                    snapshot_url="javascript:alert(1)",
                ),
                TranscriptEntry(
                    tenant_id=person.tenant_id,
                    person_id=person.id,
                    source="canvas",
                    lms_course_id="101",
                    course_name="Biology 1",
                    term="Fall 2026",
                    state="active",
                    current_score=91.5,
                    current_grade="A-",
                ),
                TranscriptEntry(
                    tenant_id=person.tenant_id,
                    person_id=person.id,
                    source="canvas",
                    lms_course_id="77",
                    course_name="Earth Science",
                    term="Spring 2026",
                    state="completed",
                    final_score=88.0,
                    final_grade="B+",
                ),
                PlanComment(
                    plan_id=plan.id,
                    author_id=teacher.id,
                    author_role="teacher",
                    body="Great start on your goals.",
                ),
            ]
        )
        db.session.commit()


def test_export_json_has_every_section(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    add_lms_records(app, lti, student)
    assert post(lti, token, "/plans/me/snapshot").status_code == 302
    sid = person_id(app, student)

    response = get(lti, token, f"/plans/students/{sid}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store, private"
    doc = json.loads(response.get_data(as_text=True))
    for key in SECTIONS:
        assert key in doc, key
    assert doc["student"]["name"] == student.name
    assert doc["profile"]["graduation_year"] == 2029
    assert doc["accommodations"] == SECRET_NEED
    assert [c["name"] for c in doc["clusters"]] == [
        "Digital Technology",
        "Education",
        "Healthcare & Human Services",
    ]
    assert doc["inventory"]["code"] == "ISA" and len(doc["inventory"]["answers"]) == 30
    nurse = doc["goals"][0]
    assert nurse["statement"] == "Become a registered nurse"
    assert [m["title"] for m in nurse["milestones"]] == [
        "Volunteer at the clinic",
        "Take Anatomy & Physiology",
    ]
    evidence = nurse["evidence"][0]
    assert evidence["title"] == "Cell Structure Lab" and evidence["score"] == 18.0
    assert evidence["attached_by"] == lti.person("teacher", 0).name
    assert evidence["reflection"] == "I learned how cells divide."
    assert evidence["url"] == "https://lms.example/assignments/1"
    assert doc["unlinked_evidence"][0]["url"] is None  # never a javascript: link
    assert doc["program_of_study"]["name"] == "Health Science — Biomedical"
    assert len(doc["course_plan"]) > 20
    assert {r["subject"] for r in doc["requirements"]} >= {"english", "math", "elective"}
    assert all(
        doc["items"][k]
        for k in ("activities", "accomplishments", "work", "service", "assessments", "contacts")
    )
    assert doc["items"]["assessments"][0]["score"] == "1180"
    assert {t["course"] for t in doc["transcript"]} == {"Biology 1", "Earth Science"}
    assert doc["comments"][0]["body"] == "Great start on your goals."
    assert doc["snapshots"][0]["data"]["goals"][0]["statement"] == "Become a registered nurse"

    # A guardian and a counselor may export; a teacher may not.
    parent = launch(lti, lti.person("parent"))
    assert get(lti, parent, f"/plans/students/{sid}/export.json").status_code == 200
    counselor = launch(lti, lti.person("counselor"))
    assert get(lti, counselor, f"/plans/students/{sid}/export.json").status_code == 200
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    assert get(lti, teacher, f"/plans/students/{sid}/export.json").status_code == 403

    with app.app_context():
        exports = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "plan.export"))
            .scalars()
            .all()
        )
    assert len(exports) == 3 and {e.detail["format"] for e in exports} == {"json"}


def test_plan_page_shows_evidence_and_classes(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    add_lms_records(app, lti, student)
    page = html(get(lti, token, "/plans/me"))
    assert '<a href="https://lms.example/assignments/1">Cell Structure Lab</a>' in page
    assert "18 of 20 (90%)" in page and "I learned how cells divide." in page
    assert f"Attached by {lti.person('teacher', 0).name} (teacher)" in page
    assert "javascript:" not in page and "Science fair poster" in page
    assert "Biology 1" in page and "Earth Science" in page and "B+" in page

    # On a Canvas tenant the student may pull their grades from Canvas.
    with app.app_context():
        from lti_tool.models import Platform

        platform = db.session.execute(select(Platform)).scalar_one()
        platform.lms = "canvas"
        db.session.commit()
    page = html(get(lti, token, "/plans/me"))
    assert "Pull my grades from Canvas" in page
    assert 'action="/me/grades/sync' in page or "grades/sync" in page


def test_printable_page(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    sid = person_id(app, student)
    response = get(lti, token, f"/plans/students/{sid}/print")
    assert response.status_code == 200
    page = html(response)
    # The print styles sit in the stylesheet (no inline style under the CSP).
    assert 'class="print-page"' in page and "lodestar.css" in page
    with lti.client.get("/static/lodestar.css") as css:
        assert "@page" in css.get_data(as_text=True)
    assert f"<h1>Individual Learning Plan of {student.name}</h1>" in page
    for text in (
        "Become a registered nurse",
        SECRET_NEED,
        "Health Science — Biomedical",
        "Robotics club",
        "Ana Ruiz",
        "Graduation requirements",
    ):
        assert text in page, text
    assert 'class="site-nav"' not in page
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.export")
        ).scalar_one()
    assert event.detail["format"] == "print" and event.detail["student_id"] == sid
    # A guardian's printout also shows the accommodation needs; a teacher cannot print.
    parent = launch(lti, lti.person("parent"))
    assert SECRET_NEED in html(get(lti, parent, f"/plans/students/{sid}/print"))
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    assert get(lti, teacher, f"/plans/students/{sid}/print").status_code == 403


def test_admin_deletes_a_plan_on_request(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    add_lms_records(app, lti, student)
    assert post(lti, token, "/plans/me/snapshot").status_code == 302
    other = lti.person("student", 1)
    other_token = launch(lti, other)
    assert (
        post(
            lti,
            other_token,
            "/plans/me/goals",
            {
                "category": "personal",
                "statement": "Run a 5k",
                "status": "in_progress",
                "milestones": "Run twice a week",
            },
        ).status_code
        == 302
    )
    sid = person_id(app, student)
    path = f"/plans/students/{sid}/delete"
    plan_id = plan_of(app, student).id

    # Nobody but a tenant admin may delete, or even see the confirmation page.
    for who in (lti.person("counselor"), lti.person("parent")):
        t = launch(lti, who)
        assert get(lti, t, path).status_code == 403
        assert post(lti, t, path, {"confirm_name": student.name}).status_code == 403
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    assert post(lti, teacher, path, {"confirm_name": student.name}).status_code == 403
    assert post(lti, token, path, {"confirm_name": student.name}).status_code == 403
    assert count(app, Plan, Plan.id == plan_id) == 1

    admin = launch(lti, lti.person("admin"))
    page = html(get(lti, admin, f"/plans/students/{sid}"))
    assert "Delete this plan on request" in page
    page = html(get(lti, admin, path))
    assert "Type the student" in page and "This cannot be undone." in page
    assert "delete" in [e.detail.get("page") for e in _events(app, "plan.view")]
    # The wrong name deletes nothing.
    response = post(lti, admin, path, {"confirm_name": "Someone Else"})
    assert response.status_code == 400
    assert "does not match" in html(response)
    assert post(lti, admin, path, {"confirm_name": ""}).status_code == 400
    assert count(app, Plan, Plan.id == plan_id) == 1 and count(app, Evidence) == 2

    response = post(lti, admin, path, {"confirm_name": f"  {student.name.upper()} "})
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin")
    with app.app_context():
        goal_ids = db.session.execute(select(Goal.id)).scalars().all()
    assert count(app, Plan, Plan.id == plan_id) == 0
    for model, where in (
        (Goal, Goal.plan_id == plan_id),
        (CoursePlanEntry, CoursePlanEntry.plan_id == plan_id),
        (PlanItem, PlanItem.plan_id == plan_id),
        (PlanComment, PlanComment.plan_id == plan_id),
        (PlanSnapshot, PlanSnapshot.plan_id == plan_id),
        (Evidence, Evidence.student_id == sid),
        (StoredFile, StoredFile.owner_id == sid),
        (TranscriptEntry, TranscriptEntry.person_id == sid),
    ):
        assert count(app, model, where) == 0, model.__name__
    # Other students' plans, the people and the district's programs are untouched.
    assert count(app, Milestone) == 1 and len(goal_ids) == 1
    assert count(app, Plan) == 1 and count(app, Person, Person.id == sid) == 1
    assert count(app, ProgramOfStudy) == len(programs.default_program_specs())

    # The audit event of the deletion survives, and so do earlier events.
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.delete")
        ).scalar_one()
        assert event.subject_id == plan_id and event.detail["student_id"] == sid
        assert event.detail["counts"]["goals"] == 2 and event.detail["counts"]["evidence"] == 2
        assert event.detail["counts"]["files"] == 1
        assert event.actor_id == person_id(app, lti.person("admin"))
        assert db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "goal.create", AuditEvent.actor_id == sid)
        ).first()

    # The student's next visit starts an empty plan.
    token = launch(lti, student, course(lti, "bio1"))
    assert "Your plan is empty" in html(get(lti, token, "/plans/me"))

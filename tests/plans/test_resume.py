"""The resume: built from the plan every time (choices stored, never text), its builder pages,
the printable page and the PDF, who may read it, and bad form input."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.plans import resume, resume_pdf
from lti_tool.plans.models import (
    CoursePlanEntry,
    CoursePlanStatus,
    Plan,
    PlanItem,
    PlanItemKind,
    ResumeSettings,
)
from tests import factories
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import (
    count,
    course,
    get,
    html,
    launch,
    person_id,
    plan_of,
    post,
)

# -- the service -------------------------------------------------------------------------------


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def _plan_with_content() -> tuple[Any, Plan, dict[str, Any]]:
    tenant = factories.tenant()
    student = factories.person(tenant, name="Maya Lopez", email="maya@example.org")
    plan = factories.plan(
        student,
        about="I like building robots and helping younger kids.",
        skills="Soldering, Python",
        strengths="Patient",
        grade_level=10,
        graduation_year=2029,
    )
    rows = {
        "robotics": PlanItem(
            plan_id=plan.id,
            kind=PlanItemKind.ACTIVITY,
            title="Robotics club",
            date=dt.date(2025, 9, 1),
            total_hours=40,
            detail="Built the drive train.",
        ),
        "choir": PlanItem(plan_id=plan.id, kind=PlanItemKind.ACTIVITY, title="Choir"),
        "lifeguard": PlanItem(plan_id=plan.id, kind=PlanItemKind.WORK, title="Lifeguard"),
        "food_bank": PlanItem(
            plan_id=plan.id, kind=PlanItemKind.SERVICE, title="Food bank", total_hours=12.5
        ),
        "fair": PlanItem(plan_id=plan.id, kind=PlanItemKind.ACCOMPLISHMENT, title="Science fair"),
        "psat": PlanItem(plan_id=plan.id, kind=PlanItemKind.ASSESSMENT, title="PSAT"),
        "english": CoursePlanEntry(
            plan_id=plan.id,
            grade_level=9,
            course_name="English 9",
            status=CoursePlanStatus.COMPLETED,
        ),
        "algebra": CoursePlanEntry(
            plan_id=plan.id,
            grade_level=10,
            course_name="Algebra II",
            status=CoursePlanStatus.IN_PROGRESS,
        ),
        "planned": CoursePlanEntry(
            plan_id=plan.id, grade_level=12, course_name="Calculus", status="planned"
        ),
    }
    db.session.add_all(rows.values())
    db.session.flush()
    rows["evidence"] = factories.evidence(plan, snapshot_title="Bridge model")
    db.session.commit()
    return student, plan, rows


def _section(built: resume.Resume, key: str) -> resume.Section:
    return next(s for s in built.sections if s.info.key == key)


def _titles(built: resume.Resume, key: str) -> list[str]:
    return [e.title for e in _section(built, key).visible]


def test_a_new_resume_shows_every_section_of_the_plan(ctx: None) -> None:
    student, plan, _ = _plan_with_content()
    built = resume.build(plan, student)
    assert [s.info.key for s in built.shown] == list(resume.SECTIONS)
    assert built.name == "Maya Lopez" and built.contact == []  # no contact until chosen
    assert _section(built, "profile").text == "I like building robots and helping younger kids."
    assert _titles(built, "skills") == ["Skills", "Strengths"]
    assert _titles(built, "activities") == ["Robotics club", "Choir"]
    robotics = _section(built, "activities").visible[0]
    assert robotics.meta == "September 2025 · 40 hours"
    assert robotics.detail == "Built the drive train."
    assert _section(built, "service").visible[0].meta == "12.5 hours"
    # Courses started or finished, not planned ones; assessments are not a resume section.
    assert _titles(built, "courses") == ["English 9", "Algebra II"]
    assert _section(built, "courses").visible[0].meta == "Grade 9 · Completed"
    ev = _section(built, "evidence").visible[0]
    assert ev.title == "Bridge model" and ev.link == "https://example.org/project"
    assert "PSAT" not in str(built)
    assert db.session.execute(select(ResumeSettings)).first() is None  # nothing stored


def test_choices_order_leave_out_and_hide(ctx: None) -> None:
    student, plan, rows = _plan_with_content()
    actor = factories.actor(student)
    choices = resume.Choices(
        order=["activities", "profile", "evidence"],  # the rest follow in default order
        left_out={"work"},
        hidden={"activities": {str(rows["choir"].id)}, "skills": {"strengths"}},
        contact={"email", "grade"},
    )
    assert resume.save_choices(actor, plan, choices) is True
    built = resume.build(plan, student)
    assert [s.info.key for s in built.shown] == [
        "activities",
        "profile",
        "evidence",
        "skills",
        "service",
        "accomplishments",
        "courses",
    ]
    assert _titles(built, "activities") == ["Robotics club"]
    assert [e.title for e in _section(built, "activities").entries if e.hidden] == ["Choir"]
    assert _titles(built, "skills") == ["Skills"]
    assert built.contact == ["maya@example.org", "Grade 10 · Class of 2029"]
    # Stored: keys and ids only, never the plan's text.
    row = db.session.execute(select(ResumeSettings)).scalar_one()
    assert row.plan_id == plan.id and row.left_out == ["work"]
    assert row.hidden == {"activities": [str(rows["choir"].id)], "skills": ["strengths"]}
    stored = repr((row.section_order, row.left_out, row.hidden, row.contact))
    for text in ("Choir", "Robotics", "Maya", "maya@example.org", "Soldering"):
        assert text not in stored
    assert resume.save_choices(actor, plan, choices) is False  # the same again: no change
    assert (
        db.session.execute(
            select(AuditEvent.action).where(AuditEvent.action == "resume.update")
        ).all()
        != []
    )
    # Moving: up and down, and nothing past either end.
    moved = resume.choices_of(plan).moved("profile", "up")
    assert moved.order[:2] == ["profile", "activities"]
    assert moved.moved("profile", "up").order == moved.order
    last = moved.order[-1]
    assert moved.moved(last, "down").order == moved.order


def test_a_plan_edit_shows_in_the_resume(ctx: None) -> None:
    student, plan, rows = _plan_with_content()
    resume.save_choices(
        factories.actor(student),
        plan,
        resume.Choices(order=list(resume.SECTIONS), hidden={"activities": {str(rows["choir"].id)}}),
    )
    rows["robotics"].title = "Robotics club (captain)"
    rows["robotics"].total_hours = 60
    plan.about = "Captain of the robotics team."
    new = PlanItem(plan_id=plan.id, kind=PlanItemKind.ACTIVITY, title="Chess club")
    db.session.add(new)
    db.session.delete(rows["lifeguard"])
    db.session.commit()
    built = resume.build(plan, student)
    assert _titles(built, "activities") == ["Robotics club (captain)", "Chess club"]
    assert _section(built, "activities").visible[0].meta == "September 2025 · 60 hours"
    assert _section(built, "profile").text == "Captain of the robotics team."
    assert _titles(built, "work") == [] and "work" not in [s.info.key for s in built.shown]


def test_parse_form_reads_ticks_and_moves(ctx: None) -> None:
    form = MultiDict(
        [
            *[("order", k) for k in resume.SECTIONS],
            *[("include", k) for k in resume.SECTIONS if k != "courses"],
            ("listed", "activities:1"),
            ("listed", "activities:2"),
            ("show", "activities:2"),
            ("contact", "grade"),
            ("move", "down:profile"),
        ]
    )
    choices, move = resume.parse_form(form)
    assert choices.left_out == {"courses"}
    assert choices.hidden == {"activities": {"1"}}
    assert choices.contact == {"grade"}
    assert move == ("down", "profile")
    for bad in (
        [("order", "hobbies")],
        [("include", "")],
        [("listed", "grades:1")],
        [("listed", "activities")],
        [("contact", "phone")],
        [("move", "sideways:profile")],
        [("move", "up:secrets")],
    ):
        with pytest.raises(InvalidInput):
            resume.parse_form(MultiDict(bad))


def test_pdf_is_a_valid_pdf_with_the_content(ctx: None) -> None:
    student, plan, _ = _plan_with_content()
    plan.about = "I\u2019m \u201ccurious\u201d \u2014 always: \xfcn\xefc\xf6d\xe9 and \u65e5\u672c"
    data = resume_pdf.render(resume.build(plan, student))
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = _pdf_text(data)
    for expected in ("Maya Lopez", "Robotics club", "September 2025", "40 hours", "Bridge model"):
        assert expected in text, expected
    assert 'I\'m "curious" - always: \xfcn\xefc\xf6d\xe9 and ??' in text


def _pdf_text(data: bytes) -> str:
    """The text drawn in a PDF's (Flate-compressed) content streams."""
    chunks = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(raw))
        except zlib.error:
            chunks.append(raw)
    content = b"\n".join(chunks).decode("latin-1")
    return "".join(
        m.replace("\\(", "(").replace("\\)", ")").replace("\\\\", "\\")
        for m in re.findall(r"\(((?:[^()\\]|\\.)*)\)\s*Tj", content)
    )


# -- pages through real launches ------------------------------------------------------------


def _fill_plan(lti: LtiDriver, token: str) -> None:
    assert (
        post(
            lti,
            token,
            "/plans/me/profile",
            {"about": "I like fixing bikes.", "skills": "Bike repair", "grade_level": "9"},
        ).status_code
        == 302
    )
    for section, data in {
        "activities": {"title": "Robotics club", "date": "2025-09-01", "total_hours": "40"},
        "service": {"title": "Food bank volunteer", "total_hours": "12"},
        "work": {"title": "Dog walking"},
    }.items():
        assert post(lti, token, f"/plans/me/items/{section}", data).status_code == 302


def _builder_form(page: str) -> MultiDict[str, str]:
    """The builder form's fields as a browser would send them (ticked boxes only)."""
    form: MultiDict[str, str] = MultiDict()
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "lt" or value is None:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        form.add(name.group(1), value.group(1))
    return form


def test_student_builds_prints_and_downloads_a_resume(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    # Empty plan: the builder says what to add first and links there.
    page = html(get(lti, token, "/plans/me/resume"))
    assert "Your plan has nothing for a resume yet" in page
    assert "/plans/me/items/activities" in page and "/plans/me/profile" in page
    assert "My resume" in html(get(lti, token, "/plans/me"))  # linked from the plan

    _fill_plan(lti, token)
    page = html(get(lti, token, "/plans/me/resume"))
    assert "Robotics club" in page and "September 2025 · 40 hours" in page
    assert 'name="move" value="down:profile"' in page
    form = _builder_form(page)
    with app.app_context():
        dog = db.session.execute(
            select(PlanItem.id).where(PlanItem.title == "Dog walking")
        ).scalar()
    form.setlist("show", [v for v in form.getlist("show") if v != f"work:{dog}"])
    form.setlist("include", [v for v in form.getlist("include") if v != "skills"])
    form.add("contact", "grade")
    form.add("move", "up:activities")
    response = lti.client.post("/plans/me/resume", data={"lt": token, **form.to_dict(flat=False)})
    assert response.status_code == 302 and "#part-activities" in response.headers["Location"]

    page = html(get(lti, token, "/plans/me/resume"))
    assert "2. Activities" in page
    # The form as the page now stands, moved once more: the earlier choices stay.
    form = _builder_form(page)
    form.add("move", "up:activities")
    response = lti.client.post("/plans/me/resume", data={"lt": token, **form.to_dict(flat=False)})
    assert response.status_code == 302
    page = html(get(lti, token, "/plans/me/resume"))
    assert "1. Activities" in page
    preview = page[page.index('id="preview-heading"') :]
    assert "Grade 9" in preview and "Bike repair" not in preview and "Dog walking" not in preview
    assert preview.index("Robotics club") < preview.index("I like fixing bikes.")
    assert f'id="show-work-{dog}"' in page  # hidden, still listed to tick again

    sid = person_id(app, student)
    printed = get(lti, token, f"/plans/students/{sid}/resume/print")
    assert printed.status_code == 200
    body = html(printed)
    assert "Robotics club" in body and "site-nav" not in body and "resume-print" in body
    pdf = get(lti, token, f"/plans/students/{sid}/resume.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    text = _pdf_text(pdf.data)
    assert "Robotics club" in text and "Dog walking" not in text and "Bike repair" not in text

    # The plan changes; the resume follows without retyping.
    with app.app_context():
        robotics = db.session.execute(
            select(PlanItem.id).where(PlanItem.title == "Robotics club")
        ).scalar_one()
    assert (
        post(
            lti,
            token,
            f"/plans/me/items/activities/{robotics}",
            {"title": "Robotics club captain", "total_hours": "55"},
        ).status_code
        == 302
    )
    assert "Robotics club captain" in html(get(lti, token, "/plans/me/resume"))
    assert "Robotics club captain" in _pdf_text(
        get(lti, token, f"/plans/students/{sid}/resume.pdf").data
    )


def test_who_reads_the_resume(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)  # takes bio1
    token = launch(lti, student, course(lti, "bio1"))
    _fill_plan(lti, token)
    sid = person_id(app, student)
    path = f"/plans/students/{sid}/resume"

    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    page = html(get(lti, teacher, path))
    assert "Resume of" in page and "Robotics club" in page
    assert 'name="move"' not in page  # read-only
    assert get(lti, teacher, f"{path}/print").status_code == 200
    assert get(lti, teacher, path + ".pdf").data.startswith(b"%PDF-")
    assert "Resume" in html(get(lti, teacher, f"/plans/students/{sid}"))
    # The teacher cannot change it: the builder is always the actor's own.
    assert post(lti, teacher, "/plans/me/resume", {"order": "profile"}).status_code == 403

    classmate = launch(lti, lti.person("student", 3), course(lti, "bio1"))
    for suffix in ("", "/print", ".pdf"):
        assert get(lti, classmate, path + suffix).status_code == 403
    counselor = launch(lti, lti.person("counselor"))
    assert "Robotics club" in html(get(lti, counselor, path))
    assert app.test_client().get(path).status_code == 401


def test_bad_builder_input_gives_400_and_changes_nothing(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    _fill_plan(lti, token)
    assert post(lti, token, "/plans/me/resume", {"order": ["work", "profile"]}).status_code == 302
    before = plan_of(app, student)
    with app.app_context():
        row = db.session.execute(select(ResumeSettings)).scalar_one()
        saved = (row.section_order, row.left_out, row.hidden, row.contact)
    for data in (
        {"order": ["profile", "grades"]},
        {"include": "secrets"},
        {"listed": "activities:\x00", "order": "profile"},
        {"order": "\x00"},
        {"move": "up:\x00"},
        {"contact": "home address"},
    ):
        response = post(lti, token, "/plans/me/resume", data)
        assert response.status_code == 400, data
        assert "Nothing was saved" in html(response)
    with app.app_context():
        row = db.session.execute(select(ResumeSettings)).scalar_one()
        assert (row.section_order, row.left_out, row.hidden, row.contact) == saved
    assert count(app, ResumeSettings) == 1
    assert plan_of(app, student).updated_at == before.updated_at
    # Hours on an activity must be a number in range.
    response = post(
        lti, token, "/plans/me/items/activities", {"title": "Chess", "total_hours": "-3"}
    )
    assert response.status_code == 400
    response = post(
        lti, token, "/plans/me/items/activities", {"title": "Chess", "total_hours": "NaN"}
    )
    assert response.status_code == 400
    assert count(app, PlanItem, PlanItem.title == "Chess") == 0

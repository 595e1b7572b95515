"""The district admin's pages, driven through launches of the sandbox LMS: grants by email
before a first launch, the district settings page, the audit-log viewer with its filters and
CSV, and the year-end rollover page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, DistrictSettings, Person, RoleGrant, Tenant
from lti_tool.plans import plan_settings, reading
from lti_tool.plans.models import Plan
from tests.conftest import run_queued_jobs
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import course, get, launch, person_id, post


def _admin(lti: LtiDriver) -> str:
    return launch(lti, lti.person("admin"))


def _tenant_id(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalars(select(Tenant.id)).one())


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# -- grants -------------------------------------------------------------------------------------


def test_grant_by_email_waits_for_the_first_launch_and_binds_there(
    lti: LtiDriver, app: Flask
) -> None:
    admin = _admin(lti)
    # A teacher who will counsel too (the sandbox's own counselor gets her right elsewhere).
    counselor = lti.person("teacher", 1)
    # A bad email: 422, what was typed and the chosen right kept.
    bad = post(lti, admin, "/admin/grants", {"role": "admin", "email": "teresa at school"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'value="teresa at school"' in text and "not an email address" in text
    assert '<option value="admin" selected>' in text and 'aria-invalid="true"' in text

    given = post(lti, admin, "/admin/grants", {"role": "counselor", "email": counselor.email})
    assert given.status_code == 302
    page = get(lti, admin, "/admin").get_data(as_text=True)
    waiting = page[page.index("Waiting for a first launch") :]
    assert counselor.email in waiting
    with app.app_context():
        grant = db.session.scalars(select(RoleGrant).where(RoleGrant.email.is_not(None))).one()
        assert grant.person_id is None and grant.role == "counselor"
        grant_id = grant.id

    # Her first launch binds the grant: the caseload opens, the admin sees her by name.
    token = launch(lti, counselor)
    assert get(lti, token, "/plans/caseload").status_code == 200
    with app.app_context():
        bound = db.session.get(RoleGrant, grant_id)
        assert bound is not None and bound.person_id == person_id(app, counselor)
        assert bound.email is None
    page = get(lti, admin, "/admin").get_data(as_text=True)
    active = page[page.index("Who has Lodestar rights") : page.index("Waiting for a first launch")]
    assert counselor.name in active
    assert counselor.email not in page[page.index("Waiting for a first launch") :]

    # A waiting grant can be revoked before anyone launches.
    post(lti, admin, "/admin/grants", {"role": "admin", "email": "new.head@school.example"})
    with app.app_context():
        waiting_id = db.session.scalars(
            select(RoleGrant.id).where(RoleGrant.email == "new.head@school.example")
        ).one()
    assert post(lti, admin, f"/admin/grants/{waiting_id}/revoke").status_code == 302
    with app.app_context():
        assert db.session.get(RoleGrant, waiting_id) is None
    assert {e.detail.get("pending") for e in _events(app, "grant.added")} == {True}


def test_admin_pages_are_for_admins_only(lti: LtiDriver) -> None:
    student = launch(lti, lti.person("student", 0), course(lti, "bio1"))
    for path in ("/admin/district", "/admin/audit", "/admin/audit.csv", "/admin/rollover"):
        assert get(lti, student, path).status_code == 403, path
    assert post(lti, student, "/admin/rollover").status_code == 403
    assert post(lti, student, "/admin/district/year", {"start_month": "8"}).status_code == 403


# -- district settings --------------------------------------------------------------------------


def test_settings_page_shows_every_setting(lti: LtiDriver) -> None:
    admin = _admin(lti)
    page = get(lti, admin, "/admin/district")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for heading in (
        "Career clusters",
        "Course plan and grades",
        "Time zone",
        "School year",
        "State and metro area",
        "Milestones, grades 6 to 12",
        "Keeping graduates",
    ):
        assert heading in text, heading
    assert "Advance CTE" in text or "National Career Clusters" in text
    assert 'value="365"' in text
    assert "/journey/steps" in text
    assert "/admin/district" in get(lti, admin, "/admin").get_data(as_text=True)


def test_each_section_saves_on_its_own_and_errors_keep_what_was_typed(
    lti: LtiDriver, app: Flask
) -> None:
    admin = _admin(lti)
    tid = _tenant_id(app)

    bad = post(lti, admin, "/admin/district/year", {"start_month": "2", "start_day": "30"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "February has no day 30" in text and 'value="30"' in text
    assert '<option value="2" selected>' in text
    ok = post(lti, admin, "/admin/district/year", {"start_month": "8", "start_day": "15"})
    assert ok.status_code == 302
    with app.app_context():
        assert reading.school_year(dt.date(2027, 8, 14), tenant_id=tid) == "2026-2027"
        assert reading.school_year(dt.date(2027, 8, 15), tenant_id=tid) == "2027-2028"
        # Another tenant keeps July 1.
        assert reading.school_year(dt.date(2027, 7, 2), tenant_id=tid + 1) == "2027-2028"
    assert _events(app, "district.year_start_set")[0].detail["start"] == "08-15"

    bad = post(lti, admin, "/admin/district/retention", {"retention_days": "forever"})
    assert bad.status_code == 422 and 'value="forever"' in bad.get_data(as_text=True)
    # Digits int() refuses ("²" is a digit to str.isdigit) and numbers past any integer
    # column: the form's 422, never a 500.
    for junk in ("\N{SUPERSCRIPT TWO}", "9" * 25, "\N{ARABIC-INDIC DIGIT THREE}"):
        assert (
            post(lti, admin, "/admin/district/retention", {"retention_days": junk}).status_code
            == 422
        )
        assert (
            post(
                lti, admin, "/admin/district/year", {"start_month": junk, "start_day": "1"}
            ).status_code
            == 422
        )
    assert (
        post(lti, admin, "/admin/district/retention", {"retention_days": "730"}).status_code == 302
    )
    with app.app_context():
        settings = db.session.get(DistrictSettings, tid)
        assert settings is not None and settings.graduate_retention_days == 730
        assert (settings.school_year_start_month, settings.school_year_start_day) == (8, 15)

    bad = post(lti, admin, "/admin/district/zone", {"timezone": "Chicago time"})
    assert bad.status_code == 422 and 'value="Chicago time"' in bad.get_data(as_text=True)
    assert (
        post(lti, admin, "/admin/district/zone", {"timezone": "America/Denver"}).status_code == 302
    )

    bad = post(
        lti, admin, "/admin/district/plans", {"course_plan_first_grade": "5", "grade_scale": "x"}
    )
    assert bad.status_code == 422
    saved = post(
        lti,
        admin,
        "/admin/district/plans",
        {"course_plan_first_grade": "7", "grade_scale": "letters"},
    )
    assert saved.status_code == 302
    with app.app_context():
        assert plan_settings.course_plan_first_grade(tid) == 7
        assert plan_settings.grade_scale(tid) == "letters"
        assert db.session.get(Tenant, tid).timezone == "America/Denver"  # type: ignore[union-attr]

    bad = post(lti, admin, "/admin/district/place", {"state_code": "xx", "metro_code": ""})
    assert bad.status_code == 422
    assert get(lti, admin, "/admin/district/nowhere").status_code == 405
    assert post(lti, admin, "/admin/district/nowhere").status_code == 404
    page = get(lti, admin, "/admin/district").get_data(as_text=True)
    assert 'value="730"' in page and "America/Denver" in page


# -- the audit log ------------------------------------------------------------------------------


def _seen_plan(lti: LtiDriver, app: Flask) -> dict[str, Any]:
    """A student opens her plan in biology; her teacher opens it too."""
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    assert get(lti, token, "/plans/me").status_code == 200
    teacher_user = lti.person("teacher", 0)
    teacher = launch(lti, teacher_user, course(lti, "bio1"))
    sid = person_id(app, student)
    assert get(lti, teacher, f"/plans/students/{sid}").status_code == 200
    return {
        "student": student,
        "sid": sid,
        "teacher": teacher_user,
        "tid": person_id(app, teacher_user),
    }


def test_who_saw_this_students_plan(lti: LtiDriver, app: Flask) -> None:
    seen = _seen_plan(lti, app)
    admin = _admin(lti)
    # Found by name (posted: no name in a URL), then filtered by id.
    found = post(lti, admin, "/admin/audit/find", {"q": seen["student"].name[:5]})
    assert found.status_code == 200
    text = found.get_data(as_text=True)
    assert seen["student"].name in text
    assert f"student_id={seen['sid']}&amp;action=seen" in text
    assert post(lti, admin, "/admin/audit/find", {"q": "x"}).status_code == 422

    page = lti.client.get(
        "/admin/audit",
        query_string={"lt": admin, "student_id": seen["sid"], "action": "seen"},
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert seen["teacher"].name in text and "plan.view" in text
    assert text.count("<code>plan.view</code>") >= 2  # the student and the teacher
    assert "<code>launch</code>" not in text
    # By who acted: only the teacher's events.
    text = lti.client.get(
        "/admin/audit", query_string={"lt": admin, "actor_id": seen["tid"]}
    ).get_data(as_text=True)
    assert seen["teacher"].name in text
    assert f'href="/admin/audit?actor_id={seen["sid"]}' not in text
    # Viewing the log is audited, with ids only.
    views = _events(app, "audit.view")
    assert {"student_id": str(seen["sid"]), "action": "seen"} in [
        e.detail["filters"] for e in views
    ]


def test_filters_by_action_and_school_day(lti: LtiDriver, app: Flask) -> None:
    seen = _seen_plan(lti, app)
    admin = _admin(lti)
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).date().isoformat()
    later = lti.client.get(
        "/admin/audit", query_string={"lt": admin, "date_from": tomorrow}
    ).get_data(as_text=True)
    assert "No events match" in later
    today = lti.client.get(
        "/admin/audit",
        query_string={
            "lt": admin,
            "date_from": yesterday,
            "date_to": tomorrow,
            "action": "plan.view",
        },
    ).get_data(as_text=True)
    assert "<code>plan.view</code>" in today and "<code>grant" not in today
    assert f"actor_id={seen['tid']}" in today
    bad = lti.client.get(
        "/admin/audit", query_string={"lt": admin, "date_from": "last week", "student_id": "abc"}
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'value="last week"' in text and 'value="abc"' in text
    assert "a date like" in text


def test_a_page_costs_the_same_statements_for_5_or_50_events(lti: LtiDriver, app: Flask) -> None:
    seen = _seen_plan(lti, app)
    admin = _admin(lti)
    tid = _tenant_id(app)

    def statements() -> int:
        found: list[str] = []

        def count(*args: Any) -> None:
            found.append(str(args[2]))

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert lti.client.get("/admin/audit", query_string={"lt": admin}).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(found)

    few = statements()
    with app.app_context():
        for n in range(120):
            db.session.add(
                AuditEvent(
                    tenant_id=tid,
                    actor_id=seen["tid"],
                    action="plan.view",
                    subject_type="plan",
                    detail={"student_id": seen["sid"], "page": f"p{n}"},
                )
            )
        db.session.commit()
    assert statements() == few
    first = lti.client.get("/admin/audit", query_string={"lt": admin}).get_data(as_text=True)
    assert first.count("<tr>") == 51 and 'rel="next"' in first  # 50 and the header
    third = lti.client.get("/admin/audit", query_string={"lt": admin, "page": "3"})
    assert 'rel="prev"' in third.get_data(as_text=True)


def test_csv_export_of_what_the_filters_show(lti: LtiDriver, app: Flask) -> None:
    seen = _seen_plan(lti, app)
    admin = _admin(lti)
    with app.app_context():
        teacher = db.session.get(Person, seen["tid"])
        assert teacher is not None
        teacher.name = '=HYPERLINK("http://evil.example")'
        db.session.commit()
    answer = lti.client.get(
        "/admin/audit.csv",
        query_string={"lt": admin, "student_id": seen["sid"], "action": "seen"},
    )
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0][:4] == ["When (school time)", "Who", "Who (id)", "Action"]
    body = rows[1:]
    assert body and {r[3] for r in body} <= {"plan.view", "plan.export"}
    assert all(r[7] == str(seen["sid"]) for r in body)
    assert '\'=HYPERLINK("http://evil.example")' in [r[1] for r in body]
    export = _events(app, "audit.export")
    assert export[0].detail["rows"] == len(body)


def test_student_filter_reads_the_plan_subject_too(lti: LtiDriver, app: Flask) -> None:
    """An event that names the student's plan but not the student counts as about her."""
    seen = _seen_plan(lti, app)
    admin = _admin(lti)
    with app.app_context():
        plan_id = db.session.scalars(select(Plan.id).where(Plan.person_id == seen["sid"])).one()
        db.session.add(
            AuditEvent(
                tenant_id=_tenant_id(app),
                actor_id=seen["tid"],
                action="custom.plan_touch",
                subject_type="plan",
                subject_id=plan_id,
                detail={},
            )
        )
        db.session.commit()
    text = lti.client.get(
        "/admin/audit", query_string={"lt": admin, "student_id": seen["sid"]}
    ).get_data(as_text=True)
    assert "custom.plan_touch" in text


# -- the rollover page --------------------------------------------------------------------------


def test_rollover_page_previews_and_runs_once(lti: LtiDriver, app: Flask) -> None:
    admin = _admin(lti)
    launch(lti, lti.person("student", 0), course(lti, "bio1"))
    tid = _tenant_id(app)
    today = dt.datetime.now(dt.UTC).date()
    with app.app_context():
        db.session.add(
            DistrictSettings(
                tenant_id=tid,
                school_year_start_month=today.month,
                school_year_start_day=min(today.day, 28),
            )
        )
        db.session.commit()
    page = get(lti, admin, "/admin/rollover").get_data(as_text=True)
    assert "This will" in page and "snapshots of plans" in page
    year = page.split('name="school_year" value="', 1)[1].split('"', 1)[0]
    done = post(lti, admin, "/admin/rollover", {"school_year": year})
    assert done.status_code == 302
    run_queued_jobs(app)  # with Redis the rollover is a background job
    page = get(lti, admin, "/admin/rollover").get_data(as_text=True)
    assert f"{year} has started" in page
    again = post(lti, admin, "/admin/rollover", {"school_year": year})
    assert again.status_code == 302
    run_queued_jobs(app)
    second = get(lti, admin, "/admin/rollover").get_data(as_text=True)
    # Without Redis it ran in the request; with Redis the job found nothing to do.
    assert "Nothing changed" in second or "running in the background" in second
    assert len(_events(app, "district.rollover")) == 1

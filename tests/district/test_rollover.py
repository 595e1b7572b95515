"""The year-end rollover: snapshots of every plan, grades up one, graduates archived, the new
school year recorded, and a second run that does nothing; archived graduates deleted after
the retention period (with a fixed clock)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import event, func, select

from lti_tool import policy
from lti_tool.caseload import listing
from lti_tool.district import rollover
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, DistrictSettings, Person, Role
from lti_tool.plans import journey, reading
from lti_tool.plans.models import Plan, PlanSnapshot
from lti_tool.policy import Action
from tests import factories

JUNE = dt.datetime(2027, 6, 20, 15, 0, tzinfo=dt.UTC)


def _school(app: Flask) -> dict[str, int]:
    """A tenant with students in grades 9, 11 and 12, one known only by her plan's grade,
    one with only a graduation year, and an approved snapshot that must stay as it was."""
    with app.app_context():
        owner = factories.tenant()
        ninth = factories.person(owner, grade_level=9)
        eleventh = factories.person(owner, grade_level=11)
        senior = factories.person(owner, grade_level=12)
        own_entry = factories.person(owner)  # no LMS grade: her plan says grade 12
        class_of = factories.person(owner, graduation_year=2027)
        teacher = factories.person(owner)
        plans = {
            "ninth": factories.plan(ninth, grade_level=9),
            "eleventh": factories.plan(eleventh),
            "senior": factories.plan(senior, grade_level=12),
            "own_entry": factories.plan(own_entry, grade_level=12),
        }
        approved = PlanSnapshot(
            plan_id=plans["eleventh"].id,
            school_year="2026-2027",
            data={"kept": True},
            approved_at=JUNE - dt.timedelta(days=10),
        )
        db.session.add(approved)
        db.session.commit()
        return {
            "tenant": owner.id,
            "ninth": ninth.id,
            "eleventh": eleventh.id,
            "senior": senior.id,
            "own_entry": own_entry.id,
            "class_of": class_of.id,
            "teacher": teacher.id,
            "ninth_plan": plans["ninth"].id,
            "eleventh_plan": plans["eleventh"].id,
        }


def test_preview_counts_what_will_happen(app: Flask) -> None:
    ids = _school(app)
    with app.app_context():
        plan = rollover.preview(ids["tenant"], JUNE)
        assert (plan.ending, plan.starting, plan.open, plan.done) == (
            "2026-2027",
            "2027-2028",
            True,
            False,
        )
        # Four plans, one of whose 2026-2027 snapshot was approved.
        assert plan.snapshots == 3
        assert plan.graduating == 3  # grade 12, a plan's grade 12, the class of 2027
        assert plan.advancing == 2  # grades 9 and 11; the teacher is nobody's student


def test_the_rollover_is_closed_in_the_middle_of_a_year(app: Flask) -> None:
    ids = _school(app)
    with app.app_context():
        plan = rollover.preview(ids["tenant"], dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
        assert not plan.open and plan.opens == dt.date(2027, 3, 31)
        done = rollover.run(ids["tenant"], now=dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
        assert not done.ran
        assert db.session.get(Person, ids["ninth"]).grade_level == 9  # type: ignore[union-attr]


def test_rollover_runs_once_per_school_year(app: Flask) -> None:
    ids = _school(app)
    with app.app_context():
        done = rollover.run(ids["tenant"], actor_id=ids["teacher"], now=JUNE)
        assert done == rollover.Result(True, "2027-2028", 3, 2, 3, 0)
        people = {p.id: p for p in db.session.scalars(select(Person))}
        assert people[ids["ninth"]].grade_level == 10
        assert people[ids["eleventh"]].grade_level == 12
        assert people[ids["ninth"]].archived_at is None
        for graduate in ("senior", "own_entry", "class_of"):
            assert people[ids[graduate]].archived_at == JUNE
        assert people[ids["senior"]].grade_level == 12  # kept as it was
        assert db.session.get(Plan, ids["ninth_plan"]).grade_level == 10  # type: ignore[union-attr]
        snaps = {
            s.plan_id: s
            for s in db.session.scalars(
                select(PlanSnapshot).where(PlanSnapshot.school_year == "2026-2027")
            )
        }
        assert len(snaps) == 4
        assert snaps[ids["eleventh_plan"]].data == {"kept": True}  # approved: untouched
        assert snaps[ids["ninth_plan"]].data["profile"] is not None
        settings = db.session.get(DistrictSettings, ids["tenant"])
        assert settings is not None and settings.current_school_year == "2027-2028"
        # The new year counts for this tenant from now on, before July 1 comes.
        assert reading.school_year(tenant_id=ids["tenant"]) >= "2027-2028"
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "district.rollover")
        ).one()
        assert audit.detail["archived"] == 3 and audit.detail["school_year"] == "2027-2028"

        # Again, the same day or in August: nothing at all changes.
        for when in (JUNE, JUNE + dt.timedelta(days=50)):
            again = rollover.run(ids["tenant"], now=when)
            assert not again.ran and again.starting == "2027-2028"
            assert rollover.preview(ids["tenant"], when).done
        assert db.session.get(Person, ids["ninth"]).grade_level == 10  # type: ignore[union-attr]
        count = select(func.count()).select_from(AuditEvent)
        assert db.session.scalar(count.where(AuditEvent.action == "district.rollover")) == 1


def test_a_confirmed_year_that_is_not_the_one_due_changes_nothing(app: Flask) -> None:
    ids = _school(app)
    with app.app_context():
        assert not rollover.run(ids["tenant"], now=JUNE, expected="2026-2027").ran
        assert db.session.get(Person, ids["senior"]).archived_at is None  # type: ignore[union-attr]


def test_grade_changes_are_bulk_statements(app: Flask) -> None:
    """Moving 300 students up and archiving 100 takes the same statements as a few: only the
    snapshots read each plan."""
    with app.app_context():
        owner = factories.tenant()
        for n in range(400):
            factories.person(owner, grade_level=9 + n % 4)
        db.session.commit()
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            done = rollover.run(owner.id, now=JUNE)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert done.advanced == 300 and done.archived == 100 and done.snapshots == 0
        assert len(statements) < 20, statements


def test_archived_graduates_are_deleted_after_the_retention_period(
    app: Flask, runner: object
) -> None:
    ids = _school(app)
    with app.app_context():
        rollover.run(ids["tenant"], now=JUNE)
        settings = db.session.get(DistrictSettings, ids["tenant"])
        assert settings is not None
        settings.graduate_retention_days = 30
        db.session.commit()
        # 29 days on: kept.
        assert rollover.purge_archived(ids["tenant"], now=JUNE + dt.timedelta(days=29)) == 0
        assert db.session.get(Person, ids["senior"]).erased_at is None  # type: ignore[union-attr]
        assert db.session.scalar(select(func.count()).select_from(Plan)) == 4
        # 31 days on: deleted as on request (tombstones stay), audited with the count only.
        assert rollover.purge_archived(ids["tenant"], now=JUNE + dt.timedelta(days=31)) == 3
        senior = db.session.get(Person, ids["senior"])
        assert senior is not None and senior.erased_at is not None and not senior.name
        assert db.session.scalar(select(func.count()).select_from(Plan)) == 2
        purge = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "district.purge")
        ).one()
        assert purge.detail == {"deleted": 3}
        # Nothing is deleted twice.
        assert rollover.purge_archived(ids["tenant"], now=JUNE + dt.timedelta(days=400)) == 0


def test_the_commands(app: Flask, runner: object) -> None:
    ids = _school(app)
    today = dt.datetime.now(dt.UTC).date()
    with app.app_context():
        # The school year starts today (the commands run on the real clock).
        db.session.add(
            DistrictSettings(
                tenant_id=ids["tenant"],
                school_year_start_month=today.month,
                school_year_start_day=min(today.day, 28),
            )
        )
        db.session.commit()
    invoke = runner.invoke  # type: ignore[attr-defined]
    asked = invoke(args=["rollover", "--tenant", str(ids["tenant"])], input="n\n")
    assert "This will start" in asked.output and "Nothing changed" in asked.output
    result = invoke(args=["rollover", "--tenant", str(ids["tenant"]), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Started" in result.output and "snapshot(s)" in result.output
    second = invoke(args=["rollover", "--tenant", str(ids["tenant"]), "--yes"])
    assert "Nothing to do" in second.output
    assert invoke(args=["rollover", "--tenant", "999999"]).exit_code == 2
    purged = invoke(args=["purge-archived"])
    assert purged.exit_code == 0 and "Deleted 0 archived graduate(s)" in purged.output


def test_an_archived_graduate_is_read_only(app: Flask) -> None:
    with app.app_context():
        owner = factories.tenant()
        biology = factories.course(owner)
        senior = factories.student_in(biology, grade_level=12)
        teacher = factories.teacher_of(biology)
        factories.plan(senior)
        db.session.commit()
        me = factories.actor(senior, biology, [Role.STUDENT])
        their_teacher = factories.actor(teacher, biology, [Role.TEACHER])
        assert policy.allowed(me, Action.EDIT_PLAN, senior)
        assert policy.allowed(their_teacher, Action.COMMENT_PLAN, senior)

        assert rollover.run(owner.id, now=JUNE).archived == 1
        db.session.refresh(senior)
        assert not policy.allowed(me, Action.EDIT_PLAN, senior)
        assert not policy.allowed(their_teacher, Action.COMMENT_PLAN, senior)
        assert not policy.allowed(their_teacher, Action.ATTACH_EVIDENCE, (biology, senior))
        # Still readable (and exportable) until the retention period ends.
        assert policy.allowed(me, Action.READ_PLAN, senior)
        assert policy.allowed(their_teacher, Action.READ_PLAN, senior)


def test_archived_graduates_leave_the_caseload_and_reports(app: Flask) -> None:
    with app.app_context():
        owner = factories.tenant()
        biology = factories.course(owner)
        senior = factories.student_in(biology, grade_level=12)
        junior = factories.student_in(biology, grade_level=11)
        teresa = factories.person(owner)
        factories.grant(teresa)
        counselor = factories.actor(teresa, roles=[Role.COUNSELOR])
        db.session.commit()
        everyone = listing.parse_query({})
        assert set(listing.matching_ids(counselor, everyone)) == {senior.id, junior.id}
        rollover.run(owner.id, now=JUNE)
        assert listing.matching_ids(counselor, everyone) == [junior.id]
        assert journey.report(owner.id).students == 1


def test_the_background_job_says_what_it_did(app: Flask) -> None:
    ids = _school(app)
    today = dt.datetime.now(dt.UTC).date()
    with app.app_context():
        db.session.add(
            DistrictSettings(
                tenant_id=ids["tenant"],
                school_year_start_month=today.month,
                school_year_start_day=min(today.day, 28),
            )
        )
        db.session.commit()
        year = rollover.preview(ids["tenant"]).starting
        assert rollover.run_job(ids["tenant"], ids["teacher"], year).startswith(f"started {year}")
        assert rollover.run_job(ids["tenant"], ids["teacher"], year) == f"nothing to do for {year}"

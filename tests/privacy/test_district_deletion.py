"""``ilp tenants delete N``: a whole district goes, every row of it in every table of the
schema, while another district's rows stay exactly as they were.

The check reads every table of ``db.metadata``, so a table added later is covered without
touching this test.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool import audit
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Enrollment, GrantRole, Person, Role, Tenant
from tests import factories
from tests.lti_driver import LtiDriver
from tests.plans.test_erasure import _add_grade_records
from tests.plans.test_plan_export import add_lms_records
from tests.plans.test_plan_pages import build_plan, course, launch, person_id

#: Tables shared by every tenant: the tool's keys and the short-lived store (checked apart).
SHARED = {"tool_keys", "short_lived_values"}

Rows = dict[str, set[tuple[str, ...]]]


def _rows() -> Rows:
    """Every row of every table, as text."""
    return {
        table.name: {tuple(repr(v) for v in row) for row in db.session.execute(select(table)).all()}
        for table in db.metadata.sorted_tables
        if table.name not in SHARED
    }


def _other_district() -> None:
    """A second district with a student's plan, evidence, a file, a grade, a guardian, a
    counselor and an audit trail, as the features write them."""
    tenant, _platform = factories.tenant_with_platform(name="Other district")
    bio = factories.course(tenant)
    student = factories.student_in(bio)
    factories.teacher_of(bio)
    guardian = factories.person(tenant)
    factories.mentorship(guardian, student, bio)
    factories.grant(factories.person(tenant), GrantRole.COUNSELOR)
    plan = factories.plan(student, about="Kept: the other district's plan")
    goal = factories.goal(plan)
    factories.evidence(plan, goal)
    factories.stored_file(student)
    factories.grade(factories.assignment(bio), student)
    audit.record("plan.view", tenant_id=tenant.id, actor_id=student.id, subject_id=student.id)
    db.session.commit()


def test_deleting_a_district_leaves_no_row_of_it_and_touches_no_other(
    lti: LtiDriver, app: Flask, runner: Any
) -> None:
    with app.app_context():
        before_other = _rows()
        _other_district()
        after_other = _rows()
    other = {name: after_other[name] - before_other[name] for name in after_other}

    # The sandbox district, lived in: launches, a full plan, evidence, files, grades.
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    build_plan(lti, app, token)
    launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    launch(lti, lti.person("parent"))
    launch(lti, lti.person("admin"))
    add_lms_records(app, lti, student)
    _add_grade_records(app, person_id(app, student))
    with app.app_context():
        doomed = db.session.execute(
            select(Tenant.id).where(Tenant.name != "Other district")
        ).scalar_one()
        filled = _rows()
    assert all(filled[name] for name in ("plans", "goals", "evidence", "stored_files", "grades"))

    refused = runner.invoke(args=["tenants", "delete", str(doomed)], input="n\n")
    assert refused.exit_code == 1 and "Delete tenant" in refused.output
    result = runner.invoke(args=["tenants", "delete", str(doomed), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Deleted tenant {doomed}:" in result.output

    with app.app_context():
        left = _rows()
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "tenant.delete")
        ).scalar_one()
        store_values = [
            v
            for (v,) in db.session.execute(select(db.metadata.tables["short_lived_values"].c.value))
        ]
    # The deletion's own audit event names the tenant and counts, nobody's data.
    assert event.tenant_id is None and event.subject_id == doomed
    assert event.detail["people"] >= 4 and event.detail["plans"] == 1
    assert event.detail["files"] >= 1
    left["audit_events"] = {r for r in left["audit_events"] if "'tenant.delete'" not in r}
    # Exactly the other district's rows remain, unchanged; nothing of the deleted one.
    for name in left:
        assert left[name] == other[name], name
    # Its launch bodies left the shared store with it.
    assert not any(student.name in value for value in store_values)


def test_an_unknown_tenant_is_a_clear_error(app: Flask, runner: Any) -> None:
    result = runner.invoke(args=["tenants", "delete", "999999", "--yes"])
    assert result.exit_code == 2
    assert "There is no tenant 999999." in result.output


def test_the_roles_of_the_other_district_still_work(app: Flask, runner: Any) -> None:
    with app.app_context():
        one, _ = factories.tenant_with_platform()
        two, _ = factories.tenant_with_platform()
        kept = factories.student_in(factories.course(two))
        factories.student_in(factories.course(one))
        db.session.commit()
        one_id, kept_id = one.id, kept.id
    assert runner.invoke(args=["tenants", "delete", str(one_id), "--yes"]).exit_code == 0
    with app.app_context():
        person = db.session.get(Person, kept_id)
        assert person is not None and db.session.get(Tenant, one_id) is None
        assert [e.role for e in db.session.execute(select(Enrollment)).scalars()] == [Role.STUDENT]


def test_tenants_list_names_the_number_to_delete(app: Flask, runner: Any) -> None:
    with app.app_context():
        tenant, platform = factories.tenant_with_platform(name="Maple Unified")
        db.session.commit()
        tenant_id, client_id = tenant.id, platform.client_id
    result = runner.invoke(args=["tenants", "list"])
    assert result.exit_code == 0, result.output
    assert f"{tenant_id}\tMaple Unified\tactive\tplatform" in result.output
    assert client_id in result.output

"""Shared set-up of the caseload tests: a district's students, counselors and their rules,
made directly in the database, and a browser-less sign-in (a session as a launch opens it)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from lti_tool import session_records
from lti_tool.extensions import db
from lti_tool.models import (
    CaseloadRule,
    CaseloadRuleKind,
    GrantRole,
    Person,
    Role,
    RoleGrant,
    SessionMode,
    Tenant,
)
from tests import factories


def student(owner: Tenant, name: str, **overrides: Any) -> Person:
    """A student known from the SIS (a CSV import), with a family name and ids."""
    family = name.split()[-1]
    values: dict[str, Any] = {
        "name": name,
        "given_name": name.split()[0],
        "family_name": family,
        "student_info_source": "csv",
    }
    return factories.person(owner, **(values | overrides))


def rule(grant: RoleGrant, kind: CaseloadRuleKind, **values: Any) -> CaseloadRule:
    """A caseload rule on ``grant``."""
    row = CaseloadRule(tenant_id=grant.tenant_id, grant_id=grant.id, kind=kind, **values)
    db.session.add(row)
    db.session.flush()
    return row


def counselor(owner: Tenant, name: str = "Casey Counselor") -> tuple[Person, RoleGrant]:
    """A counselor (launched) with their grant."""
    who = factories.person(owner, name=name)
    return who, factories.grant(who, GrantRole.COUNSELOR)


def admin(owner: Tenant) -> Person:
    """An admin of the tenant."""
    who = factories.person(owner, name="Ada Admin")
    factories.grant(who, GrantRole.ADMIN)
    return who


def sign_in(app: Flask, client: FlaskClient, who: Person, role: Role = Role.COUNSELOR) -> None:
    """Give ``client`` the session cookie a launch of ``who`` would give."""
    with app.app_context():
        record, secret = session_records.open_session(
            tenant_id=who.tenant_id,
            person_id=who.id,
            course_id=None,
            roles=[role],
            launch_id=None,
            mode=SessionMode.COOKIE,
        )
        handle = record.handle
    with client.session_transaction() as cookie:
        cookie["sid"], cookie["sk"] = handle, secret

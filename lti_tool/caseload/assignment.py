"""An admin's caseload assignment: which students each counselor has, as rules on the
counselor's grant (a named student, a grade level, a range of family-name letters, a school),
set on the admin page or by a CSV upload. Every change is audited and committed with its
audit event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import CaseloadRule, CaseloadRuleKind, GrantRole, Person, RoleGrant
from lti_tool.parse import digits_int
from lti_tool.plans import reading
from lti_tool.plans.models import Plan


class MalformedFile(InvalidInput):
    """An upload that is not a CSV of the expected columns (422, nothing kept)."""

    status_code = 422


@dataclass(frozen=True, slots=True)
class CounselorLoad:
    """A counselor grant with its rules and the size of its caseload."""

    grant_id: int
    name: str
    email: str | None
    launched: bool
    size: int
    rules: list[tuple[int, str]] = field(default_factory=list)


def _grant_students(tenant_id: int, grant_id_col: Any) -> Any:
    rule = aliased(CaseloadRule)
    plan_grade = (
        select(Plan.grade_level).where(Plan.person_id == Person.id).limit(1).scalar_subquery()
    )
    return (
        select(func.count(Person.id))
        .where(
            policy.tenant_students(tenant_id),
            exists().where(
                rule.grant_id == grant_id_col,
                policy.rule_matches(rule, Person, plan_grade),
            ),
        )
        .scalar_subquery()
    )


def describe(rule: CaseloadRule, student: Person | None) -> str:
    """A rule in words."""
    if rule.kind == CaseloadRuleKind.STUDENT:
        return f"Student: {reading.student_name(student) if student else 'a former student'}"
    if rule.kind == CaseloadRuleKind.GRADE:
        return f"Grade {rule.grade_level}"
    if rule.kind == CaseloadRuleKind.ALPHA:
        return f"Family names {rule.alpha_from} to {rule.alpha_to}"
    return f"School: {rule.school}"


def counselors(tenant_id: int) -> list[CounselorLoad]:
    """Every counselor grant of the tenant (launched or named by email), each with its
    caseload size and rules (two queries)."""
    all_students = (
        select(func.count(Person.id)).where(policy.tenant_students(tenant_id)).scalar_subquery()
    )
    has_rules = exists().where(CaseloadRule.tenant_id == tenant_id)
    grants = db.session.execute(
        select(RoleGrant, Person, _grant_students(tenant_id, RoleGrant.id), all_students, has_rules)
        .outerjoin(Person, Person.id == RoleGrant.person_id)
        .where(RoleGrant.tenant_id == tenant_id, RoleGrant.role == GrantRole.COUNSELOR)
        .order_by(func.lower(func.coalesce(Person.name, RoleGrant.email, RoleGrant.sub)))
    ).all()
    student = aliased(Person)
    rules: dict[int, list[tuple[int, str]]] = {}
    for rule, who in db.session.execute(
        select(CaseloadRule, student)
        .outerjoin(student, student.id == CaseloadRule.student_id)
        .where(CaseloadRule.tenant_id == tenant_id)
        .order_by(
            CaseloadRule.kind, CaseloadRule.grade_level, CaseloadRule.alpha_from, CaseloadRule.id
        )
    ).all():
        rules.setdefault(rule.grant_id, []).append((rule.id, describe(rule, who)))
    return [
        CounselorLoad(
            grant_id=grant.id,
            name=person.display_name if person else (grant.email or grant.sub or "?"),
            email=person.email if person else grant.email,
            launched=person is not None,
            size=int(mine) if any_rules else int(everyone),
            rules=rules.get(grant.id, []),
        )
        for grant, person, mine, everyone, any_rules in grants
    ]


def counselor_grant(tenant_id: int, grant_id: int) -> RoleGrant:
    """A counselor grant of the tenant.

    :raises NotFound: for any other id.
    """
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.tenant_id != tenant_id or grant.role != GrantRole.COUNSELOR:
        raise NotFound("No such counselor.")
    return grant


def search_students(tenant_id: int, text: str, limit: int = 50) -> list[Person]:
    """The tenant's students whose name or email contains ``text``, or whose SIS or LMS id
    is ``text``."""
    text = " ".join(text.split()).lower()
    if not text:
        return []
    return list(
        db.session.execute(
            select(Person)
            .where(
                policy.tenant_students(tenant_id),
                or_(
                    func.lower(Person.name).contains(text, autoescape=True),
                    func.lower(Person.email).contains(text, autoescape=True),
                    func.lower(Person.sis_id) == text,
                    func.lower(Person.lms_user_id) == text,
                ),
            )
            .order_by(*reading.person_order())
            .limit(limit)
        ).scalars()
    )


def _record(actor: Actor, action: str, grant: RoleGrant, **detail: object) -> None:
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="role_grant",
        subject_id=grant.id,
        **detail,
    )


def _letter(value: str | None) -> str:
    text = (value or "").strip().upper()
    if len(text) != 1 or not text.isalpha():
        raise InvalidInput("Give one letter for each end of the range, like A and F.")
    return text


def add_rule(actor: Actor, grant: RoleGrant, form: dict[str, str], students: Iterable[str]) -> int:
    """Add the rule the form describes (``kind`` with its value; for ``student`` the ticked
    ids); returns how many rules were added. Audited.

    :raises InvalidInput: (422 at the view) for a missing or wrong value.
    """
    kind = form.get("kind", "")
    new: list[CaseloadRule] = []
    base = {"tenant_id": actor.tenant_id, "grant_id": grant.id, "created_by": actor.person_id}
    if kind == CaseloadRuleKind.GRADE:
        grade = digits_int(form.get("grade_level"), 0, 13)
        if grade is None:
            raise InvalidInput("Choose a grade level from 0 (kindergarten) to 13.")
        new.append(CaseloadRule(kind=CaseloadRuleKind.GRADE, grade_level=grade, **base))
    elif kind == CaseloadRuleKind.ALPHA:
        low, high = _letter(form.get("alpha_from")), _letter(form.get("alpha_to"))
        if low > high:
            raise InvalidInput("The first letter comes after the last one; swap them.")
        new.append(CaseloadRule(kind=CaseloadRuleKind.ALPHA, alpha_from=low, alpha_to=high, **base))
    elif kind == CaseloadRuleKind.SCHOOL:
        school = " ".join((form.get("school") or "").split())
        if not school or len(school) > 255:
            raise InvalidInput("Type the school's name as the LMS or SIS spells it.")
        new.append(CaseloadRule(kind=CaseloadRuleKind.SCHOOL, school=school, **base))
    elif kind == CaseloadRuleKind.STUDENT:
        ids = {n for n in map(digits_int, students) if n is not None}
        found = db.session.execute(
            select(Person.id).where(policy.tenant_students(actor.tenant_id), Person.id.in_(ids))
        ).scalars()
        have = set(
            db.session.execute(
                select(CaseloadRule.student_id).where(
                    CaseloadRule.grant_id == grant.id, CaseloadRule.kind == CaseloadRuleKind.STUDENT
                )
            ).scalars()
        )
        new.extend(
            CaseloadRule(kind=CaseloadRuleKind.STUDENT, student_id=i, **base)
            for i in sorted(set(found) - have)
        )
        if not ids:
            raise InvalidInput("Tick at least one student.")
    else:
        raise InvalidInput("Choose how to add students.")
    db.session.add_all(new)
    db.session.flush()
    _record(
        actor,
        "caseload.rule_add",
        grant,
        kind=kind,
        rules=[r.id for r in new],
        students=[r.student_id for r in new if r.student_id],
    )
    db.session.commit()
    return len(new)


def is_last_rule(tenant_id: int, rule_id: int) -> bool:
    """Whether ``rule_id`` is the tenant's only caseload rule (one query)."""
    ids = db.session.execute(
        select(CaseloadRule.id).where(CaseloadRule.tenant_id == tenant_id).limit(2)
    ).scalars()
    return list(ids) == [rule_id]


def remove_rule(actor: Actor, rule_id: int) -> None:
    """Remove one rule of the tenant; audited.

    :raises NotFound: for a rule of another tenant or none.
    """
    rule = db.session.get(CaseloadRule, rule_id)
    if rule is None or rule.tenant_id != actor.tenant_id:
        raise NotFound("No such caseload rule.")
    grant = db.session.get(RoleGrant, rule.grant_id)
    assert grant is not None
    _record(
        actor,
        "caseload.rule_remove",
        grant,
        rule=rule.id,
        kind=rule.kind.value,
        student=rule.student_id,
        grade_level=rule.grade_level,
        alpha=f"{rule.alpha_from}-{rule.alpha_to}" if rule.alpha_from else None,
        school=rule.school,
    )
    db.session.delete(rule)
    db.session.commit()


# -- CSV upload ---------------------------------------------------------------------------------

COUNSELOR_COLUMN = "counselor_email"
STUDENT_COLUMNS = ("student", "student_sis_id", "student_email", "student_lms_id")
MAX_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What a CSV upload did."""

    added: int
    already: int
    unmatched: list[tuple[int, str]]


def _read_csv(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedFile("The file is not a CSV saved as UTF-8 text.") from None
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error:
        raise MalformedFile("The file could not be read as CSV.") from None
    if not rows:
        raise MalformedFile("The file is empty.")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    if COUNSELOR_COLUMN not in header or not any(c in header for c in STUDENT_COLUMNS):
        raise MalformedFile(
            "The first row must name the columns: counselor_email, and student (or "
            "student_sis_id, student_email, student_lms_id)."
        )
    if len(rows) - 1 > MAX_ROWS:
        raise MalformedFile(f"Upload at most {MAX_ROWS:,} rows at a time.")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MalformedFile(
                f"Row {number} has {len(row)} cells where the first row has {len(header)}."
            )
        out.append(
            {"_row": str(number), **{h: c.strip() for h, c in zip(header, row, strict=True)}}
        )
    return out


def upload(actor: Actor, data: bytes) -> UploadResult:
    """Add a student rule for each row (counselor email, student SIS id, email or LMS id);
    rows naming an unknown counselor or student are reported, not kept. Audited.

    :raises MalformedFile: for a file that is not such a CSV (nothing is kept).
    """
    rows = _read_csv(data)
    tenant = actor.tenant_id
    grants: dict[str, int] = {}
    for grant, email in db.session.execute(
        select(RoleGrant, Person.email)
        .outerjoin(Person, Person.id == RoleGrant.person_id)
        .where(RoleGrant.tenant_id == tenant, RoleGrant.role == GrantRole.COUNSELOR)
        .order_by(RoleGrant.id)
    ).all():
        for known in (grant.email, email):
            if known:
                grants.setdefault(known.lower(), grant.id)
    by_key: dict[tuple[str, str], int] = {}
    for pid, sis, mail, lms in db.session.execute(
        select(Person.id, Person.sis_id, Person.email, Person.lms_user_id).where(
            policy.tenant_students(tenant)
        )
    ).all():
        for kind, value in (("sis", sis), ("email", mail), ("lms", lms)):
            if value:
                by_key.setdefault((kind, value.lower()), pid)
    existing: set[tuple[int, int | None]] = {
        (grant_id, student_id)
        for grant_id, student_id in db.session.execute(
            select(CaseloadRule.grant_id, CaseloadRule.student_id).where(
                CaseloadRule.tenant_id == tenant, CaseloadRule.kind == CaseloadRuleKind.STUDENT
            )
        ).all()
    }
    unmatched: list[tuple[int, str]] = []
    added: list[CaseloadRule] = []
    already = 0
    for row in rows:
        number = int(row["_row"])
        grant_id = grants.get(row.get(COUNSELOR_COLUMN, "").lower())
        if grant_id is None:
            unmatched.append((number, "no counselor with this email"))
            continue
        student_id = _student_of(row, by_key)
        if student_id is None:
            unmatched.append((number, "no student with this SIS id, email or LMS id"))
            continue
        if (grant_id, student_id) in existing:
            already += 1
            continue
        existing.add((grant_id, student_id))
        added.append(
            CaseloadRule(
                tenant_id=tenant,
                grant_id=grant_id,
                kind=CaseloadRuleKind.STUDENT,
                student_id=student_id,
                created_by=actor.person_id,
            )
        )
    db.session.add_all(added)
    db.session.flush()
    audit.record(
        "caseload.upload",
        tenant_id=tenant,
        actor_id=actor.person_id,
        rules=[r.id for r in added],
        students=[r.student_id for r in added],
        unmatched_rows=[n for n, _why in unmatched],
    )
    db.session.commit()
    return UploadResult(added=len(added), already=already, unmatched=unmatched)


def _student_of(row: dict[str, str], by_key: dict[tuple[str, str], int]) -> int | None:
    tries: list[tuple[str, str]] = []
    if row.get("student"):
        value = row["student"].lower()
        tries += [("sis", value), ("email", value), ("lms", value)]
    for column, kind in (
        ("student_sis_id", "sis"),
        ("student_email", "email"),
        ("student_lms_id", "lms"),
    ):
        if row.get(column):
            tries.append((kind, row[column].lower()))
    for key in tries:
        if key in by_key:
            return by_key[key]
    return None

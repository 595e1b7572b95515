"""Admin and counselor rights that Lodestar grants, never an LMS claim by itself.

An operator grants them (``ilp people grant``), a Lodestar admin on the admin page, or a
per-platform rule the operator turns on ("this LMS's institution Administrators are Lodestar
admins"). A grant may name someone before their first launch, by ``sub`` or email; the
first launch that matches binds it to the person.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select

from lti_tool import audit, session_records
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import GrantRole, Person, Platform, Role, RoleGrant, Tenant

RULE = "platform-rule"
OPERATOR = "operator"


def roles_of(person: Person) -> set[Role]:
    """The Lodestar roles a person's grants give (admin implies counselor rights)."""
    granted = set(
        db.session.execute(
            select(RoleGrant.role).where(
                RoleGrant.tenant_id == person.tenant_id, RoleGrant.person_id == person.id
            )
        ).scalars()
    )
    roles = {Role(str(r)) for r in granted}
    if Role.ADMIN in roles:
        roles.add(Role.COUNSELOR)
    return roles


def bind_pending(person: Person) -> None:
    """Bind grants that named this person by sub or email before their first launch."""
    conditions = [RoleGrant.sub == person.sub]
    if person.email:
        conditions.append(func.lower(RoleGrant.email) == person.email.lower())
    for grant in db.session.execute(
        select(RoleGrant).where(
            RoleGrant.tenant_id == person.tenant_id, RoleGrant.person_id.is_(None), or_(*conditions)
        )
    ).scalars():
        if _has(person, GrantRole(grant.role)):
            db.session.delete(grant)
        else:
            # Bound for good: the email or sub that named them matches nobody else later.
            grant.person_id, grant.sub, grant.email = person.id, None, None


def _has(person: Person, role: GrantRole) -> bool:
    query = select(RoleGrant.id).where(
        RoleGrant.tenant_id == person.tenant_id,
        RoleGrant.person_id == person.id,
        RoleGrant.role == role,
    )
    return db.session.execute(query.limit(1)).first() is not None


def rule_on_in_tenant(tenant_id: int) -> bool:
    """Whether any active registration of the tenant has the institution-admins rule."""
    return (
        db.session.execute(
            select(Platform.id)
            .where(
                Platform.tenant_id == tenant_id,
                Platform.active.is_(True),
                Platform.institution_admins_are_admins.is_(True),
            )
            .limit(1)
        ).first()
        is not None
    )


def apply_platform_rule(platform: Platform, person: Person, *, institution_admin: bool) -> None:
    """Keep the rule-made admin grant in step with the latest launch of a platform whose
    rule is on; a launch through a registration without the rule leaves it alone, unless no
    registration of the tenant keeps the rule."""
    if not platform.institution_admins_are_admins:
        if not rule_on_in_tenant(person.tenant_id):
            _drop_rule_grant(person)
        return
    if institution_admin and not _has(person, GrantRole.ADMIN):
        db.session.add(
            RoleGrant(
                tenant_id=person.tenant_id, person_id=person.id, role=GrantRole.ADMIN, source=RULE
            )
        )
    elif not institution_admin:
        _drop_rule_grant(person)


def _drop_rule_grant(person: Person) -> None:
    """Remove a person's rule-made grant; losing it signs them out everywhere."""
    result = db.session.execute(
        delete(RoleGrant).where(RoleGrant.person_id == person.id, RoleGrant.source == RULE)
    )
    if getattr(result, "rowcount", 0):
        session_records.end_sessions_of([person.id])


def _tenant(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"No tenant with id {tenant_id}")
    return tenant


def grant(
    tenant_id: int,
    role: str,
    *,
    sub: str | None = None,
    email: str | None = None,
    person_id: int | None = None,
    granted_by: int | None = None,
) -> RoleGrant:
    """Give a person admin or counselor rights in a tenant, before or after they launch.

    :raises InvalidInput: for an unknown role, or when no person is named.
    :raises NotFound: for an unknown tenant or person id.
    """
    try:
        grant_role = GrantRole(role)
    except ValueError as err:
        raise InvalidInput(f"Unknown role {role!r}; use admin or counselor") from err
    _tenant(tenant_id)
    sub = (sub or "").strip() or None
    email = (email or "").strip() or None
    if not (sub or email or person_id):
        raise InvalidInput("Name the person by --sub or --email")
    if email and ("@" not in email or len(email) > 320 or any(c.isspace() for c in email)):
        raise InvalidInput(f"{email!r} is not an email address")
    if sub and len(sub) > 255:
        raise InvalidInput("An LTI user id (sub) is at most 255 characters")
    person = _find(tenant_id, sub=sub, email=email, person_id=person_id)
    if person is not None:
        existing = (
            db.session.execute(
                select(RoleGrant).where(
                    RoleGrant.tenant_id == person.tenant_id,
                    RoleGrant.person_id == person.id,
                    RoleGrant.role == grant_role,
                    RoleGrant.source == OPERATOR,
                )
            )
            .scalars()
            .first()
        )
        if existing is not None:
            return existing
    row = RoleGrant(
        tenant_id=tenant_id,
        role=grant_role,
        source=OPERATOR,
        person_id=person.id if person else None,
        sub=None if person else sub,
        email=None if person else email,
        granted_by=granted_by,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "grant.added",
        tenant_id=tenant_id,
        actor_id=granted_by,
        subject_type="person" if person else None,
        subject_id=person.id if person else None,
        role=grant_role.value,
        pending=person is None,
    )
    db.session.commit()
    return row


def _find(
    tenant_id: int, *, sub: str | None, email: str | None, person_id: int | None
) -> Person | None:
    if person_id is not None:
        person = db.session.get(Person, person_id)
        if person is None or person.tenant_id != tenant_id:
            raise NotFound(f"No person with id {person_id} in this tenant")
        return person
    query = select(Person).where(Person.tenant_id == tenant_id)
    if sub:
        return db.session.execute(query.where(Person.sub == sub)).scalars().first()
    matches = list(
        db.session.execute(
            query.where(func.lower(Person.email) == (email or "").lower()).limit(2)
        ).scalars()
    )
    if len(matches) > 1:
        raise InvalidInput(f"Several people have the email {email}; name the person by --sub")
    return matches[0] if matches else None


def revoke(tenant_id: int, grant_id: int, *, revoked_by: int | None = None) -> None:
    """Take a grant back (its person loses the right on their next request).

    :raises NotFound: when the grant is not in this tenant.
    """
    row = db.session.get(RoleGrant, grant_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"No grant with id {grant_id} in this tenant")
    audit.record(
        "grant.revoked",
        tenant_id=tenant_id,
        actor_id=revoked_by,
        subject_type="person" if row.person_id else None,
        subject_id=row.person_id,
        role=str(row.role),
    )
    db.session.delete(row)
    db.session.commit()


def revoke_matching(
    tenant_id: int, role: str, *, sub: str | None = None, email: str | None = None
) -> int:
    """Revoke the operator grants of one role that name a person by sub or email."""
    person = _find(tenant_id, sub=sub, email=email, person_id=None)
    conditions = []
    if person is not None:
        conditions.append(RoleGrant.person_id == person.id)
    if sub:
        conditions.append(RoleGrant.sub == sub)
    if email:
        conditions.append(func.lower(RoleGrant.email) == email.lower())
    if not conditions:
        return 0
    rows = list(
        db.session.execute(
            select(RoleGrant).where(
                RoleGrant.tenant_id == tenant_id, RoleGrant.role == role, or_(*conditions)
            )
        ).scalars()
    )
    for row in rows:
        revoke(tenant_id, row.id)
    return len(rows)


def list_grants(tenant_id: int) -> list[tuple[RoleGrant, Person | None]]:
    """Every grant of the tenant with its person (None while pending), newest first."""
    return [
        (g, p)
        for g, p in db.session.execute(
            select(RoleGrant, Person)
            .outerjoin(Person, Person.id == RoleGrant.person_id)
            .where(RoleGrant.tenant_id == tenant_id)
            .order_by(RoleGrant.created_at.desc(), RoleGrant.id.desc())
        ).all()
    ]

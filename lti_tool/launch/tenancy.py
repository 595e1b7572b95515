"""Which tenant a registration joins, and merging tenants that should have been one.

A tenant is one district's LMS. Moodle gives every registration (and every course-level
tool) its own client id under the site's issuer, so a new registration whose site-specific
issuer already belongs to exactly one tenant joins it. The shared cloud issuers (Canvas
cloud, Schoology) serve every customer under one issuer, so they never decide a tenant by
themselves: the operator names it (``ilp platforms add --tenant``).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Column, Table, UniqueConstraint, delete, select, update

from lti_tool import audit, session_records
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Platform, Tenant
from lti_tool.tenants import is_shared_issuer


def find_tenant(ref: int | str) -> Tenant | None:
    """A tenant by id (an int or digits) or by exact name."""
    if isinstance(ref, int) or (str(ref).isascii() and str(ref).isdigit()):
        return db.session.get(Tenant, int(ref))
    return db.session.execute(select(Tenant).where(Tenant.name == str(ref))).scalars().first()


def tenant_for_registration(
    issuer: str,
    *,
    tenant: int | str | None,
    name: str | None,
    district: str | None,
    existing: Platform | None,
    key_set_url: str = "",
    auth_login_url: str = "",
) -> Tenant:
    """The tenant a registration belongs to (created when the rules name none).

    :raises InvalidInput: when the named tenant id does not exist, or the registration
        already belongs to another tenant.
    """
    if tenant is not None and str(tenant).strip():
        chosen = find_tenant(tenant)
        if chosen is None:
            if isinstance(tenant, int) or str(tenant).isdigit():
                raise InvalidInput(f"No tenant with id {tenant}")
            chosen = Tenant(name=str(tenant)[:255], district=district)
            db.session.add(chosen)
            db.session.flush()
        if existing is not None and existing.tenant_id != chosen.id:
            raise InvalidInput(
                f"This registration already belongs to tenant {existing.tenant_id}; "
                f"use 'ilp platforms merge {existing.tenant_id} {chosen.id}' to join them."
            )
        return chosen
    if existing is not None:
        return existing.tenant
    if not is_shared_issuer(issuer):
        # Only a registration that also signs with the site's own keys and logs in at its
        # own endpoint joins by default (every Moodle registration of one site shares
        # both); a look-alike that names the issuer but its own keys gets a tenant of its
        # own, so it can never sign launches into a district's tenant.
        tenant_ids = set(
            db.session.execute(
                select(Platform.tenant_id).where(
                    Platform.issuer == issuer,
                    Platform.key_set_url == key_set_url,
                    Platform.auth_login_url == auth_login_url,
                )
            ).scalars()
        )
        if len(tenant_ids) == 1:
            joined = db.session.get(Tenant, tenant_ids.pop())
            if joined is not None:
                return joined
    created = Tenant(name=(name or issuer)[:255], district=district)
    db.session.add(created)
    db.session.flush()
    return created


def list_tenants() -> list[Tenant]:
    """All tenants, oldest first."""
    return list(db.session.execute(select(Tenant).order_by(Tenant.id)).scalars())


# -- merging ------------------------------------------------------------------------------

#: ``audit_events.subject_type`` of rows whose ids a merge re-points.
_SUBJECT_TYPES = {
    "people": "person",
    "courses": "course",
    "plans": "plan",
    "goals": "goal",
    "evidence": "evidence",
}


def _referencing(table: Table) -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) with a foreign key to ``table.id``."""
    found = []
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and fk.column.name == "id":
                found.append((child, fk.parent))
    return found


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _merge_row(table: Table, from_id: int, to_id: int, counts: dict[str, int]) -> None:
    """Move everything that points at row ``from_id`` to row ``to_id``, then delete it.

    A child row that would collide with a twin under a unique constraint (the same person
    in both tenants, the same course, the same student's plan) is merged into its twin the
    same way, so children of children move too and nothing is lost. The twin keeps its own
    values and takes the moved row's where it had none.
    """
    for child, column in _referencing(table):
        uniques = [
            c
            for c in child.constraints
            if isinstance(c, UniqueConstraint) and any(col is column for col in c.columns)
        ]
        rows = db.session.execute(select(child).where(column == from_id)).mappings().all()
        for row in rows:
            twin = None
            for constraint in uniques:
                conditions = [column == to_id]
                for other in constraint.columns:
                    if other is not column:
                        value = row[other.name]
                        conditions.append(other.is_(None) if value is None else other == value)
                twin = db.session.execute(select(child.c.id).where(*conditions)).scalar()
                if twin is not None:
                    break
            if twin is None or "id" not in child.c:
                db.session.execute(
                    update(child).where(child.c.id == row["id"]).values({column.name: to_id})
                )
                counts[child.name] = counts.get(child.name, 0) + 1
                continue
            twin_row = db.session.execute(select(child).where(child.c.id == twin)).mappings().one()
            fill = {
                name: row[name]
                for name in row
                if name not in {"id", column.name}
                and _empty(twin_row[name])
                and not _empty(row[name])
            }
            if fill:
                db.session.execute(update(child).where(child.c.id == twin).values(fill))
            _merge_row(child, int(row["id"]), int(twin), counts)
    subject_type = _SUBJECT_TYPES.get(table.name)
    if subject_type:
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == from_id)
            .values(subject_id=to_id)
        )
    db.session.execute(delete(table).where(table.c.id == from_id))


def merge_tenants(source_id: int, target_id: int) -> dict[str, int]:
    """Join tenant ``source_id`` into ``target_id`` and delete the emptied source.

    Registrations, people (matched by ``sub``), courses (by context id), plans, goals,
    evidence and everything else move; duplicates are merged row into row. Returns how
    many rows of each table moved.

    :raises NotFound: for an unknown tenant.
    :raises InvalidInput: when both ids are the same.
    """
    if source_id == target_id:
        raise InvalidInput("A tenant cannot be merged into itself")
    source, target = db.session.get(Tenant, source_id), db.session.get(Tenant, target_id)
    if source is None or target is None:
        raise NotFound(f"No tenant with id {source_id if source is None else target_id}")
    counts: dict[str, int] = {}
    # People, enrollments and grants are rewritten row by row below: everyone in either
    # tenant opens Lodestar again afterwards.
    session_records.end_sessions_in_tenants([source_id, target_id])
    try:
        # A declarative class's __table__ is typed as any FromClause; this one is a Table.
        _merge_row(cast(Table, Tenant.__table__), source_id, target_id, counts)
        db.session.flush()
        audit.record(
            "tenant.merged",
            tenant_id=target_id,
            actor_id=None,
            subject_type="tenant",
            subject_id=target_id,
            merged=source_id,
            moved=sum(counts.values()),
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()
    return counts

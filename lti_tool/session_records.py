"""Server-side session records: open, find, prove, keep alive and end Lodestar sessions.

A session belongs to one person in one tenant and is opened by a signed launch. It ends
when the person signs out, after ``ILP_SESSION_IDLE_MINUTES`` without a request, when it is
older than ``ILP_LAUNCH_TOKEN_TTL``, and when the person's access changes (an enrollment
deactivated or given another role, a guardian link ended, a grant revoked, the data erased).
The request side (cookie, frame secret, links) lives in ``lti_tool/launch/session.py``; this
module is cross-cutting so that roster sync, grants and erasure can end sessions without
importing the launch package.

Access changes made row by row through the ORM end sessions by themselves (a flush
listener); bulk statements call :func:`end_sessions_of` with the people they touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, delete, event, inspect, or_, select, update
from sqlalchemy.orm import Session

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import (
    Enrollment,
    EnrollmentStatus,
    Mentorship,
    Role,
    RoleGrant,
    SessionMode,
    UserSession,
)
from lti_tool.store import get_store

#: Why a session ended (``UserSession.end_reason``).
SIGNED_OUT = "signed-out"
IDLE = "idle"
EXPIRED = "expired"
ACCESS_CHANGED = "access-changed"
ERASED = "erased"

#: A request refreshes ``last_seen_at`` at most this often (one write a minute, not one a
#: request).
TOUCH_EVERY = dt.timedelta(seconds=60)
#: Lifetime of a one-time hop code (a frame's next page, a new tab).
HOP_TTL = 60
#: Ended sessions are kept this long (to tell a returning person why), then deleted; one
#: launch in ``PURGE_EVERY`` does the deleting.
KEEP_ENDED = dt.timedelta(days=1)
PURGE_EVERY = 100


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(
    *,
    tenant_id: int,
    person_id: int,
    course_id: int | None,
    roles: Iterable[Role],
    launch_id: str | None,
    mode: SessionMode,
) -> tuple[UserSession, str]:
    """Record a new session for an accepted launch; return it and its secret (shown once)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(
        handle=secrets.token_urlsafe(24),
        secret_hash=_hash(secret),
        mode=mode,
        tenant_id=tenant_id,
        person_id=person_id,
        course_id=course_id,
        roles=",".join(sorted(roles)),
        launch_id=(launch_id or "")[:255] or None,
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(record)
    db.session.commit()
    if secrets.randbelow(PURGE_EVERY) == 0:
        purge_old_sessions()
    return record, secret


def purge_old_sessions() -> int:
    """Delete session rows that ended (or ran out of time) more than ``KEEP_ENDED`` ago;
    until then a person who comes back is told why their session ended."""
    now = utcnow()
    result = db.session.execute(
        delete(UserSession).where(
            or_(
                UserSession.ended_at < now - KEEP_ENDED,
                UserSession.last_seen_at < now - idle_limit() - KEEP_ENDED,
                UserSession.created_at < now - age_limit() - KEEP_ENDED,
            )
        )
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def find(handle: str | None) -> UserSession | None:
    """The session named by ``handle`` (ended or not), or None."""
    if not handle or len(handle) > 64:
        return None
    return db.session.execute(
        select(UserSession).where(UserSession.handle == handle)
    ).scalar_one_or_none()


def secret_matches(record: UserSession, secret: str | None) -> bool:
    """Whether ``secret`` is the session's secret (compared in constant time)."""
    if not secret:
        return False
    return hmac.compare_digest(record.secret_hash, _hash(secret))


def roles_of(record: UserSession) -> frozenset[Role]:
    """The Lodestar roles a session carries."""
    return frozenset(Role(r) for r in record.roles.split(",") if r)


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=int(current_app.config["ILP_SESSION_IDLE_MINUTES"]))


def age_limit() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config["ILP_LAUNCH_TOKEN_TTL"]))


def check_alive(record: UserSession) -> str | None:
    """None while the session may serve requests; otherwise why it ended (and end it now
    when it ran out of time)."""
    if record.ended_at is not None:
        return record.end_reason or SIGNED_OUT
    now = utcnow()
    reason = None
    if now - record.last_seen_at > idle_limit():
        reason = IDLE
    elif now - record.created_at > age_limit():
        reason = EXPIRED
    if reason:
        end(record, reason)
    return reason


def touch(session_id: int, last_seen_at: dt.datetime) -> None:
    """Note that the session is in use (at most one write a minute)."""
    now = utcnow()
    if now - last_seen_at >= TOUCH_EVERY:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == session_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def end(record: UserSession, reason: str) -> None:
    """End one session."""
    end_by_id(record.id, reason)
    record.ended_at, record.end_reason = record.ended_at or utcnow(), record.end_reason or reason


def end_by_id(session_id: int, reason: str) -> None:
    """End one session, named by its id."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def end_sessions_of(person_ids: Iterable[int], reason: str = ACCESS_CHANGED) -> int:
    """End every live session of these people (in the caller's transaction); return how
    many ended."""
    ids = sorted({int(i) for i in person_ids if i is not None})
    if not ids:
        return 0
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.person_id.in_(ids), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_sessions_in_tenants(tenant_ids: Iterable[int], reason: str = ACCESS_CHANGED) -> int:
    """End every live session in these tenants (a merge of tenants rewrites who is who)."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.tenant_id.in_(sorted(set(tenant_ids))), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def delete_sessions_of(person_id: int) -> int:
    """Remove every session row of a person (deletion on request)."""
    result = db.session.execute(delete(UserSession).where(UserSession.person_id == person_id))
    return int(getattr(result, "rowcount", 0) or 0)


# -- one-time hop codes -----------------------------------------------------------------


def issue_hop(handle: str) -> str:
    """A single-use code, valid for ``HOP_TTL`` seconds, that lets one navigation (a frame's
    next page, or a new tab) join the session. Worthless once used or expired, so a URL
    that carries one is safe in a browser's history."""
    code = secrets.token_urlsafe(24)
    get_store().set(hop_key(code), handle, HOP_TTL)
    return code


def hop_key(code: str) -> str:
    """Hop codes are kept hashed: the store never holds one that would work."""
    return f"session-hop:{_hash(code)}"


def take_hop(code: str | None) -> str | None:
    """The handle a hop code stands for, consumed; None when unknown, used or expired."""
    if not code or len(code) > 64:
        return None
    handle = get_store().pop(hop_key(code))
    return str(handle) if handle else None


# -- access changes end sessions ----------------------------------------------------------

_PENDING = "lodestar_sessions_to_end"


def _changed(obj: Any, *attrs: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _left_active(enrollment: Enrollment) -> bool:
    """Whether this flush moves the enrollment away from active (gaining one signs nobody
    out)."""
    history = inspect(enrollment).attrs.status.history
    return (
        bool(history.deleted)
        and EnrollmentStatus.ACTIVE in history.deleted
        and enrollment.status != EnrollmentStatus.ACTIVE
    )


def _people_losing_access(session: Session) -> set[int]:
    people: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, Enrollment) and (_left_active(obj) or _changed(obj, "role")):
            people.add(obj.person_id)
        elif isinstance(obj, Mentorship) and _changed(obj, "active") and not obj.active:
            people.add(obj.guardian_id)
        elif isinstance(obj, RoleGrant) and _changed(obj, "role") and obj.person_id:
            people.add(obj.person_id)
    for obj in session.deleted:
        if isinstance(obj, Enrollment):
            people.add(obj.person_id)
        elif isinstance(obj, Mentorship):
            people.add(obj.guardian_id)
        elif isinstance(obj, RoleGrant) and obj.person_id:
            people.add(obj.person_id)
    return people


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: Any, _instances: Any) -> None:
    people = _people_losing_access(session)
    if people:
        session.info.setdefault(_PENDING, set()).update(people)


@event.listens_for(Session, "after_flush")
def _end_collected(session: Session, _context: Any) -> None:
    people = session.info.pop(_PENDING, None)
    if people:
        # A declarative class's __table__ is typed as any FromClause; this one is a Table.
        table = cast(Table, UserSession.__table__)
        session.connection().execute(
            table.update()
            .where(table.c.person_id.in_(sorted(people)), table.c.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=ACCESS_CHANGED)
        )

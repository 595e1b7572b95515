"""The year-end rollover and the deletion of archived graduates after the retention period.

The rollover ends one school year and starts the next, in one transaction:

1. every plan of a current student gets a snapshot of the ending year (an approved or signed
   snapshot stays as it was: it records what was approved or signed);
2. graduates (grade 12, by the LMS's or SIS's grade level, else the student's own; with no
   grade at all, a graduation year no later than the ending year) are archived: kept,
   read-only, their plans untouched, until the district's retention period has passed;
3. everyone else's grade level (the LMS's and the student's own) moves up one;
4. the new school year is recorded: running the rollover again for it does nothing.

It opens from 92 days before the first day of a school year to 92 days after, and starts that
year. Grade changes are bulk statements (no statement per student); only the snapshots read
each plan, as a student's own "save snapshot" does (about 14 statements a plan: a district of
5,000 takes a minute or two, so the page runs it as a background job when RQ is configured).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update

from lti_tool import audit, tenants
from lti_tool.db import utcnow
from lti_tool.district.calendar import settings_of
from lti_tool.extensions import db
from lti_tool.models import DistrictSettings, Person
from lti_tool.plans import erasure
from lti_tool.plans.models import Plan, PlanSnapshot
from lti_tool.plans.yearly_snapshots import take_snapshot

#: The rollover opens this long before a school year's first day and closes this long after.
WINDOW = dt.timedelta(days=92)
LAST_GRADE = 12
#: Ids per bulk statement (well under every database's parameter limit).
CHUNK = 900


@dataclass(frozen=True)
class Preview:
    """What a rollover would do now."""

    ending: str
    starting: str
    #: False outside the window around a year's first day (``opens``: the next opening).
    open: bool
    #: True when the rollover to ``starting`` already ran.
    done: bool
    snapshots: int
    advancing: int
    graduating: int
    opens: dt.date | None = None


@dataclass(frozen=True)
class Result:
    """What a rollover did (all zero when it had already run)."""

    ran: bool
    starting: str
    snapshots: int = 0
    advanced: int = 0
    archived: int = 0
    purged: int = 0


def _today(tenant_id: int, now: dt.datetime) -> dt.date:
    return now.astimezone(tenants.tenant_zone(tenant_id)).date()


def _years(settings: DistrictSettings, today: dt.date) -> tuple[str, str, bool, dt.date]:
    """(ending, starting, open, first day of starting) for ``today``."""
    start = (settings.school_year_start_month, settings.school_year_start_day)
    starting = tenants.school_year_of(today + WINDOW, start)
    first_day = dt.date(int(starting[:4]), *start)
    is_open = today < first_day + WINDOW
    if not is_open:  # well into the year: the next rollover is the following year's
        starting = tenants.next_school_year(starting)
        first_day = dt.date(int(starting[:4]), *start)
    ending = f"{int(starting[:4]) - 1}-{starting[:4]}"
    return ending, starting, is_open, first_day


def _grade() -> Any:
    """A student's grade: the LMS's or SIS's, else their own entry in the plan."""
    return func.coalesce(Person.grade_level, Plan.grade_level)


def _students(tenant_id: int) -> Any:
    """People of the tenant who are current students (not archived or erased) with a grade,
    a graduation year or a plan, joined to their plan when they have one."""
    return (
        select(Person.id)
        .outerjoin(Plan, and_(Plan.person_id == Person.id, Plan.tenant_id == tenant_id))
        .where(
            Person.tenant_id == tenant_id,
            Person.archived_at.is_(None),
            Person.erased_at.is_(None),
            or_(
                Person.grade_level.is_not(None),
                Person.graduation_year.is_not(None),
                Plan.id.is_not(None),
            ),
        )
    )


def _graduating(tenant_id: int, ending: str) -> Any:
    return _students(tenant_id).where(
        or_(
            _grade() >= LAST_GRADE,
            and_(_grade().is_(None), Person.graduation_year <= int(ending[5:])),
        )
    )


def _advancing(tenant_id: int, ending: str) -> Any:
    graduating = _graduating(tenant_id, ending)
    return _students(tenant_id).where(_grade() < LAST_GRADE, Person.id.not_in(graduating))


def _to_snapshot(tenant_id: int, ending: str) -> Any:
    """Plans of current students whose snapshot of ``ending`` is missing or may be replaced
    (neither approved nor signed)."""
    kept = select(PlanSnapshot.plan_id).where(
        PlanSnapshot.school_year == ending,
        or_(PlanSnapshot.approved_at.is_not(None), PlanSnapshot.signed_at.is_not(None)),
    )
    return (
        select(Plan)
        .join(Person, Person.id == Plan.person_id)
        .where(
            Plan.tenant_id == tenant_id,
            Person.archived_at.is_(None),
            Person.erased_at.is_(None),
            Plan.id.not_in(kept),
        )
        .order_by(Plan.id)
    )


def _count(query: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def preview(tenant_id: int, now: dt.datetime | None = None) -> Preview:
    """What the rollover would do at ``now`` (counts only; four queries)."""
    settings = settings_of(tenant_id)
    ending, starting, is_open, first_day = _years(settings, _today(tenant_id, now or utcnow()))
    done = bool(settings.current_school_year and settings.current_school_year >= starting)
    if done or not is_open:
        return Preview(
            ending, starting, is_open, done, 0, 0, 0, None if is_open else first_day - WINDOW
        )
    return Preview(
        ending=ending,
        starting=starting,
        open=True,
        done=False,
        snapshots=_count(_to_snapshot(tenant_id, ending).with_only_columns(Plan.id)),
        advancing=_count(_advancing(tenant_id, ending)),
        graduating=_count(_graduating(tenant_id, ending)),
    )


def _run(statement: Any) -> int:
    result = cast(
        CursorResult[Any],
        db.session.execute(statement.execution_options(synchronize_session=False)),
    )
    return int(result.rowcount or 0)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def run(
    tenant_id: int,
    *,
    actor_id: int | None = None,
    now: dt.datetime | None = None,
    expected: str | None = None,
) -> Result:
    """End the school year and start the next (see the module docstring); audited
    (``district.rollover``, counts only), then purge archived graduates past retention.

    ``expected``: the school year the admin confirmed; nothing happens when the rollover
    would start another (the page was left open across a year's window). Returns what was
    done; nothing when that year was started already or the window is closed.
    """
    now = now or utcnow()
    row = db.session.execute(
        select(DistrictSettings).where(DistrictSettings.tenant_id == tenant_id).with_for_update()
    ).scalar_one_or_none()
    settings = row if row is not None else settings_of(tenant_id)
    ending, starting, is_open, _first = _years(settings, _today(tenant_id, now))
    if (
        not is_open
        or (expected is not None and expected != starting)
        or (settings.current_school_year and settings.current_school_year >= starting)
    ):
        db.session.rollback()
        return Result(ran=False, starting=starting)

    taken = 0
    for plan in db.session.scalars(_to_snapshot(tenant_id, ending)).all():
        take_snapshot(plan, ending)
        taken += 1
    graduates = list(db.session.scalars(_graduating(tenant_id, ending)))
    advancing = list(db.session.scalars(_advancing(tenant_id, ending)))
    for ids in _chunks(graduates):
        _run(update(Person).where(Person.id.in_(ids)).values(archived_at=now))
    for ids in _chunks(advancing):
        _run(
            update(Person)
            .where(Person.id.in_(ids), Person.grade_level < LAST_GRADE)
            .values(grade_level=Person.grade_level + 1)
        )
        _run(
            update(Plan)
            .where(Plan.tenant_id == tenant_id, Plan.person_id.in_(ids))
            .where(Plan.grade_level < LAST_GRADE)
            .values(grade_level=Plan.grade_level + 1)
        )
    if row is None:
        db.session.add(settings)
    settings.current_school_year = starting
    audit.record(
        "district.rollover",
        tenant_id=tenant_id,
        actor_id=actor_id,
        subject_type="tenant",
        subject_id=tenant_id,
        school_year=starting,
        ended=ending,
        snapshots=taken,
        advanced=len(advancing),
        archived=len(graduates),
    )
    db.session.commit()
    purged = purge_archived(tenant_id, now=now, actor_id=actor_id)
    return Result(True, starting, taken, len(advancing), len(graduates), purged)


def run_job(tenant_id: int, actor_id: int | None, expected: str) -> str:
    """The rollover as a background job (``jobs.enqueue``; a large district's snapshots take
    minutes): what it did, as text."""
    done = run(tenant_id, actor_id=actor_id, expected=expected)
    if not done.ran:
        return f"nothing to do for {done.starting}"
    return (
        f"started {done.starting}: {done.snapshots} snapshots, {done.advanced} moved up, "
        f"{done.archived} archived, {done.purged} deleted"
    )


def due_for_deletion(tenant_id: int, now: dt.datetime | None = None) -> Any:
    """Archived graduates of the tenant whose retention period has passed."""
    days = settings_of(tenant_id).graduate_retention_days
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    return select(Person).where(
        Person.tenant_id == tenant_id,
        Person.archived_at.is_not(None),
        Person.archived_at < cutoff,
        Person.erased_at.is_(None),
    )


def purge_archived(
    tenant_id: int, *, now: dt.datetime | None = None, actor_id: int | None = None
) -> int:
    """Delete the archived graduates whose retention period has passed, as a deletion on
    request does (``plans.erasure``: a tombstone stays); audited with the count only
    (``district.purge``). How many were deleted."""
    people = list(db.session.scalars(due_for_deletion(tenant_id, now).order_by(Person.id)))
    for person in people:
        erasure.erase_student(tenant_id, person)
        db.session.commit()
        erasure.purge_store(person)
    if people:
        audit.record(
            "district.purge",
            tenant_id=tenant_id,
            actor_id=actor_id,
            subject_type="tenant",
            subject_id=tenant_id,
            deleted=len(people),
        )
        db.session.commit()
    return len(people)

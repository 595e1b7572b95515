"""The audit-log viewer: a tenant's audit events filtered by who acted, which student they
concern, the action and the day (in the school's time zone), newest first, 50 a page, and
the same as CSV.

A page costs a fixed number of statements whatever its size: the actions for the select,
the page of events with their actors' names (one join), and the names of the students the
page's events name. Event ``detail`` is JSON; the student filter reads its ``student_id``
with SQLAlchemy's JSON accessor, which compiles to ``JSON_EXTRACT`` on SQLite and ``->>``
on PostgreSQL, and matches the ``students`` list that pages showing many students record
(the caseload page and CSV, the family page, the class view) as text: SQLite gives the list
back compact (``[1,11,21]``), PostgreSQL as stored (``[1, 11, 21]``), so the spaces are
removed before the text is matched against ``[X]``, ``[X,%``, ``%,X,%`` and ``%,X]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Person
from lti_tool.plans import viewers
from lti_tool.plans.models import Plan
from lti_tool.plans.review_services import csv_cell
from lti_tool.tenants import tenant_zone

PAGE_SIZE = 50
#: The longest CSV export (a district that needs more narrows the dates).
MOST_CSV_ROWS = 100_000
#: The pseudo-action of "who saw this student's plan": every action that shows a student's
#: plan, portfolio or files (the same set as :func:`lti_tool.plans.viewers.viewers_of` reads).
SEEN = "seen"
SEEN_ACTIONS = tuple(sorted(viewers.READ_ACTIONS))
#: Most people a name search lists.
MOST_MATCHES = 20


@dataclass(frozen=True)
class Filters:
    """What the viewer shows: every field optional (None: any)."""

    actor_id: int | None = None
    student_id: int | None = None
    action: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    def query_args(self, **change: Any) -> dict[str, Any]:
        """The filters as URL query arguments (ids, action and dates only: never a name)."""
        values = {**asdict(self), **change}
        return {k: str(v) for k, v in values.items() if v is not None and (k != "page" or v > 1)}


@dataclass
class Row:
    """One event as the viewer shows it."""

    event: AuditEvent
    actor_name: str | None
    student_id: int | None
    student_name: str | None = None


@dataclass
class Page:
    """One page of events and the names the filters refer to."""

    rows: list[Row]
    has_next: bool
    actor: Person | None = None
    student: Person | None = None
    actions: list[str] = field(default_factory=list)


#: A number the viewer accepts: ASCII digits only (``"²".isdigit()`` is true, yet ``int``
#: refuses it) and short enough for any database's integer column.
_NUMBER = re.compile(r"[0-9]{1,9}")


def _number(value: str) -> int | None:
    """``value`` as a number when it is 1 to 9 ASCII digits, else None."""
    return int(value) if _NUMBER.fullmatch(value) else None


def _id(value: str, label: str) -> int | None:
    if not value:
        return None
    number = _number(value)
    if number is None:
        raise InvalidInput(f"{label}: a number (a person's id).")
    return number


def _day(value: str, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise InvalidInput(f"{label}: a date like 2027-05-31.") from err


def parse_filters(args: Mapping[str, str]) -> tuple[Filters, dict[str, str]]:
    """The filters from query arguments, and a message for each one that is wrong (those
    are left out of the filters)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    parsers: dict[str, tuple[Any, str]] = {
        "actor_id": (_id, "Person"),
        "student_id": (_id, "Student"),
        "date_from": (_day, "From"),
        "date_to": (_day, "To"),
    }
    for name, (parse, label) in parsers.items():
        try:
            values[name] = parse(str(args.get(name, "")).strip(), label)
        except InvalidInput as err:
            errors[name] = err.message
    action = str(args.get("action", "")).strip()
    if len(action) > 80:
        errors["action"] = "Choose an action from the list."
    else:
        values["action"] = action or None
    page = _number(str(args.get("page", "1")).strip())
    values["page"] = page if page is not None and 0 < page < 100_000 else 1
    if (
        values.get("date_from")
        and values.get("date_to")
        and values["date_from"] > values["date_to"]
    ):
        errors["date_to"] = "To: the same day as From or later."
        values["date_to"] = None
    return Filters(**values), errors


def _start_of(day: dt.date, zone: Any) -> dt.datetime:
    """Midnight of ``day`` in the school's zone, as UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


def conditions(tenant_id: int, filters: Filters) -> list[ColumnElement[bool]]:
    """The ``WHERE`` terms of the filters, within the tenant."""
    terms: list[ColumnElement[bool]] = [AuditEvent.tenant_id == tenant_id]
    if filters.actor_id is not None:
        terms.append(AuditEvent.actor_id == filters.actor_id)
    if filters.student_id is not None:
        plans = select(Plan.id).where(
            Plan.tenant_id == tenant_id, Plan.person_id == filters.student_id
        )
        terms.append(
            or_(
                AuditEvent.detail["student_id"].as_integer() == filters.student_id,
                _lists(filters.student_id),
                and_(
                    AuditEvent.subject_type == "person",
                    AuditEvent.subject_id == filters.student_id,
                ),
                and_(AuditEvent.subject_type == "plan", AuditEvent.subject_id.in_(plans)),
            )
        )
    if filters.action == SEEN:
        terms.append(AuditEvent.action.in_(SEEN_ACTIONS))
    elif filters.action:
        terms.append(AuditEvent.action == filters.action)
    zone = tenant_zone(tenant_id) if (filters.date_from or filters.date_to) else None
    if filters.date_from:
        terms.append(AuditEvent.created_at >= _start_of(filters.date_from, zone))
    if filters.date_to:
        end = filters.date_to + dt.timedelta(days=1)
        terms.append(AuditEvent.created_at < _start_of(end, zone))
    return terms


def _lists(student_id: int) -> ColumnElement[bool]:
    """The event's ``students`` list holds ``student_id`` (matched as JSON text, spaces
    removed, so ``1`` matches neither ``11`` nor ``21``)."""
    text = func.replace(AuditEvent.detail["students"].as_string(), " ", "")
    return or_(
        *(
            text.like(pattern)
            for pattern in (
                f"[{student_id}]",
                f"[{student_id},%",
                f"%,{student_id},%",
                f"%,{student_id}]",
            )
        )
    )


def known_actions(tenant_id: int) -> list[str]:
    """The actions the tenant's log holds, alphabetically (one query)."""
    return sorted(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.tenant_id == tenant_id).distinct()
        )
    )


def _person(tenant_id: int, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = db.session.get(Person, person_id)
    return person if person is not None and person.tenant_id == tenant_id else None


def _events(tenant_id: int, filters: Filters) -> Any:
    actor = aliased(Person)
    return (
        select(AuditEvent, actor.name, actor.email)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(*conditions(tenant_id, filters))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )


def _student_of(event: AuditEvent, wanted: int | None) -> int | None:
    """The student the event is about: its ``student_id``, a person subject, or (for an
    event listing many students) the student the viewer is filtered on."""
    detail = event.detail or {}
    value = detail.get("student_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if event.subject_type == "person":
        return event.subject_id
    students = detail.get("students")
    if wanted is not None and isinstance(students, list) and wanted in students:
        return wanted
    return None


def _rows(tenant_id: int, query: Any, wanted: int | None) -> list[Row]:
    rows = [
        Row(event, name or email, _student_of(event, wanted))
        for event, name, email in db.session.execute(query).all()
    ]
    ids = {r.student_id for r in rows if r.student_id is not None}
    names: dict[int, str] = {}
    if ids:
        names = {
            pid: name or email or f"Person {pid}"
            for pid, name, email in db.session.execute(
                select(Person.id, Person.name, Person.email).where(
                    Person.tenant_id == tenant_id, Person.id.in_(ids)
                )
            ).all()
        }
    for r in rows:
        if r.student_id is not None:
            r.student_name = names.get(r.student_id)
    return rows


def page(actor: Actor, filters: Filters) -> Page:
    """One page of the tenant's events (newest first); audited (``audit.view``, written
    first: committing after loading would expire the events the page shows)."""
    audit.record(
        "audit.view",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        filters=filters.query_args(),
    )
    db.session.commit()
    query = _events(actor.tenant_id, filters)
    rows = _rows(
        actor.tenant_id,
        query.offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1),
        filters.student_id,
    )
    return Page(
        rows=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        actor=_person(actor.tenant_id, filters.actor_id),
        student=_person(actor.tenant_id, filters.student_id),
        actions=known_actions(actor.tenant_id),
    )


CSV_HEADER = (
    "When (school time)",
    "Who",
    "Who (id)",
    "Action",
    "Subject",
    "Subject id",
    "Student",
    "Student (id)",
    "Details",
)


def csv_lines(actor: Actor, filters: Filters) -> Iterator[str]:
    """The filtered events as CSV text, line by line (no paging; at most 100,000 rows);
    audited (``audit.export`` with the row count). Cells never start a formula."""
    rows = _rows(
        actor.tenant_id,
        _events(actor.tenant_id, filters).limit(MOST_CSV_ROWS),
        filters.student_id,
    )
    zone = tenant_zone(actor.tenant_id)
    lines = [CSV_HEADER, *(_csv_values(r, zone) for r in rows)]
    audit.record(
        "audit.export",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        filters=filters.query_args(page=None),
        rows=len(rows),
    )
    db.session.commit()
    out = io.StringIO()
    writer = csv.writer(out)
    for values in lines:
        out.seek(0)
        out.truncate()
        writer.writerow([csv_cell(v) for v in values])
        yield out.getvalue()


def _csv_values(r: Row, zone: Any) -> tuple[Any, ...]:
    e = r.event
    when = e.created_at if e.created_at.tzinfo else e.created_at.replace(tzinfo=dt.UTC)
    return (
        when.astimezone(zone).isoformat(timespec="seconds"),
        r.actor_name or "",
        e.actor_id,
        e.action,
        e.subject_type,
        e.subject_id,
        r.student_name or "",
        r.student_id,
        json.dumps(e.detail or {}, sort_keys=True, default=str),
    )


def find_people(tenant_id: int, text: str) -> list[Person]:
    """People of the tenant whose name or email contains ``text`` (at most 20, by name).

    :raises InvalidInput: for fewer than two characters.
    """
    text = text.strip()
    if len(text) < 2 or len(text) > 100:
        raise InvalidInput("Type at least two letters of a name or email.")
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        db.session.scalars(
            select(Person)
            .where(
                Person.tenant_id == tenant_id,
                Person.erased_at.is_(None),
                or_(
                    func.lower(Person.name).like(pattern, escape="\\"),
                    func.lower(func.coalesce(Person.email, "")).like(pattern, escape="\\"),
                ),
            )
            .order_by(func.lower(Person.name), Person.id)
            .limit(MOST_MATCHES)
        )
    )

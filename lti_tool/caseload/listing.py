"""The caseload page's query: a counselor's students with their plan at a glance, searched,
filtered, sorted and paged in SQL.

Whatever the number of students, a page costs two statements (the counts, then the page's
rows); the CSV export and "all N matching" bulk actions one (every matching row, no paging).
The students are ``policy.caseload_student_ids``: the tenant's students the counselor has
counselor rights over.

What the counselor types in the search box (a name, an email, an SIS id) never travels in a
URL: the search form posts it, :func:`remember_search` keeps it in the shared short-lived
store under a random token bound to the counselor, and the page's links carry only that
token (``search=``). A ``q=`` in a URL is ignored.

"Last activity" is the student's own last change to their plan: the plan's ``updated_at``
once it moved away from its ``created_at`` (the editing pages bump it on every change; a
teacher's nudge or a counselor's comment only creates an empty plan, or none), else the
latest change to a goal.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import CaseloadRule, Person
from lti_tool.parse import digits_int
from lti_tool.plans import reading, reference
from lti_tool.plans.models import Goal, GoalStatus, Milestone, Plan, PlanSnapshot, ReviewStatus
from lti_tool.plans.review_services import csv_cell
from lti_tool.store import get_store

PAGE_SIZE = 50

# -- portable SQL helpers -----------------------------------------------------------------------


class seconds_between(FunctionElement[float]):
    """``a - b`` in seconds, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return (
        f"((julianday({compiler.process(a, **kw)}) - julianday({compiler.process(b, **kw)}))"
        " * 86400.0)"
    )


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(a, **kw)} - {compiler.process(b, **kw)}))"


# -- what the page asks for ---------------------------------------------------------------------

SORTS = ("name", "grade", "graduation", "goals", "clusters", "status", "activity")
MILESTONES = {
    "none": "None of their goal milestones done",
    "some": "Some goal milestones done",
    "all": "Every goal milestone done",
    "no_milestones": "No milestones yet",
}
ACTIVITY = {
    "30": "No change in the last 30 days",
    "90": "No change in the last 90 days",
    "never": "Never changed their plan",
}
STATUS_LABELS = {
    ReviewStatus.DRAFT: "Draft",
    ReviewStatus.SUBMITTED: "Submitted",
    ReviewStatus.RETURNED: "Returned for changes",
    ReviewStatus.APPROVED: "Approved",
}


@dataclass(frozen=True, slots=True)
class CaseloadQuery:
    """The search, filters, sort and page, as read from the query string."""

    #: The search text (from the store, never from a URL).
    q: str = ""
    #: The token the search text is kept under; what links carry instead of it.
    search: str = ""
    #: Whether the URL named a search that is gone (expired, or another person's).
    search_lost: bool = False
    grade: int | None = None
    graduation: int | None = None
    cluster: str | None = None
    status: ReviewStatus | None = None
    milestones: str | None = None
    activity: str | None = None
    sort: str = "name"
    desc: bool = False
    page: int = 1

    @property
    def filtered(self) -> bool:
        """Whether a search or filter narrows the list."""
        return bool(
            self.q
            or self.grade is not None
            or self.graduation is not None
            or self.cluster
            or self.status
            or self.milestones
            or self.activity
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string values of this query with ``changes`` (defaults left out): the
        search's token, never its text."""
        query = replace(self, **changes)
        values: dict[str, Any] = {
            "search": query.search if query.q else None,
            "grade": query.grade,
            "graduation": query.graduation,
            "cluster": query.cluster,
            "status": query.status.value if query.status else None,
            "milestones": query.milestones,
            "activity": query.activity,
            "sort": None if query.sort == "name" else query.sort,
            "dir": "desc" if query.desc else None,
            "page": query.page if query.page > 1 else None,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}


def _int(args: Mapping[str, str], key: str, low: int, high: int) -> int | None:
    raw = (args.get(key) or "").strip()
    if not raw:
        return None
    number = digits_int(raw, low, high)
    if number is None:
        raise InvalidInput("That filter is not one the caseload page offers.")
    return number


def _choice(args: Mapping[str, str], key: str, allowed: Iterable[str]) -> str | None:
    raw = (args.get(key) or "").strip()
    if not raw:
        return None
    if raw not in allowed:
        raise InvalidInput("That filter is not one the caseload page offers.")
    return raw


def cluster_options() -> list[tuple[str, str]]:
    """(code, name) of the clusters of the current framework."""
    return [(c.code, c.name) for c in reference.framework("2024").clusters]


#: How long a search stays usable from its links (a working session, with breaks).
SEARCH_TTL = 6 * 3600
_SEARCH_KEY = "caseload-search:"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def search_text(raw: str | None) -> str:
    """What the search box sent, as searched: single spaces, at most 100 characters."""
    return " ".join((raw or "").split())[:100]


def remember_search(actor: Actor, text: str) -> str:
    """Keep ``text`` in the shared store for :data:`SEARCH_TTL` seconds; returns the random
    token the page's links carry instead of the text. Only ``actor`` can read it back."""
    token = secrets.token_urlsafe(18)
    get_store().set(
        _SEARCH_KEY + token,
        {"tenant": actor.tenant_id, "person": actor.person_id, "q": text},
        SEARCH_TTL,
    )
    return token


def _recall_search(actor: Actor | None, token: str) -> str | None:
    """The text kept under ``token`` for ``actor``; None when unknown, expired or not
    theirs."""
    if actor is None or not _TOKEN.fullmatch(token):
        return None
    kept = get_store().get(_SEARCH_KEY + token)
    if (
        not isinstance(kept, dict)
        or kept.get("tenant") != actor.tenant_id
        or kept.get("person") != actor.person_id
        or not isinstance(kept.get("q"), str)
    ):
        return None
    return search_text(kept["q"]) or None


def parse_query(args: Mapping[str, str], actor: Actor | None = None) -> CaseloadQuery:
    """Read the query string; ``search=`` (a token of :func:`remember_search`) is looked up
    for ``actor``. A search that is gone leaves the list unsearched, with ``search_lost``.

    :raises InvalidInput: (400) for a value the page's controls never send.
    """
    status = _choice(args, "status", [s.value for s in ReviewStatus])
    token = (args.get("search") or "").strip()
    text = _recall_search(actor, token) if token else None
    return CaseloadQuery(
        q=text or "",
        search=token if text else "",
        search_lost=bool(token) and text is None,
        grade=_int(args, "grade", 0, 13),
        graduation=_int(args, "graduation", 1900, 2200),
        cluster=_choice(args, "cluster", [code for code, _name in cluster_options()]),
        status=ReviewStatus(status) if status else None,
        milestones=_choice(args, "milestones", MILESTONES),
        activity=_choice(args, "activity", ACTIVITY),
        sort=_choice(args, "sort", SORTS) or "name",
        desc=_choice(args, "dir", ("asc", "desc")) == "desc",
        page=_int(args, "page", 1, 1_000_000) or 1,
    )


# -- the query ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    """One student's line on the caseload."""

    person_id: int
    name: str
    email: str | None
    lms_id: str | None
    sis_id: str | None
    school: str | None
    grade_level: int | None
    graduation_year: int | None
    has_plan: bool
    goals: int
    goals_achieved: int
    milestones: int
    milestones_done: int
    clusters: tuple[str, ...]
    inventory_code: str | None
    status: ReviewStatus
    signed: bool
    last_activity: dt.datetime | None

    @property
    def status_label(self) -> str:
        """The review status in words."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True, slots=True)
class CaseloadPage:
    """One page of the caseload and the counts around it."""

    rows: list[CaseloadRow]
    total: int
    #: Whether the caseload holds no student at all (before search and filters).
    caseload_empty: bool
    #: Whether the tenant has any caseload rule (else every counselor has every student).
    tenant_has_rules: bool
    query: CaseloadQuery

    @property
    def first(self) -> int:
        """1-based number of the page's first row (0 when empty)."""
        return (self.query.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """Number of the page's last row."""
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def pages(self) -> int:
        """How many pages the matching students fill."""
        return max(1, -(-self.total // PAGE_SIZE))


class _Columns:
    """The per-student expressions of one query (built fresh for each statement)."""

    def __init__(self, year: str) -> None:
        # Correlated subqueries on the plan: the database works them out only for the rows
        # a filter or the sort needs, and for the page's rows (an index on the plan id each).
        def of_goals(value: Any) -> Any:
            return select(value).where(Goal.plan_id == Plan.id).correlate(Plan).scalar_subquery()

        def of_milestones(value: Any) -> Any:
            return (
                select(value)
                .join(Goal, Goal.id == Milestone.goal_id)
                .where(Goal.plan_id == Plan.id)
                .correlate(Plan)
                .scalar_subquery()
            )

        self.year = year
        self.grade = func.coalesce(Person.grade_level, Plan.grade_level)
        self.graduation = func.coalesce(Person.graduation_year, Plan.graduation_year)
        self.goals = of_goals(func.count(Goal.id))
        self.achieved = of_goals(
            func.coalesce(func.sum(case((Goal.status == GoalStatus.ACHIEVED, 1), else_=0)), 0)
        )
        self.milestones = of_milestones(func.count(Milestone.id))
        self.done = of_milestones(
            func.coalesce(func.sum(case((Milestone.done.is_(True), 1), else_=0)), 0)
        )
        self.status = func.coalesce(PlanSnapshot.status, literal(ReviewStatus.DRAFT.value))
        self.clusters = func.coalesce(cast(Plan.cluster_codes, String), "")
        self.activity = case(
            (seconds_between(Plan.updated_at, Plan.created_at) > 1, Plan.updated_at),
            else_=of_goals(func.max(Goal.updated_at)),
        )

    def joined(self, stmt: Select[Any], *, snapshot: bool = True) -> Select[Any]:
        """``stmt`` over people with their plan and this year's snapshot."""
        stmt = stmt.select_from(Person).outerjoin(
            Plan, and_(Plan.person_id == Person.id, Plan.tenant_id == Person.tenant_id)
        )
        if not snapshot:
            return stmt
        return stmt.outerjoin(
            PlanSnapshot,
            and_(PlanSnapshot.plan_id == Plan.id, PlanSnapshot.school_year == self.year),
        )

    def on_caseload(self, actor: Actor) -> ColumnElement[bool]:
        """The tenant's students the actor has (the plan's grade level already joined)."""
        return and_(
            policy.tenant_students(actor.tenant_id),
            policy.sees_student(actor, Person, Plan.grade_level),
        )

    def matching(self, query: CaseloadQuery) -> list[ColumnElement[bool]]:
        """The search and filters as conditions."""
        where: list[ColumnElement[bool]] = []
        if query.q:
            text = query.q.lower()
            where.append(
                or_(
                    func.lower(Person.name).contains(text, autoescape=True),
                    func.lower(Person.email).contains(text, autoescape=True),
                    func.lower(Person.sis_id) == text,
                    func.lower(Person.lms_user_id) == text,
                )
            )
        if query.grade is not None:
            where.append(self.grade == query.grade)
        if query.graduation is not None:
            where.append(self.graduation == query.graduation)
        if query.cluster:
            # The codes are a JSON list; a code is found with its quotes ("...").
            where.append(self.clusters.contains(f'"{query.cluster}"', autoescape=True))
        if query.status:
            where.append(self.status == query.status.value)
        if query.milestones == "no_milestones":
            where.append(self.milestones == 0)
        elif query.milestones == "none":
            where.append(and_(self.milestones > 0, self.done == 0))
        elif query.milestones == "some":
            where.append(and_(self.done > 0, self.done < self.milestones))
        elif query.milestones == "all":
            where.append(and_(self.milestones > 0, self.done == self.milestones))
        if query.activity == "never":
            where.append(self.activity.is_(None))
        elif query.activity:
            cutoff = utcnow() - dt.timedelta(days=int(query.activity))
            where.append(or_(self.activity.is_(None), self.activity < cutoff))
        return where

    def order(self, query: CaseloadQuery) -> list[Any]:
        """``ORDER BY`` terms: the chosen column (missing values last either way), then
        the name."""
        key: Any = {
            "name": None,
            "grade": self.grade,
            "graduation": self.graduation,
            "goals": self.goals,
            "clusters": self.clusters,
            "status": case(
                *((self.status == s.value, i) for i, s in enumerate(STATUS_LABELS)),
                else_=0,
            ),
            "activity": self.activity,
        }[query.sort]
        names = reading.person_order()
        if key is None:
            return [n.desc() for n in names] if query.desc else list(names)
        missing = case((key.is_(None), 1), else_=0)
        return [missing, key.desc() if query.desc else key, *names]

    def row_columns(self) -> tuple[Any, ...]:
        return (
            Person,
            Plan.id,
            self.grade,
            self.graduation,
            self.goals,
            self.achieved,
            self.milestones,
            self.done,
            Plan.cluster_codes,
            Plan.inventory_code,
            self.status,
            PlanSnapshot.signed_at,
            self.activity,
        )


def _row(values: Any) -> CaseloadRow:
    (person, plan_id, grade, graduation, goals, achieved, ms, done, codes, code, status, signed) = (
        values[:12]
    )
    activity = values[12]
    if isinstance(activity, str):  # SQLite hands a CASE over timestamps back as text
        activity = dt.datetime.fromisoformat(activity)
    if isinstance(activity, dt.datetime) and activity.tzinfo is None:
        activity = activity.replace(tzinfo=dt.UTC)
    return CaseloadRow(
        person_id=person.id,
        name=reading.student_name(person),
        email=person.email,
        lms_id=person.lms_user_id,
        sis_id=person.sis_id,
        school=person.school,
        grade_level=grade,
        graduation_year=graduation,
        has_plan=plan_id is not None,
        goals=int(goals or 0),
        goals_achieved=int(achieved or 0),
        milestones=int(ms or 0),
        milestones_done=int(done or 0),
        clusters=tuple(reading.cluster_name(c) for c in (codes or []) if isinstance(c, str)),
        inventory_code=code,
        status=ReviewStatus(status),
        signed=signed is not None,
        last_activity=activity,
    )


def caseload_page(actor: Actor, query: CaseloadQuery) -> CaseloadPage:
    """One page of the actor's caseload (two statements)."""
    cols = _Columns(reading.school_year())
    filtered = (
        cols.joined(select(Person.id)).where(cols.on_caseload(actor)).where(*cols.matching(query))
    )
    anyone = cols.joined(select(Person.id), snapshot=False).where(cols.on_caseload(actor)).exists()
    total, any_student, has_rules = db.session.execute(
        select(
            select(func.count()).select_from(filtered.subquery()).scalar_subquery(),
            anyone,
            select(CaseloadRule.id)
            .where(CaseloadRule.tenant_id == actor.tenant_id)
            .limit(1)
            .scalar_subquery(),
        )
    ).one()
    pages = max(1, -(-int(total) // PAGE_SIZE))
    query = replace(query, page=min(query.page, pages))
    rows = _rows(actor, query, limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
    return CaseloadPage(
        rows=rows,
        total=int(total),
        caseload_empty=not any_student,
        tenant_has_rules=has_rules is not None,
        query=query,
    )


def _rows(
    actor: Actor, query: CaseloadQuery, *, limit: int | None = None, offset: int = 0
) -> list[CaseloadRow]:
    cols = _Columns(reading.school_year())
    chosen = (
        cols.joined(select(Person.id))
        .where(cols.on_caseload(actor))
        .where(*cols.matching(query))
        .order_by(*cols.order(query))
    )
    if limit is not None:
        # The page's ids first (only the sort key is worked out for every student), then
        # the columns of those rows alone.
        page_ids = chosen.limit(limit).offset(offset).subquery("page_ids")
        stmt = (
            cols.joined(select(*cols.row_columns()))
            .join(page_ids, page_ids.c.id == Person.id)
            .order_by(*cols.order(query))
        )
    else:
        stmt = (
            cols.joined(select(*cols.row_columns()))
            .where(cols.on_caseload(actor))
            .where(*cols.matching(query))
            .order_by(*cols.order(query))
        )
    return [_row(r) for r in db.session.execute(stmt).all()]


def all_matching(actor: Actor, query: CaseloadQuery) -> list[CaseloadRow]:
    """Every student matching the search and filters, in the page's order (one statement)."""
    return _rows(actor, query)


def matching_ids(actor: Actor, query: CaseloadQuery, *, limit: int | None = None) -> list[int]:
    """Ids of every student matching the search and filters (one statement); at most
    ``limit`` of them when given."""
    cols = _Columns(reading.school_year())
    stmt = (
        cols.joined(select(Person.id)).where(cols.on_caseload(actor)).where(*cols.matching(query))
    )
    if limit is not None:
        stmt = stmt.order_by(Person.id).limit(limit)
    return [int(i) for i in db.session.execute(stmt).scalars()]


# -- CSV ----------------------------------------------------------------------------------------

CSV_HEADER = (
    "Student",
    "LMS id",
    "SIS id",
    "Email",
    "Grade level",
    "Graduation year",
    "School",
    "Goals",
    "Goals achieved",
    "Milestones",
    "Milestones done",
    "Career clusters",
    "Interest inventory code",
    "Plan status",
    "Signed this school year",
    "Last activity",
)


def csv_text(rows: Iterable[CaseloadRow]) -> str:
    """The rows as CSV text (every cell guarded against spreadsheet formulas)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    r.name,
                    r.lms_id,
                    r.sis_id,
                    r.email,
                    r.grade_level,
                    r.graduation_year,
                    r.school,
                    r.goals,
                    r.goals_achieved,
                    r.milestones,
                    r.milestones_done,
                    "; ".join(r.clusters),
                    r.inventory_code,
                    r.status_label,
                    "yes" if r.signed else "no",
                    r.last_activity.strftime("%Y-%m-%d %H:%M UTC") if r.last_activity else "",
                )
            ]
        )
    return out.getvalue()

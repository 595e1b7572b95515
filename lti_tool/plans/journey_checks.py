"""Completion checks of the grade 6-12 journey: how a step knows, from the plan, that it is done.

A check counts something of many plans at once (goals, course plan entries, supporting
adults, ...) in one query however many plans it is asked about, so the counselor's report by
grade runs a fixed number of queries. A step names a check and how many it needs
(``at_least``); a step naming no check, or a check nobody registered, is ticked by the
student instead.

Plans registers its own checks (:data:`BUILTIN`, the postsecondary list among them). A
feature above plans (saved occupations) registers its own the way the portfolio registers plan parts
(``plans.parts``): it builds a :class:`CompletionCheck` and calls :func:`register` on the
application when its blueprint is registered; plans asks :func:`registered` for the checks of
the current application and never imports the feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask.sansio.app import App
from sqlalchemy import Select, func, select

from lti_tool.extensions import db
from lti_tool.plans.models import CoursePlanEntry, Goal, Plan, PlanItem, PlanItemKind
from lti_tool.plans.postsecondary_models import PostsecondaryOption

#: Where an application keeps the checks features registered (``app.extensions``).
EXTENSION_KEY = "lodestar.journey_checks"


@dataclass(frozen=True)
class PlanSet:
    """The plans a check is asked about: loaded, and as a subquery of their ids to filter on."""

    plans: Sequence[Plan]
    ids: Select[int]

    @classmethod
    def of(cls, plan: Plan) -> PlanSet:
        """One plan (an unsaved empty plan, whose id is None, matches no rows)."""
        return cls([plan], select(Plan.id).where(Plan.id == plan.id))


@dataclass(frozen=True)
class CompletionCheck:
    """One way a journey step is done, counted from the plan."""

    #: Stable name stored with a district's steps, e.g. ``"goals"``.
    name: str
    #: What it counts, for the district's step editor: "Goals in the plan".
    label: str
    #: How many of the thing each plan has: ``{plan_id: n}`` (absent means 0). One query.
    count: Callable[[PlanSet], Mapping[int, int]]
    #: Where the student does it: an endpoint of the student's own pages, and its values.
    endpoint: str
    values: Mapping[str, Any] = field(default_factory=dict)


def _grouped(column: Any, *where: Any) -> Callable[[PlanSet], dict[int, int]]:
    """A count of rows per plan: ``SELECT plan_id, count(*) ... GROUP BY plan_id``."""

    def count(plans: PlanSet) -> dict[int, int]:
        rows = db.session.execute(
            select(column, func.count()).where(column.in_(plans.ids), *where).group_by(column)
        ).all()
        return {int(plan_id): int(n) for plan_id, n in rows}

    return count


def _per_plan(value: Callable[[Plan], int]) -> Callable[[PlanSet], dict[int, int]]:
    """A count read from the loaded plans themselves (no query)."""

    def count(plans: PlanSet) -> dict[int, int]:
        return {p.id: value(p) for p in plans.plans if p.id is not None}

    return count


def _items(*kinds: PlanItemKind) -> Callable[[PlanSet], dict[int, int]]:
    return _grouped(PlanItem.plan_id, PlanItem.kind.in_(kinds))


_PROFILE_FIELDS = ("about", "interests", "strengths", "skills", "abilities", "hobbies")


def profile_filled(plan: Plan) -> bool:
    """Whether the student wrote something about themselves (or gave their grade)."""
    return plan.grade_level is not None or any(
        (getattr(plan, name) or "").strip() for name in _PROFILE_FIELDS
    )


def _items_page(section: str) -> dict[str, Any]:
    return {"section": section}


#: The checks plans itself provides, by name.
BUILTIN: dict[str, CompletionCheck] = {
    check.name: check
    for check in (
        CompletionCheck(
            "profile",
            "The profile has something about the student",
            _per_plan(lambda p: int(profile_filled(p))),
            "plans.edit_profile",
        ),
        CompletionCheck(
            "inventory",
            "The interest inventory has a result",
            _per_plan(lambda p: int(p.inventory_code is not None)),
            "plans.inventory_page",
        ),
        CompletionCheck(
            "clusters",
            "Career clusters chosen",
            _per_plan(lambda p: len(p.cluster_codes or [])),
            "plans.clusters",
        ),
        CompletionCheck("goals", "Goals in the plan", _grouped(Goal.plan_id), "plans.goals"),
        CompletionCheck(
            "course_plan",
            "Courses in the course plan",
            _grouped(CoursePlanEntry.plan_id),
            "plans.course_plan",
        ),
        CompletionCheck(
            "program",
            "A Program of Study is chosen",
            _per_plan(lambda p: int(p.program_of_study_id is not None)),
            "plans.course_plan",
            {"_anchor": "program"},
        ),
        CompletionCheck(
            "supporting_adults",
            "Supporting adults named",
            _items(PlanItemKind.CONTACT),
            "plans.items",
            _items_page("contacts"),
        ),
        CompletionCheck(
            "activities",
            "Activities listed",
            _items(PlanItemKind.ACTIVITY),
            "plans.items",
            _items_page("activities"),
        ),
        CompletionCheck(
            "work_or_service",
            "Work experience or community service listed",
            _items(PlanItemKind.WORK, PlanItemKind.SERVICE),
            "plans.items",
            _items_page("work"),
        ),
        CompletionCheck(
            "assessments",
            "Assessment results recorded",
            _items(PlanItemKind.ASSESSMENT),
            "plans.items",
            _items_page("assessments"),
        ),
        CompletionCheck(
            "postsecondary_list",
            "Schools or programs on the postsecondary list",
            _grouped(PostsecondaryOption.plan_id),
            "plans.postsecondary_list",
        ),
    )
}


def register(app: App, check: CompletionCheck) -> None:
    """Add ``check`` to ``app``'s completion checks (a later one of the same name wins)."""
    checks: dict[str, CompletionCheck] = app.extensions.setdefault(EXTENSION_KEY, {})
    checks[check.name] = check


def registered() -> dict[str, CompletionCheck]:
    """Every completion check of the current application by name: plans' own, then those
    features registered (which may replace one of plans' own)."""
    return {**BUILTIN, **current_app.extensions.get(EXTENSION_KEY, {})}


def get(name: str | None) -> CompletionCheck | None:
    """The check of that name, or None (no name, or nobody registered it)."""
    if not name:
        return None
    return registered().get(name)

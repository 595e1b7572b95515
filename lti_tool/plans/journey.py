"""The grade 6-12 journey: the milestones of each grade, the student's progress on this
year's steps, the counselor's completion by grade, the district's changes to the list, and
the first-run guide of a new plan.

The shipped steps live in ``plans/data/journey.json``. A district changes its own list per
tenant (``JourneyStep`` rows): a row with a shipped step's key edits or hides that step, a row
with a new key adds a step. A step is done when its completion check (``journey_checks``)
counts at least ``at_least`` of something in the plan, or, for a step without a check, when
the student ticked it (``JourneyTick``).

Reading the progress of one plan or of every student of the tenant runs a fixed number of
queries: the district's rows, the plans, one per completion check the steps use, and the
ticks. Access is decided by ``lti_tool.policy`` in the views before these run; every change
is audited and committed with its audit event.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy import Select, func, select

from lti_tool import audit, policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import journey_checks
from lti_tool.plans.editing import bounded_text, record_change, whole_number
from lti_tool.plans.journey_checks import CompletionCheck, PlanSet
from lti_tool.plans.models import JourneyStep, JourneyTick, Plan
from lti_tool.plans.vocabulary import JOURNEY_GRADES

#: A district's own steps get keys with this prefix (shipped keys never have it).
DISTRICT_PREFIX = "district-"
#: Most of one thing a step may ask for.
MOST_NEEDED = 50


@dataclass(frozen=True)
class Step:
    """One milestone of a grade, as the tenant has it."""

    key: str
    grade: int
    title: str
    detail: str
    #: The completion check's name; None when the student ticks the step.
    check: str | None
    at_least: int = 1
    hidden: bool = False
    #: Shipped with Lodestar (False: the district added it).
    shipped: bool = True
    #: A shipped step the district changed or hid.
    changed: bool = False

    @property
    def completion(self) -> CompletionCheck | None:
        """The registered check that decides the step, or None (the student ticks it)."""
        return journey_checks.get(self.check)


# -- the list of steps ------------------------------------------------------------------------


@cache
def default_steps() -> tuple[Step, ...]:
    """The shipped steps, in their order."""
    data = json.loads(files("lti_tool.plans").joinpath("data/journey.json").read_text("utf-8"))
    return tuple(
        Step(
            key=s["key"],
            grade=int(s["grade"]),
            title=s["title"],
            detail=s.get("detail", ""),
            check=s.get("check"),
            at_least=int(s.get("at_least", 1)),
        )
        for s in data["steps"]
    )


def _from_row(row: JourneyStep, shipped: bool) -> Step:
    return Step(
        key=row.key,
        grade=row.grade,
        title=row.title,
        detail=row.detail or "",
        check=row.check,
        at_least=row.at_least,
        hidden=row.hidden,
        shipped=shipped,
        changed=shipped,
    )


def steps(tenant_id: int, *, include_hidden: bool = False) -> list[Step]:
    """The tenant's steps by grade: shipped ones (as the district changed them) in their
    order, then the district's own in the order they were added (one query)."""
    rows = {
        r.key: r
        for r in db.session.execute(
            select(JourneyStep).where(JourneyStep.tenant_id == tenant_id).order_by(JourneyStep.id)
        ).scalars()
    }
    shipped = {s.key for s in default_steps()}
    result = [_from_row(rows[s.key], True) if s.key in rows else s for s in default_steps()]
    result += [_from_row(r, False) for key, r in rows.items() if key not in shipped]
    result.sort(key=lambda s: s.grade)  # stable: the order within a grade stays
    return [s for s in result if include_hidden or not s.hidden]


def get_step(tenant_id: int, key: str) -> Step:
    """One step of the tenant (hidden ones too). :raises NotFound: otherwise."""
    for step in steps(tenant_id, include_hidden=True):
        if step.key == key:
            return step
    raise NotFound("That step is not part of the journey.")


# -- progress ---------------------------------------------------------------------------------


def journey_grade(grade_level: int | None) -> int | None:
    """The journey grade of a student: their grade, grade 6 before it; None when unknown."""
    if grade_level is None:
        return None
    return min(max(grade_level, JOURNEY_GRADES[0]), JOURNEY_GRADES[-1])


def completion(steps_: Sequence[Step], plans: PlanSet) -> dict[str, set[int]]:
    """For each step, the ids of the plans among ``plans`` where it is done.

    One query per completion check the steps use (each check once) and one for the ticks."""
    counts: dict[str, Mapping[int, int]] = {}
    for step in steps_:
        check = step.completion
        if check is not None and check.name not in counts:
            counts[check.name] = check.count(plans)
    ticked_keys = [s.key for s in steps_ if s.completion is None]
    ticks: dict[str, set[int]] = {}
    if ticked_keys:
        for plan_id, key in db.session.execute(
            select(JourneyTick.plan_id, JourneyTick.step_key).where(
                JourneyTick.plan_id.in_(plans.ids), JourneyTick.step_key.in_(ticked_keys)
            )
        ).all():
            ticks.setdefault(key, set()).add(plan_id)
    done: dict[str, set[int]] = {}
    for step in steps_:
        check = step.completion
        if check is None:
            done[step.key] = ticks.get(step.key, set())
        else:
            done[step.key] = {
                plan_id for plan_id, n in counts[check.name].items() if n >= step.at_least
            }
    return done


@dataclass(frozen=True)
class StepProgress:
    """A step of the student's grade, and whether it is done."""

    step: Step
    done: bool

    @property
    def check(self) -> CompletionCheck | None:
        return self.step.completion


@dataclass(frozen=True)
class GradeProgress:
    """The student's steps of one grade."""

    grade: int
    steps: tuple[StepProgress, ...]

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(plan: Plan, grade: int) -> GradeProgress:
    """The plan's progress on the steps of ``grade`` (of the plan's tenant)."""
    grade_steps = [s for s in steps(plan.tenant_id) if s.grade == grade]
    done = completion(grade_steps, PlanSet.of(plan))
    return GradeProgress(
        grade,
        tuple(StepProgress(s, plan.id is not None and plan.id in done[s.key]) for s in grade_steps),
    )


def set_ticked(actor: Actor, plan: Plan, key: str, ticked: bool) -> Step:
    """Tick a step done (or not done again); audited.

    :raises NotFound: for a step the tenant does not have (or has hidden).
    :raises InvalidInput: for a step the plan decides itself (it has a completion check).
    """
    step = get_step(plan.tenant_id, key)
    if step.hidden:
        raise NotFound("That step is not part of the journey.")
    if step.completion is not None:
        raise InvalidInput("This step is ticked off by itself once it is done in your plan.")
    tick = db.session.execute(
        select(JourneyTick).where(JourneyTick.plan_id == plan.id, JourneyTick.step_key == key)
    ).scalar_one_or_none()
    if ticked and tick is None:
        db.session.add(JourneyTick(plan_id=plan.id, step_key=key))
    elif not ticked and tick is not None:
        db.session.delete(tick)
    record_change(actor, plan, "journey.tick", step=key, done=ticked)
    return step


# -- completion by grade (counselors) ----------------------------------------------------------


@dataclass(frozen=True)
class StepCompletion:
    """How many students of a grade did one step."""

    step: Step
    done: int
    students: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.students) if self.students else 0


@dataclass(frozen=True)
class GradeCompletion:
    """The steps of one grade and how many of its students did each."""

    grade: int
    students: int
    steps: tuple[StepCompletion, ...]


@dataclass(frozen=True)
class JourneyReport:
    """Completion by grade of every student of the tenant."""

    grades: tuple[GradeCompletion, ...]
    #: Students whose plan gives no grade (or who have no plan yet).
    no_grade: int
    students: int


def _student_ids(tenant_id: int) -> Select[int]:
    """The ids of the tenant's current students, as the caseload counts them
    (``policy.tenant_students``: enrolled as a student or known from the SIS, archived
    graduates aside)."""
    return select(Person.id).where(policy.tenant_students(tenant_id))


def report(tenant_id: int, actor: Actor | None = None) -> JourneyReport:
    """Completion of each step by grade across the tenant's students (with ``actor``, the
    students of their caseload), in a fixed number of queries however many students there
    are."""
    ids = _student_ids(tenant_id) if actor is None else policy.caseload_student_ids(actor)
    student_count = int(
        db.session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    )
    plans = list(
        db.session.execute(
            select(Plan).where(Plan.tenant_id == tenant_id, Plan.person_id.in_(ids))
        ).scalars()
    )
    plan_ids = select(Plan.id).where(Plan.tenant_id == tenant_id, Plan.person_id.in_(ids))
    all_steps = steps(tenant_id)
    done = completion(all_steps, PlanSet(plans, plan_ids))
    by_grade: dict[int, set[int]] = {}
    for plan in plans:
        grade = journey_grade(plan.grade_level)
        if grade is not None:
            by_grade.setdefault(grade, set()).add(plan.id)
    grades = []
    for grade in JOURNEY_GRADES:
        members = by_grade.get(grade, set())
        grades.append(
            GradeCompletion(
                grade,
                len(members),
                tuple(
                    StepCompletion(s, len(done[s.key] & members), len(members))
                    for s in all_steps
                    if s.grade == grade
                ),
            )
        )
    graded = sum(len(m) for m in by_grade.values())
    return JourneyReport(tuple(grades), student_count - graded, student_count)


# -- the district's changes --------------------------------------------------------------------


def _step_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    grade = whole_number(fields.get("grade"), "grade")
    if grade not in JOURNEY_GRADES:
        raise InvalidInput("Grade must be between 6 and 12.")
    check = str(fields.get("check") or "") or None
    if check is not None and check not in journey_checks.registered():
        raise InvalidInput("Choose how the step is done from the list.")
    at_least = whole_number(fields.get("at_least") or 1, "how many")
    if not 1 <= at_least <= MOST_NEEDED:
        raise InvalidInput(f"How many is between 1 and {MOST_NEEDED}.")
    return {
        "grade": grade,
        "title": bounded_text(fields.get("title"), 200, "The step", required=True),
        "detail": bounded_text(fields.get("detail"), 1000, "The explanation"),
        "check": check,
        "at_least": at_least if check is not None else 1,
    }


def _audit(actor: Actor, action: str, key: str, **detail: Any) -> None:
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="journey_step",
        step=key,
        **detail,
    )
    db.session.commit()


def _row(tenant_id: int, key: str) -> JourneyStep | None:
    return db.session.execute(
        select(JourneyStep).where(JourneyStep.tenant_id == tenant_id, JourneyStep.key == key)
    ).scalar_one_or_none()


def _row_for(actor: Actor, step: Step) -> JourneyStep:
    """The tenant's row for ``step``, created from the step as it stands when missing."""
    row = _row(actor.tenant_id, step.key)
    if row is None:
        row = JourneyStep(
            tenant_id=actor.tenant_id,
            key=step.key,
            grade=step.grade,
            title=step.title,
            detail=step.detail,
            check=step.check,
            at_least=step.at_least,
            hidden=step.hidden,
        )
        db.session.add(row)
    return row


def add_step(actor: Actor, fields: Mapping[str, Any]) -> Step:
    """Add a step of the district's own; audited."""
    values = _step_fields(fields)
    key = DISTRICT_PREFIX + secrets.token_hex(6)
    db.session.add(JourneyStep(tenant_id=actor.tenant_id, key=key, hidden=False, **values))
    _audit(actor, "journey.step_create", key, grade=values["grade"])
    return get_step(actor.tenant_id, key)


def update_step(actor: Actor, key: str, fields: Mapping[str, Any]) -> Step:
    """Change a step (a shipped one becomes the district's version of it); audited."""
    step = get_step(actor.tenant_id, key)
    values = _step_fields(fields)
    row = _row_for(actor, step)
    for name, value in values.items():
        setattr(row, name, value)
    _audit(actor, "journey.step_update", key, grade=values["grade"])
    return get_step(actor.tenant_id, key)


def set_hidden(actor: Actor, key: str, hidden: bool) -> Step:
    """Hide a step from the tenant's students and reports, or show it again; audited."""
    step = get_step(actor.tenant_id, key)
    _row_for(actor, step).hidden = hidden
    _audit(actor, "journey.step_hide" if hidden else "journey.step_show", key)
    return replace(step, hidden=hidden)


def restore_default(actor: Actor, key: str) -> Step:
    """Undo the district's changes to a shipped step; audited.

    :raises NotFound: for a step that was not shipped.
    """
    shipped = {s.key: s for s in default_steps()}
    if key not in shipped:
        raise NotFound("Only a step Lodestar ships has a default to go back to.")
    row = _row(actor.tenant_id, key)
    if row is not None:
        db.session.delete(row)
    _audit(actor, "journey.step_restore", key)
    return shipped[key]


def check_choices() -> list[tuple[str, str]]:
    """How a step may be done, for the editor: every registered check, then a tick."""
    checks = sorted(journey_checks.registered().values(), key=lambda c: c.label)
    return [*((c.name, c.label) for c in checks), ("", "The student ticks it off")]


# -- the first-run guide ------------------------------------------------------------------------


@dataclass(frozen=True)
class GuideStep:
    """One step of the first-run guide."""

    title: str
    hint: str
    done: bool
    endpoint: str


def guide(
    plan: Plan, *, goals: int, courses: int = 0, linked_work: int = 0
) -> tuple[GuideStep, ...] | None:
    """The first-run path of a new plan, each step done or not and where to do it: tell us
    about you, discover your interests, choose career clusters, set a first goal, plan your
    courses, link work to a goal. None once every step is done or the student dismissed it.

    ``goals``, ``courses`` and ``linked_work`` count the plan's goals, course plan entries and
    pieces of work linked to it (the caller has them in the plan document: no query here)."""
    if not plan.show_guide:
        return None
    guide_steps = (
        GuideStep(
            "Tell us about you",
            "Your grade, what you like and what you are good at.",
            journey_checks.profile_filled(plan),
            "plans.edit_profile",
        ),
        GuideStep(
            "Discover your interests",
            "Answer short questions about things you like to do. It suggests careers to explore.",
            plan.inventory_code is not None,
            "plans.inventory_page",
        ),
        GuideStep(
            "Choose career clusters",
            "Pick the groups of careers you want to explore; your interests suggest some.",
            bool(plan.cluster_codes or plan.pathway_codes),
            "plans.clusters",
        ),
        GuideStep(
            "Set a first goal",
            "Something you want to reach this year, and how you will know you got there.",
            goals > 0,
            "plans.goals",
        ),
        GuideStep(
            "Plan your courses",
            "Add the classes you take this year and the ones you want to take next.",
            courses > 0,
            "plans.course_plan",
        ),
        GuideStep(
            "Link work to your plan",
            "In your portfolio, link a piece of work from a class to a goal as evidence.",
            linked_work > 0,
            "portfolio.my_portfolio",
        ),
    )
    return None if all(s.done for s in guide_steps) else guide_steps


def next_step(progress: GradeProgress | None) -> StepProgress | None:
    """This year's next step: the first step of the student's grade not done yet; None when
    the grade is unknown or every step is done."""
    if progress is None:
        return None
    return next((s for s in progress.steps if not s.done), None)


def dismiss_guide(actor: Actor, plan: Plan) -> None:
    """Stop showing the first-run guide; audited."""
    plan.show_guide = False
    record_change(actor, plan, "plan.update", section="guide", dismissed=True)


def grade_choices() -> Iterable[tuple[int, str]]:
    """The grades a student may choose for their journey."""
    return ((g, f"Grade {g}") for g in JOURNEY_GRADES)

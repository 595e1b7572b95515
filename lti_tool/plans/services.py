"""The plan's logic: reading, changing, snapshotting, exporting and deleting plans.

Access is decided by ``lti_tool.policy`` before these run; a function that changes a plan
takes the ``Actor`` only to write the audit event, which it commits together with the change.
Functions that look up a goal, milestone, course or item by id always scope the lookup to the
plan they were given, so an id of someone else's plan is simply "not found".

Vocabulary the pages share (labels of categories, statuses and list sections) lives here too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, defer, selectinload

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment, Grade, TranscriptEntry
from lti_tool.models import Course, Person
from lti_tool.plans import erasure, inventory, parts, programs, reference
from lti_tool.plans.models import (
    CoursePlanEntry,
    CoursePlanStatus,
    Goal,
    GoalCategory,
    GoalStatus,
    Milestone,
    Plan,
    PlanComment,
    PlanItem,
    PlanItemKind,
    PlanSnapshot,
    ProgramOfStudy,
)
from lti_tool.tenants import tenant_platform

# -- vocabulary --------------------------------------------------------------------------------

GOAL_CATEGORY_LABELS: dict[str, str] = {
    GoalCategory.ACADEMIC: "Academic",
    GoalCategory.CAREER: "Career",
    GoalCategory.COLLEGE: "College",
    GoalCategory.PERSONAL: "Personal",
    GoalCategory.FINANCIAL: "Financial",
}
GOAL_STATUS_LABELS: dict[str, str] = {
    GoalStatus.NOT_STARTED: "Not started",
    GoalStatus.IN_PROGRESS: "In progress",
    GoalStatus.ACHIEVED: "Achieved",
    GoalStatus.REVISED: "Revised",
}
COURSE_STATUS_LABELS: dict[str, str] = {
    CoursePlanStatus.PLANNED: "Planned",
    CoursePlanStatus.IN_PROGRESS: "In progress",
    CoursePlanStatus.COMPLETED: "Completed",
}
#: The list sections by URL slug: the item kind, the heading, and what one entry is called.
ITEM_SECTIONS: dict[str, dict[str, str]] = {
    "activities": {"kind": PlanItemKind.ACTIVITY, "title": "Activities", "one": "activity"},
    "accomplishments": {"kind": PlanItemKind.ACCOMPLISHMENT, "title": "Accomplishments",
                        "one": "accomplishment"},
    "work": {"kind": PlanItemKind.WORK, "title": "Work experience", "one": "job"},
    "service": {"kind": PlanItemKind.SERVICE, "title": "Community service",
                "one": "service activity"},
    "assessments": {"kind": PlanItemKind.ASSESSMENT, "title": "Assessment results",
                    "one": "assessment result"},
    "contacts": {"kind": PlanItemKind.CONTACT, "title": "Supporting adults",
                 "one": "supporting adult"},
}
#: Besides title and detail, the ``PlanItem`` fields each kind uses.
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    PlanItemKind.ACTIVITY: ("date",),
    PlanItemKind.ACCOMPLISHMENT: ("date",),
    PlanItemKind.WORK: ("date",),
    PlanItemKind.SERVICE: ("date",),
    PlanItemKind.ASSESSMENT: ("date", "score"),
    PlanItemKind.CONTACT: ("relationship_label", "email", "phone"),
}
#: Grade levels of the four-year course plan.
GRADES = (9, 10, 11, 12)
#: Profile fields a student edits on the profile page (``accommodations`` is restricted).
PROFILE_TEXT_FIELDS = ("about", "interests", "strengths", "skills", "abilities", "hobbies",
                       "career_exploration", "college_planning", "financial_planning",
                       "accommodations")
#: How many suggested clusters the inventory result offers.
SUGGESTED_CLUSTERS = 5
#: Version of the export/snapshot document layout.
DOCUMENT_VERSION = 1


# -- reading -----------------------------------------------------------------------------------


def get_or_create_plan(person: Person) -> Plan:
    """The person's plan in their tenant, created empty on first use."""
    plan = find_plan(person)
    if plan is None:
        plan = Plan(tenant_id=person.tenant_id, person_id=person.id, about="")
        db.session.add(plan)
        db.session.flush()
    return plan


def find_plan(person: Person) -> Plan | None:
    """The person's plan, or None when they have none (never creates one)."""
    return db.session.execute(
        select(Plan).where(Plan.tenant_id == person.tenant_id, Plan.person_id == person.id)
    ).scalar_one_or_none()


def get_person(actor: Actor, person_id: int) -> Person:
    """A person of the actor's tenant.

    :raises NotFound: when absent or in another tenant (the two are indistinguishable).
    """
    person = db.session.get(Person, person_id)
    if person is None or person.tenant_id != actor.tenant_id:
        raise NotFound()
    return person


def empty_plan(person: Person) -> Plan:
    """An unsaved, empty plan standing in for a student who has none yet.

    It is never added to the session (its ``id`` is None), so reading it writes nothing:
    every lookup by ``plan.id`` simply finds no rows.
    """
    return Plan(tenant_id=person.tenant_id, person_id=person.id, about="", interests="",
                strengths="", skills="", abilities="", hobbies="", career_exploration="",
                college_planning="", financial_planning="", accommodations="",
                framework_version=reference.DEFAULT_FRAMEWORK, cluster_codes=[],
                pathway_codes=[], inventory_answers={})


def plan_for_reading(actor: Actor, person: Person) -> Plan:
    """The plan to show ``actor``: the student's own visit creates their plan on first use;
    anyone else reading a student who has none gets ``empty_plan`` (nothing is written)."""
    if person.id == actor.person_id:
        return get_or_create_plan(person)
    return find_plan(person) or empty_plan(person)


def open_plan(actor: Actor, person: Person, *, page: str = "overview") -> Plan:
    """Load a plan for viewing (see ``plan_for_reading``) and write the audit event
    (``plan.view``; its subject is None when the student has no plan yet)."""
    plan = plan_for_reading(actor, person)
    audit.record("plan.view", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan", subject_id=plan.id, student_id=person.id, page=page)
    db.session.commit()
    return plan


def record_view(actor: Actor, person: Person, *, page: str) -> None:
    """Audit a page about a student's plan that must not create one (``plan.view``)."""
    plan = find_plan(person)
    audit.record("plan.view", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan", subject_id=plan.id if plan else None,
                 student_id=person.id, page=page)
    db.session.commit()


def student_name(person: Person) -> str:
    """A student's name for lists: a neutral label until the LMS has told us their name."""
    return person.display_name if (person.name or person.email) else \
        "Student (not yet signed in)"


def person_order() -> tuple[Any, ...]:
    """``ORDER BY`` terms sorting people by family name (their name when the LMS sent no
    family name), then name, then id, ignoring case: missing family names and capitals
    sort the same way on SQLite and PostgreSQL (``NULL`` would come first on one and last
    on the other)."""
    return (func.lower(func.coalesce(Person.family_name, Person.name)),
            func.lower(Person.name), Person.id)


def school_year(day: dt.date | None = None) -> str:
    """The school year a day falls in, e.g. ``"2026-2027"``; the year turns over on July 1."""
    day = day or utcnow().date()
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def uses_canvas(tenant_id: int) -> bool:
    """Whether the tenant's LMS is Canvas (students may pull grades across courses)."""
    platform = tenant_platform(tenant_id)
    return platform is not None and platform.lms == "canvas"


def plan_framework(plan: Plan) -> reference.Framework:
    """The career cluster framework the plan's codes refer to (default when unknown)."""
    try:
        return reference.framework(plan.framework_version or reference.DEFAULT_FRAMEWORK)
    except reference.UnknownCodeError:
        return reference.framework(reference.DEFAULT_FRAMEWORK)


def cluster_name(code: str) -> str:
    """A cluster's name; the code itself if the reference data does not know it."""
    try:
        return reference.cluster(code).name
    except reference.UnknownCodeError:
        return code


def pathway_name(code: str) -> str:
    """A pathway's (sub-cluster's) name; the code itself if unknown."""
    try:
        return reference.pathway(code).name
    except reference.UnknownCodeError:
        return code


def is_empty(document: Mapping[str, Any]) -> bool:
    """Whether a plan document has nothing in it yet."""
    profile = document.get("profile") or {}
    return not (any(v for v in profile.values())
                or document.get("goals") or document.get("clusters")
                or document.get("pathways") or document.get("course_plan")
                or any(document.get("items", {}).values()) or document.get("inventory")
                or document.get("career_exploration") or document.get("college_planning")
                or document.get("financial_planning") or document.get("accommodations"))


# -- changing: helpers -------------------------------------------------------------------------


def _changed(actor: Actor, plan: Plan, action: str, *, subject_type: str = "plan",
             subject_id: int | None = None, **detail: Any) -> None:
    """Mark the plan updated, audit the change and commit both."""
    plan.updated_at = utcnow()
    audit.record(action, tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type=subject_type,
                 subject_id=plan.id if subject_id is None else subject_id,
                 plan_id=plan.id, student_id=plan.person_id, **detail)
    db.session.commit()


def _text(value: Any, limit: int, what: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{what} cannot be empty.")
    if len(text) > limit:
        raise InvalidInput(f"{what} is too long (at most {limit} characters).")
    return text


def _choice(value: Any, allowed: Iterable[str], what: str) -> str:
    text = str(value or "")
    if text not in set(allowed):
        raise InvalidInput(f"{what}: {text!r} is not one of the choices.")
    return text


def _date(value: Any, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise InvalidInput(f"{what}: use a date like 2027-05-31.") from err


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- profile -----------------------------------------------------------------------------------


def update_profile(actor: Actor, plan: Plan, data: Mapping[str, Any]) -> list[str]:
    """Save the profile fields present in ``data``; returns the names of those that changed.

    The audit event names the changed fields, never their contents.
    """
    changed: list[str] = []
    for name in PROFILE_TEXT_FIELDS:
        if name in data:
            value = _text(data[name], 5000, name.replace("_", " ").capitalize())
            if value != (getattr(plan, name) or ""):
                setattr(plan, name, value)
                changed.append(name)
    for name, low, high in (("grade_level", 5, 12), ("graduation_year", 2000, 2100)):
        if name in data:
            raw = data[name]
            number = None if raw in (None, "") else _int(raw, name)
            if number is not None and not low <= number <= high:
                raise InvalidInput(f"{name.replace('_', ' ').capitalize()} must be between "
                                   f"{low} and {high}.")
            if number != getattr(plan, name):
                setattr(plan, name, number)
                changed.append(name)
    if changed:
        _changed(actor, plan, "plan.update", section="profile", fields=changed)
    return changed


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as err:
        raise InvalidInput(f"{what.replace('_', ' ').capitalize()} must be a number.") from err


# -- goals and milestones ----------------------------------------------------------------------


def goals(plan: Plan) -> list[Goal]:
    """The plan's goals with their milestones (two queries)."""
    return list(db.session.execute(
        select(Goal).where(Goal.plan_id == plan.id).options(selectinload(Goal.milestones))
        .order_by(Goal.id).execution_options(populate_existing=True)).scalars())


def get_goal(plan: Plan, goal_id: int) -> Goal:
    """A goal of this plan. :raises NotFound: otherwise."""
    goal = db.session.execute(
        select(Goal).where(Goal.id == goal_id, Goal.plan_id == plan.id)
        .options(selectinload(Goal.milestones))).scalar_one_or_none()
    if goal is None:
        raise NotFound("That goal is not part of this plan.")
    return goal


def _goal_fields(plan: Plan, fields: Mapping[str, Any]) -> dict[str, Any]:
    cluster = fields.get("cluster_code") or None
    if cluster is not None:
        _choice(cluster, (c.code for c in plan_framework(plan).clusters), "Career cluster")
    return {
        "category": _choice(fields.get("category"), GOAL_CATEGORY_LABELS, "Category"),
        "statement": _text(fields.get("statement"), 2000, "The goal statement", required=True),
        "target_date": _date(fields.get("target_date"), "Target date"),
        "measures": _text(fields.get("measures"), 2000, "How you will measure it"),
        "status": _choice(fields.get("status") or GoalStatus.NOT_STARTED, GOAL_STATUS_LABELS,
                          "Status"),
        "cluster_code": cluster,
    }


def create_goal(actor: Actor, plan: Plan, fields: Mapping[str, Any],
                milestones: Sequence[str] = ()) -> Goal:
    """Add a goal (category, statement, target_date, measures, status, cluster_code) and its
    first milestones."""
    values = _goal_fields(plan, fields)
    titles = [_text(t, 500, "A milestone", required=True) for t in milestones]
    goal = Goal(plan_id=plan.id, **values)
    goal.milestones = [Milestone(title=t, done=False) for t in titles]
    db.session.add(goal)
    db.session.flush()
    _changed(actor, plan, "goal.create", subject_type="goal", subject_id=goal.id,
             milestones=len(titles))
    return goal


def update_goal(actor: Actor, plan: Plan, goal_id: int, fields: Mapping[str, Any]) -> Goal:
    """Change a goal's fields."""
    goal = get_goal(plan, goal_id)
    values = _goal_fields(plan, fields)
    changed = [k for k, v in values.items() if getattr(goal, k) != v]
    for key, value in values.items():
        setattr(goal, key, value)
    _changed(actor, plan, "goal.update", subject_type="goal", subject_id=goal.id,
             fields=changed)
    return goal


def delete_goal(actor: Actor, plan: Plan, goal_id: int) -> None:
    """Remove a goal and its milestones; its evidence stays in the plan, unlinked."""
    goal = get_goal(plan, goal_id)
    parts.goal_deleted(goal)
    db.session.delete(goal)
    _changed(actor, plan, "goal.delete", subject_type="goal", subject_id=goal_id)


def get_milestone(plan: Plan, milestone_id: int) -> Milestone:
    """A milestone of one of this plan's goals. :raises NotFound: otherwise."""
    milestone = db.session.execute(
        select(Milestone).join(Goal, Goal.id == Milestone.goal_id)
        .where(Milestone.id == milestone_id, Goal.plan_id == plan.id)).scalar_one_or_none()
    if milestone is None:
        raise NotFound("That milestone is not part of this plan.")
    return milestone


def add_milestone(actor: Actor, plan: Plan, goal_id: int, title: Any,
                  due_date: Any = None) -> Milestone:
    """Add a step to a goal."""
    goal = get_goal(plan, goal_id)
    milestone = Milestone(goal_id=goal.id, title=_text(title, 500, "The milestone",
                                                       required=True),
                          due_date=_date(due_date, "Due date"), done=False)
    db.session.add(milestone)
    db.session.flush()
    _changed(actor, plan, "milestone.create", subject_type="milestone",
             subject_id=milestone.id, goal_id=goal.id)
    return milestone


def set_milestone_done(actor: Actor, plan: Plan, milestone_id: int,
                       done: bool | None = None) -> Milestone:
    """Mark a milestone done or not done (``None`` toggles it)."""
    milestone = get_milestone(plan, milestone_id)
    milestone.done = (not milestone.done) if done is None else done
    _changed(actor, plan, "milestone.update", subject_type="milestone",
             subject_id=milestone.id, goal_id=milestone.goal_id, done=milestone.done)
    return milestone


def delete_milestone(actor: Actor, plan: Plan, milestone_id: int) -> int:
    """Remove a milestone; returns the id of its goal."""
    milestone = get_milestone(plan, milestone_id)
    goal_id = milestone.goal_id
    db.session.delete(milestone)
    _changed(actor, plan, "milestone.delete", subject_type="milestone",
             subject_id=milestone_id, goal_id=goal_id)
    return goal_id


# -- clusters and pathways ---------------------------------------------------------------------


def set_clusters(actor: Actor, plan: Plan, cluster_codes: Iterable[str],
                 pathway_codes: Iterable[str]) -> None:
    """Replace the chosen clusters and pathways. A chosen pathway brings its cluster along.

    :raises InvalidInput: for a code that is not in the plan's framework.
    """
    fw = plan_framework(plan)
    known_clusters = [c.code for c in fw.clusters]
    known_pathways = {p.code: p for p in fw.pathways}
    chosen_clusters = set(cluster_codes)
    chosen_pathways = set(pathway_codes)
    for code in chosen_clusters:
        _choice(code, known_clusters, "Career cluster")
    for code in chosen_pathways:
        _choice(code, known_pathways, "Pathway")
        chosen_clusters.add(known_pathways[code].cluster_code)
    plan.cluster_codes = [c for c in known_clusters if c in chosen_clusters]
    plan.pathway_codes = [p.code for p in fw.pathways if p.code in chosen_pathways]
    _changed(actor, plan, "plan.update", section="clusters", clusters=plan.cluster_codes,
             pathways=plan.pathway_codes)


def add_clusters(actor: Actor, plan: Plan, codes: Iterable[str]) -> list[str]:
    """Add clusters (e.g. the inventory's suggestions) to the plan; returns those added."""
    fw = plan_framework(plan)
    known = [c.code for c in fw.clusters]
    wanted = set(codes)
    for code in wanted:
        _choice(code, known, "Career cluster")
    have = set(plan.cluster_codes or [])
    added = [c for c in known if c in wanted and c not in have]
    if added:
        plan.cluster_codes = [c for c in known if c in have or c in wanted]
        _changed(actor, plan, "plan.update", section="clusters", added=added)
    return added


# -- interest inventory ------------------------------------------------------------------------


def parse_inventory_answers(form: Mapping[str, Any]) -> dict[str, int]:
    """Answers from the inventory form (fields ``answer-<item id>``); blanks are unanswered.

    :raises InvalidInput: for an answer that is not on the scale.
    """
    scale = {str(o.value): o.value for o in inventory.ANSWER_SCALE}
    answers: dict[str, int] = {}
    for item in inventory.items():
        raw = form.get(f"answer-{item.id}")
        if raw in (None, ""):
            continue
        if str(raw) not in scale:
            raise InvalidInput(f"“{item.text}”: choose one of the answers.")
        answers[item.id] = scale[str(raw)]
    return answers


def save_inventory(actor: Actor, plan: Plan,
                   answers: Mapping[str, int]) -> inventory.InventoryResult:
    """Score and save the student's answers (``inventory_code``, ``inventory_taken_at``)."""
    try:
        result = inventory.score(answers)
    except ValueError as err:
        raise InvalidInput(str(err)) from err
    plan.inventory_answers = dict(answers)
    plan.inventory_code = result.code
    plan.inventory_taken_at = utcnow()
    _changed(actor, plan, "inventory.submit", code=result.code, answered=result.answered)
    return result


def inventory_result(plan: Plan) -> inventory.InventoryResult | None:
    """The plan's inventory result, scored again from the saved answers (None if not taken)."""
    if not plan.inventory_answers:
        return None
    try:
        return inventory.score(plan.inventory_answers)
    except ValueError:  # the item set changed since; treat as not taken
        return None


def inventory_summary(result: inventory.InventoryResult | None,
                      plan: Plan) -> dict[str, Any] | None:
    """JSON-able inventory result: per-type scores and suggested clusters with names."""
    if result is None:
        return None
    types = inventory.holland_types()
    per_type_max = {t: 0 for t in inventory.TYPE_ORDER}
    for item in inventory.items():
        per_type_max[item.type] += max(o.value for o in inventory.ANSWER_SCALE)
    return {
        "code": result.code,
        "code_names": [types[letter].name for letter in (result.code or "")],
        "taken_at": _iso(plan.inventory_taken_at),
        "answered": result.answered,
        "total_items": result.total_items,
        "answers": dict(plan.inventory_answers or {}),
        "types": [{"letter": t, "name": types[t].name, "help": types[t].help,
                   "total": result.totals[t], "maximum": per_type_max[t],
                   "percent": result.percents[t]} for t in inventory.TYPE_ORDER],
        "suggested_clusters": [{"code": c, "name": cluster_name(c)}
                               for c in result.clusters[:SUGGESTED_CLUSTERS]],
    }


# -- course plan and Programs of Study ---------------------------------------------------------


def course_plan(plan: Plan) -> list[CoursePlanEntry]:
    """The plan's courses by grade, in the order they were added."""
    return list(db.session.execute(
        select(CoursePlanEntry).where(CoursePlanEntry.plan_id == plan.id)
        .order_by(CoursePlanEntry.grade_level, CoursePlanEntry.id)).scalars())


def get_course(plan: Plan, entry_id: int) -> CoursePlanEntry:
    """A course of this plan. :raises NotFound: otherwise."""
    entry = db.session.execute(
        select(CoursePlanEntry).where(CoursePlanEntry.id == entry_id,
                                      CoursePlanEntry.plan_id == plan.id)).scalar_one_or_none()
    if entry is None:
        raise NotFound("That course is not part of this plan.")
    return entry


def _course_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    grade = _int(fields.get("grade_level"), "grade")
    if grade not in GRADES:
        raise InvalidInput("Grade must be 9, 10, 11 or 12.")
    try:
        credits = float(fields.get("credits"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise InvalidInput("Credits must be a number.") from err
    if not 0.25 <= credits <= 2:
        raise InvalidInput("Credits are between 0.25 and 2.")
    return {
        "grade_level": grade,
        "course_name": _text(fields.get("course_name"), 255, "The course name", required=True),
        "subject": _choice(fields.get("subject") or programs.ELECTIVE, programs.SUBJECTS,
                           "Subject"),
        "credits": credits,
        "status": _choice(fields.get("status") or CoursePlanStatus.PLANNED,
                          COURSE_STATUS_LABELS, "Status"),
        "final_grade": _text(fields.get("final_grade"), 20, "The final grade") or None,
    }


def add_course(actor: Actor, plan: Plan, fields: Mapping[str, Any]) -> CoursePlanEntry:
    """Add a course to the four-year plan."""
    entry = CoursePlanEntry(plan_id=plan.id, **_course_fields(fields))
    db.session.add(entry)
    db.session.flush()
    _changed(actor, plan, "course.create", subject_type="course_plan_entry",
             subject_id=entry.id, grade_level=entry.grade_level)
    return entry


def update_course(actor: Actor, plan: Plan, entry_id: int,
                  fields: Mapping[str, Any]) -> CoursePlanEntry:
    """Change a course of the four-year plan."""
    entry = get_course(plan, entry_id)
    for key, value in _course_fields(fields).items():
        setattr(entry, key, value)
    _changed(actor, plan, "course.update", subject_type="course_plan_entry",
             subject_id=entry.id)
    return entry


def delete_course(actor: Actor, plan: Plan, entry_id: int) -> None:
    """Remove a course from the four-year plan."""
    entry = get_course(plan, entry_id)
    db.session.delete(entry)
    _changed(actor, plan, "course.delete", subject_type="course_plan_entry",
             subject_id=entry_id)


def get_program(tenant_id: int, program_id: int) -> ProgramOfStudy:
    """A Program of Study of the tenant. :raises NotFound: otherwise."""
    program = db.session.get(ProgramOfStudy, program_id)
    if program is None or program.tenant_id != tenant_id:
        raise NotFound("That Program of Study does not exist.")
    return program


def plan_program(plan: Plan) -> ProgramOfStudy | None:
    """The plan's chosen Program of Study, if any."""
    if plan.program_of_study_id is None:
        return None
    program = db.session.get(ProgramOfStudy, plan.program_of_study_id)
    return program if program is not None and program.tenant_id == plan.tenant_id else None


def choose_program(actor: Actor, plan: Plan, program_id: int) -> ProgramOfStudy:
    """Set the plan's Program of Study."""
    program = get_program(plan.tenant_id, program_id)
    plan.program_of_study_id = program.id
    _changed(actor, plan, "plan.update", section="program_of_study", program_id=program.id)
    return program


def fill_from_program(actor: Actor, plan: Plan) -> int:
    """Add the chosen program's courses the grid lacks (same grade and name); returns how many.

    :raises InvalidInput: when the plan has no Program of Study yet.
    """
    program = plan_program(plan)
    if program is None:
        raise InvalidInput("Choose your Program of Study first.")
    have = {(e.grade_level, e.course_name.casefold()) for e in course_plan(plan)}
    added = 0
    for course in program.courses or []:
        key = (int(course["grade"]), str(course["course"]).casefold())
        if key in have:
            continue
        have.add(key)
        db.session.add(CoursePlanEntry(
            plan_id=plan.id, grade_level=key[0], course_name=str(course["course"]),
            subject=str(course.get("subject") or programs.ELECTIVE),
            credits=float(course.get("credits") or 1.0), status=CoursePlanStatus.PLANNED))
        added += 1
    _changed(actor, plan, "course_plan.fill", program_id=program.id, added=added)
    return added


def requirements(entries: Iterable[CoursePlanEntry],
                 program: ProgramOfStudy | None) -> list[programs.RequirementRow]:
    """Credits planned and completed per graduation requirement of the plan's program."""
    return programs.requirement_summary(
        ((e.subject, e.credits, e.status == CoursePlanStatus.COMPLETED) for e in entries),
        program.requirements if program is not None and program.requirements else None)


# -- list sections (PlanItem) ------------------------------------------------------------------


def section_kind(section: str) -> PlanItemKind:
    """The item kind of a list section's URL slug. :raises NotFound: for unknown slugs."""
    info = ITEM_SECTIONS.get(section)
    if info is None:
        raise NotFound()
    return PlanItemKind(info["kind"])


def items(plan: Plan, kind: PlanItemKind | None = None) -> list[PlanItem]:
    """The plan's list items (of one kind), in the order they were added."""
    query = select(PlanItem).where(PlanItem.plan_id == plan.id)
    if kind is not None:
        query = query.where(PlanItem.kind == kind)
    return list(db.session.execute(query.order_by(PlanItem.kind, PlanItem.id)).scalars())


def get_item(plan: Plan, kind: PlanItemKind, item_id: int) -> PlanItem:
    """An item of this plan and kind. :raises NotFound: otherwise."""
    item = db.session.execute(
        select(PlanItem).where(PlanItem.id == item_id, PlanItem.plan_id == plan.id,
                               PlanItem.kind == kind)).scalar_one_or_none()
    if item is None:
        raise NotFound("That entry is not part of this plan.")
    return item


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _item_fields(kind: PlanItemKind, fields: Mapping[str, Any]) -> dict[str, Any]:
    allowed = ITEM_FIELDS[kind]
    values: dict[str, Any] = {
        "title": _text(fields.get("title"), 500, "The title", required=True),
        "detail": _text(fields.get("detail"), 5000, "The details"),
        "date": _date(fields.get("date"), "Date") if "date" in allowed else None,
        "score": (_text(fields.get("score"), 120, "The score") or None)
        if "score" in allowed else None,
        "relationship_label": (_text(fields.get("relationship_label"), 120,
                                     "The relationship") or None)
        if "relationship_label" in allowed else None,
        "email": (_text(fields.get("email"), 320, "The email") or None)
        if "email" in allowed else None,
        "phone": (_text(fields.get("phone"), 60, "The phone") or None)
        if "phone" in allowed else None,
    }
    if values["email"] and not _EMAIL.match(values["email"]):
        raise InvalidInput("That does not look like an email address.")
    return values


def add_item(actor: Actor, plan: Plan, kind: PlanItemKind, fields: Mapping[str, Any]) -> PlanItem:
    """Add a line to a list section."""
    item = PlanItem(plan_id=plan.id, kind=kind, **_item_fields(kind, fields))
    db.session.add(item)
    db.session.flush()
    _changed(actor, plan, "item.create", subject_type="plan_item", subject_id=item.id,
             kind=str(kind))
    return item


def update_item(actor: Actor, plan: Plan, kind: PlanItemKind, item_id: int,
                fields: Mapping[str, Any]) -> PlanItem:
    """Change a line of a list section."""
    item = get_item(plan, kind, item_id)
    for key, value in _item_fields(kind, fields).items():
        setattr(item, key, value)
    _changed(actor, plan, "item.update", subject_type="plan_item", subject_id=item.id,
             kind=str(kind))
    return item


def delete_item(actor: Actor, plan: Plan, kind: PlanItemKind, item_id: int) -> None:
    """Remove a line of a list section."""
    item = get_item(plan, kind, item_id)
    db.session.delete(item)
    _changed(actor, plan, "item.delete", subject_type="plan_item", subject_id=item_id,
             kind=str(kind))


# -- the whole plan as data --------------------------------------------------------------------


def _item_dict(item: PlanItem) -> dict[str, Any]:
    return {"id": item.id, "kind": str(item.kind), "title": item.title,
            "detail": item.detail or "", "date": _iso(item.date), "score": item.score,
            "relationship": item.relationship_label, "email": item.email,
            "phone": item.phone}


def plan_document(plan: Plan) -> dict[str, Any]:
    """The whole plan as JSON-able data: every section, goals with milestones and evidence
    snapshots, the course plan against its requirements, list items, transcript, inventory
    and comments. Includes ``accommodations``; callers that show it to someone must drop it
    unless ``policy.READ_ACCOMMODATIONS`` allows (see ``redact``).

    Loads everything in a fixed number of queries, whatever the plan's size.
    """
    person = db.session.get(Person, plan.person_id)
    fw = plan_framework(plan)
    goal_rows = goals(plan)
    evidence = parts.evidence(plan)  # from the portfolio (see ``parts``)
    by_goal: dict[int | None, list[dict[str, Any]]] = {}
    for ev in evidence:
        by_goal.setdefault(ev["goal_id"], []).append(ev)
    entries = course_plan(plan)
    program = plan_program(plan)
    all_items = items(plan)
    transcript = db.session.execute(
        select(TranscriptEntry).where(TranscriptEntry.person_id == plan.person_id,
                                      TranscriptEntry.tenant_id == plan.tenant_id)
        .order_by(TranscriptEntry.term, TranscriptEntry.course_name)).scalars().all()
    author = aliased(Person)
    comments = db.session.execute(
        select(PlanComment, author).outerjoin(author, author.id == PlanComment.author_id)
        .where(PlanComment.plan_id == plan.id).order_by(PlanComment.id)).all()

    def goal_dict(goal: Goal) -> dict[str, Any]:
        done = sum(1 for m in goal.milestones if m.done)
        return {
            "id": goal.id, "category": str(goal.category),
            "category_label": GOAL_CATEGORY_LABELS.get(goal.category, str(goal.category)),
            "statement": goal.statement, "target_date": _iso(goal.target_date),
            "measures": goal.measures or "", "status": str(goal.status),
            "status_label": GOAL_STATUS_LABELS.get(goal.status, str(goal.status)),
            "cluster_code": goal.cluster_code,
            "cluster_name": cluster_name(goal.cluster_code) if goal.cluster_code else None,
            "milestones": [{"id": m.id, "title": m.title, "due_date": _iso(m.due_date),
                            "done": m.done} for m in goal.milestones],
            "milestones_done": done, "milestones_total": len(goal.milestones),
            "evidence": by_goal.get(goal.id, []),
        }

    return {
        "format": "lodestar-ilp-plan", "format_version": DOCUMENT_VERSION,
        "generated_at": _iso(utcnow()),
        "student": {"id": plan.person_id,
                    "name": person.display_name if person else None,
                    "given_name": person.given_name if person else None,
                    "family_name": person.family_name if person else None,
                    "email": person.email if person else None},
        "plan": {"id": plan.id, "created_at": _iso(plan.created_at),
                 "updated_at": _iso(plan.updated_at)},
        "profile": {"about": plan.about or "", "grade_level": plan.grade_level,
                    "graduation_year": plan.graduation_year,
                    "interests": plan.interests or "", "strengths": plan.strengths or "",
                    "skills": plan.skills or "", "abilities": plan.abilities or "",
                    "hobbies": plan.hobbies or ""},
        "accommodations": plan.accommodations or "",
        "career_exploration": plan.career_exploration or "",
        "college_planning": plan.college_planning or "",
        "financial_planning": plan.financial_planning or "",
        "framework": {"version": fw.version, "name": fw.name, "publisher": fw.publisher,
                      "source_url": fw.source_url},
        "clusters": [{"code": c, "name": cluster_name(c)} for c in plan.cluster_codes or []],
        "pathways": [{"code": p, "name": pathway_name(p),
                      "cluster_name": cluster_name(p.rsplit(".", 1)[0])}
                     for p in plan.pathway_codes or []],
        "inventory": inventory_summary(inventory_result(plan), plan),
        "goals": [goal_dict(g) for g in goal_rows],
        "unlinked_evidence": by_goal.get(None, []),
        "program_of_study": None if program is None else {
            "id": program.id, "name": program.name,
            "cluster": cluster_name(program.cluster_code) if program.cluster_code else None,
            "pathway": pathway_name(program.pathway_code) if program.pathway_code else None},
        "course_plan": [{"id": e.id, "grade_level": e.grade_level,
                         "course_name": e.course_name, "subject": e.subject,
                         "subject_label": programs.subject_label(e.subject),
                         "credits": e.credits, "status": str(e.status),
                         "status_label": COURSE_STATUS_LABELS.get(e.status, str(e.status)),
                         "final_grade": e.final_grade} for e in entries],
        "requirements": [r.as_dict() for r in requirements(entries, program)],
        "items": {slug: [_item_dict(i) for i in all_items if i.kind == info["kind"]]
                  for slug, info in ITEM_SECTIONS.items()},
        "transcript": [{"course": t.course_name, "term": t.term, "state": t.state,
                        "current_grade": t.current_grade, "current_score": t.current_score,
                        "final_grade": t.final_grade, "final_score": t.final_score,
                        "source": t.source, "last_synced_at": _iso(t.last_synced_at)}
                       for t in transcript],
        "comments": [{"author": a.display_name if a is not None else None,
                      "author_role": c.author_role, "body": c.body,
                      "created_at": _iso(c.created_at)} for c, a in comments],
    }


def redact(document: Mapping[str, Any], *, show_accommodations: bool) -> dict[str, Any]:
    """A copy of a plan document without what the reader may not see."""
    copy = dict(document)
    if not show_accommodations:
        copy.pop("accommodations", None)
    return copy


# -- snapshots ---------------------------------------------------------------------------------


def snapshots(plan: Plan, *, with_data: bool = False) -> list[PlanSnapshot]:
    """The plan's yearly snapshots, newest school year first (one query).

    Listings need only the metadata: the stored plan document (``data``) is left unloaded
    unless ``with_data`` asks for it (reading it later costs one query per snapshot).
    """
    query = select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id)
    if not with_data:
        query = query.options(defer(PlanSnapshot.data))
    return list(db.session.execute(
        query.order_by(PlanSnapshot.school_year.desc())).scalars())


def get_snapshot(plan: Plan, year: str) -> PlanSnapshot:
    """The snapshot of one school year. :raises NotFound: otherwise."""
    snap = db.session.execute(
        select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id,
                                   PlanSnapshot.school_year == year)).scalar_one_or_none()
    if snap is None:
        raise NotFound("There is no snapshot of that school year.")
    return snap


def take_snapshot(plan: Plan, school_year: str) -> PlanSnapshot:
    """Store the plan as it stands now as the snapshot of ``school_year`` (insert or replace
    its data; approval and sign-off fields are kept). Flushes; the caller commits."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{4}", school_year) or \
            int(school_year[5:]) != int(school_year[:4]) + 1:
        raise InvalidInput("A school year looks like 2026-2027.")
    data = plan_document(plan)
    snap = db.session.execute(
        select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id,
                                   PlanSnapshot.school_year == school_year)
    ).scalar_one_or_none()
    if snap is None:
        snap = PlanSnapshot(plan_id=plan.id, school_year=school_year, data=data)
        db.session.add(snap)
    else:
        snap.data = data
    db.session.flush()
    return snap


def save_snapshot(actor: Actor, plan: Plan, year: str | None = None) -> PlanSnapshot:
    """Save this (or ``year``'s) school year's snapshot, audited (``snapshot.save``).

    A snapshot a counselor approved or a guardian signed is a record of what they approved or
    signed: the student cannot overwrite it (the live plan keeps changing; next year's
    snapshot will show the changes).

    :raises InvalidInput: when that year's snapshot was approved or signed already.
    """
    year = year or school_year()
    existing = db.session.execute(
        select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id,
                                   PlanSnapshot.school_year == year)).scalar_one_or_none()
    if existing is not None and (existing.approved_at or existing.signed_at):
        raise InvalidInput(f"The {year} snapshot was already "
                           f"{'approved' if existing.approved_at else 'signed'}, so it stays "
                           "as it was then. Your changes are saved in your plan.")
    snap = take_snapshot(plan, year)
    audit.record("snapshot.save", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan_snapshot", subject_id=snap.id, plan_id=plan.id,
                 student_id=plan.person_id, school_year=year)
    db.session.commit()
    return snap


def snapshot_summary(snap: PlanSnapshot) -> dict[str, Any]:
    """A snapshot's metadata (no data), JSON-able."""
    return {"school_year": snap.school_year, "saved_at": _iso(snap.updated_at),
            "approved_by": snap.approved_by, "approved_at": _iso(snap.approved_at),
            "signed_by": snap.signed_by, "signed_at": _iso(snap.signed_at),
            "signature_name": snap.signature_name}


# -- export and deletion -----------------------------------------------------------------------


def grade_rows(student: Person) -> list[dict[str, Any]]:
    """The student's per-assignment grades (with the teacher's comments) as the LMS last
    reported them, by course and assignment."""
    rows = db.session.execute(
        select(Grade, Assignment, Course)
        .join(Assignment, Assignment.id == Grade.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(Grade.person_id == student.id, Course.tenant_id == student.tenant_id)
        .order_by(Course.title, Assignment.due_at, Assignment.title, Grade.id)).all()
    return [{"course": course.display_title, "course_id": course.id,
             "assignment": assignment.title, "assignment_id": assignment.id,
             "due_at": _iso(assignment.due_at), "score": grade.score,
             "score_maximum": grade.score_maximum, "state": grade.state,
             "comment": grade.comment or "", "submitted_at": _iso(grade.submitted_at),
             "graded_at": _iso(grade.graded_at), "url": grade.url}
            for grade, assignment, course in rows]


def export_document(actor: Actor, student: Person, *, show_accommodations: bool,
                    export_format: str = "json", files: int | None = None) -> dict[str, Any]:
    """The whole plan with its yearly snapshots and grades, for download; audited
    (``plan.export`` with the ``format``: ``json`` or ``zip``, and for a zip the number of
    files in it).

    Never creates a plan: a student without one exports the empty document."""
    plan = find_plan(student) or empty_plan(student)
    document = redact(plan_document(plan), show_accommodations=show_accommodations)
    document["snapshots"] = [
        {**snapshot_summary(s),
         "data": redact(s.data or {}, show_accommodations=show_accommodations)}
        for s in snapshots(plan, with_data=True)]
    document["grades"] = grade_rows(student)
    document["exported_by"] = actor.person_id
    extra: dict[str, Any] = {} if files is None else {"files": files}
    audit.record("plan.export", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan", subject_id=plan.id, student_id=student.id,
                 format=export_format, **extra)
    db.session.commit()
    return document


def printable_document(student: Person, *, show_accommodations: bool) -> dict[str, Any]:
    """The plan document the printable page shows (not audited: the caller audits)."""
    plan = find_plan(student) or empty_plan(student)
    return redact(plan_document(plan), show_accommodations=show_accommodations)


def print_document(actor: Actor, student: Person, *,
                   show_accommodations: bool) -> dict[str, Any]:
    """The plan document for the printable page; audited (``plan.export``, ``print``).

    Never creates a plan: a student without one prints the empty document."""
    plan = find_plan(student) or empty_plan(student)
    document = redact(plan_document(plan), show_accommodations=show_accommodations)
    audit.record("plan.export", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan", subject_id=plan.id, student_id=student.id,
                 format="print")
    db.session.commit()
    return document


def deletion_preview(student: Person) -> dict[str, int]:
    """How many rows deleting the student's plan would remove, by kind."""
    plan = find_plan(student)
    plan_id = plan.id if plan is not None else -1

    def count(model: Any, *where: Any) -> int:
        return int(db.session.execute(select(func.count()).select_from(model)
                                      .where(*where)).scalar_one())

    return {
        "goals": count(Goal, Goal.plan_id == plan_id),
        **parts.preview(student, plan_id),  # evidence and files, from the portfolio
        "courses": count(CoursePlanEntry, CoursePlanEntry.plan_id == plan_id),
        "items": count(PlanItem, PlanItem.plan_id == plan_id),
        "snapshots": count(PlanSnapshot, PlanSnapshot.plan_id == plan_id),
    }


def _normal_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def delete_plan(actor: Actor, student: Person, confirm_name: str) -> dict[str, int]:
    """Delete everything the student owns on request (see ``erasure``).

    Removes the plan and all that hangs off it, evidence and uploaded files, grades with
    their comments, transcript, enrollments, guardian links, grants and the stored launch
    data; the person row becomes an anonymised tombstone. The audit event (``plan.delete``,
    with counts only) stays, and the student's texts leave every other audit event.
    Returns the counts.

    :raises InvalidInput: when ``confirm_name`` is not the student's name.
    """
    if _normal_name(confirm_name or "") != _normal_name(student.display_name):
        raise InvalidInput("The name you typed does not match the student's name, so nothing "
                           "was deleted.")
    plan = find_plan(student)
    plan_id = plan.id if plan is not None else None
    counts = erasure.erase_student(actor.tenant_id, student)
    db.session.commit()
    counts["launches"] = erasure.purge_store(student)
    audit.record("plan.delete", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan", subject_id=plan_id, student_id=student.id,
                 counts=counts)
    db.session.commit()
    return counts

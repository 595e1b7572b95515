"""The course plan (grades 9 to 12, from grade 6 where the district plans middle school
courses too: ``plan_settings``) and the Program of Study it may follow.

Lookups by id are scoped to the plan they were given, so an id of someone else's plan is
simply "not found".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select

from lti_tool.actor import Actor
from lti_tool.db import INCLUDE_DELETED, utcnow
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.plans import plan_settings, programs
from lti_tool.plans.editing import bounded_text, one_of, record_change, whole_number
from lti_tool.plans.models import CoursePlanEntry, CoursePlanStatus, Plan, ProgramOfStudy
from lti_tool.plans.vocabulary import COURSE_STATUS_LABELS
from lti_tool.tenants import in_tenant


def course_plan(plan: Plan) -> list[CoursePlanEntry]:
    """The plan's courses by grade, in the order they were added."""
    return list(
        db.session.execute(
            select(CoursePlanEntry)
            .where(CoursePlanEntry.plan_id == plan.id)
            .order_by(CoursePlanEntry.grade_level, CoursePlanEntry.id)
        ).scalars()
    )


def get_course(plan: Plan, entry_id: int) -> CoursePlanEntry:
    """A course of this plan. :raises NotFound: otherwise."""
    entry = db.session.execute(
        select(CoursePlanEntry).where(
            CoursePlanEntry.id == entry_id, CoursePlanEntry.plan_id == plan.id
        )
    ).scalar_one_or_none()
    if entry is None:
        raise NotFound("That course is not part of this plan.")
    return entry


def grade_choices(plan: Plan, entries: Iterable[CoursePlanEntry] = ()) -> tuple[int, ...]:
    """The grades a course may be planned in: the tenant's course plan grades, and any grade
    that already holds one of ``entries`` (a district that narrows its range loses nothing)."""
    grades = set(plan_settings.course_plan_grades(plan.tenant_id))
    grades.update(e.grade_level for e in entries)
    return tuple(sorted(grades))


def _grades_text(grades: tuple[int, ...]) -> str:
    words = [str(g) for g in grades]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _course_fields(fields: Mapping[str, Any], grades: tuple[int, ...]) -> dict[str, Any]:
    grade = whole_number(fields.get("grade_level"), "grade")
    if grade not in grades:
        raise InvalidInput(f"Grade must be {_grades_text(grades)}.")
    try:
        credits = float(fields.get("credits"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise InvalidInput("Credits must be a number.") from err
    if not 0.25 <= credits <= 2:
        raise InvalidInput("Credits are between 0.25 and 2.")
    return {
        "grade_level": grade,
        "course_name": bounded_text(
            fields.get("course_name"), 255, "The course name", required=True
        ),
        "subject": one_of(fields.get("subject") or programs.ELECTIVE, programs.SUBJECTS, "Subject"),
        "credits": credits,
        "status": one_of(
            fields.get("status") or CoursePlanStatus.PLANNED, COURSE_STATUS_LABELS, "Status"
        ),
        "final_grade": bounded_text(fields.get("final_grade"), 20, "The final grade") or None,
    }


def add_course(actor: Actor, plan: Plan, fields: Mapping[str, Any]) -> CoursePlanEntry:
    """Add a course to the course plan (in one of the tenant's course plan grades)."""
    entry = CoursePlanEntry(plan_id=plan.id, **_course_fields(fields, grade_choices(plan)))
    db.session.add(entry)
    db.session.flush()
    record_change(
        actor,
        plan,
        "course.create",
        subject_type="course_plan_entry",
        subject_id=entry.id,
        grade_level=entry.grade_level,
    )
    return entry


def update_course(
    actor: Actor, plan: Plan, entry_id: int, fields: Mapping[str, Any]
) -> CoursePlanEntry:
    """Change a course of the course plan (it may keep a grade outside the tenant's range)."""
    entry = get_course(plan, entry_id)
    for key, value in _course_fields(fields, grade_choices(plan, [entry])).items():
        setattr(entry, key, value)
    record_change(
        actor, plan, "course.update", subject_type="course_plan_entry", subject_id=entry.id
    )
    return entry


def delete_course(actor: Actor, plan: Plan, entry_id: int) -> CoursePlanEntry:
    """Remove a course from the course plan, with an undo: it is hidden everywhere (grid,
    requirements, export) until ``restore_course`` or ``purge_deleted_courses``."""
    entry = get_course(plan, entry_id)
    entry.deleted_at = utcnow()
    record_change(
        actor, plan, "course.delete", subject_type="course_plan_entry", subject_id=entry_id
    )
    return entry


def recently_deleted_courses(plan: Plan) -> list[CoursePlanEntry]:
    """The plan's removed courses that can still be brought back, the latest first."""
    return list(
        db.session.execute(
            select(CoursePlanEntry)
            .where(CoursePlanEntry.plan_id == plan.id, CoursePlanEntry.deleted_at.is_not(None))
            .order_by(CoursePlanEntry.deleted_at.desc(), CoursePlanEntry.id.desc())
            .execution_options(**{INCLUDE_DELETED: True})
        ).scalars()
    )


def restore_course(actor: Actor, plan: Plan, entry_id: int) -> CoursePlanEntry:
    """Undo ``delete_course``. :raises NotFound: for a course not deleted or purged."""
    entry = db.session.execute(
        select(CoursePlanEntry)
        .where(
            CoursePlanEntry.id == entry_id,
            CoursePlanEntry.plan_id == plan.id,
            CoursePlanEntry.deleted_at.is_not(None),
        )
        .execution_options(**{INCLUDE_DELETED: True})
    ).scalar_one_or_none()
    if entry is None:
        raise NotFound("That course cannot be brought back any more.")
    entry.deleted_at = None
    record_change(
        actor, plan, "course.restore", subject_type="course_plan_entry", subject_id=entry_id
    )
    return entry


def purge_deleted_courses(before: dt.datetime) -> int:
    """Remove for good the courses deleted before ``before``; returns how many. Commits."""
    result = db.session.execute(
        delete(CoursePlanEntry)
        .where(CoursePlanEntry.deleted_at.is_not(None), CoursePlanEntry.deleted_at < before)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def get_program(tenant_id: int, program_id: int) -> ProgramOfStudy:
    """A Program of Study of the tenant. :raises NotFound: otherwise."""
    return in_tenant(ProgramOfStudy, program_id, tenant_id, "That Program of Study does not exist.")


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
    record_change(actor, plan, "plan.update", section="program_of_study", program_id=program.id)
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
        db.session.add(
            CoursePlanEntry(
                plan_id=plan.id,
                grade_level=key[0],
                course_name=str(course["course"]),
                subject=str(course.get("subject") or programs.ELECTIVE),
                credits=float(course.get("credits") or 1.0),
                status=CoursePlanStatus.PLANNED,
            )
        )
        added += 1
    record_change(actor, plan, "course_plan.fill", program_id=program.id, added=added)
    return added


def requirements(
    entries: Iterable[CoursePlanEntry], program: ProgramOfStudy | None
) -> list[programs.RequirementRow]:
    """Credits planned and completed per graduation requirement of the plan's program."""
    return programs.requirement_summary(
        ((e.subject, e.credits, e.status == CoursePlanStatus.COMPLETED) for e in entries),
        program.requirements if program is not None and program.requirements else None,
    )

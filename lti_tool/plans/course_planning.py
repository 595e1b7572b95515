"""The course plan (grades 6 to 12; the district's grid shows grades 9 to 12, or from grade 6,
7 or 8: ``plan_settings``) and the Program of Study it may follow.

* A course's status follows its grade unless the student sets it: a past grade is completed,
  the student's current grade in progress, a later grade planned. A planned course has no
  final grade.
* A course is in the plan once per grade and term ("Biology" twice in grade 10 is refused);
  requirement totals count a course name once even where older rows repeat it.
* Final grades are on the district's grade scale (``grade_scale``).
* Grades 6 to 8 (middle school) are optional: their courses are welcome but do not count
  toward graduation requirements.

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
from lti_tool.plans import grade_scale, plan_settings, programs
from lti_tool.plans.editing import bounded_text, one_of, record_change, whole_number
from lti_tool.plans.models import CoursePlanEntry, CoursePlanStatus, Plan, ProgramOfStudy
from lti_tool.plans.vocabulary import ALL_COURSE_GRADES, COURSE_STATUS_LABELS, GRADES, LAST_GRADE
from lti_tool.tenants import in_tenant

#: The first grade whose courses count toward graduation (grades 6-8 are optional).
FIRST_HIGH_SCHOOL_GRADE = GRADES[0]


class DuplicateCourse(InvalidInput):
    """The course is already in the plan for that grade and term."""

    status_code = 422


def course_plan(plan: Plan, *, include_deleted: bool = False) -> list[CoursePlanEntry]:
    """The plan's courses by grade, in the order they were added (with ``include_deleted``,
    the removed ones waiting for undo too)."""
    return list(
        db.session.execute(
            select(CoursePlanEntry)
            .where(CoursePlanEntry.plan_id == plan.id)
            .order_by(CoursePlanEntry.grade_level, CoursePlanEntry.id)
            .execution_options(**{INCLUDE_DELETED: include_deleted})
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
    """The grades a course may be planned in: grades 6 to 12 (middle school is optional),
    and any grade that already holds one of ``entries``."""
    grades = set(ALL_COURSE_GRADES)
    grades.update(e.grade_level for e in entries)
    return tuple(sorted(grades))


def grid_grades(plan: Plan, entries: Iterable[CoursePlanEntry] = ()) -> tuple[int, ...]:
    """The grades the grid shows: the tenant's course plan grades, and any grade that holds
    one of ``entries`` (a middle school course, or a district that narrowed its range)."""
    grades = set(plan_settings.course_plan_grades(plan.tenant_id))
    grades.update(e.grade_level for e in entries)
    return tuple(sorted(grades))


def school_year_end(today: dt.date | None = None) -> int:
    """The calendar year the current school year ends in (from July, the next one)."""
    today = today or dt.date.today()
    return today.year + 1 if today.month >= 7 else today.year


def current_grade(plan: Plan, today: dt.date | None = None) -> int | None:
    """The student's grade this school year: as they gave it, or from their graduation
    year; None when neither is known."""
    if plan.grade_level is not None:
        return plan.grade_level
    if plan.graduation_year is not None:
        grade = LAST_GRADE - (plan.graduation_year - school_year_end(today))
        if ALL_COURSE_GRADES[0] - 1 <= grade <= LAST_GRADE + 1:
            return grade
    return None


def status_for_grade(plan: Plan, grade: int, today: dt.date | None = None) -> CoursePlanStatus:
    """A course's status from its grade: past grades completed, the current grade in
    progress, later grades (or any, when the current grade is unknown) planned."""
    now = current_grade(plan, today)
    if now is None or grade > now:
        return CoursePlanStatus.PLANNED
    return CoursePlanStatus.IN_PROGRESS if grade == now else CoursePlanStatus.COMPLETED


def final_grade_choices(plan: Plan, entry: CoursePlanEntry | None = None) -> list[str]:
    """The final grades a course may have: the district's scale, and an entry's grade from
    before the scale (so editing it shows what it holds)."""
    allowed = list(grade_scale.scale(plan_settings.grade_scale(plan.tenant_id)).grades)
    if entry is not None and entry.final_grade and entry.final_grade not in allowed:
        allowed.append(entry.final_grade)
    return allowed


def _grades_text(grades: tuple[int, ...]) -> str:
    words = [str(g) for g in grades]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _course_fields(
    plan: Plan,
    fields: Mapping[str, Any],
    grades: tuple[int, ...],
    entry: CoursePlanEntry | None = None,
) -> dict[str, Any]:
    grade = whole_number(fields.get("grade_level"), "grade")
    if grade not in grades:
        raise InvalidInput(f"Grade must be {_grades_text(grades)}.")
    status = CoursePlanStatus(
        one_of(
            fields.get("status") or status_for_grade(plan, grade), COURSE_STATUS_LABELS, "Status"
        )
    )
    final = bounded_text(fields.get("final_grade"), 20, "The final grade") or None
    if final is not None:
        key = plan_settings.grade_scale(plan.tenant_id)
        kept = entry is not None and final == entry.final_grade
        final = final if kept else grade_scale.normalise(final, key)
        if final is None:
            raise InvalidInput(
                "Choose the final grade from the list ("
                + ", ".join(grade_scale.scale(key).grades)
                + ")."
            )
        if status == CoursePlanStatus.PLANNED:
            raise InvalidInput(
                "A planned course has no final grade yet: leave the grade empty, or mark "
                "the course in progress or completed."
            )
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
        "status": status,
        "final_grade": final,
        "term": bounded_text(fields.get("term"), 100, "The term") or None,
    }


def same_course(a_name: str, a_term: str | None, b_name: str, b_term: str | None) -> bool:
    """Whether two courses are the same course of the same term (names compared without
    case or extra spaces)."""

    def key(name: str, term: str | None) -> tuple[str, str]:
        return " ".join(name.split()).casefold(), " ".join((term or "").split()).casefold()

    return key(a_name, a_term) == key(b_name, b_term)


def find_duplicate(
    plan: Plan, values: Mapping[str, Any], exclude_id: int | None = None
) -> CoursePlanEntry | None:
    """The plan's course of the same name, grade and term as ``values``, if any."""
    for other in course_plan(plan):
        if other.id == exclude_id or other.grade_level != values["grade_level"]:
            continue
        if same_course(other.course_name, other.term, values["course_name"], values["term"]):
            return other
    return None


def _refuse_duplicate(plan: Plan, values: Mapping[str, Any], exclude_id: int | None) -> None:
    if find_duplicate(plan, values, exclude_id) is not None:
        term = f", {values['term']}" if values.get("term") else ""
        raise DuplicateCourse(
            f"{values['course_name']} is already in your plan for grade "
            f"{values['grade_level']}{term}. Change the course there, or pick another grade "
            "or term."
        )


def add_course(actor: Actor, plan: Plan, fields: Mapping[str, Any]) -> CoursePlanEntry:
    """Add a course to the course plan (in one of the tenant's course plan grades)."""
    values = _course_fields(plan, fields, grade_choices(plan))
    _refuse_duplicate(plan, values, None)
    entry = CoursePlanEntry(plan_id=plan.id, **values)
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
    values = _course_fields(plan, fields, grade_choices(plan, [entry]), entry)
    _refuse_duplicate(plan, values, entry.id)
    for key, value in values.items():
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
    # The same course may have come back meanwhile (added again, or imported from the LMS).
    _refuse_duplicate(
        plan,
        {"course_name": entry.course_name, "grade_level": entry.grade_level, "term": entry.term},
        entry.id,
    )
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
                status=status_for_grade(plan, key[0]),
            )
        )
        added += 1
    record_change(actor, plan, "course_plan.fill", program_id=program.id, added=added)
    return added


def requirements(
    entries: Iterable[CoursePlanEntry], program: ProgramOfStudy | None
) -> list[programs.RequirementRow]:
    """Credits planned and completed per graduation requirement of the plan's program.

    A course counts once (a name repeated in the plan, e.g. rows from before duplicates were
    refused, counts where it is furthest along), and grades 6-8 do not count.
    """
    rank = {
        CoursePlanStatus.PLANNED: 0,
        CoursePlanStatus.IN_PROGRESS: 1,
        CoursePlanStatus.COMPLETED: 2,
    }
    best: dict[str, CoursePlanEntry] = {}
    for e in entries:
        if e.grade_level < FIRST_HIGH_SCHOOL_GRADE:
            continue
        key = " ".join(e.course_name.split()).casefold()
        kept = best.get(key)
        if kept is None or rank[CoursePlanStatus(e.status)] > rank[CoursePlanStatus(kept.status)]:
            best[key] = e
    return programs.requirement_summary(
        ((e.subject, e.credits, e.status == CoursePlanStatus.COMPLETED) for e in best.values()),
        program.requirements if program is not None and program.requirements else None,
    )

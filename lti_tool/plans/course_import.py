"""Courses and grades from the LMS into the course plan.

Where the school uses Canvas and the student connected their Canvas account, the student's
Canvas enrollments with course grades (``TranscriptEntry``, read through
``GET /api/v1/users/:id/enrollments``): completed enrollments become completed courses of the
grade of their term, active ones courses in progress this year, each with its final (or
current) grade. Otherwise, and for the courses Canvas does not list, the courses Lodestar has
synced (the student's active enrollments, NRPS) with the total of the synced grades (AGS):
courses in progress this year.

Importing again changes nothing but what the LMS changed: a course is matched by its LMS
course id, or by name in the same grade, and never added twice. A course the student typed
is matched too, and takes the LMS status and grade.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.grades import lms_rest, sync
from lti_tool.grades.models import Assignment, Grade, SyncKind, TranscriptEntry
from lti_tool.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    LmsKind,
    Person,
    Role,
)
from lti_tool.plans import course_planning, grade_scale, plan_settings, programs
from lti_tool.plans.editing import record_change
from lti_tool.plans.models import CoursePlanEntry, CoursePlanSource, CoursePlanStatus, Plan
from lti_tool.plans.vocabulary import ALL_COURSE_GRADES
from lti_tool.tenants import tenant_platform

_SUBJECT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("english", ("english", "literature", "writing", "composition", "language arts")),
    (
        "math",
        ("math", "algebra", "geometry", "calculus", "statistics", "trigonometry"),
    ),
    ("science", ("biology", "chemistry", "physics", "science", "anatomy", "environmental")),
    (
        "social_studies",
        ("history", "government", "civics", "economics", "geography", "psychology"),
    ),
    ("pe_health", ("physical education", "health", " pe", "fitness")),
    ("fine_arts", ("art", "music", "band", "choir", "orchestra", "theatre", "theater", "drama")),
    (
        "world_language",
        ("spanish", "french", "german", "latin", "chinese", "mandarin", "japanese", "arabic"),
    ),
    ("cte", ("engineering", "computer", "culinary", "automotive", "business", "welding")),
)
_YEAR = re.compile(r"(20\d\d)")
_SPRING = ("spring", "winter", "summer", "semester 2", "s2", "q3", "q4")


def guess_subject(course_name: str) -> str:
    """The subject a course name suggests ("AP Biology" is science); elective otherwise."""
    name = " " + course_name.casefold()
    for subject, words in _SUBJECT_WORDS:
        if any(w in name for w in words):
            return subject
    return programs.ELECTIVE


def term_year_end(term: str | None) -> int | None:
    """The calendar year the school year of a term ends in: "2024-2025" and "Spring 2025"
    are 2025, "Fall 2024" is 2025; None when the term names no year."""
    years = [int(y) for y in _YEAR.findall(term or "")]
    if not years:
        return None
    if len(years) > 1:
        return max(years)
    lowered = (term or "").casefold()
    return years[0] if any(w in lowered for w in _SPRING) else years[0] + 1


@dataclass(frozen=True)
class LmsCourse:
    """One course as the LMS reports it for the student."""

    source: CoursePlanSource
    lms_course_id: str
    name: str
    term: str | None
    completed: bool
    percent: float | None
    letter: str | None


@dataclass
class ImportResult:
    """What an import did."""

    lms: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Past courses whose school year the LMS does not say (left for the student to add).
    no_year: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """A sentence for the student."""
        if not (self.added or self.updated or self.unchanged or self.no_year):
            return f"{self.lms} has no courses of yours to bring in yet."
        parts = []
        if self.added:
            parts.append(f"added {self.added} course{'' if self.added == 1 else 's'}")
        if self.updated:
            parts.append(f"updated {self.updated}")
        text = (
            f"From {self.lms}: " + " and ".join(parts) + "."
            if parts
            else f"Your course plan already matches {self.lms}."
        )
        if self.no_year:
            text += (
                f" {len(self.no_year)} past course{'' if len(self.no_year) == 1 else 's'} "
                f"({', '.join(self.no_year)}) did not say which school year; add "
                f"{'it' if len(self.no_year) == 1 else 'them'} below if you like."
            )
        return text


def lms_name(tenant_id: int) -> str:
    """What the student calls their LMS: "Canvas", "Schoology", or "your school's LMS"."""
    platform = tenant_platform(tenant_id)
    if platform is not None and platform.lms == LmsKind.CANVAS:
        return "Canvas"
    if platform is not None and platform.lms == LmsKind.SCHOOLOGY:
        return "Schoology"
    return "your school's LMS"


def canvas_connected(person: Person) -> bool:
    """Whether the student's Canvas enrollments can be read (Canvas school, connected)."""
    platform = tenant_platform(person.tenant_id)
    return (
        platform is not None
        and platform.lms == LmsKind.CANVAS
        and lms_rest.has_canvas_token(person.id)
    )


def refresh_from_canvas(person: Person) -> str | None:
    """Read the student's Canvas enrollments and grades now (or queue it); an error message
    fit for the student when Canvas did not answer, else None."""
    runs = sync.start_sync(
        None, [SyncKind.CANVAS_TRANSCRIPT], requested_by=person.id, person=person
    )
    failed = [r.error for r in runs if r.error]
    return " ".join(e for e in failed if e) or None


def _canvas_courses(plan: Plan, key: str) -> list[LmsCourse]:
    rows = db.session.execute(
        select(TranscriptEntry).where(
            TranscriptEntry.person_id == plan.person_id,
            TranscriptEntry.tenant_id == plan.tenant_id,
            TranscriptEntry.source == "canvas",
        )
    ).scalars()
    courses = []
    for row in rows:
        completed = (row.state or "") == "completed"
        percent = row.final_score if completed else row.current_score
        if percent is None:
            percent = row.current_score if completed else row.final_score
        letter_text = row.final_grade if completed else row.current_grade
        letter = grade_scale.normalise(letter_text, key) or grade_scale.from_percent(percent, key)
        courses.append(
            LmsCourse(
                source=CoursePlanSource.CANVAS,
                lms_course_id=row.lms_course_id,
                name=row.course_name or "Canvas course",
                term=row.term,
                completed=completed,
                percent=percent,
                letter=letter,
            )
        )
    return courses


def _synced_courses(plan: Plan, key: str) -> list[LmsCourse]:
    """The student's active enrollments Lodestar synced, with the total of their grades."""
    rows = db.session.execute(
        select(
            Course,
            func.sum(Grade.score),
            func.sum(Grade.score_maximum),
        )
        .join(Enrollment, Enrollment.course_id == Course.id)
        .outerjoin(Assignment, (Assignment.course_id == Course.id) & Assignment.active.is_(True))
        .outerjoin(
            Grade,
            (Grade.assignment_id == Assignment.id)
            & (Grade.person_id == plan.person_id)
            & Grade.score.is_not(None)
            & Grade.score_maximum.is_not(None),
        )
        .where(
            Enrollment.person_id == plan.person_id,
            Enrollment.role == Role.STUDENT,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Course.tenant_id == plan.tenant_id,
        )
        .group_by(Course.id)
        .order_by(Course.id)
    ).all()
    courses = []
    for course, score, maximum in rows:
        percent = (
            round(float(score) / float(maximum) * 100, 1) if score is not None and maximum else None
        )
        courses.append(
            LmsCourse(
                source=CoursePlanSource.LODESTAR,
                lms_course_id=course.lms_course_id or course.context_id,
                name=course.display_title,
                term=None,
                completed=False,
                percent=percent,
                letter=grade_scale.from_percent(percent, key),
            )
        )
    return courses


def _grade_of(plan: Plan, course: LmsCourse, now: int, today: dt.date | None) -> int | None:
    if not course.completed:
        return now
    end = term_year_end(course.term)
    if end is None:
        return None
    grade = now - (course_planning.school_year_end(today) - end)
    return grade if grade in ALL_COURSE_GRADES and grade <= now else None


def import_courses(
    actor: Actor, plan: Plan, person: Person, today: dt.date | None = None
) -> ImportResult:
    """Bring the student's LMS courses and grades into the course plan (idempotent).

    Needs the student's current grade (``course_planning.current_grade``); the caller asks
    for it first.
    """
    now = course_planning.current_grade(plan, today)
    assert now is not None, "the student's grade is needed to place courses"
    key = plan_settings.grade_scale(plan.tenant_id)
    result = ImportResult(lms=lms_name(plan.tenant_id))
    found = _canvas_courses(plan, key)
    canvas_ids = {c.lms_course_id for c in found}
    canvas_names = {" ".join(c.name.split()).casefold() for c in found}
    found += [
        c
        for c in _synced_courses(plan, key)
        if c.lms_course_id not in canvas_ids
        and " ".join(c.name.split()).casefold() not in canvas_names
    ]
    # Courses the student removed (waiting for undo) count as there: an import does not
    # bring back what the student took out.
    entries = course_planning.course_plan(plan, include_deleted=True)
    for course in found:
        grade = _grade_of(plan, course, now, today)
        if grade is None:
            result.no_year.append(course.name)
            continue
        entry = next(
            (
                e
                for e in entries
                if e.lms_course_id == course.lms_course_id and e.source != "manual"
            ),
            None,
        ) or next(
            (
                e
                for e in entries
                if e.grade_level == grade
                and course_planning.same_course(e.course_name, None, course.name, None)
            ),
            None,
        )
        if entry is not None and entry.deleted_at is not None:
            continue
        status = CoursePlanStatus.COMPLETED if course.completed else CoursePlanStatus.IN_PROGRESS
        if entry is None:
            entry = CoursePlanEntry(
                plan_id=plan.id,
                grade_level=grade,
                course_name=course.name[:255],
                subject=guess_subject(course.name),
                credits=1.0,
                status=status,
                final_grade=course.letter,
                term=(course.term or None) and course.term[:100],
                source=course.source,
                lms_course_id=course.lms_course_id,
                score_percent=course.percent,
            )
            db.session.add(entry)
            entries.append(entry)
            result.added += 1
            continue
        before = (entry.status, entry.final_grade, entry.score_percent, entry.lms_course_id)
        entry.status = status
        if course.letter is not None:
            entry.final_grade = course.letter
        entry.score_percent = course.percent
        entry.lms_course_id = course.lms_course_id
        if entry.source == CoursePlanSource.MANUAL:
            entry.source = course.source
        if course.term and not entry.term:
            entry.term = course.term[:100]
        after = (entry.status, entry.final_grade, entry.score_percent, entry.lms_course_id)
        if before == after:
            result.unchanged += 1
        else:
            result.updated += 1
    plan.courses_imported_at = utcnow()
    record_change(
        actor,
        plan,
        "course_plan.import",
        added=result.added,
        updated=result.updated,
        source="canvas" if canvas_ids else "lodestar",
    )
    return result

"""A student's grade level, graduation year and school as the LMS or the SIS tells them.

Three sources write :attr:`Person.grade_level`, :attr:`Person.graduation_year` and
:attr:`Person.school`, and the most recent one wins (``student_info_source`` names it):

* ``launch``: the custom parameters ``grade_level``, ``graduation_year`` and ``school`` of an
  LTI launch, where the district's LMS fills them per user. Canvas has no substitution
  variable for any of them (its SIS import carries no grade level), so a Canvas district uses
  the CSV import; an LMS that can send a user's SIS-fed profile fields maps them to these
  three names. A value sent unexpanded (``$Foo.bar``) or out of range is ignored;
* ``csv``: an admin's import of a district file (:func:`import_students`), matched to known
  people by SIS id, email or LMS user id;
* ``canvas``: reserved for Canvas REST, which has no standard field for them today.

What the student typed in their own plan counts only where the LMS and SIS said nothing
(readers take ``coalesce(Person.grade_level, Plan.grade_level)``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select

from lti_tool import audit, hygiene
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import Course, Enrollment, Person, Role

#: Sources of the three fields, as stored in ``Person.student_info_source``.
LAUNCH, CANVAS, CSV = "launch", "canvas", "csv"
#: Grade levels accepted: 0 (kindergarten) to 12.
GRADES = range(0, 13)
#: Graduation years accepted.
YEARS = range(2000, 2101)
#: Custom parameter names read from a launch.
GRADE_FIELD, YEAR_FIELD, SCHOOL_FIELD = "grade_level", "graduation_year", "school"

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
#: Columns that say who a row is about (at least one), and what it sets (at least one).
MATCH_COLUMNS = ("sis_id", "email", "lms_user_id")
VALUE_COLUMNS = ("grade_level", "graduation_year", "school")
#: Columns of the import, and what each holds (shown on the admin page).
COLUMNS = (
    ("sis_id", "The student's SIS id (as the LMS roster sends it)"),
    ("email", "The student's email address"),
    ("lms_user_id", "The student's user id in the LMS (Canvas user id)"),
    ("grade_level", "Grade level: K or 0 to 12"),
    ("graduation_year", "Graduation year, e.g. 2029"),
    ("school", "The student's school"),
)

_GRADE_TEXT = re.compile(r"^(?:grade\s*)?(\d{1,2})(?:st|nd|rd|th)?$", re.IGNORECASE)


def parse_grade_level(value: object) -> int | None:
    """A grade level 0-12 (``K``/``KG`` is 0; ``09``, ``9th`` and ``Grade 9`` are 9), or None
    for anything else (absent, unexpanded, out of range)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value in GRADES else None
    text = str(value).strip()
    if text.upper() in ("K", "KG", "KINDERGARTEN"):
        return 0
    match = _GRADE_TEXT.match(text)
    if match is None:
        return None
    grade = int(match.group(1))
    return grade if grade in GRADES else None


def parse_graduation_year(value: object) -> int | None:
    """A four-digit graduation year 2000-2100, or None."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if year in YEARS else None


def clean_school(value: object) -> str | None:
    """A school name fit to store (trimmed, at most 255 characters), or None."""
    if value is None or not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = hygiene.clean_text(str(value)).strip()
    if not text or text.startswith("$"):
        return None
    return text[:255].strip() or None


def apply(
    person: Person,
    *,
    grade_level: int | None,
    graduation_year: int | None,
    school: str | None,
    source: str,
) -> bool:
    """Store what a source says (``None``: it said nothing about that field, which is kept).

    The newest word wins; the source is recorded only when something changed. Returns
    whether anything changed.
    """
    changed = False
    for attr, value in (
        ("grade_level", grade_level),
        ("graduation_year", graduation_year),
        ("school", school),
    ):
        if value is not None and getattr(person, attr) != value:
            setattr(person, attr, value)
            changed = True
    if changed:
        person.student_info_source = source
    return changed


def apply_launch(person: Person, custom: Mapping[str, str]) -> bool:
    """Store the launch's ``grade_level``, ``graduation_year`` and ``school`` custom
    parameters (already stripped of unexpanded variables); garbage is ignored."""
    return apply(
        person,
        grade_level=parse_grade_level(custom.get(GRADE_FIELD)),
        graduation_year=parse_graduation_year(custom.get(YEAR_FIELD)),
        school=clean_school(custom.get(SCHOOL_FIELD)),
        source=LAUNCH,
    )


# -- the district's CSV import --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not applied: its line in the file and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    updated: int = 0
    unchanged: int = 0
    unmatched: list[RowProblem] = field(default_factory=list)
    invalid: list[RowProblem] = field(default_factory=list)


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV file.

    :raises InvalidInput: (422) when it is empty, too large, holds a NUL byte or is not UTF-8.
    """
    if not data:
        raise _bad_file("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise _bad_file(f"The file is too large (at most {MAX_FILE_BYTES // (1024 * 1024)} MB).")
    if b"\x00" in data:
        raise _bad_file("The file holds a NUL byte; it is not a plain CSV text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _bad_file(
            'The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.'
        ) from err


def _bad_file(message: str) -> InvalidInput:
    return InvalidInput(message, status_code=422)


def _read(text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows with their line numbers, under a lower-cased header.

    :raises InvalidInput: (422) for a file that is not CSV or lacks the needed columns.
    """
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip().lower() for h in next(reader, [])]
        if not any(header):
            raise _bad_file("The file has no header row.")
        if not set(header) & set(MATCH_COLUMNS):
            raise _bad_file(
                "The header row names none of the columns that say who a row is about: "
                + ", ".join(MATCH_COLUMNS)
                + "."
            )
        if not set(header) & set(VALUE_COLUMNS):
            raise _bad_file(
                "The header row names none of the columns to import: "
                + ", ".join(VALUE_COLUMNS)
                + "."
            )
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                raise _bad_file(f"Line {reader.line_num}: more cells than columns.")
            rows.append(
                (reader.line_num, dict(zip(header, (c.strip() for c in cells), strict=False)))
            )
            if len(rows) > MAX_ROWS:
                raise _bad_file(f"The file has more than {MAX_ROWS} rows.")
    except csv.Error as err:
        raise _bad_file(f"The file is not valid CSV: {err}.") from err
    return rows


def _index(tenant_id: int) -> dict[str, dict[str, list[int]]]:
    """Person ids of the tenant's students (a student enrollment in any course, whatever its
    status) by SIS id, lower-cased email and LMS user id (one query). A teacher, a parent or
    staff is never matched: grade fields would make them count as students."""
    index: dict[str, dict[str, list[int]]] = {c: {} for c in MATCH_COLUMNS}
    learner = exists().where(Enrollment.person_id == Person.id, Enrollment.role == Role.STUDENT)
    for person_id, sis_id, email, lms_user_id in db.session.execute(
        select(Person.id, Person.sis_id, func.lower(Person.email), Person.lms_user_id).where(
            Person.tenant_id == tenant_id, Person.erased_at.is_(None), learner
        )
    ):
        for column, value in (("sis_id", sis_id), ("email", email), ("lms_user_id", lms_user_id)):
            if value:
                index[column].setdefault(value, []).append(person_id)
    return index


def _match(index: dict[str, dict[str, list[int]]], row: Mapping[str, str]) -> int | str:
    """The person id a row names, or why none: the first column that names anyone decides."""
    named = False
    for column in MATCH_COLUMNS:
        value = row.get(column, "")
        if not value:
            continue
        named = True
        found = index[column].get(value.lower() if column == "email" else value, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return f"{column} matches more than one person"
    if not named:
        return "no sis_id, email or lms_user_id"
    return "no known student has this " + " or ".join(c for c in MATCH_COLUMNS if row.get(c))


def import_students(tenant_id: int, data: bytes, *, actor_id: int | None) -> ImportReport:
    """Apply a district CSV of grade levels, graduation years and schools.

    Rows that name nobody Lodestar knows are reported (never created: a student becomes
    known through the LMS, with their LTI identity); rows with a bad value are reported and
    skipped; the others are applied in one transaction and audited (``students.import``,
    counts only).

    :raises InvalidInput: (422) for a malformed file; nothing is changed then.
    """
    rows = _read(decode_upload(data))
    index = _index(tenant_id)
    report = ImportReport(rows=len(rows))
    wanted: dict[int, tuple[int, int | None, int | None, str | None]] = {}
    for line, row in rows:
        grade_text, year_text = row.get("grade_level", ""), row.get("graduation_year", "")
        grade = parse_grade_level(grade_text) if grade_text else None
        year = parse_graduation_year(year_text) if year_text else None
        school = clean_school(row.get("school", ""))
        problems = []
        if grade_text and grade is None:
            problems.append(f"grade_level {grade_text[:20]!r} is not K or 0-12")
        if year_text and year is None:
            problems.append(f"graduation_year {year_text[:20]!r} is not a year 2000-2100")
        if problems:
            report.invalid.append(RowProblem(line, "; ".join(problems)))
            continue
        if grade is None and year is None and school is None:
            report.invalid.append(RowProblem(line, "no grade_level, graduation_year or school"))
            continue
        found = _match(index, row)
        if isinstance(found, str):
            report.unmatched.append(RowProblem(line, found))
            continue
        wanted[found] = (line, grade, year, school)
    try:
        people = {
            p.id: p
            for p in db.session.execute(select(Person).where(Person.id.in_(list(wanted)))).scalars()
        }
        for person_id, (_, grade, year, school) in wanted.items():
            changed = apply(
                people[person_id],
                grade_level=grade,
                graduation_year=year,
                school=school,
                source=CSV,
            )
            if changed:
                report.updated += 1
            else:
                report.unchanged += 1
        audit.record(
            "students.import",
            tenant_id=tenant_id,
            actor_id=actor_id,
            subject_type="tenant",
            subject_id=tenant_id,
            rows=report.rows,
            updated=report.updated,
            unmatched=len(report.unmatched),
            invalid=len(report.invalid),
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


@dataclass(frozen=True, slots=True)
class Summary:
    """How many of the tenant's students have a grade level, and from where."""

    students: int
    by_source: dict[str, int]


def summary(tenant_id: int) -> Summary:
    """Students (people with a student enrollment) and whose grade level came from where."""
    students = (
        select(Enrollment.person_id)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Course.tenant_id == tenant_id, Enrollment.role == Role.STUDENT)
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        select(Person.student_info_source, func.count())
        .join(students, students.c.person_id == Person.id)
        .group_by(Person.student_info_source)
    ).all()
    by_source = {str(source or ""): int(n) for source, n in rows}
    return Summary(students=sum(by_source.values()), by_source=by_source)

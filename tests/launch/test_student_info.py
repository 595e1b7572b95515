"""Grade level, graduation year and school from the LMS or SIS: launch custom parameters
(valid, unexpanded, garbage), the district's CSV import (admin page and CLI: good rows,
unmatched and invalid rows with line numbers, malformed files refused with 422 and nothing
changed), precedence by recency, and the student's profile showing what the school says."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from lti_tool.extensions import db
from lti_tool.launch import student_info
from lti_tool.models import AuditEvent, Person
from lti_tool.sandbox.data import school_year_end
from tests.lti_driver import LtiDriver, token_of


def _info(app: Flask, sub: str) -> tuple[Any, ...]:
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()
        return (
            person.grade_level,
            person.graduation_year,
            person.school,
            person.student_info_source,
        )


def _everyone(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        return [
            (p.sub, p.grade_level, p.graduation_year, p.school, p.student_info_source)
            for p in db.session.execute(select(Person).order_by(Person.id)).scalars()
        ]


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("9", 9),
        ("09", 9),
        ("9th", 9),
        ("Grade 12", 12),
        ("K", 0),
        ("0", 0),
        (11, 11),
        ("13", None),
        ("-1", None),
        ("nine", None),
        ("$Canvas.user.gradeLevel", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_grade_levels_read(value: object, grade: int | None) -> None:
    assert student_info.parse_grade_level(value) == grade


@pytest.mark.parametrize(
    ("value", "year"),
    [("2029", 2029), (" 2030 ", 2030), ("1999", None), ("2101", None), ("29", None), ("x", None)],
)
def test_graduation_years_read(value: str, year: int | None) -> None:
    assert student_info.parse_graduation_year(value) == year


# -- launches ----------------------------------------------------------------------------------


def test_launch_custom_parameters_set_grade_year_and_school(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")  # grade 9 in the sandbox's SIS-fed custom fields
    lti.launch(student)
    assert _info(app, student.sub) == (
        9,
        school_year_end() + 3,
        "Cedar Ridge High School",
        "launch",
    )
    # Unexpanded variables and garbage change nothing.
    lti.launch(
        student,
        custom={"grade_level": "$Canvas.user.gradeLevel", "graduation_year": "$Foo.bar"},
    )
    lti.launch(student, custom={"grade_level": "13", "graduation_year": "1999", "school": " "})
    lti.launch(student, custom={"grade_level": "ninth", "graduation_year": "next year"})
    assert _info(app, student.sub)[:3] == (9, school_year_end() + 3, "Cedar Ridge High School")
    # A valid new value wins (the newest word).
    lti.launch(student, custom={"grade_level": "10", "school": "Cedar Ridge Early College"})
    assert _info(app, student.sub) == (
        10,
        school_year_end() + 3,
        "Cedar Ridge Early College",
        "launch",
    )
    # A Canvas launch (no variable for them) leaves them as they are.
    lti.launch(student, flavour="canvas")
    assert _info(app, student.sub)[0] == 10
    # Teachers and parents get nothing of the kind, even when the LMS sends the fields to
    # everyone (a school from ``$Canvas.account.name``): they would count as students.
    teacher, parent = lti.person("teacher"), lti.person("parent")
    lti.launch(teacher, custom={"school": "Cedar Ridge High School", "grade_level": "9"})
    lti.launch(parent, custom={"school": "Cedar Ridge High School"})
    assert _info(app, teacher.sub) == (None, None, None, None)
    assert _info(app, parent.sub) == (None, None, None, None)


def test_profile_shows_what_the_school_says(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 1)  # grade 10
    token = token_of(lti.launch(student))
    page = lti.client.get("/plans/me/profile", query_string={"lt": token}).get_data(as_text=True)
    assert (
        f"Your school says grade 10, class of {school_year_end() + 2} at Cedar Ridge High School"
        in page
    )


# -- the CSV import ----------------------------------------------------------------------------


def _upload(lti: LtiDriver, token: str, data: bytes, name: str = "students.csv") -> TestResponse:
    return lti.client.post(
        "/admin/students/import",
        data={"lt": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _known_students(lti: LtiDriver) -> list[Any]:
    """Launch three students (their launches send grade levels) and return them."""
    students = [lti.person("student", i) for i in range(3)]
    for student in students:
        lti.launch(student)
    return students


def test_admin_imports_a_district_csv(lti: LtiDriver, app: Flask) -> None:
    first, second, third = _known_students(lti)
    admin = token_of(lti.launch(lti.person("admin")))
    page = lti.client.get("/admin", query_string={"lt": admin}).get_data(as_text=True)
    assert "/admin/students/import" in page
    page = lti.client.get("/admin/students/import", query_string={"lt": admin})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    csv_text = (
        "SIS_ID,Email,grade_level,graduation_year,school\n"
        f"{first.sis_id},,11,{school_year_end() + 1},North Campus\n"
        f",{second.email.upper()},K,,\n"
        "S999999,,10,,\n"  # nobody known
        f"{third.sis_id},,14,,\n"  # a bad grade
        f"{third.sis_id},,,twenty,\n"  # a bad year
        ",,9,,\n"  # names nobody
        f"{first.sis_id},,,,\n"  # nothing to set
        "\n"
    )
    response = _upload(lti, admin, csv_text.encode("utf-8-sig"))
    assert response.status_code == 200, response.get_data(as_text=True)
    text = " ".join(response.get_data(as_text=True).split())
    assert "7 rows: 2 students updated, 0 already up to date, 2 not matched, 3 with a value" in text
    assert "<td>4</td><td>Not matched: no known student has this sis_id</td>" in text
    assert "<td>7</td><td>Not matched: no sis_id, email or lms_user_id</td>" in text
    assert "<td>5</td><td>Not read: grade_level &#39;14&#39; is not K or 0-12</td>" in text
    assert "<td>6</td><td>Not read: graduation_year &#39;twenty&#39; is not a year" in text
    assert "<td>8</td><td>Not read: no grade_level, graduation_year or school</td>" in text
    assert _info(app, first.sub) == (11, school_year_end() + 1, "North Campus", "csv")
    # An empty cell leaves the launch's value; the source is the newest word.
    assert _info(app, second.sub) == (0, school_year_end() + 2, "Cedar Ridge High School", "csv")
    assert _info(app, third.sub)[3] == "launch"
    with app.app_context():
        detail = db.session.execute(
            select(AuditEvent.detail).where(AuditEvent.action == "students.import")
        ).scalar_one()
    assert detail == {"rows": 7, "updated": 2, "unmatched": 2, "invalid": 3}
    # The same file again: nothing to update.
    again = " ".join(_upload(lti, admin, csv_text.encode()).get_data(as_text=True).split())
    assert "0 students updated, 2 already up to date" in again
    # A teacher named in the file is no student: never matched, never counted as one.
    teacher = lti.person("teacher")
    lti.launch(teacher)
    staff = " ".join(
        _upload(lti, admin, f"email,grade_level\n{teacher.email},9\n".encode())
        .get_data(as_text=True)
        .split()
    )
    assert "0 students updated" in staff and "no known student has this email" in staff
    assert _info(app, teacher.sub) == (None, None, None, None)
    # A newer launch wins over the file.
    lti.launch(first)
    assert _info(app, first.sub) == (9, school_year_end() + 3, "Cedar Ridge High School", "launch")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"sis_id,grade_level\nS1\x00,9\n", "NUL byte"),
        (b"\xff\xfe\x00b\x00a\x00d", "NUL byte"),
        ("sis_id,grade_level\nS240007,10\n".encode("utf-16"), "NUL byte"),
        (b"sis_id,grade_level\n\xe9,9\n", "not UTF-8"),
        (b"name,grade_level\nAmara,9\n", "names none of the columns that say who"),
        (b"sis_id,notes\nS240007,hi\n", "names none of the columns to import"),
        (b'sis_id,grade_level\n"S240007,10\n', "not valid CSV"),
        (b"sis_id,grade_level\nS240007,10,extra\n", "Line 2: more cells than columns."),
        (b"\n\n", "no header row"),
        (b"x" * 2010, "too large"),
    ],
)
def test_a_malformed_file_is_refused_and_changes_nothing(
    lti: LtiDriver, app: Flask, data: bytes, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small limit keeps the "too large" upload small (the parser spools big bodies to disk).
    monkeypatch.setattr(student_info, "MAX_FILE_BYTES", 2000)
    _known_students(lti)
    admin = token_of(lti.launch(lti.person("admin")))
    before = _everyone(app)
    response = _upload(lti, admin, data)
    assert response.status_code == 422
    text = " ".join(response.get_data(as_text=True).split())
    assert "was not imported; nothing changed." in text and message in text
    assert _everyone(app) == before
    with app.app_context():
        assert (
            db.session.execute(
                select(AuditEvent.id).where(AuditEvent.action == "students.import")
            ).first()
            is None
        )


def test_no_file_and_non_admins(lti: LtiDriver, app: Flask) -> None:
    admin = token_of(lti.launch(lti.person("admin")))
    missing = lti.client.post("/admin/students/import", data={"lt": admin})
    assert missing.status_code == 422 and "Choose a CSV file" in missing.get_data(as_text=True)
    teacher = token_of(lti.launch(lti.person("teacher")))
    assert lti.client.get("/admin/students/import", query_string={"lt": teacher}).status_code == 403
    assert _upload(lti, teacher, b"sis_id,grade_level\nS240007,12\n").status_code == 403


def test_cli_import(lti: LtiDriver, app: Flask, platform_id: int, tmp_path: Any) -> None:
    first, _, _ = _known_students(lti)
    path = tmp_path / "students.csv"
    path.write_text(f"lms_user_id,grade_level\n{first.id},12\n999999,12\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["people", "import-students", str(path), "--platform", str(platform_id)]
    )
    assert result.exit_code == 0, result.output
    assert "2 row(s): 1 student(s) updated, 0 unchanged, 1 unmatched, 0 invalid." in result.output
    assert "line 3: unmatched: no known student has this lms_user_id" in result.output
    assert _info(app, first.sub)[0] == 12
    path.write_bytes(b"\x00\x01")
    bad = app.test_cli_runner().invoke(
        args=["people", "import-students", str(path), "--platform", str(platform_id)]
    )
    assert bad.exit_code == 2 and "NUL byte" in bad.output

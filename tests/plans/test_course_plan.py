"""The course plan from real data: status by grade, duplicates refused, grades on the
district's scale, grades 6-12, credits counted once, and courses and grades from the LMS
(Lodestar's own sync through the sandbox, and Canvas REST served by the sandbox)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.models import Course, LmsKind, Platform
from lti_tool.plans import course_import, course_planning, grade_scale
from lti_tool.plans.models import CoursePlanEntry, CoursePlanSource, CoursePlanStatus, Plan
from tests.browser_client import open_in_new_tab
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import count, get, html, launch, plan_of, post

COURSE = {"course_name": "Biology", "subject": "science", "credits": "1"}


def _entries(app: Flask) -> list[CoursePlanEntry]:
    with app.app_context():
        rows = list(
            db.session.execute(select(CoursePlanEntry).order_by(CoursePlanEntry.id)).scalars()
        )
        db.session.expunge_all()
        return rows


def _set_grade(app: Flask, user: Any, grade: int | None) -> None:
    with app.app_context():
        plan = db.session.get(Plan, plan_of(app, user).id)
        assert plan is not None
        plan.grade_level = grade
        db.session.commit()


# -- the scale --------------------------------------------------------------------------------


def test_scale_maps_letters_percentages_and_refuses_free_text() -> None:
    assert grade_scale.normalise("b+") == "B+"
    assert grade_scale.normalise(" A- ") == "A-"
    assert grade_scale.normalise("pass") == grade_scale.PASS
    assert grade_scale.normalise("Fail") == grade_scale.FAIL
    assert grade_scale.normalise("87 %") == "B+"
    assert grade_scale.normalise("100") == "A+"
    assert grade_scale.normalise("A+++ 120%") is None
    assert grade_scale.normalise("120") is None
    assert grade_scale.normalise("B+", "letters") == "B"
    assert grade_scale.from_percent(92.4) == "A-"
    assert grade_scale.from_percent(59.99) == "F"
    assert grade_scale.from_percent(92.4, "letters") == "A"
    assert grade_scale.from_percent(None) is None
    assert grade_scale.PLUS_MINUS.band_text("A") == "93-96 %"
    assert grade_scale.PLUS_MINUS.band_text("A+") == "97 % or more"


def test_terms_name_their_school_year() -> None:
    assert course_import.term_year_end("Fall 2024") == 2025
    assert course_import.term_year_end("Spring 2025") == 2025
    assert course_import.term_year_end("2023-2024") == 2024
    assert course_import.term_year_end("Default Term") is None
    assert course_import.guess_subject("AP Biology") == "science"
    assert course_import.guess_subject("Algebra II") == "math"
    assert course_import.guess_subject("Yearbook") == "elective"


# -- typing courses ---------------------------------------------------------------------------


def test_status_follows_the_grade_and_a_planned_course_has_no_grade(
    lti: LtiDriver, app: Flask
) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student)
    assert get(lti, token, "/plans/me/courses").status_code == 200
    _set_grade(app, student, 10)
    for grade, name in ((9, "Biology"), (10, "Chemistry"), (11, "Physics")):
        data = {**COURSE, "grade_level": str(grade), "course_name": name, "status": ""}
        assert post(lti, token, "/plans/me/courses", data).status_code == 302
    by_name = {e.course_name: e for e in _entries(app) if e.source == CoursePlanSource.MANUAL}
    assert by_name["Biology"].status == CoursePlanStatus.COMPLETED
    assert by_name["Chemistry"].status == CoursePlanStatus.IN_PROGRESS
    assert by_name["Physics"].status == CoursePlanStatus.PLANNED

    # A final grade on a planned course, and free text, are refused; the scale's are kept.
    refused = post(
        lti,
        token,
        "/plans/me/courses",
        {
            **COURSE,
            "grade_level": "12",
            "course_name": "Anatomy",
            "status": "planned",
            "final_grade": "B",
        },
    )
    assert refused.status_code == 400
    assert "A planned course has no final grade yet" in html(refused)
    assert 'value="Anatomy"' in html(refused)
    # "Set by grade" makes a grade 12 course planned: a final grade with it is refused too,
    # beside the field, with the form kept (not a dead-end error page).
    refused = post(
        lti,
        token,
        "/plans/me/courses",
        {**COURSE, "grade_level": "12", "course_name": "Anatomy", "status": "", "final_grade": "B"},
    )
    assert refused.status_code == 422
    assert "A planned course has no final grade yet" in html(refused)
    assert 'value="Anatomy"' in html(refused)
    refused = post(
        lti,
        token,
        "/plans/me/courses",
        {**COURSE, "grade_level": "9", "course_name": "Art", "final_grade": "A+++ 120%"},
    )
    assert refused.status_code == 400
    assert "Choose the final grade from the list" in html(refused)
    ok = post(
        lti,
        token,
        "/plans/me/courses",
        {**COURSE, "grade_level": "9", "course_name": "Art", "final_grade": "B+"},
    )
    assert ok.status_code == 302
    art = next(e for e in _entries(app) if e.course_name == "Art")
    assert (art.final_grade, art.status) == ("B+", CoursePlanStatus.COMPLETED)


def test_duplicates_are_refused_keeping_the_form_and_count_once(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 1)
    token = launch(lti, student)
    assert get(lti, token, "/plans/me/courses").status_code == 200
    first = {**COURSE, "grade_level": "10", "course_name": "Biology", "status": "planned"}
    assert post(lti, token, "/plans/me/courses", first).status_code == 302
    again = {**first, "course_name": "  biology ", "credits": "0.5"}
    refused = post(lti, token, "/plans/me/courses", again)
    assert refused.status_code == 422
    page = html(refused)
    assert "biology is already in your plan for grade 10" in page
    assert 'value="  biology "' in page or 'value="biology"' in page
    assert 'value="0.5"' in page
    assert count(app, CoursePlanEntry) == 1
    # Another term is another course (a course taken twice); editing into a clash is refused.
    assert (
        post(lti, token, "/plans/me/courses", {**first, "term": "Spring 2027"}).status_code == 302
    )
    spring = next(e for e in _entries(app) if e.term == "Spring 2027")
    clash = post(lti, token, f"/plans/me/courses/{spring.id}", {**first, "term": ""})
    assert clash.status_code == 422
    assert "already in your plan" in html(clash)

    # Rows from before duplicates were refused count once toward requirements, and middle
    # school courses (grade 6 is offered) not at all.
    assert (
        post(
            lti, token, "/plans/me/courses", {**first, "grade_level": "6", "course_name": "Earth"}
        ).status_code
        == 302
    )
    with app.app_context():
        plan = db.session.get(Plan, plan_of(app, student).id)
        assert plan is not None
        db.session.add(
            CoursePlanEntry(
                plan_id=plan.id,
                grade_level=11,
                course_name="Biology",
                subject="science",
                credits=1.0,
                status=CoursePlanStatus.PLANNED,
            )
        )
        db.session.commit()
        rows = course_planning.requirements(course_planning.course_plan(plan), None)
    science = next(r for r in rows if r.subject == "science")
    assert science.planned == 1.0
    page = html(get(lti, token, "/plans/me/courses"))
    assert "Grade 6 (middle school, optional)" in page


# -- from the LMS -----------------------------------------------------------------------------


def test_courses_and_grades_synced_by_lodestar_come_in_on_first_open(
    lti: LtiDriver, app: Flask
) -> None:
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    student = lti.state.district.students_of(course.context_id)[0]
    launch(lti, student, course)
    teacher_token = launch(lti, teacher, course)
    with app.app_context():
        course_id = db.session.execute(select(Course.id)).scalar_one()
    synced = post(lti, teacher_token, f"/courses/{course_id}/sync", {"source": "lti"})
    assert synced.status_code == 302
    token = launch(lti, student, course)
    # The grade is not known yet: the page asks for it, and the import uses it.
    page = html(get(lti, token, "/plans/me/courses"))
    assert "Which grade are you in this year?" in page
    assert count(app, CoursePlanEntry) == 0
    for odd in ("²", "5", "eleven", "9" * 40):  # "²".isdigit() is true, int("²") is not
        refused = post(lti, token, "/plans/me/courses/import", {"grade_level": odd})
        assert refused.status_code == 302 and count(app, CoursePlanEntry) == 0
    done = post(lti, token, "/plans/me/courses/import", {"grade_level": "11"})
    assert done.status_code == 302
    (entry,) = _entries(app)
    assert entry.course_name == course.title
    assert (entry.grade_level, entry.status) == (11, CoursePlanStatus.IN_PROGRESS)
    assert entry.source == CoursePlanSource.LODESTAR
    assert entry.score_percent is not None
    assert entry.final_grade == grade_scale.from_percent(entry.score_percent)
    # Idempotent: importing again changes nothing.
    page = html(lti.client.get(done.headers["Location"]))
    assert "From your school&#39;s LMS: added 1 course." in page or "added 1 course" in page
    again = post(lti, token, "/plans/me/courses/import")
    assert "already matches" in html(lti.client.get(again.headers["Location"]))
    assert count(app, CoursePlanEntry) == 1

    # Removed by the student: an import does not bring it back; added again by hand, the
    # undo of the removed one is refused (one course, not two).
    assert post(lti, token, f"/plans/me/courses/{entry.id}/delete").status_code == 302
    post(lti, token, "/plans/me/courses/import")
    assert _entries(app) == []
    typed = {**COURSE, "grade_level": "11", "course_name": course.title, "status": ""}
    assert post(lti, token, "/plans/me/courses", typed).status_code == 302
    undo = post(lti, token, f"/plans/me/courses/{entry.id}/restore")
    assert undo.status_code == 302
    assert "already in your plan for grade 11" in html(lti.client.get(undo.headers["Location"]))
    assert [e.course_name for e in _entries(app)] == [course.title]


@pytest.fixture
def sandbox_canvas(app: Flask, lti: LtiDriver, platform_id: int) -> int:
    """The sandbox as a Canvas school with a REST developer key, one concluded course."""
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        assert platform is not None
        platform.lms = LmsKind.CANVAS
        lms_rest.configure_canvas(
            platform, base_url=lti.state.base_url, client_id="10000000000001", client_secret="k"
        )
    return platform_id


def _connect_through_sandbox(lti: LtiDriver, token: str, who: Any) -> None:
    tab, start = open_in_new_tab(lti.client, token, "/lms/canvas/connect")
    assert start.status_code == 302
    sign_in = requests.get(start.headers["Location"], timeout=10)
    assert sign_in.status_code == 200
    link = re.search(
        r'href="(/login/oauth2/approve\?[^"]+)">Sign in as ' + re.escape(who.name), sign_in.text
    )
    assert link is not None
    back = requests.get(
        lti.state.base_url + link.group(1).replace("&amp;", "&"),
        allow_redirects=False,
        timeout=10,
    )
    target = urlsplit(back.headers["Location"])
    done = tab.get(target.path, query_string=target.query)
    assert done.status_code == 200, done.get_data(as_text=True)


# The sandbox's Canvas is plain http on 127.0.0.1; canvasapi warns about any http URL.
@pytest.mark.filterwarnings("ignore:Canvas may respond unexpectedly:UserWarning")
def test_canvas_enrollments_fill_past_and_current_years(
    lti: LtiDriver, app: Flask, sandbox_canvas: int
) -> None:
    district = lti.state.district
    student = district.students_of(next(iter(district.courses)))[0]
    courses = district.courses_of(student.sub)
    assert len(courses) >= 2
    past, current = courses[0], courses[1]
    end = course_planning.school_year_end()
    past.concluded, past.term = True, f"Fall {end - 3}"
    current.term = f"{end - 1}-{end}"
    try:
        token = launch(lti, student, current)
        assert get(lti, token, "/plans/me/courses").status_code == 200
        _set_grade(app, student, 11)
        _connect_through_sandbox(lti, token, student)
        done = post(lti, token, "/plans/me/courses/import")
        assert done.status_code == 302
        page = html(lti.client.get(done.headers["Location"]))
        assert "From Canvas: added" in page
    finally:
        past.concluded, past.term, current.term = False, None, None
    by_name = {e.course_name: e for e in _entries(app)}
    old = by_name[past.title]
    assert (old.grade_level, old.status) == (9, CoursePlanStatus.COMPLETED)
    assert old.source == CoursePlanSource.CANVAS and old.term == f"Fall {end - 3}"
    now = by_name[current.title]
    assert (now.grade_level, now.status) == (11, CoursePlanStatus.IN_PROGRESS)
    if now.score_percent is not None:
        assert now.final_grade == grade_scale.from_percent(now.score_percent)
    assert len({e.lms_course_id for e in by_name.values()}) == len(by_name)
    before = len(by_name)
    assert post(lti, token, "/plans/me/courses/import").status_code == 302
    assert count(app, CoursePlanEntry) == before


def test_status_by_grade_from_the_graduation_year() -> None:
    plan = Plan(grade_level=None, graduation_year=2029)
    today = dt.date(2026, 10, 1)
    assert course_planning.current_grade(plan, today) == 10
    assert course_planning.status_for_grade(plan, 9, today) == CoursePlanStatus.COMPLETED
    assert course_planning.status_for_grade(plan, 10, today) == CoursePlanStatus.IN_PROGRESS
    assert course_planning.status_for_grade(plan, 12, today) == CoursePlanStatus.PLANNED
    assert course_planning.status_for_grade(Plan(), 9, today) == CoursePlanStatus.PLANNED


def test_district_chooses_its_grade_scale(lti: LtiDriver, app: Flask) -> None:
    counselor = launch(lti, lti.person("counselor"))
    page = html(get(lti, counselor, "/plans/journey/steps"))
    assert "Letters with plus and minus (A+ to F), or Pass/Fail" in page
    settings = {"course_plan_first_grade": "9", "grade_scale": "letters"}
    saved = post(lti, counselor, "/plans/journey/settings", settings)
    assert saved.status_code == 302
    assert (
        post(lti, counselor, "/plans/journey/settings", {"grade_scale": "stars"}).status_code == 400
    )
    student = lti.person("student", 2)
    token = launch(lti, student)
    page = html(get(lti, token, "/plans/me/courses"))
    assert '<option value="A">A (90 % or more)</option>' in page
    assert 'value="A-"' not in page and '<option value="Pass">Pass</option>' in page
    refused = post(
        lti,
        token,
        "/plans/me/courses",
        {**COURSE, "grade_level": "9", "status": "completed", "final_grade": "A-"},
    )
    assert refused.status_code == 400

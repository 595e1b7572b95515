"""Schoology REST through the tool: the district's API key, a section's assignments and
grades mapped to students by their Schoology uid (``lms_user_id`` custom parameter)."""

from __future__ import annotations

from html import unescape
from typing import Any

import responses
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.grades.models import Assignment, Grade
from lti_tool.models import Course, LmsKind, Platform
from tests.lti_driver import LtiDriver, token_of

API = "https://api.schoology.com/v1"


def test_teacher_syncs_schoology_assignments_and_grades(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        platform.lms = LmsKind.SCHOOLOGY
        lms_rest.configure_schoology(
            platform,
            consumer_key="district-key",
            consumer_secret="district-secret",
            timezone="America/Chicago",
        )
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    student = lti.state.district.students_of(course.context_id)[0]
    lti.launch(student, course)  # carries lms_user_id (the Schoology uid) as a custom field
    token = token_of(lti.launch(teacher, course))
    with app.app_context():
        row = db.session.execute(select(Course)).scalar_one()
        course_id, section = row.id, row.lms_course_id
    with responses.RequestsMock() as rsps:
        rsps.add_passthru(lti.state.base_url)
        rsps.get(
            f"{API}/sections/{section}/enrollments",
            json={
                "enrollment": [
                    {
                        "id": "9001",
                        "uid": str(student.id),
                        "name_display": student.name,
                        "admin": "0",
                        "status": "1",
                    }
                ],
                "total": "1",
                "links": {"self": f"{API}/sections/{section}/enrollments"},
            },
        )
        rsps.get(
            f"{API}/sections/{section}/assignments",
            json={
                "assignment": [
                    {
                        "id": 8101,
                        "title": "Cell model",
                        "max_points": "20",
                        "due": "2026-10-09 23:59:00",
                        "description": "Build a model",
                        "web_url": "https://district.schoology.com/assignment/8101",
                    }
                ],
                "total": "1",
                "links": {"self": f"{API}/sections/{section}/assignments"},
            },
        )
        rsps.get(
            f"{API}/sections/{section}/grades",
            json={
                "grades": {
                    "grade": [
                        {
                            "enrollment_id": 9001,
                            "assignment_id": 8101,
                            "grade": "18",
                            "exception": 0,
                            "max_points": 20,
                            "timestamp": 1760000000,
                            "comment": "Good",
                        }
                    ]
                }
            },
        )
        response = lti.client.post(
            f"/courses/{course_id}/sync", data={"lt": token, "source": "schoology"}
        )
        page = lti.client.get(response.headers["Location"]).get_data(as_text=True)
        for call in rsps.calls:
            if call.request.url.startswith(API):
                assert 'oauth_consumer_key="district-key"' in str(
                    call.request.headers["Authorization"]
                )
    assert "Up to date" in page and "Cell model" in page
    with app.app_context():
        assignment = db.session.execute(select(Assignment)).scalar_one()
        assert assignment.source == "schoology" and assignment.due_at is not None
        grade = db.session.execute(select(Grade)).scalar_one()
        assert grade.score == 18.0 and grade.comment == "Good"


def test_schoology_sync_without_api_key_is_a_clear_failure(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    token = token_of(lti.launch(teacher))
    with app.app_context():
        course_id = db.session.execute(select(Course.id)).scalar_one()
    response = lti.client.post(
        f"/courses/{course_id}/sync", data={"lt": token, "source": "schoology"}
    )
    page = lti.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Schoology API access is not set up" in page


# -- the user mapping (Platform.settings["schoology_user_match"]) ----------------------------


def _sync_schoology(
    lti: LtiDriver,
    app: Flask,
    platform_id: int,
    enrollment: dict[str, Any],
    user_match: str | None = None,
    custom: dict[str, str] | None = None,
) -> str:
    """A student and the teacher launch; the teacher syncs a section whose only enrollment is
    ``enrollment`` (with one grade); returns the class page text."""
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        platform.lms = LmsKind.SCHOOLOGY
        lms_rest.configure_schoology(
            platform,
            consumer_key="district-key",
            consumer_secret="district-secret",
            user_match=user_match,
        )
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    student = lti.state.district.students_of(course.context_id)[0]
    link = lti.state.district.resource_links[course.context_id][course.default_resource_link_id]
    saved = dict(link.custom)
    link.custom.update(custom or {})
    try:
        lti.launch(student, course)
    finally:
        link.custom.clear()
        link.custom.update(saved)
    token = token_of(lti.launch(teacher, course))
    with app.app_context():
        row = db.session.execute(select(Course)).scalar_one()
        course_id, section = row.id, row.lms_course_id
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru(lti.state.base_url)
        rsps.get(
            f"{API}/sections/{section}/enrollments",
            json={
                "enrollment": [{"id": "9001", "admin": "0", "status": "1", **enrollment}],
                "total": "1",
            },
        )
        rsps.get(
            f"{API}/sections/{section}/assignments",
            json={
                "assignment": [{"id": 8101, "title": "Cell model", "max_points": "20"}],
                "total": "1",
            },
        )
        rsps.get(
            f"{API}/sections/{section}/grades",
            json={
                "grades": {
                    "grade": [
                        {
                            "enrollment_id": 9001,
                            "assignment_id": 8101,
                            "grade": "18",
                            "exception": 0,
                            "max_points": 20,
                        }
                    ]
                }
            },
        )
        response = lti.client.post(
            f"/courses/{course_id}/sync", data={"lt": token, "source": "schoology"}
        )
        return unescape(lti.client.get(response.headers["Location"]).get_data(as_text=True))


def _grades(app: Flask) -> int:
    with app.app_context():
        return len(db.session.execute(select(Grade)).scalars().all())


def _student_of(lti: LtiDriver) -> Any:
    teacher = lti.person("teacher")
    return lti.state.district.students_of(lti.course_of(teacher).context_id)[0]


def test_school_uid_mapping_matches_the_sis_id(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    """The district fills lms_user_id with the SIS id: Schoology's ``school_uid``."""
    student = _student_of(lti)
    page = _sync_schoology(
        lti, app, platform_id, {"uid": "987654", "school_uid": str(student.id)}, "school_uid"
    )
    assert "Up to date" in page and _grades(app) == 1


def test_sub_mapping_matches_the_lti_sub(lti: LtiDriver, app: Flask, platform_id: int) -> None:
    student = _student_of(lti)
    page = _sync_schoology(lti, app, platform_id, {"uid": student.sub}, "sub")
    assert "Up to date" in page and _grades(app) == 1


def test_a_mapping_that_matches_nobody_is_named(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    page = _sync_schoology(lti, app, platform_id, {"uid": "987654"})
    assert (
        "None of the 1 students who opened Lodestar from this section matches a Schoology "
        "enrollment with the Schoology user mapping 'uid'"
    ) in page
    assert "ilp platforms schoology-api --user-match" in page
    assert _grades(app) == 0


def test_an_unsubstituted_custom_parameter_is_named(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    student = _student_of(lti)
    page = _sync_schoology(
        lti, app, platform_id, {"uid": str(student.id)}, custom={"lms_user_id": "[uid]"}
    )
    assert "Schoology sent the custom parameter lms_user_id as the text '[uid]'" in page
    assert _grades(app) == 0


def test_cli_sets_the_user_mapping(runner: Any, app: Flask, platform_id: int) -> None:
    args = [
        "platforms",
        "schoology-api",
        "--platform",
        str(platform_id),
        "--consumer-key",
        "k",
        "--consumer-secret",
        "s",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "user mapping: uid" in result.output
    result = runner.invoke(args=[*args, "--user-match", "school_uid"])
    assert result.exit_code == 0 and "user mapping: school_uid" in result.output
    with app.app_context():
        settings = db.session.get(Platform, platform_id).settings
        assert settings["schoology_user_match"] == "school_uid"
    result = runner.invoke(args=args)  # not given again: kept
    assert "user mapping: school_uid" in result.output
    assert runner.invoke(args=[*args, "--user-match", "email"]).exit_code == 2

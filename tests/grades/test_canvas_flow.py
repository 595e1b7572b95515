"""Canvas REST through the tool: connect (OAuth2), sync a course, a student's grades.

The LMS launch goes through the sandbox; Canvas's REST API and OAuth2 endpoints are served
by ``responses`` (everything else passes through to the live sandbox).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.grades.models import Grade, LmsCredential, TranscriptEntry
from lti_tool.models import Course, LmsKind, Platform
from tests.browser_client import open_in_new_tab
from tests.lti_driver import LtiDriver, token_of

CANVAS = "https://canvas.test"
API = CANVAS + "/api/v1"
FIXTURES = Path(__file__).parent / "fixtures" / "canvas"


@pytest.fixture
def canvas_platform(app: Flask, platform_id: int) -> int:
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        platform.lms = LmsKind.CANVAS
        lms_rest.configure_canvas(
            platform, base_url=CANVAS, client_id="170000000000001", client_secret="s3cret"
        )
    return platform_id


def _connect(lti: LtiDriver, token: str, rsps: responses.RequestsMock, canvas_user: int) -> None:
    tab, start = open_in_new_tab(lti.client, token, "/lms/canvas/connect")
    assert start.status_code == 302
    target = urlsplit(start.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == CANVAS + "/login/oauth2/auth"
    query = parse_qs(target.query)
    assert query["redirect_uri"] == ["http://localhost/lms/canvas/callback"]
    rsps.post(
        CANVAS + "/login/oauth2/token",
        json={
            "access_token": "1~access",
            "refresh_token": "1~refresh",
            "expires_in": 3600,
            "token_type": "Bearer",
            "user": {"id": canvas_user, "name": "Someone"},
        },
    )
    done = tab.get(
        "/lms/canvas/callback", query_string={"state": query["state"][0], "code": "one-time"}
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "Canvas is connected" in done.get_data(as_text=True)
    replay = tab.get(
        "/lms/canvas/callback", query_string={"state": query["state"][0], "code": "one-time"}
    )
    assert replay.status_code == 401


def test_teacher_connects_canvas_and_syncs_submissions(
    lti: LtiDriver, app: Flask, canvas_platform: int
) -> None:
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    student = lti.state.district.students_of(course.context_id)[0]
    lti.launch(student, course)
    token = token_of(lti.launch(teacher, course))
    with app.app_context():
        course_row = db.session.execute(select(Course)).scalar_one()
        course_id, lms_course_id = course_row.id, course_row.lms_course_id
    assert lms_course_id == str(course.id)
    with responses.RequestsMock() as rsps:
        rsps.add_passthru(lti.state.base_url)
        _connect(lti, token, rsps, canvas_user=teacher.id)
        rsps.get(
            f"{API}/courses/{lms_course_id}", json={"id": int(lms_course_id), "name": course.title}
        )
        rsps.get(
            f"{API}/courses/{lms_course_id}/assignments",
            json=[
                {
                    "id": 5001,
                    "name": "Cell lab report",
                    "points_possible": 10,
                    "html_url": f"{CANVAS}/courses/{lms_course_id}/assignments/5001",
                    "due_at": "2026-10-01T23:59:00Z",
                    "description": "<p>Lab</p>",
                }
            ],
        )
        rsps.get(
            f"{API}/courses/{lms_course_id}/students/submissions",
            json=[
                {
                    "id": 1,
                    "assignment_id": 5001,
                    "user_id": student.id,
                    "score": 9.0,
                    "workflow_state": "graded",
                    "submitted_at": "2026-10-01T20:00:00Z",
                    "graded_at": "2026-10-03T10:00:00Z",
                    "late": False,
                    "missing": False,
                    "excused": False,
                    "submission_type": "online_upload",
                    "preview_url": f"{CANVAS}/preview",
                    "attachments": [
                        {
                            "id": 7,
                            "display_name": "lab.pdf",
                            "filename": "lab.pdf",
                            "content-type": "application/pdf",
                            "url": f"{CANVAS}/files/7/download",
                            "size": 1234,
                        }
                    ],
                }
            ],
        )
        response = lti.client.post(
            f"/courses/{course_id}/sync", data={"lt": token, "source": "canvas"}
        )
        page = lti.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cell lab report" in page
    assert "Up to date" in page
    with app.app_context():
        grade = db.session.execute(select(Grade)).scalar_one()
        assert grade.score == 9.0 and grade.attachments[0]["filename"] == "lab.pdf"
        stored = db.session.execute(select(LmsCredential)).scalar_one()
        assert "1~access" not in stored.access_token_encrypted


def test_student_pulls_grades_across_courses(
    lti: LtiDriver, app: Flask, canvas_platform: int
) -> None:
    data = json.loads((FIXTURES / "enrollments.json").read_text())
    student = lti.person("student")
    token = token_of(lti.launch(student))
    with responses.RequestsMock() as rsps:
        rsps.add_passthru(lti.state.base_url)
        _connect(lti, token, rsps, canvas_user=student.id)
        rsps.get(f"{API}/users/self", json={**data["user"], "id": student.id})
        rsps.get(f"{API}/users/{student.id}/enrollments", json=data["enrollments"])
        rsps.get(f"{API}/users/{student.id}/courses", json=data["courses"])
        rsps.get(f"{API}/courses/8", json=data["course_8"])
        response = lti.client.post("/me/grades/sync", data={"lt": token})
        assert response.status_code == 302
    with app.app_context():
        rows = {r.course_name: r for r in db.session.execute(select(TranscriptEntry)).scalars()}
    assert rows["Biology 101"].current_grade == "A-"
    assert "History 210" in rows


def test_connect_without_canvas_settings_is_a_clear_409(lti: LtiDriver) -> None:
    token = token_of(lti.launch(lti.person("student")))
    response = lti.client.get("/lms/canvas/connect", query_string={"lt": token})
    assert response.status_code == 409
    assert "not set up" in response.get_data(as_text=True)


def test_canvas_refusal_keeps_stored_grades(
    lti: LtiDriver, app: Flask, canvas_platform: int
) -> None:
    teacher = lti.person("teacher")
    token = token_of(lti.launch(teacher))
    with app.app_context():
        course_row = db.session.execute(select(Course)).scalar_one()
        course_id, lms_course_id = course_row.id, course_row.lms_course_id
    with responses.RequestsMock() as rsps:
        rsps.add_passthru(lti.state.base_url)
        _connect(lti, token, rsps, canvas_user=teacher.id)
        rsps.get(
            f"{API}/courses/{lms_course_id}",
            status=401,
            json={"errors": [{"message": "Invalid access token."}]},
        )
        response = lti.client.post(
            f"/courses/{course_id}/sync", data={"lt": token, "source": "canvas"}
        )
        page = lti.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "did not complete" in page
    assert "Canvas" in page


def test_callback_from_another_browser_is_refused(
    lti: LtiDriver, app: Flask, canvas_platform: int
) -> None:
    """An attacker who starts the flow and sends the victim the Canvas link gets nothing:
    the callback must come back to the browser that started it."""
    attacker_token = token_of(lti.launch(lti.person("student", 1)))
    _tab, start = open_in_new_tab(lti.client, attacker_token, "/lms/canvas/connect")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    victim_browser = app.test_client()
    answer = victim_browser.get(
        "/lms/canvas/callback", query_string={"state": state, "code": "victims-code"}
    )
    assert answer.status_code == 401
    with app.app_context():
        assert db.session.execute(select(LmsCredential)).first() is None


def test_declining_access_is_a_calm_page(lti: LtiDriver, canvas_platform: int) -> None:
    token = token_of(lti.launch(lti.person("student")))
    tab, start = open_in_new_tab(lti.client, token, "/lms/canvas/connect")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    answer = tab.get(
        "/lms/canvas/callback", query_string={"state": state, "error": "access_denied"}
    )
    assert answer.status_code == 200
    assert "Canvas is not connected" in answer.get_data(as_text=True)


def test_someone_elses_canvas_account_is_refused(
    lti: LtiDriver, app: Flask, canvas_platform: int
) -> None:
    student = lti.person("student")
    token = token_of(lti.launch(student))  # lms_user_id = the student's Canvas id
    with responses.RequestsMock() as rsps:
        rsps.add_passthru(lti.state.base_url)
        tab, start = open_in_new_tab(lti.client, token, "/lms/canvas/connect")
        state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
        rsps.post(
            CANVAS + "/login/oauth2/token",
            json={"access_token": "1~x", "expires_in": 3600, "user": {"id": 424242}},
        )
        answer = tab.get("/lms/canvas/callback", query_string={"state": state, "code": "c"})
    assert answer.status_code == 403
    with app.app_context():
        assert db.session.execute(select(LmsCredential)).first() is None

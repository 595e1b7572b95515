"""The sandbox's slice of Canvas REST: a person signs in (OAuth2 code flow), and reads only
their own user, enrollments with course grades, and courses with terms."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState

REDIRECT = "http://tool.test/lms/canvas/callback"


def _token(client: FlaskClient, state: SandboxState, sub: str) -> tuple[str, dict[str, object]]:
    page = client.get(
        "/login/oauth2/auth",
        query_string={
            "client_id": "1",
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "state": "s1",
        },
    )
    assert page.status_code == 200
    assert f"Sign in as {state.district.users[sub].name}" in page.get_data(as_text=True)
    back = client.get(
        "/login/oauth2/approve", query_string={"redirect_uri": REDIRECT, "state": "s1", "sub": sub}
    )
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    assert query["state"] == ["s1"]
    answer = client.post(
        "/login/oauth2/token", data={"grant_type": "authorization_code", "code": query["code"][0]}
    )
    assert answer.status_code == 200
    body = answer.get_json()
    replay = client.post(
        "/login/oauth2/token", data={"grant_type": "authorization_code", "code": query["code"][0]}
    )
    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    return str(body["access_token"]), body


def test_a_student_reads_their_enrollments_with_grades(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    district = sandbox_state.district
    first = next(iter(district.courses.values()))
    student = district.students_of(first.context_id)[0]
    token, body = _token(sandbox_client, sandbox_state, student.sub)
    assert body["user"] == {"id": student.id, "name": student.name}
    auth = {"Authorization": f"Bearer {token}"}
    first.concluded, first.term = True, "Spring 2025"
    try:
        me = sandbox_client.get("/api/v1/users/self", headers=auth).get_json()
        assert me["id"] == student.id
        both = sandbox_client.get(
            f"/api/v1/users/{student.id}/enrollments",
            query_string={"state[]": ["active", "completed"], "include[]": "current_points"},
            headers=auth,
        ).get_json()
        active = sandbox_client.get("/api/v1/users/self/enrollments", headers=auth).get_json()
        courses = sandbox_client.get(
            "/api/v1/users/self/courses", query_string={"include[]": "term"}, headers=auth
        ).get_json()
        one = sandbox_client.get(f"/api/v1/courses/{first.id}", headers=auth).get_json()
    finally:
        first.concluded, first.term = False, None
    states = {e["course_id"]: e["enrollment_state"] for e in both}
    assert states[first.id] == "completed"
    assert first.id not in {e["course_id"] for e in active}
    grades = next(e["grades"] for e in both if e["course_id"] == first.id)
    assert grades["current_score"] is None or 0 <= grades["current_score"] <= 100
    assert {"final_score", "current_grade", "final_grade"} <= set(grades)
    assert {c["id"]: c["term"]["name"] for c in courses}[first.id] == "Spring 2025"
    assert one["name"] == first.title


def test_tokens_open_only_their_own_person(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    students = sandbox_state.district.users_of_kind("student")
    token, _ = _token(sandbox_client, sandbox_state, students[0].sub)
    auth = {"Authorization": f"Bearer {token}"}
    other = sandbox_client.get(f"/api/v1/users/{students[1].id}/enrollments", headers=auth)
    assert other.status_code == 401
    assert sandbox_client.get("/api/v1/users/self").status_code == 401
    bad = sandbox_client.get("/api/v1/users/self", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.get_json()["error"] == "invalid_token"
    assert sandbox_client.get("/api/v1/courses/999999", headers=auth).status_code == 404


def test_an_account_admin_lists_the_district_courses_and_students(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    district = sandbox_state.district
    token, _ = _token(sandbox_client, sandbox_state, "sbx-user-0006")  # AccountAdmin
    auth = {"Authorization": f"Bearer {token}"}
    accounts = sandbox_client.get("/api/v1/accounts", headers=auth).get_json()
    assert accounts == [
        {
            "id": 1,
            "name": district.name,
            "parent_account_id": None,
            "root_account_id": None,
            "workflow_state": "active",
        }
    ]
    first = sandbox_client.get(
        "/api/v1/accounts/1/courses",
        query_string={"per_page": "4", "with_enrollments": "true", "enrollment_type[]": "student"},
        headers=auth,
    )
    assert first.status_code == 200
    assert len(first.get_json()) == 4
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' in first.headers["Link"]
    following = first.headers["Link"].split(",")[1].split(";")[0].strip("<>")
    second = sandbox_client.get(following.removeprefix(sandbox_state.base_url), headers=auth)
    assert 'rel="next"' not in second.headers["Link"]
    courses = first.get_json() + second.get_json()
    # Every course with students, the staff PD course too (a teacher learns there).
    assert [c["id"] for c in courses] == [101, 102, 103, 104, 105, 106, 107]
    chem = next(c for c in courses if c["id"] == 107)
    assert chem["sis_course_id"] == "CR-CHEM" and chem["workflow_state"] == "available"
    students = sandbox_client.get(
        "/api/v1/courses/107/enrollments",
        query_string={"type[]": "StudentEnrollment", "include[]": "email", "per_page": "100"},
        headers=auth,
    ).get_json()
    assert [(e["user"]["id"], e["user"]["sis_user_id"], e["type"]) for e in students] == [
        (45, "S240045", "StudentEnrollment"),
        (46, "S240046", "StudentEnrollment"),
        (10, "S240010", "StudentEnrollment"),
    ]
    assert students[0]["user"]["email"] == "leila.haddad@cedarridge.example"


def test_only_account_admins_list_the_district(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    token, _ = _token(sandbox_client, sandbox_state, "sbx-user-0001")  # a teacher
    auth = {"Authorization": f"Bearer {token}"}
    assert sandbox_client.get("/api/v1/accounts", headers=auth).get_json() == []
    assert sandbox_client.get("/api/v1/accounts/1/courses", headers=auth).status_code == 401
    assert sandbox_client.get("/api/v1/courses/107/enrollments", headers=auth).status_code == 401


def test_inbox_conversations(sandbox_client: FlaskClient, sandbox_state: SandboxState) -> None:
    district = sandbox_state.district
    first = next(iter(district.courses.values()))
    teacher = district.teacher_of(first.context_id)
    assert teacher is not None
    student = district.students_of(first.context_id)[0]
    sandbox_state.canvas_conversations.clear()
    sender, _ = _token(sandbox_client, sandbox_state, teacher.sub)
    reader, _ = _token(sandbox_client, sandbox_state, student.sub)

    def send(**form: object) -> tuple[int, object]:
        answer = sandbox_client.post(
            "/api/v1/conversations", data=form, headers={"Authorization": f"Bearer {sender}"}
        )
        return answer.status_code, answer.get_json()

    status, made = send(**{"recipients[]": [str(student.id)], "subject": "Hi", "body": "One"})
    assert status == 201 and isinstance(made, list)
    assert made[0]["audience"] == [student.id] and made[0]["private"] is True
    # The private conversation of the same two people is reused unless force_new.
    status, again = send(**{"recipients[]": [str(student.id)], "subject": "Hi", "body": "Two"})
    assert status == 201 and isinstance(again, list)
    assert again[0]["id"] == made[0]["id"] and again[0]["message_count"] == 2
    status, fresh = send(
        **{"recipients[]": [str(student.id)], "subject": "Hi", "body": "3", "force_new": "true"}
    )
    assert status == 201 and isinstance(fresh, list) and fresh[0]["id"] != made[0]["id"]
    # Unknown recipients and empty bodies are refused; no token is a 401.
    assert send(**{"recipients[]": ["999999"], "body": "x"})[0] == 400
    assert send(**{"recipients[]": [str(student.id)], "body": " "})[0] == 400
    assert sandbox_client.post("/api/v1/conversations", data={"body": "x"}).status_code == 401
    inbox = sandbox_client.get(
        "/api/v1/conversations", headers={"Authorization": f"Bearer {reader}"}
    ).get_json()
    assert [c["last_message"] for c in inbox] == ["3", "Two"]

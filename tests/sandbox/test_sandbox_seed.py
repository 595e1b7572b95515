"""The deterministic demo district and the demo home page."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, seed_demo_district, vocab

COURSES = ["sbx-course-bio1", "sbx-course-alg2", "sbx-course-ied"]
REAL_LMS_COURSES = ["sbx-course-pd", "sbx-course-fsci", "sbx-course-whist"]
#: A course no demo step launches from (only the district's course list shows it).
UNLAUNCHED_COURSES = ["sbx-course-chem"]


def test_seed_shape() -> None:
    district = seed_demo_district()
    assert list(district.courses) == COURSES + REAL_LMS_COURSES + UNLAUNCHED_COURSES
    kinds = Counter(u.kind for u in district.users.values())
    # The first 36 people as ever, then 7 appended for the Canvas and Moodle shapes, then 3
    # of the Chemistry course.
    first = Counter(u.kind for u in list(district.users.values())[:36])
    assert first == {"teacher": 3, "student": 30, "counselor": 1, "parent": 1, "admin": 1}
    assert kinds == {"teacher": 7, "student": 34, "counselor": 1, "parent": 2, "admin": 2}
    assert [district.teacher_of(c).sub for c in COURSES] == [
        "sbx-user-0001",
        "sbx-user-0002",
        "sbx-user-0003",
    ]
    assert [len(district.students_of(c)) for c in COURSES] == [20, 20, 20]
    for student in district.users_of_kind("student")[:30]:
        chemistry = "sbx-course-chem" in {c.context_id for c in district.courses_of(student.sub)}
        assert len(district.courses_of(student.sub)) == 2 + chemistry
    assert [s.sub for s in district.students_of("sbx-course-chem")] == [
        "sbx-user-0045",
        "sbx-user-0046",
        "sbx-user-0010",
    ]
    grades = Counter(s.grade_level for s in district.users_of_kind("student"))
    assert set(grades) == {9, 10, 11, 12}
    assert [len(district.line_items[c]) for c in COURSES] == [3, 4, 5]
    for context_id in COURSES:
        learners = {s.sub for s in district.students_of(context_id)}
        for item_id in district.line_items[context_id]:
            assert set(district.results[item_id]) == learners


def test_seed_roles() -> None:
    district = seed_demo_district()
    users = district.users
    assert users["sbx-user-0004"].kind == "counselor"
    assert users["sbx-user-0004"].institution_roles == (vocab.INST_STAFF,)
    assert users["sbx-user-0006"].institution_roles == (vocab.INST_ADMINISTRATOR,)
    assert district.courses_of("sbx-user-0004") == []
    assert district.courses_of("sbx-user-0006") == []
    assert district.mentor_links["sbx-user-0005"] == ["sbx-user-0007"]
    parent_courses = [c.context_id for c in district.courses_of("sbx-user-0005")]
    assert parent_courses == [c.context_id for c in district.courses_of("sbx-user-0007")]
    assert parent_courses == ["sbx-course-bio1", "sbx-course-alg2"]
    for context_id in parent_courses:
        assert district.enrollments[context_id]["sbx-user-0005"].roles == (vocab.ROLE_MENTOR,)


def test_seed_is_deterministic() -> None:
    first, second = seed_demo_district(), seed_demo_district()
    assert first.guid == second.guid
    assert [(u.sub, u.name, u.email) for u in first.users.values()] == [
        (u.sub, u.name, u.email) for u in second.users.values()
    ]
    assert {k: {u: r.result_score for u, r in v.items()} for k, v in first.results.items()} == {
        k: {u: r.result_score for u, r in v.items()} for k, v in second.results.items()
    }


def test_demo_page_lists_everyone(sandbox_client: FlaskClient, sandbox_state: SandboxState) -> None:
    response = sandbox_client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    district = sandbox_state.district
    assert district.name in html
    for course in district.courses.values():
        assert course.title in html
    for user in district.users.values():
        assert f"Open Lodestar as {user.name}" in html, user.name
    assert html.count("Add a plan reflection activity (Deep Linking)") == len(district.courses)
    assert "/courses/sbx-course-bio1/view?user=sbx-user-0001&amp;message=deep_link" in html
    assert "/courses/sbx-course-bio1/view?user=sbx-user-0004" in html  # counselor: first course
    assert (
        "/courses/sbx-course-bio1/view?user=sbx-user-0005" in html
    )  # parent: child's first course
    assert "/courses/sbx-course-bio1/view?user=sbx-user-0006" in html  # admin: first course
    assert "pretend" in html.lower()


def test_course_page_embeds_login_initiation(
    sandbox_client: FlaskClient, html_page: Callable[[str], Any]
) -> None:
    response = sandbox_client.get("/courses/sbx-course-alg2/view?user=sbx-user-0007")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'title="Lodestar ILP"' in html
    assert 'name="lodestar-frame"' in html
    assert 'id="lodestar-frame"' in html
    src = html_page(html).iframe_src
    assert src is not None
    parts = urlsplit(src)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://localhost:5000/lti/login"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["iss"] == "http://127.0.0.1:5001"
    assert query["login_hint"] == "sbx-user-0007"
    assert query["target_link_uri"] == "http://localhost:5000/lti/launch"
    assert query["client_id"] == "lodestar-sandbox"
    assert query["lti_deployment_id"] == "sandbox-deployment-1"
    assert query["lti_message_hint"]
    assert "Open in new window" in html

    # "Open in new window" is a launch of its own (the iframe's hint is used once), as an LMS
    # makes one: a fresh login initiation with another lti_message_hint, same person and link.
    new_window = re.search(r'<a href="([^"]+)" target="_blank" rel="noopener">Open in new', html)
    assert new_window is not None
    fresh = sandbox_client.get(new_window.group(1).replace("&amp;", "&"))
    assert fresh.status_code == 302
    again = {k: v[0] for k, v in parse_qs(urlsplit(fresh.headers["Location"]).query).items()}
    assert again["login_hint"] == "sbx-user-0007"
    assert again["lti_message_hint"] != query["lti_message_hint"]
    assert "lti_storage_target" not in again  # no LMS frame around a tab of its own


def test_course_page_access_rules(sandbox_client: FlaskClient, sandbox_state: SandboxState) -> None:
    # sbx-user-0008 is not in Biology 1.
    assert sandbox_client.get("/courses/sbx-course-bio1/view?user=sbx-user-0008").status_code == 403
    assert sandbox_client.get("/courses/sbx-course-bio1/view?user=nobody").status_code == 404
    assert sandbox_client.get("/courses/nope/view?user=sbx-user-0001").status_code == 404
    assert sandbox_client.get("/courses/sbx-course-bio1/view").status_code == 400
    # Students cannot deep link; teachers of other courses neither.
    assert (
        sandbox_client.get(
            "/courses/sbx-course-bio1/view?user=sbx-user-0007&message=deep_link"
        ).status_code
        == 403
    )
    assert (
        sandbox_client.get(
            "/courses/sbx-course-bio1/view?user=sbx-user-0002&message=deep_link"
        ).status_code
        == 403
    )
    sandbox_state.set_enrollment_status("sbx-course-bio1", "sbx-user-0007", "Inactive")
    response = sandbox_client.get("/courses/sbx-course-bio1/view?user=sbx-user-0007")
    assert response.status_code == 403
    assert response.mimetype == "text/plain"


def test_synthetic_members_are_added_in_bulk(sandbox_state: SandboxState) -> None:
    """5,000 members for the sync benchmarks (benchmarks/ measures speed, not this test)."""
    created = sandbox_state.add_synthetic_members("sbx-course-ied", 5000)
    assert len(created) == 5000
    assert len({u.sub for u in created}) == 5000
    assert (
        len(sandbox_state.members("sbx-course-ied")) == 5000 + 22
    )  # teacher, 20 learners, a parent

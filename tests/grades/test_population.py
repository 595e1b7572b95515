"""The tenant's whole student population: every course synced in one command (going on past
a failing course), and the district's course list read from Canvas REST (the sandbox's) with
an admin's Canvas connection, matched to people Lodestar knows without duplicates; the first
launch from a course nobody opened adopts what the list created."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.launch import grants
from lti_tool.models import Course, Enrollment, EnrollmentStatus, LmsKind, Person, Platform, Role
from lti_tool.sandbox.data import CHEM_COURSE, CHEM_ONLY_STUDENTS, DISTRICT_ADMIN
from tests.browser_client import open_in_new_tab
from tests.core.test_store import REDIS_URL, _redis_available
from tests.lti_driver import LtiDriver, token_of


def _invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def _tenant(app: Flask, platform_id: int) -> int:
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        assert platform is not None
        return platform.tenant_id


def _people(app: Flask) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        return [
            (p.sub, p.sis_id, p.lms_user_id)
            for p in db.session.execute(select(Person).order_by(Person.id)).scalars()
        ]


def _students_of(app: Flask, context_id: str) -> set[str]:
    with app.app_context():
        return set(
            db.session.execute(
                select(Person.sub)
                .join(Enrollment, Enrollment.person_id == Person.id)
                .join(Course, Course.id == Enrollment.course_id)
                .where(
                    Course.context_id == context_id,
                    Enrollment.role == Role.STUDENT,
                    Enrollment.status == EnrollmentStatus.ACTIVE,
                )
            ).scalars()
        )


# -- every course ---------------------------------------------------------------------------


def test_every_course_goes_on_past_a_failing_course_and_prints_a_summary(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    bio1, alg2 = lti.course("sbx-course-bio1"), lti.course("sbx-course-alg2")
    lti.launch(lti.state.district.teacher_of(bio1.context_id), bio1)
    lti.launch(lti.state.district.teacher_of(alg2.context_id), alg2)
    # Algebra II's roster answers 500 (more often than the retries).
    lti.state.inject_fault("/api/lti/courses/sbx-course-alg2/memberships", 500, count=10)
    try:
        result = _invoke(app, "sync", "roster", "--every-course")
    finally:
        lti.state.clear_faults()
    output = result.output
    assert result.exit_code == 1, output
    assert "roster of course" in output and "Biology 1): succeeded" in output
    assert "Algebra II): partial" in output or "Algebra II): failed" in output
    assert "2 syncs: 1 succeeded, 0 queued, 1 failed, 0 skipped." in output
    # Biology 1 was synced although Algebra II failed.
    assert len(_students_of(app, "sbx-course-bio1")) == 20

    tenant = _tenant(app, platform_id)
    again = _invoke(app, "sync", "all", "--every-course", "--tenant", str(tenant))
    assert again.exit_code == 0, again.output
    assert "4 syncs: 4 succeeded, 0 queued, 0 failed, 0 skipped." in again.output
    assert len(_students_of(app, "sbx-course-alg2")) == 20
    # The old one-course form still works.
    with app.app_context():
        course_id = db.session.execute(
            select(Course.id).where(Course.context_id == "sbx-course-bio1")
        ).scalar_one()
    single = _invoke(app, "sync", "roster", "--course", str(course_id))
    assert single.exit_code == 0 and "roster: seen 21" in single.output


def test_every_course_names_a_wrong_tenant_and_repeats_only_sensibly(app: Flask) -> None:
    unknown = _invoke(app, "sync", "all", "--every-course", "--tenant", "999999")
    assert unknown.exit_code == 2 and "No tenant with id 999999" in unknown.output
    too_often = _invoke(app, "sync", "all", "--every-course", "--every", "10")
    assert too_often.exit_code == 2 and "at least 1m" in too_often.output
    alone = _invoke(app, "sync", "roster", "--every", "6h")
    assert alone.exit_code == 2 and "--every works with --every-course" in alone.output


# -- the district's course list (Canvas REST) ------------------------------------------------


def _connect_admin(lti: LtiDriver, app: Flask, platform_id: int) -> None:
    """The district admin (a Canvas account admin) is a Lodestar admin and connects Canvas."""
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        assert platform is not None
        lms_rest.configure_canvas(
            platform, base_url=lti.state.base_url, client_id="10000000001", client_secret="s3cret"
        )
    admin = lti.user(DISTRICT_ADMIN)
    token = token_of(lti.user_navigation(admin))
    with app.app_context():
        grants.grant(_tenant(app, platform_id), "admin", sub=admin.sub)
    tab, start = open_in_new_tab(lti.client, token, "/lms/canvas/connect")
    target = urlsplit(start.headers["Location"])
    query = parse_qs(target.query)
    approved = requests.get(
        f"{lti.state.base_url}/login/oauth2/approve",
        params={
            "redirect_uri": query["redirect_uri"][0],
            "state": query["state"][0],
            "sub": admin.sub,
        },
        allow_redirects=False,
        timeout=10,
    )
    back = parse_qs(urlsplit(approved.headers["Location"]).query)
    done = tab.get(
        "/lms/canvas/callback", query_string={"state": back["state"][0], "code": back["code"][0]}
    )
    assert done.status_code == 200, done.get_data(as_text=True)


#: The sandbox answers on plain HTTP (a real Canvas on HTTPS); canvasapi warns about it.
http_canvas = pytest.mark.filterwarnings("ignore:Canvas may respond unexpectedly:UserWarning")


@http_canvas
def test_district_course_list_makes_every_student_known_once(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    district = lti.state.district
    bio1 = lti.course("sbx-course-bio1")
    student = district.students_of(bio1.context_id)[0]
    lti.launch(student, bio1)  # known by sub, Canvas user id and SIS id
    lti.launch(district.teacher_of(bio1.context_id), bio1)
    assert _invoke(app, "sync", "roster", "--every-course").exit_code == 0  # 20 by sub and SIS id
    _connect_admin(lti, app, platform_id)
    before = _people(app)

    result = _invoke(app, "sync", "district")
    assert result.exit_code == 0, result.output
    assert "district course list (Canvas): succeeded" in result.output
    assert "courses 7, courses_created 6" in result.output
    people = _people(app)
    # Students of every course are known now, each once (one person per SIS id).
    sis_ids = [sis for _, sis, _ in people if sis]
    assert len(sis_ids) == len(set(sis_ids))
    students = {u.sis_id for u in district.users_of_kind("student")}
    assert students <= set(sis_ids)
    # Those the roster or a launch knew were matched, not copied.
    assert {sub for sub, _, _ in before} <= {sub for sub, _, _ in people}
    new = [p for p in people if p not in before and p[0] not in {b[0] for b in before}]
    assert all(sub.startswith("canvas-user:") for sub, _, _ in new)
    assert ("canvas-user:45", "S240045", "45") in people
    # The Bio 1 students matched by SIS id now carry their Canvas user id as well.
    assert (student.sub, student.sis_id, str(student.id)) in people
    assert _students_of(app, "canvas-course:107") == {
        "canvas-user:45",
        "canvas-user:46",
        "sbx-user-0010",  # known from Biology 1's roster: the same person
    }
    with app.app_context():
        chem = db.session.execute(
            select(Course).where(Course.context_id == "canvas-course:107")
        ).scalar_one()
        assert (chem.title, chem.label, chem.lms_course_id) == ("Chemistry", "CHEM", "107")
        # The launched Biology 1 was matched by its Canvas course id.
        assert (
            db.session.execute(
                select(func.count()).select_from(Course).where(Course.lms_course_id == "101")
            ).scalar_one()
            == 1
        )

    # A second run changes nothing.
    enrollments = _enrollments(app)
    again = _invoke(app, "sync", "district")
    assert again.exit_code == 0, again.output
    assert "courses_created 0, students_seen" in again.output
    assert "people_created 0, enrollments_created 0, enrollments_reactivated 0" in again.output
    assert "enrollments_deactivated 0, conflicts 0" in again.output
    assert _people(app) == people and _enrollments(app) == enrollments

    # The first launch from Chemistry adopts the course and the student: nobody doubles.
    chem_student = lti.user(CHEM_ONLY_STUDENTS[0])
    lti.launch(chem_student, lti.course(CHEM_COURSE))
    after = _people(app)
    assert len(after) == len(people)
    assert (chem_student.sub, "S240045", "45") in after
    assert _students_of(app, CHEM_COURSE) == {chem_student.sub, "canvas-user:46", "sbx-user-0010"}
    # Its roster then adopts the other provisional student by SIS id.
    assert _invoke(app, "sync", "roster", "--every-course").exit_code == 0
    assert _students_of(app, CHEM_COURSE) == set(CHEM_ONLY_STUDENTS) | {"sbx-user-0010"}
    assert len(_people(app)) == len(people) + 1  # the Chemistry teacher, by the roster


def _enrollments(app: Flask) -> list[tuple[int, int, str, str]]:
    with app.app_context():
        return [
            (e.course_id, e.person_id, str(e.role), str(e.status))
            for e in db.session.execute(select(Enrollment).order_by(Enrollment.id)).scalars()
        ]


def test_district_list_needs_an_admins_canvas_connection(
    lti: LtiDriver, app: Flask, platform_id: int
) -> None:
    result = _invoke(app, "sync", "district")
    assert result.exit_code == 0, result.output  # nothing connected: nothing to do
    assert "district course list (Canvas): skipped (the Canvas API is not set up)" in result.output
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        assert platform is not None
        lms_rest.configure_canvas(
            platform, base_url=lti.state.base_url, client_id="10000000001", client_secret="s3cret"
        )
        from lti_tool.grades import district

        assert lms_rest.api_key(platform, LmsKind.CANVAS) is not None
        assert not district.available(platform.tenant_id)
    result = _invoke(app, "sync", "district")
    assert "skipped (no Lodestar admin has connected Canvas)" in result.output
    assert "1 syncs: 0 succeeded, 0 queued, 0 failed, 1 skipped." in result.output


@pytest.fixture
def redis_app(app: Flask) -> Flask:
    """The app with RQ on Redis (``ILP_TEST_REDIS_URL``); skipped without a Redis."""
    if not _redis_available():
        if os.environ.get("ILP_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    from redis import Redis

    app.config["ILP_REDIS_URL"] = REDIS_URL
    app.config["ILP_SYNC_INLINE"] = False
    Redis.from_url(REDIS_URL).flushdb()
    return app


def test_every_course_queues_on_rq_for_workers(lti: LtiDriver, redis_app: Flask) -> None:
    from redis import Redis
    from rq import SimpleWorker

    from lti_tool.grades.models import SyncRun, SyncStatus

    bio1 = lti.course("sbx-course-bio1")
    lti.launch(lti.state.district.teacher_of(bio1.context_id), bio1)
    result = _invoke(redis_app, "sync", "all", "--every-course")
    assert result.exit_code == 0, result.output
    assert "2 syncs: 0 succeeded, 2 queued, 0 failed, 0 skipped." in result.output
    with redis_app.app_context():
        worker = SimpleWorker(["lodestar"], connection=Redis.from_url(REDIS_URL))
        assert worker.work(burst=True)
        db.session.expire_all()
        statuses = {r.status for r in db.session.execute(select(SyncRun)).scalars()}
    assert statuses == {SyncStatus.SUCCEEDED}
    assert len(_students_of(redis_app, "sbx-course-bio1")) == 20

"""Sessions that cannot be borrowed (issue 8, attacks 6 and 9).

A URL copied from a shared school computer's history, opened later in another browser,
opens nobody's session; with a cookie no URL carries the session at all; a frame without
cookies proves every request with a secret only that frame holds; sessions end after idle
minutes, on "Sign out", and when the person's roles or enrollments change; a link naming
another person's session than the browser's own is refused with a page that says so.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text, update

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.grades import sync
from lti_tool.grades.models import SyncKind
from lti_tool.models import Course, Enrollment, Person, UserSession
from lti_tool.plans import erasure
from tests.conftest import _make_app
from tests.lti_driver import LtiDriver, token_of
from tests.migrations.test_migration_0004 import scratch_url  # noqa: F401 - the fixture
from tests.migrations.test_migration_0005 import insert_tenant_and_person

ACCOMMODATIONS = "Extra time on tests; seat near the board"


def _sessions(app: Flask, **where: Any) -> list[UserSession]:
    with app.app_context():
        query = select(UserSession).filter_by(**where).order_by(UserSession.id)
        found = list(db.session.execute(query).scalars())
        db.session.expunge_all()
        return found


def _person_id(app: Flask, sub: str) -> int:
    with app.app_context():
        return int(db.session.execute(select(Person.id).where(Person.sub == sub)).scalar_one())


def _age(app: Flask, **values: Any) -> None:
    """Move every session's clock (``last_seen_at`` / ``created_at``) into the past."""
    with app.app_context():
        db.session.execute(update(UserSession).values(**values))
        db.session.commit()


def _other_computer(lti: LtiDriver, app: Flask, sandbox: Flask) -> LtiDriver:
    """A second browser on another computer, driving launches of its own."""
    return LtiDriver(app.test_client(), app, sandbox)


def _write_accommodations(lti: LtiDriver, student: Any) -> str:
    token = token_of(lti.launch(student))
    done = lti.client.post(
        "/plans/me/profile",
        data={"lt": token, "about": "I like robots", "accommodations": ACCOMMODATIONS},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    return token


# -- a cookie session: nothing in any URL -------------------------------------------------


def test_cookie_session_puts_nothing_in_urls(lti: LtiDriver) -> None:
    response = lti.launch(lti.person("student"))
    location = response.headers["Location"]
    assert "lt=" not in location and "hop=" not in location
    cookie = response.headers["Set-Cookie"]
    assert "lodestar_session=" in cookie and "HttpOnly" in cookie
    page = lti.client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "lt=" not in html and 'name="lt"' not in html
    # Forms carry the session's CSRF token; the nav offers "Sign out".
    assert 'name="csrf"' in html and "Sign out" in html


def test_url_from_a_shared_computers_history_opens_nothing_elsewhere(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    student = lti.person("student")
    _write_accommodations(lti, student)
    plan = lti.client.get("/plans/me/profile")
    assert ACCOMMODATIONS in plan.get_data(as_text=True)
    # The next person at another computer opens every URL this browser visited.
    elsewhere = app.test_client()
    for url in ("/plans/me/profile", "/plans/me", "/portfolio/me"):
        page = elsewhere.get(url)
        assert page.status_code == 401, url
        assert ACCOMMODATIONS not in page.get_data(as_text=True)
        assert student.name not in page.get_data(as_text=True)


def test_a_form_without_the_csrf_token_is_refused(lti: LtiDriver, app: Flask) -> None:
    lti.launch(lti.person("student"))
    refused = lti.client.post("/plans/me/profile", data={"about": "changed by another site"})
    assert refused.status_code == 401
    assert "expired" in refused.get_data(as_text=True)
    wrong = lti.client.post("/plans/me/profile", data={"about": "x", "csrf": "0" * 64})
    assert wrong.status_code == 401
    with app.app_context():
        from lti_tool.plans.models import Plan

        assert db.session.execute(select(Plan.about)).scalar() in {None, ""}


# -- a frame without cookies: the frame's secret proves every request ------------------


def test_frame_url_from_history_opens_nothing_in_another_browser(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    student = lti.person("student")
    frame = lti.frame_launch(student)
    first = lti.client.get(frame.first_page)
    assert first.status_code == 200 and student.name in first.get_data(as_text=True)
    # The same URL again (its hop code is spent), here or in a fresh browser, opens nothing.
    for browser in (lti.client, app.test_client()):
        again = browser.get(frame.first_page)
        assert again.status_code == 401
        html = again.get_data(as_text=True)
        assert student.name not in html and frame.secret not in html
        assert "opens nothing here" in html
        config = re.search(r'id="lodestar-resume">(.*?)</script>', html, re.S)
        assert config and frame.handle in config.group(1)  # the frame's script may go on
    # A link of the page, without the frame's proof, is the same.
    assert app.test_client().get(f"/plans/me?lt={frame.handle}").status_code == 401


def test_frame_requests_need_the_frames_secret(lti: LtiDriver, app: Flask) -> None:
    frame = lti.frame_launch(lti.person("student"))
    url = f"/plans/me/profile?lt={frame.handle}"
    assert lti.client.get(url, headers=frame.proof).status_code == 200
    assert lti.client.get(url, headers={"X-Lodestar-Frame": "guess"}).status_code == 401
    # A form names the session; pages.js adds the secret as "fs" when it is sent.
    no_secret = lti.client.post("/plans/me/profile", data={"lt": frame.handle, "about": "x"})
    assert no_secret.status_code == 401
    saved = lti.client.post(
        "/plans/me/profile",
        data={"lt": frame.handle, "fs": frame.secret, "about": "From the frame"},
    )
    assert saved.status_code == 302
    # The redirect carries a fresh one-time hop code, used once.
    location = saved.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["lt"] == [frame.handle] and len(query["hop"][0]) > 20
    assert "From the frame" in lti.client.get(location).get_data(as_text=True)
    assert lti.client.get(location).status_code == 401


def test_hop_codes_come_only_with_the_frames_proof(lti: LtiDriver, app: Flask) -> None:
    frame = lti.frame_launch(lti.person("student"))
    refused = app.test_client().post("/lti/session/hop", data={"lt": frame.handle})
    assert refused.status_code == 401
    answer = lti.client.post("/lti/session/hop", data={"lt": frame.handle}, headers=frame.proof)
    assert answer.status_code == 200 and answer.headers["Cache-Control"].startswith("no-store")
    hop = answer.get_json()["hop"]
    page = app.test_client().get(f"/plans/me?lt={frame.handle}&hop={hop}")
    assert page.status_code == 200  # a new tab of this frame
    assert app.test_client().get(f"/plans/me?lt={frame.handle}&hop={hop}").status_code == 401


def test_a_hop_code_expires(lti: LtiDriver, app: Flask) -> None:
    from lti_tool import session_records
    from lti_tool.store import get_store

    frame = lti.frame_launch(lti.person("student"))
    hop = lti.client.post(
        "/lti/session/hop", data={"lt": frame.handle}, headers=frame.proof
    ).get_json()["hop"]
    with app.app_context():
        get_store().delete(session_records.hop_key(hop))  # what its 60 seconds do
    assert lti.client.get(f"/plans/me?lt={frame.handle}&hop={hop}").status_code == 401


def test_a_hop_code_opens_one_page_and_never_changes_anything(lti: LtiDriver, app: Flask) -> None:
    """An unused hop code (a URL a proxy logged when the request never reached us) is no
    login: it cannot post a form, nor buy another hop code."""
    frame = lti.frame_launch(lti.person("student"))

    def hop() -> str:
        answer = lti.client.post("/lti/session/hop", data={"lt": frame.handle}, headers=frame.proof)
        return str(answer.get_json()["hop"])

    stranger = app.test_client()
    renewed = stranger.post(
        f"/lti/session/hop?lt={frame.handle}&hop={hop()}", data={"lt": frame.handle}
    )
    assert renewed.status_code == 401
    posted = stranger.post(
        f"/plans/me/profile?lt={frame.handle}&hop={hop()}",
        data={"lt": frame.handle, "about": "written with a hop"},
    )
    assert posted.status_code == 401
    with app.app_context():
        from lti_tool.plans.models import Plan

        assert db.session.execute(select(Plan.about)).scalar() in {None, ""}
        # The store keeps hop codes hashed: none in it would work.
        code = hop()
        from lti_tool.store import get_store

        assert get_store().get(f"session-hop:{code}") is None


def test_a_session_that_ended_is_not_described_without_the_frames_proof(
    lti: LtiDriver, app: Flask
) -> None:
    frame = lti.frame_launch(lti.person("student"))
    lti.client.post("/lti/session/end", data={"lt": frame.handle, "fs": frame.secret})
    elsewhere = app.test_client().get(f"/plans/me?lt={frame.handle}")
    assert elsewhere.status_code == 401
    assert "signed out" not in elsewhere.get_data(as_text=True)
    assert "does not open here" in elsewhere.get_data(as_text=True)
    # The frame itself (with its secret) learns why.
    own = lti.client.post(
        "/lti/session/hop",
        data={"lt": frame.handle},
        headers={**frame.proof, "Accept": "application/json"},
    )
    assert own.status_code == 401 and "signed out" in own.get_json()["message"]


def test_filter_forms_put_no_csrf_token_in_the_url(
    lti: LtiDriver, app: Flask, runner: Any, platform_id: int
) -> None:
    counselor = lti.person("counselor")
    lti.launch(counselor)
    html = lti.client.get("/plans/resources").get_data(as_text=True)
    forms = re.findall(r'<form method="get".*?</form>', html, re.S)
    assert forms and all('name="csrf"' not in form for form in forms)
    # The caseload's search is posted (a name typed there never goes into a URL), with the
    # token in the body.
    html = lti.client.get("/plans/caseload").get_data(as_text=True)
    search = re.search(r'<form method="post"[^>]*caseload/search.*?</form>', html, re.S)
    assert search is not None and 'name="csrf"' in search.group(0)
    assert '<form method="get"' not in html


def test_a_strange_csrf_value_is_a_refusal_not_a_crash(lti: LtiDriver) -> None:
    lti.launch(lti.person("student"))
    answer = lti.client.post("/plans/me/profile", data={"about": "x", "csrf": "é" * 64})
    assert answer.status_code == 401


# -- a link naming someone else's session ------------------------------------------------


def test_a_link_naming_another_persons_session_is_refused(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    victim, attacker = lti.person("student", 0), lti.person("student", 1)
    lti.launch(victim)  # the victim's browser holds their cookie session
    other = _other_computer(lti, app, sandbox)
    frame = other.frame_launch(attacker)
    # The attacker sends the victim a fresh link into the attacker's own session.
    answer = lti.client.get(frame.first_page)
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "someone else" in html and attacker.name not in html
    # Nothing the victim types next can go into the attacker's plan either.
    posted = lti.client.post(
        "/plans/me/profile",
        data={"lt": frame.handle, "fs": frame.secret, "about": "the victim's words"},
    )
    assert posted.status_code == 409
    with app.app_context():
        from lti_tool.plans.models import Plan

        assert "the victim's words" not in {
            p for p in db.session.execute(select(Plan.about)).scalars()
        }
    # The victim's own session is untouched.
    assert victim.name in lti.client.get("/plans/me").get_data(as_text=True)


def test_a_link_into_another_session_is_refused_after_the_own_one_ended(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    victim, attacker = lti.person("student", 0), lti.person("student", 1)
    lti.launch(victim)
    _age(app, last_seen_at=utcnow() - dt.timedelta(minutes=61))  # the victim's idled out
    frame = _other_computer(lti, app, sandbox).frame_launch(attacker)
    assert lti.client.get(frame.first_page).status_code == 409


# -- the end of a session -----------------------------------------------------------------


def test_sign_out_ends_the_session(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    token = token_of(lti.launch(student))
    html = lti.client.get("/plans/me").get_data(as_text=True)
    assert 'action="/lti/session/end"' in html
    # Sign-out is a form with the CSRF token (another site cannot sign anyone out).
    assert lti.client.post("/lti/session/end").status_code == 401
    done = lti.client.post("/lti/session/end", data={"lt": token})
    assert done.status_code == 200
    assert "signed out" in done.get_data(as_text=True)
    assert student.name not in done.get_data(as_text=True)
    after = lti.client.get("/plans/me", query_string={"lt": token})
    assert after.status_code == 401
    [record] = _sessions(app)
    assert record.end_reason == "signed-out" and record.ended_at is not None


def test_sign_out_of_a_frame_session(lti: LtiDriver, app: Flask) -> None:
    frame = lti.frame_launch(lti.person("student"))
    done = lti.client.post("/lti/session/end", data={"lt": frame.handle, "fs": frame.secret})
    assert done.status_code == 200
    assert lti.client.get(f"/plans/me?lt={frame.handle}", headers=frame.proof).status_code == 401


def test_sixty_idle_minutes_end_a_session(lti: LtiDriver, app: Flask) -> None:
    assert app.config["ILP_SESSION_IDLE_MINUTES"] == 60
    lti.launch(lti.person("student"))
    _age(app, last_seen_at=utcnow() - dt.timedelta(minutes=59))
    assert lti.client.get("/plans/me").status_code == 200
    # That request counted as activity.
    assert utcnow() - _sessions(app)[0].last_seen_at < dt.timedelta(minutes=1)
    _age(app, last_seen_at=utcnow() - dt.timedelta(minutes=61))
    page = lti.client.get("/plans/me")
    assert page.status_code == 401
    assert "without activity" in page.get_data(as_text=True)
    assert _sessions(app)[0].end_reason == "idle"


def test_idle_minutes_are_configurable(
    database_url: str, tmp_path: Path, sandbox: Flask, platform_id: int
) -> None:
    del platform_id
    app = _make_app(database_url, tmp_path, ILP_SESSION_IDLE_MINUTES="5")
    from lti_tool.demo import register_sandbox

    register_sandbox(app, sandbox)
    lti = LtiDriver(app.test_client(), app, sandbox)
    lti.launch(lti.person("student"))
    _age(app, last_seen_at=utcnow() - dt.timedelta(minutes=6))
    assert lti.client.get("/plans/me").status_code == 401
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_session_ends_at_its_maximum_age(lti: LtiDriver, app: Flask) -> None:
    lti.launch(lti.person("student"))
    ttl = int(app.config["ILP_LAUNCH_TOKEN_TTL"])
    _age(app, created_at=utcnow() - dt.timedelta(seconds=ttl + 1))
    assert lti.client.get("/plans/me").status_code == 401
    assert _sessions(app)[0].end_reason == "expired"


def test_leaving_a_course_ends_every_session_of_the_person(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    student = lti.state.district.students_of(course.context_id)[0]
    at_school = token_of(lti.launch(student, course))
    at_home = token_of(_other_computer(lti, app, sandbox).launch(student, course))
    teacher_token = token_of(lti.launch(teacher, course))
    for token in (at_school, at_home, teacher_token):
        assert lti.client.get(
            "/plans/me" if token != teacher_token else "/welcome", query_string={"lt": token}
        ).status_code in {200, 302}
    # A launch outranks the roster for the session's life: say their launches came from
    # another course, so that this course's roster decides.
    with app.app_context():
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.person_id == _person_id(app, student.sub))
            .values(asserted_at=None)
        )
        db.session.commit()
    lti.state.set_enrollment_status(course.context_id, student.sub, "Deleted")
    try:
        with app.app_context():
            row = db.session.execute(
                select(Course).where(Course.context_id == course.context_id)
            ).scalar_one()
            [run] = sync.start_sync(row, [SyncKind.ROSTER])
            assert run.status == "succeeded"
    finally:
        lti.state.set_enrollment_status(course.context_id, student.sub, "Active")
    for token in (at_school, at_home):
        page = lti.client.get("/plans/me", query_string={"lt": token})
        assert page.status_code == 401
        assert "roles changed" in page.get_data(as_text=True)
    student_id = _person_id(app, student.sub)
    assert {s.end_reason for s in _sessions(app, person_id=student_id)} == {"access-changed"}
    # Nobody else was signed out.
    teacher_sessions = _sessions(app, person_id=_person_id(app, teacher.sub))
    assert [s.ended_at for s in teacher_sessions] == [None]


def test_gaining_an_enrollment_back_signs_nobody_out(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    student = lti.state.district.students_of(course.context_id)[0]
    token = token_of(lti.launch(student, course))
    with app.app_context():
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.person_id == _person_id(app, student.sub))
            .values(status="inactive", asserted_at=None)
        )
        db.session.commit()
    # Their next launch (at home) makes the enrollment active again.
    _other_computer(lti, app, sandbox).launch(student, course)
    assert lti.client.get("/plans/me", query_string={"lt": token}).status_code == 200


def test_erasure_signs_the_students_guardians_out(lti: LtiDriver, app: Flask) -> None:
    from tests.launch.test_real_lms import CLAIM, MENTOR

    parent, child = lti.person("parent"), lti.person("student")
    bio = lti.course("sbx-course-bio1")
    lti.launch(child, bio)
    state, nonce = lti.begin(parent, bio)
    claims = lti.claims(
        parent, nonce, bio, **{CLAIM + "roles": [MENTOR], CLAIM + "role_scope_mentor": [child.sub]}
    )
    token = token_of(lti.post_launch({"id_token": lti.sign(claims), "state": state}))
    assert lti.client.get("/plans/family", query_string={"lt": token}).status_code == 200
    with app.app_context():
        person = db.session.get(Person, _person_id(app, child.sub))
        erasure.erase_student(person.tenant_id, person)
        db.session.commit()
    assert lti.client.get("/plans/family", query_string={"lt": token}).status_code == 401


def test_a_role_change_at_launch_ends_the_other_sessions(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    """A teaching assistant who launches as a learner loses the teacher session elsewhere."""
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    first = token_of(lti.launch(teacher, course))
    other = _other_computer(lti, app, sandbox)
    state, nonce = other.begin(teacher, course)
    learner = other.claims(
        teacher,
        nonce,
        course,
        **{
            "https://purl.imsglobal.org/spec/lti/claim/roles": [
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
            ]
        },
    )
    assert other.post_launch({"id_token": other.sign(learner), "state": state}).status_code == 302
    assert lti.client.get("/welcome", query_string={"lt": first}).status_code == 401
    live = [s for s in _sessions(app) if s.ended_at is None]
    assert [s.roles for s in live] == ["student"]


def test_erasure_ends_and_removes_the_persons_sessions(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    token = _write_accommodations(lti, student)
    student_id = _person_id(app, student.sub)
    with app.app_context():
        person = db.session.get(Person, student_id)
        erasure.erase_student(person.tenant_id, person)
        db.session.commit()
        assert (
            db.session.execute(
                select(func.count(UserSession.id)).where(UserSession.person_id == student_id)
            ).scalar_one()
            == 0
        )
    assert lti.client.get("/plans/me", query_string={"lt": token}).status_code == 401


def test_old_ended_sessions_are_purged_and_live_ones_kept(
    lti: LtiDriver, app: Flask, sandbox: Flask
) -> None:
    from lti_tool import session_records

    lti.launch(lti.person("student", 0))
    lti.launch(lti.person("student", 1))
    _other_computer(lti, app, sandbox).launch(lti.person("student", 2))
    first, second, third = (s.id for s in _sessions(app))
    with app.app_context():
        now = utcnow()
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == first)
            .values(ended_at=now - dt.timedelta(days=2), end_reason="signed-out")
        )
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == second)
            .values(last_seen_at=now - dt.timedelta(days=3))
        )
        db.session.commit()
        assert session_records.purge_old_sessions() == 2
    assert [s.id for s in _sessions(app)] == [third]


# -- the migration ---------------------------------------------------------------------------


def test_0007_adds_user_sessions_and_keeps_people(
    scratch_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = _make_app(scratch_url, tmp_path)
    with app.app_context():
        upgrade(revision="0006_key_sets")
        insert_tenant_and_person()
        upgrade(revision="0007_user_sessions")
        assert "user_sessions" in inspect(db.engine).get_table_names()
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO user_sessions (handle, secret_hash, mode, tenant_id, person_id, "
                    "roles, created_at, last_seen_at) VALUES ('h', 'x', 'cookie', 3, 5, "
                    "'student', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        downgrade(revision="0006_key_sets")
        assert "user_sessions" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM people WHERE id = 5")).scalar() == "Ada"
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/plans/me", "/portfolio/me", "/plans/me/profile"])
def test_pages_of_a_session_are_never_cached(lti: LtiDriver, path: str) -> None:
    lti.launch(lti.person("student"))
    response = lti.client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("no-store")

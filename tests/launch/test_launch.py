"""LTI 1.3 launches through the sandbox: each role lands on its page, every forgery fails."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Course, Enrollment, Mentorship, Person, ResourceLink, Role
from lti_tool.sandbox.keys import PlatformKey
from tests.lti_driver import LtiDriver, hidden_inputs, page_config, token_of


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.execute(select(func.count()).select_from(model)).scalar_one())


def snapshot(app: Flask) -> dict[str, int]:
    """Row counts of everything a launch may write."""
    return {
        m.__name__: count(app, m)
        for m in (Person, Course, Enrollment, ResourceLink, Mentorship, AuditEvent)
    }


def follow(lti: LtiDriver, response: Any) -> Any:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    return lti.client.get(f"{location.path}?{location.query}")


def session_cookie(response: Any) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("lodestar_session="):
            return header
    return None


def test_teacher_launch_lands_on_class_page(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    response = lti.launch(teacher, course)
    assert response.status_code == 302
    assert "/courses/" in response.headers["Location"]
    cookie = session_cookie(response)
    assert cookie is not None
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    page = follow(lti, response)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert course.title in html
    assert teacher.name in html
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == teacher.sub)).scalar_one()
        assert person.name == teacher.name
        row = db.session.execute(select(Course)).scalar_one()
        assert row.context_id == course.context_id
        assert row.nrps_url and row.ags_endpoint
        enrollment = db.session.execute(select(Enrollment)).scalar_one()
        assert enrollment.role == Role.TEACHER and enrollment.person_id == person.id
        assert count(app, ResourceLink) == 1
        assert db.session.execute(select(AuditEvent.action)).scalars().all().count("launch") == 1


def test_roster_shows_students_who_launched(lti: LtiDriver) -> None:
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    students = lti.state.district.students_of(course.context_id)[:2]
    for student in students:
        assert lti.launch(student, course).status_code == 302
    page = follow(lti, lti.launch(teacher, course))
    html = page.get_data(as_text=True)
    for student in students:
        assert student.name in html


def test_student_launch_lands_on_empty_plan(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    response = lti.launch(student)
    assert response.headers["Location"].startswith("/plans/me")
    page = follow(lti, response)
    assert page.status_code == 200
    assert "Your plan is empty" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Enrollment.role)).scalar_one() == Role.STUDENT


def test_parent_launch_sees_their_child(lti: LtiDriver, app: Flask) -> None:
    parent = lti.person("parent")
    response = lti.launch(parent)
    assert response.headers["Location"].startswith("/plans/family")
    page = follow(lti, response)
    assert page.status_code == 200
    with app.app_context():
        link = db.session.execute(select(Mentorship)).scalar_one()
        child = db.session.get(Person, link.student_id)
        assert child is not None and child.sub in parent_children(lti, parent)
        plan = lti.client.get(
            f"/plans/students/{child.id}", query_string={"lt": token_of(response)}
        )
        assert plan.status_code == 200


def parent_children(lti: LtiDriver, parent: Any) -> list[str]:
    return list(lti.state.district.mentor_links.get(parent.sub, []))


def test_admin_launch_lands_on_admin_page(lti: LtiDriver) -> None:
    admin = lti.person("admin")
    response = lti.launch(admin)
    assert response.headers["Location"].startswith("/admin")
    page = follow(lti, response)
    assert page.status_code == 200
    assert "Tool signing keys" in page.get_data(as_text=True)


def test_frame_session_works_without_cookies(lti: LtiDriver) -> None:
    """Where the iframe blocks cookies, links name the session and the frame proves it."""
    frame = lti.frame_launch(lti.person("teacher"))
    assert "hop=" in frame.first_page and f"lt={frame.handle}" in frame.first_page
    first = lti.client.get(frame.first_page)
    assert first.status_code == 200
    # Links on the page name the session; each navigation proves it with a fresh hop.
    html = first.get_data(as_text=True)
    assert f"lt={frame.handle}" in html and frame.secret not in html
    path = urlsplit(frame.first_page).path
    assert lti.client.get(path).status_code == 401  # no cookie, nothing named


def test_forged_launch_token_is_refused(lti: LtiDriver) -> None:
    teacher = lti.person("teacher")
    location = urlsplit(lti.launch(teacher).headers["Location"])
    lti.client.delete_cookie("lodestar_session")
    page = lti.client.get(location.path, query_string={"lt": "forged.token.value"})
    assert page.status_code == 401
    assert "Open Lodestar again" in page.get_data(as_text=True)


def test_valid_iat_within_clock_skew_is_accepted(lti: LtiDriver) -> None:
    teacher = lti.person("teacher")
    state, nonce = lti.begin(teacher)
    now = int(time.time())
    token = lti.sign(lti.claims(teacher, nonce, iat=now + 10, exp=now + 300))
    assert lti.post_launch({"id_token": token, "state": state}).status_code == 302


# -- rejections -------------------------------------------------------------------------


def _forge(lti: LtiDriver, case: str) -> dict[str, str]:
    teacher = lti.person("teacher")
    state, nonce = lti.begin(teacher)
    now = int(time.time())
    claims = lti.claims(teacher, nonce)
    sign: dict[str, Any] = {}
    msg = "https://purl.imsglobal.org/spec/lti/claim/"
    if case == "bad_signature":
        sign = {"key": PlatformKey.generate().private_key, "kid": lti.state.key.kid}
    elif case == "unknown_kid":
        sign = {"kid": "no-such-key"}
    elif case == "alg_none":
        sign = {"alg": "none", "kid": lti.state.key.kid}
    elif case == "hs256":
        sign = {"alg": "HS256", "key": lti.state.key.public_pem(), "kid": lti.state.key.kid}
    elif case == "expired":
        claims.update(iat=now - 900, exp=now - 300)
    elif case == "iat_future":
        claims.update(iat=now + 600, exp=now + 900)
    elif case == "wrong_aud":
        claims.update(aud="another-tool", azp="another-tool")
    elif case == "azp_mismatch":
        claims.update(azp="another-tool")
    elif case == "aud_list_without_azp":
        claims.update(aud=[lti.state.client_id, "another-tool"])
        claims.pop("azp")
    elif case == "wrong_iss":
        claims.update(iss="https://lms.invalid")
    elif case == "unknown_deployment":
        claims[msg + "deployment_id"] = "not-registered"
    elif case == "missing_message_type":
        claims.pop(msg + "message_type")
    elif case == "missing_version":
        claims.pop(msg + "version")
    elif case == "missing_roles":
        claims.pop(msg + "roles")
    elif case == "state_mismatch":
        other_state, _ = lti.begin(teacher)
        lti.client.delete_cookie(f"lti1p3-{state}")
        return {"id_token": lti.sign(claims), "state": other_state + "x"}
    else:  # pragma: no cover - a typo in the parametrization
        raise AssertionError(case)
    return {"id_token": lti.sign(claims, **sign), "state": state}


REJECTIONS = {
    "bad_signature": (401, "could not be verified"),
    "unknown_kid": (401, "no key with kid"),
    "alg_none": (401, "algorithm"),
    "hs256": (401, "algorithm"),
    "expired": (401, "expired"),
    "iat_future": (401, "future"),
    # A token for another client_id names no registration of ours.
    "wrong_aud": (403, "not set up for this learning platform"),
    "azp_mismatch": (401, "azp"),
    "aud_list_without_azp": (401, "azp"),
    "wrong_iss": (403, "not set up for this learning platform"),
    "missing_message_type": (400, "message type"),
    "missing_version": (400, "version"),
    "missing_roles": (400, "Roles"),
    "state_mismatch": (400, "state mismatch"),
}


@pytest.mark.parametrize("case", sorted(REJECTIONS))
def test_forged_or_broken_launch_is_rejected(lti: LtiDriver, app: Flask, case: str) -> None:
    before = snapshot(app)
    form = _forge(lti, case)
    response = lti.post_launch(form)
    status, text = REJECTIONS[case]
    assert response.status_code == status, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert text.lower() in html.lower()
    assert "Traceback" not in html
    assert session_cookie(response) is None
    assert snapshot(app) == before


def test_nonce_replay_is_rejected(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    form = lti.authorize(lti.login(teacher))
    assert lti.post_launch(form).status_code == 302
    lti.client.delete_cookie("lodestar_session")
    after_first = snapshot(app)
    replay = lti.post_launch(form)
    assert replay.status_code == 401
    assert "already used" in replay.get_data(as_text=True)
    assert session_cookie(replay) is None
    assert snapshot(app) == after_first


def test_nonce_is_single_use_across_workers(
    lti: LtiDriver, app: Flask, database_url: str, tmp_path: Any
) -> None:
    """A second worker (another app over the same database) refuses a used nonce."""
    from tests.conftest import _make_app

    teacher = lti.person("teacher")
    login = lti.login(teacher)
    form = lti.authorize(login)
    assert lti.post_launch(form).status_code == 302
    other_worker = _make_app(database_url, tmp_path / "worker2")
    other = other_worker.test_client()
    for header in login.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        other.set_cookie(name, rest.split(";", 1)[0])
    replay = other.post("/lti/launch", data=form)
    assert replay.status_code == 401
    with other_worker.app_context():
        db.engine.dispose()


def test_missing_id_token_is_400(client: Any) -> None:
    response = client.post("/lti/launch", data={"state": "x"})
    assert response.status_code == 400


def test_login_from_unknown_platform_is_403(lti: LtiDriver) -> None:
    response = lti.client.get(
        "/lti/login",
        query_string={
            "iss": "https://unknown.invalid",
            "login_hint": "x",
            "target_link_uri": "http://localhost/lti/launch",
        },
    )
    assert response.status_code == 403
    assert "not set up" in response.get_data(as_text=True)


def test_login_missing_parameters_is_400(client: Any) -> None:
    assert client.get("/lti/login").status_code == 400


def test_login_rejects_foreign_target(lti: LtiDriver) -> None:
    response = lti.client.get(
        "/lti/login",
        query_string={
            "iss": lti.state.issuer,
            "login_hint": "x",
            "client_id": lti.state.client_id,
            "target_link_uri": "https://evil.invalid/steal",
        },
    )
    assert response.status_code == 400


def test_platform_jwks_refreshes_on_unknown_kid(lti: LtiDriver) -> None:
    teacher = lti.person("teacher")
    assert lti.launch(teacher).status_code == 302  # caches the platform JWKS
    old_key = lti.state.key
    lti.state.key = PlatformKey.generate()
    try:
        assert lti.launch(teacher).status_code == 302
    finally:
        lti.state.key = old_key


def test_pages_need_a_session(client: Any) -> None:
    response = client.get("/plans/me")
    assert response.status_code == 401
    assert (
        "Open Lodestar again" in response.get_data(as_text=True)
        or "open Lodestar" in response.get_data(as_text=True).lower()
    )


def test_counselor_launch_lands_on_caseload(lti: LtiDriver) -> None:
    student = lti.person("student")
    lti.launch(student)
    counselor = lti.person("counselor")
    response = lti.launch(counselor)
    assert response.headers["Location"].startswith("/plans/caseload")
    page = follow(lti, response)
    assert page.status_code == 200
    assert student.name in page.get_data(as_text=True)


def test_teacher_cannot_open_caseload_or_admin(lti: LtiDriver) -> None:
    response = lti.launch(lti.person("teacher"))
    token = token_of(response)
    assert lti.client.get("/plans/caseload", query_string={"lt": token}).status_code == 403
    assert lti.client.get("/admin", query_string={"lt": token}).status_code == 403


# -- OIDC state through the platform's postMessage storage (cookies blocked) ---------------


def _storage_login(lti: LtiDriver) -> tuple[dict[str, str], str]:
    """Login with lti_storage_target; return the platform's form and the login page."""
    from lti_tool.sandbox.launch import login_initiation_url

    teacher = lti.person("teacher")
    url = urlsplit(
        login_initiation_url(lti.state, teacher, lti.course_of(teacher), storage_target="_parent")
    )
    page = lti.client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    config = page_config(html)
    assert config["storage"] == {"target": "_parent", "origin": lti.state.base_url}
    assert config["key"] == "lodestar_state_" + config["state"]
    auth_url = config["auth_url"]
    answer = lti.lms.get(auth_url.split(lti.state.base_url, 1)[1])
    form = hidden_inputs(answer.get_data(as_text=True))
    assert form["state"] == config["state"]
    lti.client.delete_cookie(f"lti1p3-{form['state']}")  # the browser blocked it
    return form, html


def test_launch_without_cookies_checks_state_in_platform_storage(
    lti: LtiDriver, app: Flask
) -> None:
    form, _ = _storage_login(lti)
    check = lti.post_launch(form)
    assert check.status_code == 200
    config = page_config(check.get_data(as_text=True))
    assert config["header"] == "X-Lodestar-Platform-Storage"
    assert config["id_token"] == form["id_token"] and config["state"] == form["state"]
    before = snapshot(app)
    assert before["Person"] == 0  # nobody launched yet (grants name people by sub only)
    done = lti.client.post(
        "/lti/launch",
        data=form,
        headers={
            "X-Lodestar-Platform-Storage": "1",
            "Sec-Fetch-Site": "same-origin",
            "Accept": "application/json",
        },
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["redirect"].startswith("/courses/")
    # Single use: the same proof cannot be replayed.
    replay = lti.client.post(
        "/lti/launch",
        data=form,
        headers={"X-Lodestar-Platform-Storage": "1", "Accept": "application/json"},
    )
    assert replay.status_code in {400, 401}


def test_platform_storage_proof_from_another_site_is_refused(lti: LtiDriver, app: Flask) -> None:
    form, _ = _storage_login(lti)
    before = snapshot(app)
    forged = lti.client.post(
        "/lti/launch",
        data=form,
        headers={"X-Lodestar-Platform-Storage": "1", "Sec-Fetch-Site": "cross-site"},
    )
    # Not accepted as proof: falls back to asking the platform again, stores nothing.
    assert forged.status_code == 200
    assert page_config(forged.get_data(as_text=True))["storage"]["target"] == "_parent"
    assert snapshot(app) == before


def test_login_rejects_lookalike_target_host(lti: LtiDriver) -> None:
    response = lti.client.get(
        "/lti/login",
        query_string={
            "iss": lti.state.issuer,
            "login_hint": "x",
            "client_id": lti.state.client_id,
            "target_link_uri": "http://localhost.evil.example/lti/launch",
        },
    )
    assert response.status_code == 400


def test_role_dropped_at_launch_stops_granting_access(lti: LtiDriver, app: Flask) -> None:
    """A TA who launches again as a plain learner loses the teacher enrollment."""
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    student = lti.state.district.students_of(course.context_id)[0]
    lti.launch(student, course)
    assert lti.launch(teacher, course).status_code == 302
    state, nonce = lti.begin(teacher, course)
    learner_only = lti.claims(
        teacher,
        nonce,
        course,
        **{
            "https://purl.imsglobal.org/spec/lti/claim/roles": [
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
            ]
        },
    )
    response = lti.post_launch({"id_token": lti.sign(learner_only), "state": state})
    token = token_of(response)
    with app.app_context():
        course_id = db.session.execute(select(Course.id)).scalar_one()
        student_id = db.session.execute(
            select(Person.id).where(Person.sub == student.sub)
        ).scalar_one()
    assert lti.client.get(f"/courses/{course_id}", query_string={"lt": token}).status_code == 403
    assert (
        lti.client.get(f"/plans/students/{student_id}", query_string={"lt": token}).status_code
        == 403
    )


def test_mentor_launch_without_scope_revokes_guardian_links(lti: LtiDriver, app: Flask) -> None:
    parent = lti.person("parent")
    course = lti.course_of(parent)
    lti.launch(parent, course)
    state, nonce = lti.begin(parent, course)
    claims = lti.claims(parent, nonce, course)
    claims.pop("https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor", None)
    assert lti.post_launch({"id_token": lti.sign(claims), "state": state}).status_code == 302
    with app.app_context():
        links = db.session.execute(select(Mentorship)).scalars().all()
        assert links and not any(link.active for link in links)

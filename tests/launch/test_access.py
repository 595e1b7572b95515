"""Access declared on views (``launch.access.requires``) and asked by templates (``can``).

The policy's rules themselves are tested without launches in ``tests/unit``; here the
declarations are exercised through real launches: records are loaded within the actor's
tenant, refusals are 403, and the navigation shows what the policy allows *now*, not what the
launch said.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import delete, select, update

from lti_tool.extensions import db
from lti_tool.launch.access import can
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, RoleGrant
from lti_tool.policy import Action
from tests import factories
from tests.lti_driver import LtiDriver, token_of


def _nav(html: str) -> list[str]:
    """The link texts of the page's Lodestar navigation."""
    match = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert match, "the page has no navigation"
    return [text.strip() for text in re.findall(r"<a [^>]*>([^<]+)</a>", match.group(0))]


def _get(lti: LtiDriver, handle: str, path: str) -> Any:
    return lti.client.get(path, query_string={"lt": handle})


def _person(sub: str) -> Person:
    return db.session.execute(select(Person).where(Person.sub == sub)).scalar_one()


def test_the_navigation_follows_grants_read_now(lti: LtiDriver, app: Flask) -> None:
    """An admin's Administration and Caseload links go when the grant goes, even if the grant
    is removed behind the session's back (a bulk delete that ends no session)."""
    admin = lti.person("admin")
    handle = token_of(lti.launch(admin))
    assert {"Administration", "Caseload"} <= set(_nav(_get(lti, handle, "/admin").text))
    with app.app_context():
        db.session.execute(delete(RoleGrant).where(RoleGrant.person_id == _person(admin.sub).id))
        db.session.commit()
    page = _get(lti, handle, "/welcome")
    assert page.status_code == 200
    assert not {"Administration", "Caseload"} & set(_nav(page.text))
    assert _get(lti, handle, "/admin").status_code == 403


def test_a_teachers_class_links_go_with_the_enrollment(lti: LtiDriver, app: Flask) -> None:
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    launch = lti.launch(teacher, course)
    handle = token_of(launch)
    page = _get(lti, handle, launch.headers["Location"])
    assert {"Class roster", "Class and student plans", "Attach evidence"} <= set(_nav(page.text))
    with app.app_context():
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.person_id == _person(teacher.sub).id)
            .values(status=EnrollmentStatus.INACTIVE)
        )
        db.session.commit()
    page = _get(lti, handle, "/welcome")
    assert not {"Class roster", "Class and student plans", "Attach evidence"} & set(_nav(page.text))


def test_a_student_sees_the_student_links(lti: LtiDriver) -> None:
    student = lti.person("student")
    launch = lti.launch(student)
    links = _nav(_get(lti, token_of(launch), launch.headers["Location"]).text)
    assert {"My plan", "This class and my plan", "My portfolio"} <= set(links)
    assert not {"Class roster", "Caseload", "Administration", "My students"} & set(links)


def test_a_parent_sees_my_students(lti: LtiDriver) -> None:
    parent = lti.person("parent")
    launch = lti.launch(parent)
    links = _nav(_get(lti, token_of(launch), launch.headers["Location"]).text)
    assert "My students" in links
    assert "My plan" not in links


def test_a_record_of_another_tenant_is_not_found(lti: LtiDriver, app: Flask) -> None:
    """The record is loaded within the actor's tenant: another tenant's course is a 404, just
    like a missing one, and the policy is never asked about it."""
    teacher = lti.person("teacher")
    course = lti.course_of(teacher)
    handle = token_of(lti.launch(teacher, course))
    with app.app_context():
        mine = db.session.execute(
            select(Course).where(Course.context_id == course.context_id)
        ).scalar_one()
        elsewhere = factories.course(factories.tenant(), context_id=course.context_id)
        other_id, mine_id = elsewhere.id, mine.id
        db.session.commit()
    assert _get(lti, handle, f"/courses/{mine_id}").status_code == 200
    for path in (f"/courses/{other_id}", f"/courses/{other_id}/plans", "/courses/999999"):
        assert _get(lti, handle, path).status_code == 404, path


def test_a_record_of_the_tenant_without_rights_is_refused(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student")
    launch = lti.launch(student)
    handle = token_of(launch)
    with app.app_context():
        course_id = db.session.execute(select(Course.id)).scalars().first()
    assert _get(lti, handle, f"/courses/{course_id}").status_code == 403


def test_can_without_a_session_allows_nothing(app: Flask) -> None:
    with app.test_request_context("/"):
        g.actor = None
        assert can(Action.ADMIN_TENANT) is False
        assert can("review_caseload") is False


def test_can_refuses_to_guess_an_unknown_action(app: Flask) -> None:
    with app.app_context():
        tenant = factories.tenant()
        person = factories.person(tenant)
        db.session.commit()
        actor = factories.actor(person)
    with app.test_request_context("/"):
        g.actor = actor
        with pytest.raises(ValueError, match="not_an_action"):
            can("not_an_action")

"""Work-based learning on the plan's entries, and community resources: the district's list
(counselors and admins curate it, students and counselors browse it), recommendations into a
student's plan (counselors only), the student's answer, the export and deletion on request.

Pages through real launches of the sandbox; the services directly for what a form cannot
send (a NUL byte the request hygiene would strip, a number that is not one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, GrantRole
from lti_tool.plans import plan_items, resource_services, work_learning
from lti_tool.plans.models import PlanItem, PlanItemKind, WorkLearningKind
from lti_tool.plans.resource_models import (
    CommunityResource,
    RecommendationStatus,
    ResourceCategory,
    ResourceRecommendation,
)
from tests import factories
from tests.lti_driver import LtiDriver
from tests.plans.test_erasure import _leftovers
from tests.plans.test_plan_pages import count, course, get, html, launch, person_id, post

WORK = {
    "title": "Lifeguard at the city pool",
    "organization": "City Parks Department",
    "role": "Junior lifeguard",
    "learning_kind": "job",
    "hours_per_week": "12.5",
    "total_hours": "300",
    "start_date": "2025-06-01",
    "end_date": "",
    "learned": "Staying calm when something goes wrong",
    "detail": "Summers",
}
TUTORING = {
    "name": "Eastside Homework Club",
    "category": "tutoring",
    "description": "Free tutoring after school, Monday to Thursday.",
    "serves": "Grades 6-12",
    "phone": "+1 555 0142",
    "email": "help@homework.example.org",
    "url": "https://homework.example.org/club",
}
NOTE = "Ask for Ms. Rivera; she tutors chemistry on Tuesdays"


# -- work-based learning: services --------------------------------------------------------------


def test_entry_fields_check_hours_dates_and_text(app: Flask) -> None:
    allowed = work_learning.FIELDS
    values = work_learning.entry_fields(allowed, {**WORK, "hours_per_week": 12.5})
    assert values["learning_kind"] == WorkLearningKind.JOB
    assert (values["hours_per_week"], values["total_hours"]) == (12.5, 300.0)
    assert values["start_date"] == dt.date(2025, 6, 1) and values["end_date"] is None
    # Fields a kind does not use stay empty.
    assert work_learning.entry_fields(("organization",), WORK) == {
        **dict.fromkeys(work_learning.FIELDS),
        "organization": "City Parks Department",
    }
    bad: list[tuple[dict[str, Any], str]] = [
        ({"hours_per_week": "-1"}, "Hours per week must be a number from 0 to 80."),
        ({"hours_per_week": "81"}, "Hours per week must be a number from 0 to 80."),
        ({"hours_per_week": "NaN"}, "Hours per week"),
        ({"hours_per_week": "inf"}, "Hours per week"),
        ({"hours_per_week": True}, "Hours per week"),
        ({"total_hours": "lots"}, "Total hours must be a number from 0 to 10,000."),
        ({"total_hours": 10001}, "Total hours"),
        ({"end_date": "2025-05-31"}, "The end date cannot be before the start date."),
        ({"start_date": "June"}, "Start date: use a date like"),
        ({"learning_kind": "pirate"}, "Kind of work-based learning"),
        ({"organization": "City\x00Parks"}, "contains a NUL byte"),
        ({"learned": "x" * 5001}, "too long"),
    ]
    for change, message in bad:
        with pytest.raises(InvalidInput) as err:
            work_learning.entry_fields(allowed, {**WORK, **change})
        assert message in err.value.message, change
    # The same day is fine; zero hours is a number.
    same = work_learning.entry_fields(allowed, {**WORK, "end_date": "2025-06-01", "total_hours": 0})
    assert same["end_date"] == same["start_date"] and same["total_hours"] == 0.0


def test_add_item_refuses_a_nul_byte_and_saves_nothing(app: Flask) -> None:
    with app.app_context():
        home = factories.tenant()
        student = factories.student_in(factories.course(home))
        plan = factories.plan(student)
        me = factories.actor(student)
        for fields in ({**WORK, "title": "Life\x00guard"}, {**WORK, "learned": "a\x00b"}):
            with pytest.raises(InvalidInput, match="NUL byte"):
                plan_items.add_item(me, plan, PlanItemKind.WORK, fields)
        assert plan_items.items(plan) == []
        item = plan_items.add_item(me, plan, PlanItemKind.WORK, WORK)
        assert (item.organization, item.role, item.learning_kind) == (
            "City Parks Department",
            "Junior lifeguard",
            WorkLearningKind.JOB,
        )
        # A service entry keeps its date and takes the fields that fit it.
        service = plan_items.add_item(
            me,
            plan,
            PlanItemKind.SERVICE,
            {**WORK, "title": "Food bank", "date": "2025-11-20", "hours_per_week": "99"},
        )
        assert service.date == dt.date(2025, 11, 20) and service.total_hours == 300.0
        assert service.hours_per_week is None and service.learning_kind is None


# -- work-based learning: pages -----------------------------------------------------------------


def test_work_entry_pages_save_show_and_refuse_bad_input(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    page = html(get(lti, token, "/plans/me/items/work"))
    for label in ("Employer or organisation", "Kind of work-based learning", "Hours per week"):
        assert label in page
    assert post(lti, token, "/plans/me/items/work", WORK).status_code == 302

    for change, message in [
        ({"hours_per_week": "-3"}, "Hours per week are between 0 and 80."),
        ({"total_hours": "12000"}, "Total hours are between 0 and 10,000."),
        ({"hours_per_week": "NaN"}, "Not a valid decimal value."),
        ({"end_date": "2024-01-01"}, "The end date cannot be before the start date."),
        ({"learning_kind": "pirate"}, "Not a valid choice"),
    ]:
        response = post(lti, token, "/plans/me/items/work", {**WORK, **change})
        assert response.status_code == 400, change
        body = html(response)
        assert message in body and "nothing was saved" in body
        # What was typed stays in the form.
        assert 'value="City Parks Department"' in body and "Staying calm when" in body
    assert count(app, PlanItem) == 1

    # A NUL byte a browser sends is stripped by the request hygiene, never stored.
    nul = {**WORK, "title": "Barista\x00", "organization": "Corner\x00 Cafe", "learning_kind": ""}
    assert post(lti, token, "/plans/me/items/work", nul).status_code == 302
    with app.app_context():
        items = db.session.execute(select(PlanItem).order_by(PlanItem.id)).scalars().all()
        assert [(i.title, i.organization) for i in items] == [
            ("Lifeguard at the city pool", "City Parks Department"),
            ("Barista", "Corner Cafe"),
        ]
        first = items[0]
        assert (first.hours_per_week, first.total_hours, first.end_date) == (12.5, 300.0, None)
        assert first.learning_kind == WorkLearningKind.JOB and items[1].learning_kind is None
        item_id = first.id

    listed = html(get(lti, token, "/plans/me/items/work"))
    assert "Junior lifeguard · City Parks Department · Job · 12.5 hours a week" in listed
    assert "June 1, 2025 to now (ongoing)" in listed
    plan_page = html(get(lti, token, "/plans/me"))
    assert "What I learned:</span> Staying calm when something goes wrong" in plan_page

    # Editing keeps the values; an end date ends it.
    edit = html(get(lti, token, f"/plans/me/items/work/{item_id}"))
    assert 'value="12.5"' in edit and 'value="2025-06-01"' in edit
    changed = {**WORK, "end_date": "2025-08-31"}
    assert post(lti, token, f"/plans/me/items/work/{item_id}", changed).status_code == 302
    bad = post(lti, token, f"/plans/me/items/work/{item_id}", {**WORK, "hours_per_week": "200"})
    assert bad.status_code == 400 and 'value="200"' in html(bad)
    with app.app_context():
        saved = db.session.get(PlanItem, item_id)
        assert saved is not None
        assert saved.end_date == dt.date(2025, 8, 31) and saved.hours_per_week == 12.5


# -- community resources: services --------------------------------------------------------------


def test_resource_services_validate_scope_and_recommend(app: Flask) -> None:
    with app.app_context():
        home, away = factories.tenant(), factories.tenant()
        student = factories.student_in(factories.course(home))
        counselor = factories.person(home)
        factories.grant(counselor, GrantRole.COUNSELOR)
        cal = factories.actor(counselor)
        resource = resource_services.add_resource(cal, TUTORING)
        assert resource.category == ResourceCategory.TUTORING and resource.active
        for change, message in [
            ({"url": "javascript:alert(1)"}, "full address starting with https://"),
            ({"url": "https://a.org;x"}, "full address"),
            ({"email": "not-an-email"}, "does not look like an email"),
            ({"phone": "call me"}, "digits"),
            ({"category": "spa"}, "not one of the choices"),
            ({"name": ""}, "cannot be empty"),
            ({"description": "Free\x00"}, "NUL byte"),
            ({}, "already has a resource of that name"),
        ]:
            with pytest.raises(InvalidInput) as err:
                resource_services.add_resource(cal, {**TUTORING, **change})
            assert message in err.value.message, change
        # Another district may use the same name; its list is its own.
        other = factories.person(away)
        theirs = resource_services.add_resource(factories.actor(other), TUTORING)
        assert [r.id for r in resource_services.resources(home.id)] == [resource.id]
        with pytest.raises(NotFound):
            resource_services.get_resource(home.id, theirs.id)

        plan = factories.plan(student)
        rec = resource_services.recommend(cal, plan, resource, NOTE)
        assert (rec.recommended_by, rec.status, rec.note) == (
            counselor.id,
            RecommendationStatus.OPEN,
            NOTE,
        )
        with pytest.raises(InvalidInput, match="already recommended"):
            resource_services.recommend(cal, plan, resource, "again")
        with pytest.raises(NotFound):
            resource_services.recommend(cal, plan, theirs, "")
        me = factories.actor(student)
        resource_services.set_status(me, plan, rec.id, RecommendationStatus.DISMISSED)
        assert rec.status_changed_at is not None
        # Recommending it again opens it again, with the new note.
        resource_services.recommend(cal, plan, resource, "Worth another look")
        assert rec.status == RecommendationStatus.OPEN and rec.status_changed_at is None
        assert count(app, ResourceRecommendation) == 1
        resource_services.set_active(cal, resource, False)
        assert resource_services.resources(home.id) == []
        assert resource_services.resources(home.id, include_hidden=True) == [resource]
        with pytest.raises(InvalidInput, match="hidden"):
            resource_services.recommend(cal, factories.plan(factories.person(home)), resource, "")
        [data] = resource_services.recommendations_data(plan)
        assert data["resource"]["name"] == TUTORING["name"] and data["note"] == "Worth another look"
        assert data["recommended_by"] == counselor.display_name and data["status"] == "open"


# -- community resources: pages and access ------------------------------------------------------


def _get_query(lti: LtiDriver, token: str, path: str, **args: str) -> TestResponse:
    return lti.client.get(path, query_string={"lt": token, **args})


def _resource_id(app: Flask, name: str) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                select(CommunityResource.id).where(CommunityResource.name == name)
            ).scalar_one()
        )


def test_counselor_curates_the_list_and_students_browse_it(lti: LtiDriver, app: Flask) -> None:
    counselor = launch(lti, lti.person("counselor"))
    assert "Community resources" in html(get(lti, counselor, "/plans/resources"))
    assert get(lti, counselor, "/plans/resources/new").status_code == 200
    assert post(lti, counselor, "/plans/resources/new", TUTORING).status_code == 302
    food = {"name": "Westside Food Pantry", "category": "food", "url": ""}
    assert post(lti, counselor, "/plans/resources/new", food).status_code == 302

    # Bad input: the form again (400) with the message and what was typed; nothing saved.
    for change, message in [
        ({"name": "Bus pass", "url": "javascript:alert(1)"}, "starting with https:// or http://"),
        ({"name": "Bus pass", "email": "nope"}, "does not look like an email"),
        ({"name": ""}, "Name the resource."),
        ({"name": "Bus pass", "category": "spa"}, "Not a valid choice"),
        ({}, "already has a resource of that name"),
    ]:
        response = post(lti, counselor, "/plans/resources/new", {**TUTORING, **change})
        assert response.status_code == 400, change
        body = html(response)
        assert message in body and "Free tutoring after school" in body
    assert count(app, CommunityResource) == 2

    tutoring_id = _resource_id(app, TUTORING["name"])
    food_id = _resource_id(app, "Westside Food Pantry")
    student = launch(lti, lti.person("student", 0), course(lti, "bio1"))
    page = html(get(lti, student, "/plans/resources"))
    assert TUTORING["name"] in page and "Westside Food Pantry" in page
    assert 'href="https://homework.example.org/club"' in page and "Add a resource" not in page
    food_only = html(_get_query(lti, student, "/plans/resources", category="food"))
    assert "Westside Food Pantry" in food_only and TUTORING["name"] not in food_only
    assert _get_query(lti, student, "/plans/resources", category="spa").status_code == 400

    # A student may not add, edit or hide; a teacher may not even browse.
    assert post(lti, student, "/plans/resources/new", {**TUTORING, "name": "X"}).status_code == 403
    assert get(lti, student, f"/plans/resources/{tutoring_id}").status_code == 403
    assert post(lti, student, f"/plans/resources/{food_id}/visibility").status_code == 403
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    assert get(lti, teacher, "/plans/resources").status_code == 403
    assert count(app, CommunityResource) == 2

    # The counselor edits and hides; the student no longer sees the hidden one.
    changed = {**TUTORING, "serves": "Grades 9-12"}
    assert post(lti, counselor, f"/plans/resources/{tutoring_id}", changed).status_code == 302
    bad = post(lti, counselor, f"/plans/resources/{tutoring_id}", {**changed, "url": "ftp://x"})
    assert bad.status_code == 400
    assert (
        post(lti, counselor, f"/plans/resources/{food_id}/visibility", {"show": "0"}).status_code
        == 302
    )
    assert "Westside Food Pantry" not in html(get(lti, student, "/plans/resources"))
    assert "hidden from students" in html(get(lti, counselor, "/plans/resources"))
    # The admin manages the list too; an id that is not there is "not found".
    admin = launch(lti, lti.person("admin"))
    assert get(lti, admin, f"/plans/resources/{tutoring_id}").status_code == 200
    assert get(lti, admin, "/plans/resources/999999").status_code == 404
    with app.app_context():
        saved = db.session.get(CommunityResource, tutoring_id)
        assert saved is not None and saved.serves == "Grades 9-12"
        assert saved.url == TUTORING["url"]
        events = db.session.execute(
            select(AuditEvent.action).where(AuditEvent.subject_type == "community_resource")
        ).scalars()
        assert set(events) == {"resource.create", "resource.update", "resource.hide"}


def test_counselor_recommends_and_the_student_answers(lti: LtiDriver, app: Flask) -> None:
    counselor = launch(lti, lti.person("counselor"))
    assert post(lti, counselor, "/plans/resources/new", TUTORING).status_code == 302
    resource_id = _resource_id(app, TUTORING["name"])
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    sid = person_id(app, student)
    path = f"/plans/students/{sid}/resources"

    # A teacher of the student reads the plan but may not recommend; another student neither.
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    assert get(lti, teacher, f"/plans/students/{sid}").status_code == 200
    assert "Recommend a community resource" not in html(get(lti, teacher, f"/plans/students/{sid}"))
    assert get(lti, teacher, path).status_code == 403
    assert post(lti, teacher, path, {"resource_id": str(resource_id)}).status_code == 403
    other = launch(lti, lti.person("student", 3), course(lti, "bio1"))
    assert post(lti, other, path, {"resource_id": str(resource_id)}).status_code == 403
    assert count(app, ResourceRecommendation) == 0

    # The counselor may, from the student's plan.
    assert "Recommend a community resource" in html(get(lti, counselor, f"/plans/students/{sid}"))
    assert TUTORING["name"] in html(get(lti, counselor, path))
    for data, message in [
        ({"resource_id": "999999"}, "Not a valid choice"),
        ({"resource_id": "x"}, "Invalid Choice"),
        ({"resource_id": str(resource_id), "note": "n" * 2001}, "longer than 2000"),
    ]:
        response = post(lti, counselor, path, data)
        assert response.status_code == 400 and message in html(response), data
    assert (
        post(lti, counselor, path, {"resource_id": str(resource_id), "note": NOTE}).status_code
        == 302
    )
    again = post(lti, counselor, path, {"resource_id": str(resource_id), "note": "Again"})
    assert again.status_code == 400 and "already recommended" in html(again)
    assert count(app, ResourceRecommendation) == 1

    # The student sees it on their plan, with the note, who and when.
    page = html(get(lti, token, "/plans/me"))
    assert "Recommended for you" in page and NOTE in page and TUTORING["name"] in page
    assert f"Recommended by {lti.person('counselor').name} on" in page
    with app.app_context():
        rec_id = db.session.execute(select(ResourceRecommendation.id)).scalar_one()
    # Only the student answers, and only for their own plan.
    assert post(lti, other, f"/plans/me/recommendations/{rec_id}/done").status_code == 404
    assert post(lti, counselor, f"/plans/me/recommendations/{rec_id}/done").status_code == 403
    assert post(lti, token, f"/plans/me/recommendations/{rec_id}/explode").status_code == 400
    assert post(lti, token, f"/plans/me/recommendations/{rec_id}/done").status_code == 302
    page = html(get(lti, token, "/plans/me"))
    assert (
        "Nothing recommended for you right now." in page and "Eastside Homework Club: done" in page
    )
    assert post(lti, token, f"/plans/me/recommendations/{rec_id}/reopen").status_code == 302
    assert post(lti, token, f"/plans/me/recommendations/{rec_id}/dismiss").status_code == 302
    with app.app_context():
        rec = db.session.get(ResourceRecommendation, rec_id)
        assert rec is not None and rec.status == RecommendationStatus.DISMISSED
        actions = set(
            db.session.execute(
                select(AuditEvent.action).where(
                    AuditEvent.subject_type == "resource_recommendation"
                )
            ).scalars()
        )
        assert actions == {"resource.recommend", "resource.recommendation_status"}

    # The export holds the recommendation and the work entry's fields.
    assert post(lti, token, "/plans/me/items/work", WORK).status_code == 302
    doc = get(lti, token, f"/plans/students/{sid}/export.json").json
    assert doc is not None
    [exported] = doc["recommendations"]
    assert exported["note"] == NOTE and exported["status"] == "dismissed"
    assert exported["resource"]["url"] == TUTORING["url"]
    assert exported["recommended_by"] == lti.person("counselor").name
    [work] = doc["items"]["work"]
    assert work["organization"] == "City Parks Department" and work["learning_kind"] == "job"
    assert work["hours_per_week"] == 12.5 and work["ongoing"] is True
    assert work["learned"] == WORK["learned"]


def test_deletion_on_request_removes_recommendations_and_work_entries(
    lti: LtiDriver, app: Flask
) -> None:
    counselor = launch(lti, lti.person("counselor"))
    assert post(lti, counselor, "/plans/resources/new", TUTORING).status_code == 302
    resource_id = _resource_id(app, TUTORING["name"])
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    sid = person_id(app, student)
    assert post(lti, token, "/plans/me/items/work", WORK).status_code == 302
    path = f"/plans/students/{sid}/resources"
    assert (
        post(lti, counselor, path, {"resource_id": str(resource_id), "note": NOTE}).status_code
        == 302
    )
    texts = {NOTE, WORK["learned"], WORK["role"]}
    assert _leftovers(app, texts, set())

    admin = launch(lti, lti.person("admin"))
    response = post(lti, admin, f"/plans/students/{sid}/delete", {"confirm_name": student.name})
    assert response.status_code == 302
    assert _leftovers(app, texts, set()) == []
    assert count(app, ResourceRecommendation) == 0
    assert count(app, CommunityResource) == 1  # the district's list stays
    with app.app_context():
        deleted = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.delete")
        ).scalar_one()
        assert deleted.detail["counts"]["recommendations"] == 1

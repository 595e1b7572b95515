"""The relevance and review pages, filled with data, pass axe-core's WCAG 2.1 A/AA rules in
real Chromium. The browser's requests are answered by the tool's test client."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, render_template_string

from lti_tool.extensions import db
from lti_tool.launch.session import current_actor
from lti_tool.models import Person
from lti_tool.plans import review
from lti_tool.plans.reading import get_or_create_plan
from tests.browser import axe_violations, chromium
from tests.browser_client import request_context_of
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import (
    DIGITAL,
    HEALTH,
    add_evidence,
    launch,
    person_id,
    set_plan,
    synced_class,
    tag,
)

pytestmark = pytest.mark.browser

PLAN_PAGE = """{% extends "base.html" %}{% block content %}<h1>Plan of {{ student.display_name }}</h1>
{% include "plans/review/panel.html" %}{% endblock %}"""


def _panel_page(app: Flask, token: str, student_id: int) -> str:
    with request_context_of(app, token):
        app.preprocess_request()
        actor = current_actor()
        student = db.session.get(Person, student_id)
        plan = get_or_create_plan(student)  # type: ignore[arg-type]
        return render_template_string(
            PLAN_PAGE, actor=actor, plan=plan, student=student, **review.review_context(actor, plan)
        )


def test_relevance_and_review_pages_pass_axe(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    child, other = cls["students"][:2]
    set_plan(
        app,
        child.sub,
        clusters=[HEALTH],
        skills="microscopy",
        goals=[("Become a nurse", HEALTH), ("Build an app", DIGITAL)],
    )
    set_plan(app, other.sub, clusters=[DIGITAL])
    tag(
        lti,
        app,
        cls,
        clusters=[HEALTH],
        skills="microscopy, lab safety",
        assignments={"Cell Structure Lab": ([HEALTH], "microscopy")},
    )
    add_evidence(
        app,
        sub=child.sub,
        assignment_title="Cell Structure Lab",
        course_id=cls["course_id"],
        goal_statement="Become a nurse",
    )
    counselor = launch(lti, lti.person("counselor"))
    parent = launch(lti, lti.person("parent"))
    student = launch(lti, child, cls["course"])
    child_id = person_id(app, child.sub)
    lti.client.post(
        f"/plans/students/{child_id}/comments", data={"lt": cls["token"], "body": "Nice work."}
    )
    lti.client.post(f"/plans/students/{child_id}/approve", data={"lt": counselor})

    pages: dict[str, Any] = {
        "tags": f"/courses/{cls['course_id']}/tags?lt={cls['token']}",
        "class view": f"/courses/{cls['course_id']}/plans?lt={cls['token']}",
        "my class": f"/courses/{cls['course_id']}/me?lt={student}",
        "caseload": f"/plans/caseload?lt={counselor}",
        "guardian home": f"/plans/family?lt={parent}",
        "panel (guardian)": _panel_page(app, parent, child_id),
        "panel (teacher)": _panel_page(app, cls["token"], child_id),
    }

    def serve(route: Any) -> None:
        parts = urlsplit(route.request.url)
        with lti.client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path) as answer:
            route.fulfill(
                status=answer.status_code,
                body=answer.get_data(),
                headers={"Content-Type": answer.headers.get("Content-Type", "text/html")},
            )

    failures = {}
    with chromium() as browser:
        page = browser.new_page()
        page.route("http://localhost/**", serve)
        for label, target in pages.items():
            if target.startswith("/"):
                response = page.goto("http://localhost" + target)
                assert response is not None and response.status == 200, label
            else:
                page.goto("http://localhost/static/lodestar.css")
                page.set_content(target.replace('href="/static/', 'href="http://localhost/static/'))
            assert page.locator("main h1").count() == 1, label
            violations = axe_violations(page)
            if violations:
                failures[label] = violations
    assert not failures, failures

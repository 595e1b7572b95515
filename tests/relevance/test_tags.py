"""Tagging a course and its assignments with career clusters and skills."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.models import AuditEvent
from lti_tool.relevance.models import AssignmentTag, CourseTag
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import DIGITAL, HEALTH, launch, synced_class

SUB_CLUSTER = "2024.digital-technology.data-science-ai"


def _course_tags(app: Flask, course_id: int) -> set[tuple[str, str]]:
    with app.app_context():
        return {
            (t.kind, t.value)
            for t in db.session.execute(
                select(CourseTag).where(CourseTag.course_id == course_id)
            ).scalars()
        }


def _assignment_tags(app: Flask) -> dict[str, set[tuple[str, str]]]:
    with app.app_context():
        rows = db.session.execute(
            select(Assignment.title, AssignmentTag.kind, AssignmentTag.value).join(
                AssignmentTag, AssignmentTag.assignment_id == Assignment.id
            )
        ).all()
    found: dict[str, set[tuple[str, str]]] = {}
    for title, kind, value in rows:
        found.setdefault(title, set()).add((kind, value))
    return found


def _assignments(app: Flask, course_id: int) -> dict[str, int]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(Assignment.title, Assignment.id).where(Assignment.course_id == course_id)
            ).all()
        )


def _form(assignments: dict[str, int], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"assignment": [str(i) for i in assignments.values()]}
    data.update(extra)
    return data


def test_teacher_tags_course_and_assignments(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    cid = cls["course_id"]
    page = lti.client.get(f"/courses/{cid}/tags", query_string={"lt": cls["token"]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Healthcare &amp; Human Services" in html
    assert "Cell Structure Lab" in html
    assert 'name="csrf"' in html and 'name="lt"' not in html  # a cookie session

    assignments = _assignments(app, cid)
    lab = assignments["Cell Structure Lab"]
    response = lti.client.post(
        f"/courses/{cid}/tags",
        data=_form(
            assignments,
            lt=cls["token"],
            course_clusters=[HEALTH],
            course_pathways=[SUB_CLUSTER],
            course_skills="Lab Safety,  data   ANALYSIS, lab safety, ,",
            **{f"a{lab}_clusters": [HEALTH], f"a{lab}_skills": "Microscopy"},
        ),
    )
    assert response.status_code == 302
    assert _course_tags(app, cid) == {
        ("cluster", HEALTH),
        ("cluster", DIGITAL),
        ("pathway", SUB_CLUSTER),
        ("skill", "lab safety"),
        ("skill", "data analysis"),
    }
    assert _assignment_tags(app) == {
        "Cell Structure Lab": {("cluster", HEALTH), ("skill", "microscopy")}
    }
    page = lti.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tags saved" in page
    # The assignment fieldsets now offer the course's clusters, the saved ones checked.
    assert f'id="a{lab}-{HEALTH}" name="a{lab}_clusters" value="{HEALTH}" checked' in page
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "relevance.tags")
        ).scalar_one()
        assert event.subject_id == cid and event.detail["added"] == 7

    # Saving again replaces: what is unchecked or removed goes away.
    response = lti.client.post(
        f"/courses/{cid}/tags",
        data=_form(
            assignments,
            lt=cls["token"],
            course_clusters=[DIGITAL],
            course_skills="",
            **{f"a{lab}_skills": "microscopy, drawing"},
        ),
    )
    assert response.status_code == 302
    assert _course_tags(app, cid) == {("cluster", DIGITAL)}
    assert _assignment_tags(app) == {
        "Cell Structure Lab": {("skill", "microscopy"), ("skill", "drawing")}
    }


def test_unknown_code_is_refused_and_nothing_saved(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    cid = cls["course_id"]
    assignments = _assignments(app, cid)
    lab = assignments["Cell Structure Lab"]
    ok = lti.client.post(
        f"/courses/{cid}/tags",
        data=_form(assignments, lt=cls["token"], course_clusters=[HEALTH], course_skills="biology"),
    )
    assert ok.status_code == 302
    before_course, before_assignments = _course_tags(app, cid), _assignment_tags(app)

    bad_requests = [
        # An unknown course cluster, with otherwise valid changes alongside.
        {"course_clusters": [DIGITAL, "2024.underwater-basket-weaving"], "course_skills": "coding"},
        # A 2008 cluster is not a code of the 2024 framework teachers tag with.
        {"course_clusters": ["2008.health-science"]},
        # A pathway code where a cluster is expected, and a bogus sub-cluster.
        {"course_clusters": [HEALTH], "course_pathways": ["2024.digital-technology.nope"]},
        # An unknown code on an assignment.
        {"course_clusters": [DIGITAL], f"a{lab}_clusters": ["<script>alert(1)</script>"]},
        # A skill that is too long.
        {"course_clusters": [DIGITAL], "course_skills": "x" * 61},
    ]
    for extra in bad_requests:
        response = lti.client.post(
            f"/courses/{cid}/tags", data=_form(assignments, lt=cls["token"], **extra)
        )
        assert response.status_code == 422, extra
        html = response.get_data(as_text=True)
        assert "The tags were not saved" in html
        assert "<script>alert(1)</script>" not in html
        assert _course_tags(app, cid) == before_course
        assert _assignment_tags(app) == before_assignments
    with app.app_context():
        assert (
            len(
                db.session.execute(
                    select(AuditEvent).where(AuditEvent.action == "relevance.tags")
                ).all()
            )
            == 1
        )


def test_only_the_courses_teachers_may_tag(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    cid = cls["course_id"]
    student = cls["students"][0]
    student_token = launch(lti, student, cls["course"])
    other_teacher = lti.person("teacher", 1)
    other_token = launch(lti, other_teacher)
    for token in (student_token, other_token):
        assert lti.client.get(f"/courses/{cid}/tags", query_string={"lt": token}).status_code == 403
        response = lti.client.post(
            f"/courses/{cid}/tags", data={"lt": token, "course_clusters": [HEALTH]}
        )
        assert response.status_code == 403
    assert _course_tags(app, cid) == set()
    # The launch token doubles as the CSRF token.
    lti.client.get(f"/courses/{cid}/tags", query_string={"lt": cls["token"]})
    assert (
        lti.client.post(f"/courses/{cid}/tags", data={"course_clusters": [HEALTH]}).status_code
        == 401
    )
    assert _course_tags(app, cid) == set()


def test_assignments_of_other_courses_are_ignored(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    other = synced_class(lti, app, teacher_index=1)
    foreign = next(iter(_assignments(app, other["course_id"]).values()))
    response = lti.client.post(
        f"/courses/{cls['course_id']}/tags",
        data={
            "lt": cls["token"],
            "assignment": [str(foreign)],
            f"a{foreign}_clusters": [HEALTH],
            f"a{foreign}_skills": "hacking",
        },
    )
    assert response.status_code == 302
    assert _assignment_tags(app) == {}

"""Deleting a goal or a course asks first and can be undone: the row is hidden everywhere
(pages, export, counts, the class view's queries) until "Undo" brings it back or
``ilp purge-deleted`` removes it for good."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update

from lti_tool.db import INCLUDE_DELETED, utcnow
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.models import AuditEvent
from lti_tool.plans.models import CoursePlanEntry, Goal, Milestone, Plan
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import count, get, html, post
from tests.relevance.helpers import (
    HEALTH,
    add_evidence,
    launch,
    person_id,
    set_plan,
    synced_class,
)

CHILD = "sbx-user-0007"


def _student(lti: LtiDriver, app: Flask) -> dict[str, Any]:
    """A synced class; its first student has a plan with the goal "Become a nurse" (with a
    milestone), and has launched."""
    cls = synced_class(lti, app)
    child = lti.state.district.users[CHILD]
    set_plan(app, child.sub, goals=[("Become a nurse", HEALTH)])
    token = launch(lti, child, cls["course"])
    with app.app_context():
        goal = db.session.execute(select(Goal)).scalar_one()
        goal.milestones.append(Milestone(title="Volunteer at the clinic", done=False))
        db.session.commit()
        goal_id = goal.id
    return {
        **cls,
        "child": child,
        "child_id": person_id(app, child.sub),
        "token": token,
        "goal_id": goal_id,
    }


def _audit_actions(app: Flask, prefix: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.id)
            ).scalars()
        )


def _every_goal(app: Flask) -> list[Goal]:
    with app.app_context():
        rows = list(
            db.session.execute(select(Goal).execution_options(**{INCLUDE_DELETED: True})).scalars()
        )
        db.session.expunge_all()
        return rows


def test_delete_a_goal_asks_first_then_undo_brings_it_back(lti: LtiDriver, app: Flask) -> None:
    s = _student(lti, app)
    token, goal_id = s["token"], s["goal_id"]
    with app.app_context():
        title = db.session.execute(
            select(Assignment.title).where(Assignment.course_id == s["course_id"]).limit(1)
        ).scalar_one()
    add_evidence(
        app,
        sub=CHILD,
        assignment_title=title,
        course_id=s["course_id"],
        goal_statement="Become a nurse",
    )

    # The goal page links to a confirmation page; nothing is deleted by following it.
    edit = html(get(lti, token, f"/plans/me/goals/{goal_id}"))
    assert f'href="/plans/me/goals/{goal_id}/delete' in edit
    assert f'action="/plans/me/goals/{goal_id}/delete' not in edit
    confirm = get(lti, token, f"/plans/me/goals/{goal_id}/delete")
    assert confirm.status_code == 200
    page = html(confirm)
    assert "<h1>Delete this goal?</h1>" in page and "Become a nurse" in page
    assert "1 milestone goes with it" in page
    assert f'action="/plans/me/goals/{goal_id}/delete' in page
    assert "No, keep it" in page and f'href="/plans/me/goals/{goal_id}' in page
    assert count(app, Goal) == 1

    deleted = post(lti, token, f"/plans/me/goals/{goal_id}/delete")
    assert deleted.status_code == 302
    assert count(app, Goal) == 0
    [kept] = _every_goal(app)
    assert kept.deleted_at is not None  # only hidden: the undo needs it
    # The next page says so, with an "Undo" button that posts to the restore URL.
    goals_page = html(lti.client.get(deleted.headers["Location"]))
    assert "Goal deleted." in goals_page
    assert f'action="/plans/me/goals/{goal_id}/restore' in goals_page
    assert ">Undo<" in goals_page
    # Hidden everywhere: the goal list, the plan page, the export, the guardian's and the
    # counselor's counts.
    listed = goals_page.split('id="list-heading"', 1)[1].split("</section>", 1)[0]
    assert "Become a nurse" not in listed and "No goals yet" in listed
    assert "Deleted goals" in goals_page
    plan_page = html(get(lti, token, "/plans/me"))
    assert "Become a nurse" not in plan_page
    export = json.loads(html(get(lti, token, f"/plans/students/{s['child_id']}/export.json")))
    assert export["goals"] == []
    # The goal's evidence stays in the plan meanwhile, as not linked to a goal.
    assert [e["title"] for e in export["unlinked_evidence"]] == [title]
    counselor = launch(lti, lti.person("counselor"))
    csv_text = html(get(lti, counselor, "/plans/caseload.csv"))
    [row] = [line for line in csv_text.splitlines() if s["child"].name in line]
    assert ",0,0," in row  # goals, goals achieved
    # Its milestone cannot be changed meanwhile.
    with app.app_context():
        milestone_id = db.session.execute(select(Milestone.id)).scalar_one()
    assert post(lti, token, f"/plans/me/milestones/{milestone_id}/toggle").status_code == 404
    # Another student cannot bring it back.
    other = launch(lti, s["students"][1], s["course"])
    assert post(lti, other, f"/plans/me/goals/{goal_id}/restore").status_code == 404

    restored = post(lti, token, f"/plans/me/goals/{goal_id}/restore")
    assert restored.status_code == 302
    assert count(app, Goal) == 1
    back = html(lti.client.get(restored.headers["Location"]))
    assert "Goal brought back." in back and "Become a nurse" in back
    edit = html(get(lti, token, f"/plans/me/goals/{goal_id}"))
    assert "Volunteer at the clinic" in edit
    export = json.loads(html(get(lti, token, f"/plans/students/{s['child_id']}/export.json")))
    assert [g["statement"] for g in export["goals"]] == ["Become a nurse"]
    assert [e["title"] for e in export["goals"][0]["evidence"]] == [title]
    assert export["unlinked_evidence"] == []
    # Undo works once; a goal that is not deleted cannot be "restored".
    assert post(lti, token, f"/plans/me/goals/{goal_id}/restore").status_code == 404
    assert _audit_actions(app, "goal.") == ["goal.delete", "goal.restore"]


def test_deleted_goals_page_offers_bring_back_without_the_flash(lti: LtiDriver, app: Flask) -> None:
    s = _student(lti, app)
    token, goal_id = s["token"], s["goal_id"]
    assert post(lti, token, f"/plans/me/goals/{goal_id}/delete").status_code == 302
    get(lti, token, "/plans/me/goals")  # the flash is used up
    page = html(get(lti, token, "/plans/me/goals"))
    assert "Goal deleted." not in page
    deleted = page.split('id="deleted-heading"', 1)[1]
    assert "Become a nurse" in deleted
    assert f'action="/plans/me/goals/{goal_id}/restore' in deleted
    assert post(lti, token, f"/plans/me/goals/{goal_id}/restore").status_code == 302
    assert 'id="deleted-heading"' not in html(get(lti, token, "/plans/me/goals"))


def test_queries_of_every_shape_skip_deleted_rows(lti: LtiDriver, app: Flask) -> None:
    """The filter is global (``lti_tool.db._hide_deleted``): plain, column, joined, counted,
    relationship and primary-key loads all skip a deleted goal; ``include_deleted`` sees it.
    These are the shapes of the plan, export, counts, class view and matching queries."""
    s = _student(lti, app)
    with app.app_context():
        goal = db.session.get(Goal, s["goal_id"])
        assert goal is not None
        goal.deleted_at = utcnow()
        db.session.commit()
        db.session.expunge_all()
        assert db.session.execute(select(Goal)).first() is None
        assert (
            db.session.execute(
                select(Goal.plan_id, Goal.cluster_code).join(Plan, Plan.id == Goal.plan_id)
            ).first()
            is None
        )
        assert (
            db.session.execute(
                select(Plan.id, Goal.id).outerjoin(Goal, Goal.plan_id == Plan.id)
            ).one()[1]
            is None
        )
        assert db.session.execute(select(func.count(Goal.id))).scalar_one() == 0
        assert db.session.execute(select(func.count()).select_from(Goal)).scalar_one() == 0
        plan = db.session.execute(select(Plan)).scalar_one()
        assert plan.goals == []
        assert db.session.get(Goal, s["goal_id"]) is None
        every = select(Goal).execution_options(**{INCLUDE_DELETED: True})
        assert len(db.session.execute(every).all()) == 1


def test_remove_a_course_asks_first_then_undo_brings_it_back(lti: LtiDriver, app: Flask) -> None:
    s = _student(lti, app)
    token = s["token"]
    added = post(
        lti,
        token,
        "/plans/me/courses",
        {
            "grade_level": "10",
            "course_name": "Chemistry",
            "subject": "science",
            "credits": "1",
            "status": "planned",
        },
    )
    assert added.status_code == 302
    with app.app_context():
        entry_id = db.session.execute(select(CoursePlanEntry.id)).scalar_one()
    grid = html(get(lti, token, "/plans/me/courses"))
    assert f'href="/plans/me/courses/{entry_id}/delete' in grid
    assert f'action="/plans/me/courses/{entry_id}/delete' not in grid
    confirm = html(get(lti, token, f"/plans/me/courses/{entry_id}/delete"))
    assert "<h1>Remove this course?</h1>" in confirm and "Chemistry, grade 10" in confirm

    removed = post(lti, token, f"/plans/me/courses/{entry_id}/delete")
    assert removed.status_code == 302
    assert count(app, CoursePlanEntry) == 0
    page = html(lti.client.get(removed.headers["Location"]))
    assert "Removed Chemistry from grade 10." in page
    assert f'action="/plans/me/courses/{entry_id}/restore' in page
    assert "Chemistry" not in page.split('<section id="grid"', 1)[1].split("</section>", 1)[0]
    export = json.loads(html(get(lti, token, f"/plans/students/{s['child_id']}/export.json")))
    assert "Chemistry" not in json.dumps(export)
    # Once the message is gone, the course plan page still offers to bring it back.
    removed_list = html(get(lti, token, "/plans/me/courses")).split('id="removed-heading"', 1)[1]
    assert "Chemistry, grade 10" in removed_list
    assert f'action="/plans/me/courses/{entry_id}/restore' in removed_list

    assert post(lti, token, f"/plans/me/courses/{entry_id}/restore").status_code == 302
    assert count(app, CoursePlanEntry) == 1
    export = json.loads(html(get(lti, token, f"/plans/students/{s['child_id']}/export.json")))
    assert "Chemistry" in json.dumps(export)
    assert _audit_actions(app, "course.") == ["course.create", "course.delete", "course.restore"]


def test_purge_removes_what_was_deleted_long_ago(lti: LtiDriver, app: Flask, runner: Any) -> None:
    s = _student(lti, app)
    token = s["token"]
    for name in ("Chemistry", "Physics"):
        post(
            lti,
            token,
            "/plans/me/courses",
            {
                "grade_level": "10",
                "course_name": name,
                "subject": "science",
                "credits": "1",
                "status": "planned",
            },
        )
    with app.app_context():
        ids = dict(
            db.session.execute(select(CoursePlanEntry.course_name, CoursePlanEntry.id)).all()
        )
    assert post(lti, token, f"/plans/me/goals/{s['goal_id']}/delete").status_code == 302
    for entry_id in ids.values():
        assert post(lti, token, f"/plans/me/courses/{entry_id}/delete").status_code == 302
    # The goal and Chemistry were deleted 31 days ago, Physics just now.
    long_ago = utcnow() - dt.timedelta(days=31)
    with app.app_context():
        db.session.execute(update(Goal).where(Goal.id == s["goal_id"]).values(deleted_at=long_ago))
        db.session.execute(
            update(CoursePlanEntry)
            .where(CoursePlanEntry.id == ids["Chemistry"])
            .values(deleted_at=long_ago)
        )
        db.session.commit()

    result = runner.invoke(args=["purge-deleted"])
    assert result.exit_code == 0, result.output
    assert "1 goal(s), 1 course(s), 0 piece(s) of evidence" in result.output
    assert _every_goal(app) == []
    with app.app_context():
        every = select(CoursePlanEntry.course_name).execution_options(**{INCLUDE_DELETED: True})
        assert list(db.session.execute(every).scalars()) == ["Physics"]
        assert db.session.execute(select(func.count(Milestone.id))).scalar_one() == 0
    assert post(lti, token, f"/plans/me/goals/{s['goal_id']}/restore").status_code == 404
    assert post(lti, token, f"/plans/me/courses/{ids['Physics']}/restore").status_code == 302

    # --days 0 takes everything deleted up to now.
    assert post(lti, token, f"/plans/me/courses/{ids['Physics']}/delete").status_code == 302
    result = runner.invoke(args=["purge-deleted", "--days", "0"])
    assert result.exit_code == 0 and "1 course(s)" in result.output
    with app.app_context():
        every = select(CoursePlanEntry).execution_options(**{INCLUDE_DELETED: True})
        assert db.session.execute(every).first() is None

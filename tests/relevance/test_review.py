"""Plan review: comments, counselor approval, guardian sign-off, the panel, guardian home."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.plans import reading
from lti_tool.plans.models import Plan, PlanComment, PlanSnapshot
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import HEALTH, launch, person_id, set_plan, synced_class

CHILD = "sbx-user-0007"
#: The sign-off form's "I have reviewed this plan with my child" box, ticked.
REVIEWED = {"reviewed_with_child": "y"}


def _setup(lti: LtiDriver, app: Flask) -> dict[str, Any]:
    cls = synced_class(lti, app)
    child = lti.state.district.users[CHILD]
    assert child == cls["students"][0]
    other = cls["students"][1]
    set_plan(
        app,
        child.sub,
        clusters=[HEALTH],
        goals=[("Become a nurse", HEALTH)],
        about="I like biology.",
    )
    return {
        **cls,
        "child": child,
        "child_id": person_id(app, child.sub),
        "other": other,
        "other_id": person_id(app, other.sub),
        "counselor": launch(lti, lti.person("counselor")),
        "parent": launch(lti, lti.person("parent")),
        "student": launch(lti, child, cls["course"]),
    }


def _snapshot(app: Flask, student_id: int) -> PlanSnapshot | None:
    with app.app_context():
        snap = db.session.execute(
            select(PlanSnapshot)
            .join(Plan, Plan.id == PlanSnapshot.plan_id)
            .where(Plan.person_id == student_id)
        ).scalar_one_or_none()
        if snap is not None:
            db.session.expunge(snap)
        return snap


def _audits(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = list(
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        )
        for e in events:
            db.session.expunge(e)
        return events


def render_panel(lti: LtiDriver, token: str, student_id: int) -> str:
    """The review panel of the student's plan page, as the person behind ``token`` sees it."""
    page = lti.client.get(f"/plans/students/{student_id}", query_string={"lt": token})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<section class="review-panel"') == 1
    return html.split('<section class="review-panel"', 1)[1].split("</section>", 1)[0]


def test_school_year_runs_july_to_june() -> None:
    assert reading.school_year(dt.date(2026, 7, 1)) == "2026-2027"
    assert reading.school_year(dt.date(2027, 6, 30)) == "2026-2027"
    assert reading.school_year(dt.date(2026, 6, 30)) == "2025-2026"


def test_comments_by_teacher_counselor_and_guardian(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    url = f"/plans/students/{s['child_id']}/comments"
    for token, body in (
        (s["token"], "Great lab work this week."),
        (s["counselor"], "Let's meet about\nnursing programs."),
        (s["parent"], "Proud of you!"),
    ):
        response = lti.client.post(url, data={"lt": token, "body": f"  {body}  "})
        assert response.status_code == 302
        assert response.headers["Location"].startswith(
            f"/plans/students/{s['child_id']}?lt={token}"
        )
        assert response.headers["Location"].endswith("#review-heading")
    with app.app_context():
        comments = db.session.execute(
            select(PlanComment.author_role, PlanComment.body).order_by(PlanComment.id)
        ).all()
    assert [tuple(c) for c in comments] == [
        ("teacher", "Great lab work this week."),
        ("counselor", "Let's meet about\nnursing programs."),
        ("guardian", "Proud of you!"),
    ]
    assert len(_audits(app, "plan.comment")) == 3

    html = render_panel(lti, s["student"], s["child_id"])
    assert "<strong>Margaret Ellison</strong> (Teacher)" in html
    assert "<strong>Teresa Whitlock</strong> (Counselor)" in html
    assert "<strong>Ngozi Okafor</strong> (Guardian)" in html
    assert html.index("Great lab work") < html.index("Proud of you")
    # In the school's zone (the sandbox's launches name America/Chicago), with its abbreviation.
    assert re.search(r"[AP]M C[SD]T</time>", html)
    # The student starts no thread (no comment form) but may reply in each one.
    assert 'id="comment-body"' not in html and 'id="review-form"' not in html
    assert html.count('class="reply-form') == 3


def test_comment_refusals(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    url = f"/plans/students/{s['child_id']}/comments"
    # The student cannot comment on their own plan; the guardian not on another child's.
    assert lti.client.post(url, data={"lt": s["student"], "body": "Hi"}).status_code == 403
    response = lti.client.post(
        f"/plans/students/{s['other_id']}/comments", data={"lt": s["parent"], "body": "Hi"}
    )
    assert response.status_code == 403
    # A teacher who does not teach the student.
    alg2_teacher = launch(lti, lti.person("teacher", 1))
    alg2 = {u.sub for u in lti.state.district.students_of("sbx-course-alg2")}
    assert s["other"].sub not in alg2
    response = lti.client.post(
        f"/plans/students/{s['other_id']}/comments", data={"lt": alg2_teacher, "body": "Hi"}
    )
    assert response.status_code == 403
    # Empty or overlong comments are refused with a message; nothing is saved.
    for body in ("   ", "x" * 4001):
        response = lti.client.post(url, data={"lt": s["token"], "body": body})
        assert response.status_code == 422
        assert "comment" in response.get_data(as_text=True).lower()
    # No token, no post.
    assert lti.client.post(url, data={"body": "Hi"}).status_code == 401
    with app.app_context():
        assert db.session.execute(select(PlanComment)).first() is None


def test_counselor_approves_this_years_plan(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    url = f"/plans/students/{s['child_id']}/approve"
    for token in (s["token"], s["parent"], s["student"]):
        assert lti.client.post(url, data={"lt": token}).status_code == 403
    assert _snapshot(app, s["child_id"]) is None

    before = "Approve this plan for " + reading.school_year()
    assert before in render_panel(lti, s["counselor"], s["child_id"])
    assert before not in render_panel(lti, s["token"], s["child_id"])
    response = lti.client.post(url, data={"lt": s["counselor"]})
    assert response.status_code == 302
    snap = _snapshot(app, s["child_id"])
    assert snap is not None and snap.approved_at is not None
    assert snap.school_year == reading.school_year()
    assert snap.approved_by == person_id(app, lti.person("counselor").sub)
    assert "Become a nurse" in str(snap.data)
    [event] = _audits(app, "plan.approve")
    assert event.subject_id == snap.id and event.detail["school_year"] == snap.school_year
    page = lti.client.get(response.headers["Location"])
    assert f"Plan approved for the {snap.school_year} school year" in page.get_data(as_text=True)

    html = render_panel(lti, s["parent"], s["child_id"])
    assert "✓ Approved</span> by Teresa Whitlock on" in html
    assert "Approve" not in html.split("</dl>", 1)[1]


def test_guardian_signs_this_years_plan(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    url = f"/plans/students/{s['child_id']}/sign"
    # Counselor, teacher and the student cannot sign; a guardian not for another child.
    for token in (s["counselor"], s["token"], s["student"]):
        assert lti.client.post(url, data={"lt": token, **REVIEWED}).status_code == 403
    response = lti.client.post(
        f"/plans/students/{s['other_id']}/sign", data={"lt": s["parent"], **REVIEWED}
    )
    assert response.status_code == 403
    assert lti.client.post(url, data={"lt": s["parent"]}).status_code == 422
    assert _snapshot(app, s["child_id"]) is None
    assert _snapshot(app, s["other_id"]) is None

    html = render_panel(lti, s["parent"], s["child_id"])
    assert 'name="reviewed_with_child"' in html and "Not signed yet" in html
    assert "as <strong>Ngozi Okafor</strong>, the name on your LMS account" in html
    assert 'name="signature_name"' not in html
    assert "Approve this plan" not in html
    # A typed name is ignored: the signature is the signed-in account.
    response = lti.client.post(
        url, data={"lt": s["parent"], "signature_name": "Mickey Mouse", **REVIEWED}
    )
    assert response.status_code == 302
    snap = _snapshot(app, s["child_id"])
    assert snap is not None and snap.signed_at is not None
    assert snap.signature_name == "Ngozi Okafor"
    assert snap.signed_with_account and snap.reviewed_with_child
    assert snap.signed_by == person_id(app, lti.person("parent").sub)
    [event] = _audits(app, "plan.sign")
    assert event.detail["reviewed_with_child"] is True
    assert event.detail["signed_with_account"] is True

    html = render_panel(lti, s["parent"], s["child_id"])
    assert "✓ Signed</span> by Ngozi Okafor (their own LMS account) on" in html
    assert ", reviewed with their child" in html
    assert 'name="reviewed_with_child"' not in html
    # Signing again changes nothing.
    response = lti.client.post(url, data={"lt": s["parent"], **REVIEWED})
    assert response.status_code == 302
    assert "already signed" in lti.client.get(response.headers["Location"]).get_data(as_text=True)
    again = _snapshot(app, s["child_id"])
    assert again is not None and again.signature_name == "Ngozi Okafor"
    assert again.signed_at == snap.signed_at
    # A later approval keeps the signature and the data that was signed.
    set_plan(app, s["child"].sub, goals=[("A new goal", None)])
    assert (
        lti.client.post(
            f"/plans/students/{s['child_id']}/approve", data={"lt": s["counselor"]}
        ).status_code
        == 302
    )
    approved = _snapshot(app, s["child_id"])
    assert approved is not None and approved.approved_at is not None
    assert approved.signature_name == "Ngozi Okafor" and approved.data == snap.data
    # Everyone who reads the plan sees the state.
    html = render_panel(lti, s["token"], s["child_id"])
    assert "✓ Signed</span> by Ngozi Okafor (their own LMS account) on" in html
    assert "✓ Approved" in html

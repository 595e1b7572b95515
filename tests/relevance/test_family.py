"""The parent's side: sign-off with their own LMS account and an "I have reviewed this plan
with my child" confirmation, the family page's card per child (in a fixed number of queries),
and every child linked from any course's launch (Canvas names in ``role_scope_mentor`` only
the children observed in the launched course)."""

from __future__ import annotations

import datetime as dt
from html import unescape

from flask import Flask
from sqlalchemy import select, update

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import Mentorship, Person
from lti_tool.plans import reading
from lti_tool.plans.models import (
    Goal,
    GoalCategory,
    GoalStatus,
    Milestone,
    Plan,
    PlanComment,
    PlanSnapshot,
    ReviewStatus,
)
from tests.lti_driver import LtiDriver, token_of
from tests.relevance.helpers import count_queries, launch, person_id, set_plan, synced_class
from tests.relevance.test_review import REVIEWED, _audits, _setup, _snapshot, render_panel

#: The sandbox's parent of two children (``sbx-user-0008`` and ``sbx-user-0009``) who
#: observes only the younger in Biology 1 and only the elder in Algebra II.
TWO_CHILD_PARENT = "sbx-user-0039"


def _family(lti: LtiDriver, token: str) -> str:
    page = lti.client.get("/plans/family", query_string={"lt": token})
    assert page.status_code == 200
    return unescape(page.get_data(as_text=True))


def _card(html: str, student_id: int) -> str:
    """The card of one child on the family page."""
    start = html.index(f'aria-labelledby="child-{student_id}"')
    return html[start:].split("</section>", 1)[0]


# -- sign-off ---------------------------------------------------------------------------------


def test_sign_off_is_the_guardians_own_account(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    url = f"/plans/students/{s['child_id']}/sign"
    panel = unescape(render_panel(lti, s["parent"], s["child_id"]))
    # No name to type: the form says who signs, and asks for the confirmation.
    assert '<input type="text"' not in panel and 'name="signature_name"' not in panel
    assert "You are signing off this plan for" in panel and "<strong>Ngozi Okafor</strong>" in panel
    assert 'type="checkbox" id="reviewed-with-child" name="reviewed_with_child"' in panel
    assert '<label for="reviewed-with-child">I have reviewed this plan with my child</label>' in (
        panel
    )

    # Another guardian (of other children) and a student are refused.
    other_parent = launch(lti, lti.user(TWO_CHILD_PARENT), lti.course("sbx-course-bio1"))
    for token in (other_parent, s["student"]):
        assert lti.client.post(url, data={"lt": token, **REVIEWED}).status_code == 403
    assert _snapshot(app, s["child_id"]) is None

    response = lti.client.post(url, data={"lt": s["parent"], "body": "Proud of you.", **REVIEWED})
    assert response.status_code == 302
    snap = _snapshot(app, s["child_id"])
    assert snap is not None
    assert snap.signed_by == person_id(app, lti.person("parent").sub)
    assert snap.signature_name == "Ngozi Okafor"
    assert snap.signed_with_account and snap.reviewed_with_child
    [event] = _audits(app, "plan.sign")
    assert event.actor_id == snap.signed_by
    assert event.detail["reviewed_with_child"] is True
    panel = unescape(render_panel(lti, s["student"], s["child_id"]))
    assert "by Ngozi Okafor (their own LMS account) on" in panel
    assert "reviewed with their child" in panel and "Proud of you." in panel

    # The yearly history, the snapshot page and the printable plan say the same.
    for path in ("history", f"history/{snap.school_year}", "print"):
        page = lti.client.get(
            f"/plans/students/{s['child_id']}/{path}", query_string={"lt": s["parent"]}
        )
        text = unescape(page.get_data(as_text=True))
        assert "Signed by Ngozi Okafor (their own LMS account) on" in text
        assert "reviewed with their child" in text


def test_without_the_tick_nothing_is_signed_and_the_comment_stays(
    lti: LtiDriver, app: Flask
) -> None:
    s = _setup(lti, app)
    response = lti.client.post(
        f"/plans/students/{s['child_id']}/sign",
        data={"lt": s["parent"], "body": "We read it together at dinner."},
    )
    assert response.status_code == 422
    panel = unescape(response.get_data(as_text=True)).split('class="review-panel"', 1)[1]
    error = panel.split('id="signature-error"', 1)[1].split("</span>", 1)[0]
    assert "Tick “I have reviewed this plan with my child” to sign off." in error
    # The message sits beside the box, which is marked invalid and points at it.
    box = panel.split('id="reviewed-with-child"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in box and "signature-error" in box and "checked" not in box
    assert ">We read it together at dinner.</textarea>" in panel
    assert _snapshot(app, s["child_id"]) is None
    with app.app_context():
        assert db.session.execute(select(PlanComment)).first() is None


def test_a_guardian_without_a_name_signs_with_email_or_account_number(
    lti: LtiDriver, app: Flask
) -> None:
    s = _setup(lti, app)
    parent_id = person_id(app, lti.person("parent").sub)
    with app.app_context():
        db.session.execute(
            update(Person)
            .where(Person.id == parent_id)
            .values(name="", given_name=None, family_name=None, email=None)
        )
        db.session.commit()
    panel = unescape(render_panel(lti, s["parent"], s["child_id"]))
    assert f"<strong>a guardian (account #{parent_id})</strong>" in panel
    url = f"/plans/students/{s['child_id']}/sign"
    assert lti.client.post(url, data={"lt": s["parent"], **REVIEWED}).status_code == 302
    snap = _snapshot(app, s["child_id"])
    assert snap is not None and snap.signature_name == f"a guardian (account #{parent_id})"

    # With only an email, the email signs.
    second = s["other"]
    with app.app_context():
        db.session.execute(
            update(Person).where(Person.id == parent_id).values(email="ngozi@family.example")
        )
        db.session.add(
            Mentorship(
                tenant_id=db.session.get(Person, parent_id).tenant_id,  # type: ignore[union-attr]
                guardian_id=parent_id,
                student_id=s["other_id"],
            )
        )
        db.session.commit()
    set_plan(app, second.sub, goals=[("Visit a college", None)])
    url = f"/plans/students/{s['other_id']}/sign"
    assert lti.client.post(url, data={"lt": s["parent"], **REVIEWED}).status_code == 302
    snap = _snapshot(app, s["other_id"])
    assert snap is not None and snap.signature_name == "ngozi@family.example"


def test_an_old_typed_signature_still_reads_honestly(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    parent_id = person_id(app, lti.person("parent").sub)
    with app.app_context():
        plan = db.session.execute(select(Plan).where(Plan.person_id == s["child_id"])).scalar_one()
        db.session.add(
            PlanSnapshot(
                plan_id=plan.id,
                school_year=reading.school_year(),
                data={},
                signed_by=parent_id,
                signed_at=utcnow(),
                signature_name="Mickey Mouse",
            )
        )
        db.session.commit()
    panel = unescape(render_panel(lti, s["parent"], s["child_id"]))
    assert "✓ Signed</span> as typed: “Mickey Mouse”, by the account of Ngozi Okafor, on" in panel
    assert "their own LMS account" not in panel and "reviewed with their child" not in panel
    assert 'name="reviewed_with_child"' not in panel  # signed: nothing more to sign
    page = lti.client.get(
        f"/plans/students/{s['child_id']}/history", query_string={"lt": s["counselor"]}
    )
    assert "Signed as typed: “Mickey Mouse”, by the account of Ngozi Okafor" in unescape(
        page.get_data(as_text=True)
    )


# -- the family page --------------------------------------------------------------------------


def test_each_child_has_a_summary_card(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    today = dt.date.today()
    with app.app_context():
        plan = db.session.execute(select(Plan).where(Plan.person_id == s["child_id"])).scalar_one()
        plan.grade_level = 10
        # The sandbox's launch sent the school's grade; the card shows the child's own here.
        child = db.session.get(Person, s["child_id"])
        assert child is not None
        child.grade_level = None
        first = db.session.execute(select(Goal).where(Goal.plan_id == plan.id)).scalar_one()
        first.status = GoalStatus.IN_PROGRESS
        first.milestones = [
            Milestone(title="Shadow a nurse", done=True),
            Milestone(title="Ask about CNA classes", due_date=today + dt.timedelta(days=20)),
        ]
        db.session.add(
            Goal(
                plan_id=plan.id,
                category=GoalCategory.ACADEMIC,
                statement="Pass chemistry",
                status=GoalStatus.ACHIEVED,
            )
        )
        db.session.commit()
    lti.client.post(
        f"/plans/students/{s['child_id']}/comments",
        data={"lt": s["counselor"], "body": "Good start. " * 40},
    )
    lti.client.post(
        f"/plans/students/{s['child_id']}/comments",
        data={"lt": s["token"], "body": "A teacher's note, not the counselor's."},
    )
    html = _family(lti, s["parent"])
    card = _card(html, s["child_id"])
    assert f">{s['child'].name}</h2>" in card and "Grade 10" in card
    assert "1 of 2 goals achieved · 1 of 2 milestones done" in card
    assert 'Become a nurse</span> <span class="tag-mark">In progress</span>' in card
    assert "1 of 2 milestones done</span>" in card and "Pass chemistry" in card
    assert "Grade 10 checklist: " in card
    assert "Ask about CNA classes" in card and "due " in card
    assert "Shadow a nurse" not in card  # done: not an upcoming milestone
    assert "From the counselor" in card and "Teresa Whitlock" in card
    assert "the whole comment is in the plan" in card and "A teacher's note" not in card
    assert "Still being written by your child." in card
    assert "Waiting for your sign-off." in card
    assert f'href="/plans/students/{s["child_id"]}"' in card and "Read the full plan" in card
    assert f'href="/plans/students/{s["child_id"]}#review-heading"' in card and "Sign off" in card
    assert "Linked to you through Biology 1" in card
    assert s["other"].name not in html

    assert (
        lti.client.post(
            f"/plans/students/{s['child_id']}/approve", data={"lt": s["counselor"]}
        ).status_code
        == 302
    )
    url = f"/plans/students/{s['child_id']}/sign"
    assert lti.client.post(url, data={"lt": s["parent"], **REVIEWED}).status_code == 302
    card = _card(_family(lti, s["parent"]), s["child_id"])
    assert "Approved by the counselor." in card and "✓ Signed</span> by you on" in card
    assert "Waiting for your sign-off" not in card and "Sign off<" not in card
    assert _audits(app, "plans.family_view")

    # Someone with no linked children is told how children get here.
    html = _family(lti, s["token"])
    assert "No children are linked to your account yet." in html
    assert "Open Lodestar once from one of your child's courses" in html


def test_the_page_runs_the_same_queries_for_one_child_or_three(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    parent_id = person_id(app, lti.person("parent").sub)
    more = lti.state.district.students_of(s["course"].context_id)[1:3]
    for student in more:
        set_plan(app, student.sub, goals=[("Goal of " + student.name, None)], grade_level=9)

    # The first child has a counselor's comment too, so both pages show a date (the
    # district's time zone is read once a request, when a date is first shown).
    lti.client.post(
        f"/plans/students/{s['child_id']}/comments",
        data={"lt": s["counselor"], "body": "Welcome to grade 9."},
    )

    def statements() -> int:
        with count_queries(app) as seen:
            _family(lti, s["parent"])
        return len(seen)

    one = statements()
    with app.app_context():
        tenant_id = db.session.get(Person, parent_id).tenant_id  # type: ignore[union-attr]
        for student in more:
            sid = person_id(app, student.sub)
            plan_id = db.session.execute(select(Plan.id).where(Plan.person_id == sid)).scalar_one()
            db.session.add(Mentorship(tenant_id=tenant_id, guardian_id=parent_id, student_id=sid))
            db.session.add(
                PlanComment(plan_id=plan_id, author_role="counselor", body="Let's meet.")
            )
            db.session.add(
                PlanSnapshot(
                    plan_id=plan_id,
                    school_year=reading.school_year(),
                    data={},
                    status=ReviewStatus.SUBMITTED,
                )
            )
        db.session.commit()
    three = statements()
    html = _family(lti, s["parent"])
    assert html.count('class="family-card"') == 3
    assert "Handed in, waiting for the counselor." in html
    assert one == three, (one, three)


def test_two_children_from_two_course_launches(lti: LtiDriver, app: Flask) -> None:
    """Canvas names in ``role_scope_mentor`` only the children observed in the launched
    course: the parent sees one child from Biology 1, and both once they also opened
    Lodestar from Algebra II; a later Biology 1 launch keeps both."""
    parent = lti.user(TWO_CHILD_PARENT)
    elder, younger = (lti.user("sbx-user-0008"), lti.user("sbx-user-0009"))
    bio, alg = lti.course("sbx-course-bio1"), lti.course("sbx-course-alg2")
    # Before anyone synced a roster, the LMS named the child by id only.
    html = _family(lti, token_of(lti.launch(parent, bio, flavour="canvas")))
    assert "Your child (name not sent by the school's LMS yet)" in html
    for teacher_index in (0, 1):  # the teachers synced their rosters: the names are known
        synced_class(lti, app, teacher_index)

    first = lti.launch(parent, bio, flavour="canvas")
    assert first.headers["Location"].startswith("/plans/family")
    html = _family(lti, token_of(first))
    assert younger.name in html and elder.name not in html
    assert "Is a child missing?" in html and "open Lodestar once from one of that child" in html

    html = _family(lti, token_of(lti.launch(parent, alg, flavour="canvas")))
    assert younger.name in html and elder.name in html
    assert "Linked to you through Algebra II" in _card(html, person_id(app, elder.sub))
    assert "Linked to you through Biology 1" in _card(html, person_id(app, younger.sub))

    token = token_of(lti.launch(parent, bio, flavour="canvas"))
    html = _family(lti, token)
    assert html.count('class="family-card"') == 2
    # Both plans open, and the parent may sign each.
    for kid in (elder, younger):
        kid_id = person_id(app, kid.sub)
        page = lti.client.get(f"/plans/students/{kid_id}", query_string={"lt": token})
        assert page.status_code == 200
        assert 'name="reviewed_with_child"' in page.get_data(as_text=True)

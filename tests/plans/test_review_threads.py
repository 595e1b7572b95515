"""Two-way review: comment threads the student answers, the review status of this school
year's plan (submit, return for changes, resubmit, approve), and "What's new" notices."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select, update

from lti_tool.actor import Actor
from lti_tool.extensions import db
from lti_tool.models import (
    AuditEvent,
    CaseloadRule,
    CaseloadRuleKind,
    Mentorship,
    Person,
    Role,
    RoleGrant,
)
from lti_tool.plans import news
from lti_tool.plans.models import Plan, PlanComment, PlanSnapshot, ReviewStatus
from lti_tool.plans.notice_models import Notice
from tests import factories
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import HEALTH, count_queries, launch, person_id, set_plan, synced_class

CHILD = "sbx-user-0007"


def setup_review(lti: LtiDriver, app: Flask) -> dict[str, Any]:
    """A synced class; the child has a plan; counselor, parent and student have launched."""
    cls = synced_class(lti, app)
    child = lti.state.district.users[CHILD]
    other = cls["students"][1]
    set_plan(app, child.sub, clusters=[HEALTH], goals=[("Become a nurse", HEALTH)], about="v1")
    return {
        **cls,
        "child": child,
        "child_id": person_id(app, child.sub),
        "other": other,
        "other_token": launch(lti, other, cls["course"]),
        "counselor": launch(lti, lti.person("counselor")),
        "counselor_id": person_id(app, lti.person("counselor").sub),
        "parent": launch(lti, lti.person("parent")),
        "parent_id": person_id(app, lti.person("parent").sub),
        "teacher_id": person_id(app, cls["teacher"].sub),
        "student": launch(lti, child, cls["course"]),
    }


def post(lti: LtiDriver, token: str, path: str, **data: str) -> Any:
    return lti.client.post(path, data={"lt": token, **data})


def page(lti: LtiDriver, token: str, path: str) -> str:
    response = lti.client.get(path, query_string={"lt": token})
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def comments(app: Flask) -> list[tuple[int, int | None, str, str]]:
    with app.app_context():
        return [
            (c.id, c.parent_id, c.author_role, c.body)
            for c in db.session.execute(select(PlanComment).order_by(PlanComment.id)).scalars()
        ]


def audits(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("plan.%"), AuditEvent.action != "plan.view")
                .order_by(AuditEvent.id)
            ).scalars()
        )


def snapshot(app: Flask, student_id: int) -> PlanSnapshot:
    with app.app_context():
        snap = db.session.execute(
            select(PlanSnapshot)
            .join(Plan, Plan.id == PlanSnapshot.plan_id)
            .where(Plan.person_id == student_id)
        ).scalar_one()
        snap.data  # noqa: B018 - loaded before the session closes
        db.session.expunge(snap)
        return snap


def notices(app: Flask) -> list[tuple[int, str, int | None]]:
    """(recipient, kind, actor) of every notice, in order."""
    with app.app_context():
        return [
            (n.recipient_id, n.kind, n.actor_id)
            for n in db.session.execute(select(Notice).order_by(Notice.id)).scalars()
        ]


def test_threads_replies_and_refusals(lti: LtiDriver, app: Flask) -> None:
    s = setup_review(lti, app)
    base = f"/plans/students/{s['child_id']}"
    assert post(lti, s["token"], f"{base}/comments", body="Great lab work.").status_code == 302
    assert post(lti, s["counselor"], f"{base}/comments", body="Let's meet.").status_code == 302
    first, second = (c[0] for c in comments(app))

    # The student and the guardian reply; a reply to a reply joins the same thread.
    done = post(lti, s["student"], f"{base}/comments/{first}/replies", body="  Thank you!  ")
    assert done.status_code == 302
    reply = comments(app)[-1]
    assert done.headers["Location"].endswith(f"#comment-{reply[0]}")
    assert reply[1:] == (first, "student", "Thank you!")
    done = post(lti, s["parent"], f"{base}/comments/{reply[0]}/replies", body="Proud of you.")
    assert done.status_code == 302
    assert comments(app)[-1][1:] == (first, "guardian", "Proud of you.")
    assert audits(app).count("plan.reply") == 2

    html = page(lti, s["student"], "/plans/me")
    thread = html.split(f'id="comment-{first}"', 1)[1].split(f'id="comment-{second}"', 1)[0]
    assert '<ol class="replies"' in thread
    assert thread.index("Great lab work") < thread.index("Thank you!") < thread.index("Proud")
    # The thread with the newest activity is marked; every thread has a reply box.
    assert "Newest activity" in thread
    assert html.count('class="reply-form') == 2

    # An empty or overlong reply: 422, what was typed stays in its own box, nothing saved.
    before = len(comments(app))
    bad = post(lti, s["student"], f"{base}/comments/{second}/replies", body="x" * 4001)
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    box = body.split(f'id="reply-{second}"', 1)[1].split("</textarea>", 1)[0]
    assert "x" * 4001 in box and 'aria-invalid="true"' in box
    assert post(lti, s["student"], f"{base}/comments/{second}/replies", body=" ").status_code == 422
    assert len(comments(app)) == before

    # Refused: a classmate (403), the student starting a thread (403), a comment of another
    # plan (404), a student of another tenant (404).
    assert (
        post(lti, s["other_token"], f"{base}/comments/{first}/replies", body="Hi").status_code
        == 403
    )
    assert post(lti, s["student"], f"{base}/comments", body="Hi").status_code == 403
    other_base = f"/plans/students/{person_id(app, s['other'].sub)}"
    assert (
        post(lti, s["counselor"], f"{other_base}/comments/{first}/replies", body="Hi").status_code
        == 404
    )
    with app.app_context():
        stranger = factories.person(factories.tenant())
        db.session.commit()
        stranger_id = stranger.id
    assert (
        post(
            lti,
            s["counselor"],
            f"/plans/students/{stranger_id}/comments/{first}/replies",
            body="Hi",
        ).status_code
        == 404
    )
    assert len(comments(app)) == before


def test_submit_return_reply_resubmit_approve(lti: LtiDriver, app: Flask) -> None:
    s = setup_review(lti, app)
    base = f"/plans/students/{s['child_id']}"
    html = page(lti, s["student"], "/plans/me")
    assert "Draft: not submitted for review yet" in html
    assert "Submit my plan for review" in html
    # Only the student submits; only a counselor returns.
    assert post(lti, s["parent"], f"{base}/submit").status_code == 403
    assert post(lti, s["token"], f"{base}/return", body="Fix it").status_code == 403

    assert post(lti, s["student"], f"{base}/submit").status_code == 302
    snap = snapshot(app, s["child_id"])
    assert snap.status == ReviewStatus.SUBMITTED and snap.submitted_at is not None
    assert snap.data["profile"]["about"] == "v1"

    # Return needs a note: 422, nothing changes.
    refused = post(lti, s["counselor"], f"{base}/return", body="  ")
    assert refused.status_code == 422
    assert "Write what the student should change" in refused.get_data(as_text=True)
    assert snapshot(app, s["child_id"]).status == ReviewStatus.SUBMITTED
    note = "Add a second goal about college."
    assert post(lti, s["counselor"], f"{base}/return", body=note).status_code == 302
    snap = snapshot(app, s["child_id"])
    assert snap.status == ReviewStatus.RETURNED and snap.returned_by == s["counselor_id"]
    note_id, parent, role, body = comments(app)[-1]
    assert (parent, role, body) == (None, "counselor", note)

    # The student sees it on top of the plan, with a link to the note, and answers it.
    html = page(lti, s["student"], "/plans/me")
    top = html.split('class="notice review-status', 1)[1].split("</aside>", 1)[0]
    assert "Returned for changes" in top and note in top
    assert 'class="notice latest-note"' not in html  # the note is not shown twice
    assert f'href="#comment-{note_id}">Read Teresa Whitlock\'s note' in top
    assert "Submit my plan again" in html
    reply = post(lti, s["student"], f"{base}/comments/{note_id}/replies", body="Done, I added it.")
    assert reply.status_code == 302

    # Changes, then submit again: the snapshot's data follows the plan.
    set_plan(app, s["child"].sub, clusters=[HEALTH], about="v2")
    assert post(lti, s["student"], f"{base}/submit").status_code == 302
    snap = snapshot(app, s["child_id"])
    assert snap.status == ReviewStatus.SUBMITTED and snap.data["profile"]["about"] == "v2"
    panel = page(lti, s["counselor"], base)
    assert "Submitted for review on" in panel

    assert post(lti, s["counselor"], f"{base}/approve").status_code == 302
    snap = snapshot(app, s["child_id"])
    assert snap.status == ReviewStatus.APPROVED and snap.approved_by == s["counselor_id"]
    html = page(lti, s["student"], "/plans/me")
    assert "Review status:</strong> Approved" in html
    assert "Submit my plan" not in html
    # Approved: submitting again is refused with a message (422), nothing changes.
    again = post(lti, s["student"], f"{base}/submit")
    assert again.status_code == 422 and "approved already" in again.get_data(as_text=True)

    assert audits(app) == [
        "plan.submit",
        "plan.return",
        "plan.reply",
        "plan.submit",
        "plan.approve",
    ]


def test_a_counselor_may_approve_a_draft(lti: LtiDriver, app: Flask) -> None:
    s = setup_review(lti, app)
    base = f"/plans/students/{s['child_id']}"
    panel = page(lti, s["counselor"], base)
    assert "The student has not submitted this plan yet." in panel
    assert post(lti, s["counselor"], f"{base}/approve").status_code == 302
    assert snapshot(app, s["child_id"]).status == ReviewStatus.APPROVED


def test_notices_for_each_participant_but_the_actor(lti: LtiDriver, app: Flask) -> None:
    s = setup_review(lti, app)
    base = f"/plans/students/{s['child_id']}"
    child, parent, counselor, teacher = (
        s["child_id"],
        s["parent_id"],
        s["counselor_id"],
        s["teacher_id"],
    )
    # A teacher's comment: the student and the guardian hear of it (no counselor took part).
    post(lti, s["token"], f"{base}/comments", body="Nice work.")
    assert set(notices(app)) == {(child, "comment", teacher), (parent, "comment", teacher)}
    first = comments(app)[0][0]
    # The student replies: the teacher (in the thread) and the guardian hear of it.
    post(lti, s["student"], f"{base}/comments/{first}/replies", body="Thanks")
    assert set(notices(app)[2:]) == {(parent, "reply", child), (teacher, "reply", child)}
    # Submit: the guardian (no counselor has taken part yet).
    post(lti, s["student"], f"{base}/submit")
    assert set(notices(app)[4:]) == {(parent, "submit", child)}
    # The counselor returns it: student and guardian; from now on the counselor takes part.
    post(lti, s["counselor"], f"{base}/return", body="Please add a goal.")
    assert set(notices(app)[5:]) == {(child, "return", counselor), (parent, "return", counselor)}
    post(lti, s["student"], f"{base}/submit")
    assert set(notices(app)[7:]) == {(parent, "submit", child), (counselor, "submit", child)}
    post(lti, s["counselor"], f"{base}/approve")
    assert set(notices(app)[9:]) == {(child, "approve", counselor), (parent, "approve", counselor)}
    post(lti, s["parent"], f"{base}/sign", reviewed_with_child="y")
    assert set(notices(app)[11:]) == {(child, "sign", parent), (counselor, "sign", parent)}
    # Nobody is ever told of their own act; notices hold ids only (no text column).
    assert all(r != a for r, _k, a in notices(app))
    assert {c.name for c in Notice.__table__.columns} >= {"recipient_id", "student_id"}
    assert not {"body", "text", "name"} & {c.name for c in Notice.__table__.columns}


def test_whats_new_page_nav_count_and_mark_read(lti: LtiDriver, app: Flask) -> None:
    s = setup_review(lti, app)
    base = f"/plans/students/{s['child_id']}"
    post(lti, s["counselor"], f"{base}/comments", body="Let's meet on Friday.")
    post(lti, s["counselor"], f"{base}/return", body="Add a goal.")

    html = page(lti, s["student"], "/plans/me")
    nav = html.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert '<span class="news-count">2<span class="visually-hidden"> unread</span></span>' in nav

    news = page(lti, s["student"], "/plans/news")
    items = news.split('<ol class="news-list">', 1)[1].split("</ol>", 1)[0]
    assert items.count('class="news-unread"') == 2
    assert items.index("Teresa Whitlock returned your plan for changes") < items.index(
        "Teresa Whitlock commented on your plan"
    )
    assert "Add a goal" not in items  # names from the database, never the plan's text
    # The guardian sees the child's name.
    parent_news = page(lti, s["parent"], "/plans/news")
    assert (
        f"{s['child'].name}&#39;s plan" in parent_news or f"{s['child'].name}'s plan" in parent_news
    )
    # The badge costs one query.
    with count_queries(app) as queries:
        page(lti, s["student"], "/plans/news")
    assert sum("notices" in q for q in queries) == 2  # the list and the badge

    done = post(lti, s["student"], "/plans/news/read")
    assert done.status_code == 302
    news = page(lti, s["student"], "/plans/news")
    assert 'class="news-unread"' not in news and "news-count" not in news
    # The counselor's own acts are not news for them.
    assert "Nothing new yet" in page(lti, s["counselor"], "/plans/news")


def test_a_removed_guardian_hears_nothing(lti: LtiDriver, app: Flask) -> None:
    s = setup_review(lti, app)
    from lti_tool.models import Mentorship

    with app.app_context():
        for m in db.session.execute(select(Mentorship)).scalars():
            m.active = False
        db.session.commit()
        assert db.session.get(Person, s["parent_id"]) is not None
    post(lti, s["counselor"], f"/plans/students/{s['child_id']}/comments", body="Hello")
    assert [r for r, _k, _a in notices(app)] == [s["child_id"]]


def test_the_assigned_counselor_hears_of_a_submit(lti: LtiDriver, app: Flask) -> None:
    """Once an admin put the student on a counselor's caseload, the counselor is told of the
    student's submit before taking any part in the review."""
    s = setup_review(lti, app)
    with app.app_context():
        grant = db.session.execute(
            select(RoleGrant).where(RoleGrant.person_id == s["counselor_id"])
        ).scalar_one()
        db.session.add(
            CaseloadRule(
                tenant_id=grant.tenant_id,
                grant_id=grant.id,
                kind=CaseloadRuleKind.STUDENT,
                student_id=s["child_id"],
            )
        )
        db.session.commit()
    post(lti, s["student"], f"/plans/students/{s['child_id']}/submit")
    assert set(notices(app)) == {
        (s["parent_id"], "submit", s["child_id"]),
        (s["counselor_id"], "submit", s["child_id"]),
    }


def test_news_of_a_plan_the_reader_lost_is_hidden(lti: LtiDriver, app: Flask) -> None:
    """A guardian whose link to the child ended (a custody change) no longer sees notices
    about that plan, nor counts them."""
    s = setup_review(lti, app)
    post(lti, s["token"], f"/plans/students/{s['child_id']}/comments", body="Nice work.")
    with app.app_context():
        parent = Actor(
            _tenant_of(s["parent_id"]),
            s["parent_id"],
            None,
            frozenset({Role.GUARDIAN}),
        )
        assert [i.student_id for i in news.news_for(parent)] == [s["child_id"]]
        assert news.unread_count(parent) == 1
        db.session.execute(
            update(Mentorship).where(Mentorship.guardian_id == s["parent_id"]).values(active=False)
        )
        db.session.commit()
        assert news.news_for(parent) == []
        assert news.unread_count(parent) == 0


def _tenant_of(person_id: int) -> int:
    person = db.session.get(Person, person_id)
    assert person is not None
    return person.tenant_id

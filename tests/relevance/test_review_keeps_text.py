"""The review form never loses what was typed: a refused comment or sign-off shows the plan
page again (422) with the text and a message; a comment typed before approving or signing
travels with that post and is saved with it."""

from __future__ import annotations

from html import unescape

from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.plans.models import PlanComment
from tests.lti_driver import LtiDriver
from tests.relevance.test_review import _setup, _snapshot

LONG = "We talked about the nursing pathway today. " * 30  # about 1,300 characters


def _comments(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(PlanComment.body)).scalars())


def _panel(response: object) -> str:
    text = unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert text.count("<h1") == 1
    return text.split('<section class="review-panel"', 1)[1].split("</section>", 1)[0]


def test_refused_comment_comes_back_with_its_text(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    url = f"/plans/students/{s['child_id']}/comments"
    response = lti.client.post(url, data={"lt": s["counselor"], "body": "x" * 4001})
    assert response.status_code == 422
    panel = _panel(response)
    assert "Keep a comment under 4,000 characters." in panel
    assert 'id="comment-error"' in panel and 'aria-invalid="true"' in panel
    assert ">" + "x" * 4001 + "</textarea>" in panel
    assert 'role="alert"' in panel and "Nothing was saved yet" in panel
    assert _comments(app) == []


def test_failed_sign_off_keeps_the_long_comment(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    # The guardian types a long comment, then presses "Sign off" without ticking the box.
    response = lti.client.post(
        f"/plans/students/{s['child_id']}/sign", data={"lt": s["parent"], "body": LONG}
    )
    assert response.status_code == 422
    panel = _panel(response)
    assert "I have reviewed this plan with my child" in panel and 'id="signature-error"' in panel
    assert "to sign off." in panel
    assert f">{LONG.strip()}</textarea>" in panel
    assert _snapshot(app, s["child_id"]) is None and _comments(app) == []

    # Signed with the box ticked: the comment typed with it is posted too.
    response = lti.client.post(
        f"/plans/students/{s['child_id']}/sign",
        data={"lt": s["parent"], "reviewed_with_child": "y", "body": LONG},
    )
    assert response.status_code == 302
    snap = _snapshot(app, s["child_id"])
    assert snap is not None and snap.signature_name == "Ngozi Okafor"
    assert _comments(app) == [LONG.strip()]
    page = lti.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You signed off the plan" in page and "Your comment was added." in page


def test_approve_with_a_bad_comment_approves_nothing_and_keeps_the_text(
    lti: LtiDriver, app: Flask
) -> None:
    s = _setup(lti, app)
    url = f"/plans/students/{s['child_id']}/approve"
    too_long = "y" * 4001
    response = lti.client.post(url, data={"lt": s["counselor"], "body": too_long})
    assert response.status_code == 422
    panel = _panel(response)
    assert "The plan was not approved yet: Keep a comment under 4,000 characters." in panel
    assert f">{too_long}</textarea>" in panel
    assert _snapshot(app, s["child_id"]) is None

    response = lti.client.post(url, data={"lt": s["counselor"], "body": LONG})
    assert response.status_code == 302
    snap = _snapshot(app, s["child_id"])
    assert snap is not None and snap.approved_at is not None
    assert _comments(app) == [LONG.strip()]
    # Approving with an empty comment box posts no comment.
    assert lti.client.post(url, data={"lt": s["counselor"], "body": "  "}).status_code == 302
    assert len(_comments(app)) == 1


def test_the_panel_is_one_form_so_the_comment_travels_with_each_button(
    lti: LtiDriver, app: Flask
) -> None:
    s = _setup(lti, app)
    page = lti.client.get(
        f"/plans/students/{s['child_id']}", query_string={"lt": s["parent"]}
    ).get_data(as_text=True)
    panel = page.split('<section class="review-panel"', 1)[1].split("</section>", 1)[0]
    assert panel.count("<form") == 1
    form = panel.split("<form", 1)[1].split("</form>", 1)[0]
    assert 'name="reviewed_with_child"' in form and 'name="body"' in form
    assert f'formaction="/plans/students/{s["child_id"]}/sign#review-heading"' in form
    # "Sign off" is the form's first button, right after the box it needs.
    assert form.index("Sign off the plan") < form.index("Post comment")

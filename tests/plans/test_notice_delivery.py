"""Delivery of "What's new" notices beyond Lodestar: a Canvas conversation through the
sandbox's Canvas REST API, an email through a real local SMTP server, neither by default, and
a failing channel never breaks the change."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.models import LmsKind, Person, Platform
from lti_tool.plans.notice_models import Notice
from lti_tool.settings import load_settings
from tests.browser_client import open_in_new_tab
from tests.conftest import free_port, run_queued_jobs
from tests.lti_driver import LtiDriver
from tests.plans.test_review_threads import comments, post, setup_review


class _Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []

    # aiosmtpd calls the hook by this name.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[_Inbox]:
    """A real SMTP server on 127.0.0.1, and the tool configured to relay through it."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        ILP_SMTP_HOST="127.0.0.1",
        ILP_SMTP_PORT=controller.port,
        ILP_SMTP_FROM="lodestar@district.example",
        ILP_SMTP_STARTTLS=False,
    )
    yield inbox
    controller.stop()


def _notices(app: Flask) -> list[Notice]:
    with app.app_context():
        rows = list(db.session.execute(select(Notice).order_by(Notice.id)).scalars())
        for n in rows:
            db.session.expunge(n)
        return rows


def _people(app: Flask, *ids: int) -> dict[int, Person]:
    with app.app_context():
        people = {i: db.session.get(Person, i) for i in ids}
        for p in people.values():
            assert p is not None
            db.session.expunge(p)
        return people  # type: ignore[return-value]


def test_smtp_is_off_by_default(lti: LtiDriver, app: Flask, tmp_path: Any) -> None:
    settings = load_settings(tmp_path, {"ILP_ENV": "testing"})
    assert settings["ILP_SMTP_HOST"] is None
    s = setup_review(lti, app)
    assert app.config.get("ILP_SMTP_HOST") is None
    post(lti, s["counselor"], f"/plans/students/{s['child_id']}/comments", body="Hello")
    notices = _notices(app)
    assert len(notices) == 2
    assert all(n.channel is None and n.delivered_at is None for n in notices)
    assert all(n.delivery_error is None for n in notices)


def test_email_through_the_smtp_relay(lti: LtiDriver, app: Flask, smtp_server: _Inbox) -> None:
    s = setup_review(lti, app)
    people = _people(app, s["child_id"], s["parent_id"])
    note = "Your essay on nursing needs a second draft."
    response = post(lti, s["counselor"], f"/plans/students/{s['child_id']}/comments", body=note)
    assert response.status_code == 302
    run_queued_jobs(app)
    by_address = {to[0]: message for to, message in smtp_server.messages}
    child, parent = people[s["child_id"]], people[s["parent_id"]]
    assert set(by_address) == {child.email, parent.email}
    first = (child.given_name or child.name.split()[0]).strip()
    to_parent = by_address[parent.email]
    assert to_parent["Subject"] == "News in Lodestar"
    assert to_parent["From"] == "lodestar@district.example"
    text = to_parent.get_payload()
    assert f"There is news on {first}'s plan in Lodestar: open it from your LMS." in text
    assert "There is news on your plan" in by_address[child.email].get_payload()
    # Only the first name and no plan content go out.
    for _to, message in smtp_server.messages:
        body = message.get_payload()
        assert "essay" not in body and (child.family_name or "@@") not in body
    assert all(n.channel == "email" and n.delivered_at for n in _notices(app))


def test_a_failing_relay_never_breaks_the_change(
    lti: LtiDriver, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    s = setup_review(lti, app)
    app.config.update(ILP_SMTP_HOST="127.0.0.1", ILP_SMTP_PORT=free_port(), ILP_SMTP_STARTTLS=False)
    response = post(lti, s["counselor"], f"/plans/students/{s['child_id']}/return", body="Redo")
    assert response.status_code == 302
    run_queued_jobs(app)
    assert comments(app)[-1][3] == "Redo"
    notices = _notices(app)
    assert len(notices) == 2
    for n in notices:
        assert n.channel == "email" and n.delivered_at is None
        assert n.delivery_error == "Email: ConnectionRefusedError"
    # The log names notices and the error kind, never a person or an address.
    people = _people(app, s["child_id"], s["parent_id"])
    logged = caplog.text
    assert "not delivered by email: ConnectionRefusedError" in logged
    for p in people.values():
        assert p.email not in logged and p.name not in logged


@pytest.fixture
def sandbox_canvas(app: Flask, lti: LtiDriver, platform_id: int) -> int:
    """The sandbox as a Canvas school with a REST developer key."""
    with app.app_context():
        platform = db.session.get(Platform, platform_id)
        assert platform is not None
        platform.lms = LmsKind.CANVAS
        lms_rest.configure_canvas(
            platform, base_url=lti.state.base_url, client_id="10000000000001", client_secret="k"
        )
    lti.state.canvas_conversations.clear()
    return platform_id


def _connect_canvas(lti: LtiDriver, token: str, who: Any) -> None:
    """``who`` connects their Canvas account (the sandbox's sign-in page stands for Canvas)."""
    tab, start = open_in_new_tab(lti.client, token, "/lms/canvas/connect")
    assert start.status_code == 302
    sign_in = requests.get(start.headers["Location"], timeout=10)
    link = re.search(
        r'href="(/login/oauth2/approve\?[^"]+)">Sign in as ' + re.escape(who.name), sign_in.text
    )
    assert link is not None
    back = requests.get(
        lti.state.base_url + link.group(1).replace("&amp;", "&"),
        allow_redirects=False,
        timeout=10,
    )
    target = urlsplit(back.headers["Location"])
    assert tab.get(target.path, query_string=target.query).status_code == 200


# The sandbox's Canvas is plain http on 127.0.0.1; canvasapi warns about any http URL.
@pytest.mark.filterwarnings("ignore:Canvas may respond unexpectedly:UserWarning")
def test_canvas_conversation_from_the_actor(
    lti: LtiDriver, app: Flask, sandbox_canvas: int, smtp_server: _Inbox
) -> None:
    s = setup_review(lti, app)
    counselor = lti.person("counselor")
    _connect_canvas(lti, s["counselor"], counselor)
    child = s["child"]
    with app.app_context():
        # The student's Canvas id is known ($Canvas.user.id at launch); the guardian's not.
        person = db.session.get(Person, s["child_id"])
        parent = db.session.get(Person, s["parent_id"])
        assert person is not None and parent is not None
        person.lms_user_id = str(child.id)
        parent.lms_user_id = None
        db.session.commit()

    response = post(lti, s["counselor"], f"/plans/students/{s['child_id']}/return", body="Redo")
    assert response.status_code == 302
    run_queued_jobs(app)
    conversations = lti.state.canvas_conversations
    assert len(conversations) == 1
    sent = conversations[0]
    assert sent["sender"] == counselor.sub and sent["recipients"] == [child.sub]
    assert sent["subject"] == "News in Lodestar"
    assert sent["messages"][0]["body"] == (
        "There is news on your plan in Lodestar: open it from your LMS."
    )
    # The student reads it in their Canvas Inbox (the sandbox's REST API, their own token).
    token = "sbx~test-" + child.sub
    lti.state.canvas_tokens[token] = child.sub
    inbox = requests.get(
        lti.state.base_url + "/api/v1/conversations",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    assert [c["subject"] for c in inbox] == ["News in Lodestar"]
    # The guardian has no Canvas id here: email instead.
    by_recipient = {n.recipient_id: n for n in _notices(app)}
    assert by_recipient[s["child_id"]].channel == "canvas"
    assert by_recipient[s["child_id"]].delivered_at is not None
    assert by_recipient[s["parent_id"]].channel == "email"
    assert len(smtp_server.messages) == 1

    # A Canvas refusal is recorded on the notice; the change stands.
    with app.app_context():
        person = db.session.get(Person, s["child_id"])
        assert person is not None
        person.lms_user_id = "999999"
        db.session.commit()
    response = post(lti, s["counselor"], f"/plans/students/{s['child_id']}/approve")
    assert response.status_code == 302
    run_queued_jobs(app)
    failed = [n for n in _notices(app) if n.kind == "approve" and n.channel == "canvas"]
    assert len(failed) == 1
    assert failed[0].delivered_at is None
    assert failed[0].delivery_error and failed[0].delivery_error.startswith("Canvas: ")


def test_with_redis_delivery_is_a_background_job(
    lti: LtiDriver, app: Flask, smtp_server: _Inbox
) -> None:
    from redis import Redis
    from rq import SimpleWorker

    url = os.environ.get("ILP_TEST_NOTICE_REDIS_URL", "redis://127.0.0.1:6379/10")
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip(f"no Redis at {url}")
    s = setup_review(lti, app)
    Redis.from_url(url).flushdb()
    app.config["ILP_REDIS_URL"] = url
    response = post(lti, s["counselor"], f"/plans/students/{s['child_id']}/comments", body="Hi")
    assert response.status_code == 302
    # Nothing went out during the request: the job waits for a worker.
    assert smtp_server.messages == []
    assert all(n.delivered_at is None for n in _notices(app))
    with app.app_context():
        worker = SimpleWorker(["lodestar"], connection=Redis.from_url(url))
        assert worker.work(burst=True)
    assert len(smtp_server.messages) == 2
    assert all(n.channel == "email" and n.delivered_at for n in _notices(app))
    Redis.from_url(url).flushdb()

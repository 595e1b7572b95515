"""Delivery of "What's new" notices beyond Lodestar, where the district allows it:

* **Canvas** (the tenant's LMS is Canvas and its REST API is configured): a Canvas Inbox
  conversation from the person who acted, with their own Canvas token, to the recipient's
  Canvas user id; Canvas then notifies them as they chose in Canvas. Used when both are known
  (the actor connected Canvas, the recipient launched from Canvas).
* **Email** through the district's SMTP relay (``ILP_SMTP_HOST`` and friends; off by
  default), to the recipient's address from the LMS.
* Otherwise the notice stays in Lodestar only.

The message names the student by first name only and holds no plan content: "There is news
on Maya's plan in Lodestar: open it from your LMS." Delivery runs as a background job when
Redis is configured, else once the request is done, with the short timeouts of the outbound
HTTP session; it never raises into the request. How each notice went out (or why it did
not) is recorded on it; logs carry notice ids and error kinds, never names or addresses.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from lti_tool import jobs
from lti_tool.db import utcnow
from lti_tool.errors import ToolError
from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.grades.canvas import CanvasClient
from lti_tool.models import Person
from lti_tool.plans import reading
from lti_tool.plans.notice_models import Notice

log = logging.getLogger(__name__)

SUBJECT = "News in Lodestar"


def first_name(student: Person) -> str:
    """The student's first name as the LMS sent it (no more than that goes out)."""
    name = (student.given_name or "").strip() or (student.name or "").strip().split(" ")[0]
    return name or "a student"


def message_text(recipient: Person, student: Person) -> str:
    """The whole message: news, whose plan, where to look. Nothing of the plan itself."""
    whose = "your" if recipient.id == student.id else f"{first_name(student)}'s"
    return f"There is news on {whose} plan in Lodestar: open it from your LMS."


def smtp_configured() -> bool:
    """Whether email is switched on (``ILP_SMTP_HOST`` set)."""
    return bool(current_app.config.get("ILP_SMTP_HOST"))


def schedule_delivery(notice_ids: list[int]) -> None:
    """Deliver committed notices: as an RQ job with Redis, else now. Never raises."""
    try:
        if current_app.config.get("ILP_REDIS_URL"):
            jobs.enqueue(deliver_notices, list(notice_ids))
        else:
            deliver_notices(list(notice_ids))
    except Exception as exc:  # delivery must never break the request
        log.warning("Delivery of %d notices did not run: %s", len(notice_ids), type(exc).__name__)
        db.session.rollback()


def deliver_notices(notice_ids: list[int]) -> str:
    """Send each notice by the first channel that applies; record the outcome on it.

    :returns: a summary (``"2 sent, 1 failed"``) for the job's result.
    """
    notices = (
        db.session.execute(
            select(Notice)
            .where(Notice.id.in_(notice_ids), Notice.delivered_at.is_(None))
            .order_by(Notice.id)
        )
        .scalars()
        .all()
    )
    if not notices:
        return "0 sent, 0 failed"
    people_ids = {n.recipient_id for n in notices} | {n.student_id for n in notices}
    people = {
        p.id: p
        for p in db.session.execute(select(Person).where(Person.id.in_(people_ids))).scalars()
    }
    clients: dict[int, CanvasClient | None] = {}
    canvas = reading.uses_canvas(notices[0].tenant_id)
    sent = failed = 0
    for notice in notices:
        recipient, student = people.get(notice.recipient_id), people.get(notice.student_id)
        if recipient is None or student is None:
            continue
        client = _canvas_client(notice.actor_id, clients) if canvas else None
        try:
            if client is not None and recipient.lms_user_id:
                notice.channel = "canvas"
                client.send_conversation(
                    recipient.lms_user_id, SUBJECT, message_text(recipient, student)
                )
            elif smtp_configured() and recipient.email:
                notice.channel = "email"
                send_email(recipient.email, SUBJECT, message_text(recipient, student))
            else:
                continue
        except (ToolError, OSError, smtplib.SMTPException) as exc:
            notice.delivery_error = _describe(exc)[:255]
            failed += 1
            log.warning(
                "Notice %s not delivered by %s: %s", notice.id, notice.channel, type(exc).__name__
            )
        else:
            notice.delivered_at = utcnow()
            notice.delivery_error = None
            sent += 1
    db.session.commit()
    return f"{sent} sent, {failed} failed"


def _canvas_client(
    actor_id: int | None, cache: dict[int, CanvasClient | None]
) -> CanvasClient | None:
    """The actor's Canvas client, when they connected Canvas (None otherwise)."""
    if actor_id is None:
        return None
    if actor_id not in cache:
        client = None
        if lms_rest.has_canvas_token(actor_id):
            try:
                client = lms_rest.canvas_client_for(actor_id)
            except ToolError as exc:
                log.warning("No Canvas client for notices: %s", type(exc).__name__)
        cache[actor_id] = client
    return cache[actor_id]


def _describe(exc: Exception) -> str:
    """A short reason for the notice, without student data."""
    if isinstance(exc, ToolError):
        return f"Canvas: {exc.message}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"Email: the mail server answered {exc.smtp_code}"
    return f"Email: {type(exc).__name__}"


def send_email(to: str, subject: str, body: str) -> None:
    """Send one plain-text email through the configured SMTP relay.

    :raises OSError, smtplib.SMTPException: when the relay cannot be reached or refuses.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("ILP_SMTP_FROM") or f"lodestar@{config['ILP_SMTP_HOST']}"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    timeout = float(config.get("ILP_HTTP_TIMEOUT", 10.0))
    with smtplib.SMTP(
        config["ILP_SMTP_HOST"], int(config["ILP_SMTP_PORT"]), timeout=timeout
    ) as smtp:
        if config.get("ILP_SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("ILP_SMTP_USERNAME"):
            smtp.login(config["ILP_SMTP_USERNAME"], config.get("ILP_SMTP_PASSWORD") or "")
        smtp.send_message(message)

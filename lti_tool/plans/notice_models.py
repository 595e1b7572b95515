"""Notices: one row per person who should hear of a change on a plan ("What's new").

A notice holds ids only (who did what on whose plan, and which comment); the page reads the
names from the database when it shows them, so erasing a person leaves nothing behind here.
Delivery outside Lodestar (a Canvas conversation or an email) is recorded on the notice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import created_at, intpk
from lti_tool.extensions import Model


class Notice(Model):
    """Something that happened on a student's plan, for one person to read."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_recipient_read", "recipient_id", "read_at"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    #: Who reads it.
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    #: Who did it (None once that person is deleted).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    #: Whose plan it is about.
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    #: What happened: ``comment``, ``reply``, ``nudge``, ``submit``, ``return``, ``approve``,
    #: ``sign``.
    kind: Mapped[str] = mapped_column(String(20))
    #: The comment it is about, if any.
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_comments.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]
    read_at: Mapped[dt.datetime | None]
    #: How it went out beyond Lodestar: ``canvas``, ``email`` or None (Lodestar only).
    channel: Mapped[str | None] = mapped_column(String(20))
    delivered_at: Mapped[dt.datetime | None]
    #: Why delivery failed (a short text without student data), None when it did not.
    delivery_error: Mapped[str | None] = mapped_column(String(255))

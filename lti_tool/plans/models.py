"""The Individual Learning Plan: one per person per tenant, kept across courses and years."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import created_at, intpk, updated_at
from lti_tool.extensions import db
from lti_tool.models import Person


class Plan(db.Model):
    """A student's plan. Created empty on first visit; sections hang off it."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("tenant_id", "person_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    #: The student's own words about who they are and where they are heading.
    about: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    person: Mapped[Person] = relationship()

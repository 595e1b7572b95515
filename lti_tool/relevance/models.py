"""Tags that say which career clusters and skills a course and its assignments serve."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import created_at, intpk
from lti_tool.extensions import Model


class CourseTag(Model):
    """A cluster code (e.g. ``2024.healthcare-human-services``) or a skill on a course."""

    __tablename__ = "course_tags"
    __table_args__ = (UniqueConstraint("course_id", "kind", "value"),)

    id: Mapped[intpk]
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: "cluster", "pathway" or "skill".
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(160))
    tagged_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]


class AssignmentTag(Model):
    """A cluster code or skill on one assignment."""

    __tablename__ = "assignment_tags"
    __table_args__ = (UniqueConstraint("assignment_id", "kind", "value"),)

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(160))
    tagged_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]

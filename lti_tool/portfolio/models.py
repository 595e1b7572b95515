"""Evidence: class work linked to a student's goals, with a snapshot that outlives the LMS."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import SoftDeletable, created_at, enum_string, intpk, updated_at
from lti_tool.extensions import Model
from lti_tool.models import Person


class EvidenceKind(enum.StrEnum):
    """What the evidence points at."""

    ASSIGNMENT = "assignment"
    SUBMISSION = "submission"
    FILE = "file"
    URL = "url"


class Evidence(SoftDeletable, Model):
    """A piece of work attached to a student's plan (and usually a goal).

    ``snapshot_*`` fields copy what the work looked like when attached (title, score, date,
    link, file digest), so the evidence survives renamed, regraded or deleted LMS items.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_plan_goal", "plan_id", "goal_id"),
        Index("ix_evidence_assignment", "assignment_id"),
    )

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="SET NULL"), index=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_string(EvidenceKind, "kind"))
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL")
    )
    file_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL"), index=True
    )
    attached_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    #: "teacher" or "student": who linked it.
    attached_as: Mapped[str] = mapped_column(String(20))
    reflection: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot_title: Mapped[str] = mapped_column(String(500))
    snapshot_score: Mapped[float | None] = mapped_column(Float)
    snapshot_score_maximum: Mapped[float | None] = mapped_column(Float)
    snapshot_date: Mapped[dt.datetime | None]
    snapshot_url: Mapped[str | None] = mapped_column(String(2048))
    #: SHA-256 of the file (uploads, or submission attachments we could fetch).
    snapshot_digest: Mapped[str | None] = mapped_column(String(64))
    snapshot_extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    student: Mapped[Person] = relationship(foreign_keys=[student_id])


class StoredFile(Model):
    """A work sample a student uploaded (kept in the database; size-capped)."""

    __tablename__ = "stored_files"

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]


class ReflectionScoring(enum.StrEnum):
    """How a reflection activity is scored."""

    #: Full points once a real reflection is submitted.
    COMPLETION = "completion"
    #: The teacher picks a level of the activity's rubric.
    RUBRIC = "rubric"


class ReflectionSetup(Model):
    """A teacher's settings of one plan reflection activity: title, instructions, points,
    due date and scoring (with its rubric levels).

    Created by the activity picker before the LMS makes the resource link (the content item
    carries ``activity_id``), then bound to that link at its first launch; a placement made
    without one (older placements, copied courses) gets default settings at its first
    launch.
    """

    __tablename__ = "reflection_activities"

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_links.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(Float)
    due_at: Mapped[dt.datetime | None]
    scoring: Mapped[ReflectionScoring] = mapped_column(enum_string(ReflectionScoring, "scoring"))
    #: The rubric's levels, best first: ``[{"name": "Thoughtful", "points": 10.0}, ...]``.
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class ReflectionReview(Model):
    """The teacher's score and comment on one student's reflection for one activity."""

    __tablename__ = "reflection_reviews"
    __table_args__ = (UniqueConstraint("activity_id", "student_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("reflection_activities.id", ondelete="CASCADE")
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: The rubric level chosen (its name when scored), or "complete"/"incomplete".
    level: Mapped[str] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    scored_at: Mapped[dt.datetime]
    #: Whether the LMS gradebook took this score: "sent" or "failed".
    gradebook: Mapped[str] = mapped_column(String(20), default="sent")
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

"""Assignments, grades and sync runs pulled from the LMS. Sync writes; pages only read."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import created_at, enum_string, intpk, updated_at
from lti_tool.extensions import Model
from lti_tool.models import LmsKind, Person


class Assignment(Model):
    """A gradable item of a course: an AGS line item or an LMS (Canvas/Schoology) assignment."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("course_id", "source", "external_id"),)

    id: Mapped[intpk]
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: ``ags``, ``canvas`` or ``schoology``.
    source: Mapped[str] = mapped_column(String(20))
    #: The AGS line item URL, or the LMS's assignment id.
    external_id: Mapped[str] = mapped_column(String(1024))
    title: Mapped[str] = mapped_column(String(500), default="")
    score_maximum: Mapped[float | None] = mapped_column(Float)
    due_at: Mapped[dt.datetime | None]
    html_url: Mapped[str | None] = mapped_column(String(2048))
    resource_link_id: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    #: False once a complete sync no longer lists it (rows are never deleted by sync).
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_synced_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class Grade(Model):
    """A student's result on an assignment, as the LMS last reported it."""

    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("assignment_id", "person_id"),
        Index("ix_grades_person", "person_id"),
    )

    id: Mapped[intpk]
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    score: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(40))
    submitted_at: Mapped[dt.datetime | None]
    graded_at: Mapped[dt.datetime | None]
    url: Mapped[str | None] = mapped_column(String(2048))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    last_synced_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    assignment: Mapped[Assignment] = relationship()
    person: Mapped[Person] = relationship()


class SyncKind(enum.StrEnum):
    """What a sync run pulls."""

    #: NRPS members of a course.
    ROSTER = "roster"
    #: AGS line items and results of a course.
    GRADES = "grades"
    #: Canvas REST: assignments and submissions (with attachments) of a course.
    CANVAS = "canvas"
    #: Canvas REST: one student's enrollments with grades across courses.
    CANVAS_TRANSCRIPT = "canvas_transcript"
    #: Schoology REST: assignments and grades of a section.
    SCHOOLOGY = "schoology"


class SyncStatus(enum.StrEnum):
    """Lifecycle of a sync run."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: Stopped part-way; what was seen is kept, nothing was deactivated.
    PARTIAL = "partial"
    FAILED = "failed"


class SyncRun(Model):
    """One roster or grade sync of one course: when, how it went, what it counted."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_course_kind", "course_id", "kind", "id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    #: The course synced (course-level kinds).
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    #: The person synced (person-level kinds such as a student's transcript).
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SyncKind] = mapped_column(enum_string(SyncKind, "kind"))
    status: Mapped[SyncStatus] = mapped_column(
        enum_string(SyncStatus, "status"), default=SyncStatus.QUEUED
    )
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    #: RQ job id when run in the background.
    job_id: Mapped[str | None] = mapped_column(String(64))
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: A message fit for the teacher, when the run failed or stopped part-way.
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]


class LmsCredential(Model):
    """A person's OAuth2 token for an LMS REST API (Canvas), encrypted at rest."""

    __tablename__ = "lms_credentials"
    __table_args__ = (UniqueConstraint("person_id", "kind"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    #: ``canvas``.
    kind: Mapped[str] = mapped_column(String(20))
    access_token_encrypted: Mapped[str] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[dt.datetime | None]
    #: The LMS's user id for this token (Canvas ``user.id``).
    lms_user_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class PlatformApiKey(Model):
    """A district's key for an LMS REST API, kept on one registration: the Canvas developer
    key (client id and secret) or the Schoology API consumer key and secret. The secret is
    encrypted at rest (``crypto``, purpose ``platform-api-secret``).

    Only the key lives here; where the API is and how it is used (the Canvas and Schoology
    API URLs, the school time zone, the Schoology user mapping) are settings of the
    registration, in ``Platform.settings``.
    """

    __tablename__ = "platform_api_keys"
    __table_args__ = (UniqueConstraint("platform_id", "kind"),)

    id: Mapped[intpk]
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    #: Whose API the key opens: ``canvas`` or ``schoology``.
    kind: Mapped[LmsKind] = mapped_column(enum_string(LmsKind, "kind"))
    #: The key's public half: the Canvas developer key id or the Schoology consumer key.
    key_id: Mapped[str] = mapped_column(String(255))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class TranscriptEntry(Model):
    """A student's enrollment in an LMS course with its course grade (current and past)."""

    __tablename__ = "transcript_entries"
    __table_args__ = (UniqueConstraint("person_id", "source", "lms_course_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    lms_course_id: Mapped[str] = mapped_column(String(255))
    course_name: Mapped[str] = mapped_column(String(500), default="")
    term: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str | None] = mapped_column(String(40))
    current_score: Mapped[float | None] = mapped_column(Float)
    final_score: Mapped[float | None] = mapped_column(Float)
    current_grade: Mapped[str | None] = mapped_column(String(40))
    final_grade: Mapped[str | None] = mapped_column(String(40))
    last_synced_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

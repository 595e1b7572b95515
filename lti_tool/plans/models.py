"""The Individual Learning Plan: one per person per tenant, kept across courses and years.

A plan has a profile (interests, strengths, skills, hobbies, ...), chosen career clusters and
pathways, goals with milestones, a four-year course plan against the district's Program of
Study, activities and accomplishments, assessment results, supporting adults, an interest
inventory result, comments and reviews, and one snapshot per school year that a guardian
signs off. Accommodation needs are restricted (see ``lti_tool.policy``).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import SoftDeletable, created_at, enum_string, intpk, updated_at
from lti_tool.extensions import Model
from lti_tool.models import Person


class Plan(Model):
    """A student's plan. Created empty on first visit; sections hang off it."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("tenant_id", "person_id"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: The student's own words about who they are and where they are heading.
    about: Mapped[str] = mapped_column(Text, default="")
    grade_level: Mapped[int | None] = mapped_column(Integer)
    graduation_year: Mapped[int | None] = mapped_column(Integer)
    interests: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[str] = mapped_column(Text, default="")
    abilities: Mapped[str] = mapped_column(Text, default="")
    hobbies: Mapped[str] = mapped_column(Text, default="")
    career_exploration: Mapped[str] = mapped_column(Text, default="")
    college_planning: Mapped[str] = mapped_column(Text, default="")
    financial_planning: Mapped[str] = mapped_column(Text, default="")
    #: Restricted: visible to the student, counselors and guardians, not to every teacher.
    accommodations: Mapped[str] = mapped_column(Text, default="")
    #: Career Clusters framework version the codes below refer to ("2024" or "2008").
    framework_version: Mapped[str] = mapped_column(String(10), default="2024")
    cluster_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    pathway_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    program_of_study_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs_of_study.id", ondelete="SET NULL"), index=True
    )
    inventory_answers: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: Holland code from the interest inventory, e.g. "SIA" (None until taken).
    inventory_code: Mapped[str | None] = mapped_column(String(8))
    inventory_taken_at: Mapped[dt.datetime | None]
    #: Whether the plan page offers the first-run guide (profile, inventory, first goal): set
    #: on new plans, cleared when the student dismisses it; plans older than the guide never
    #: show it.
    show_guide: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Where the student looks at jobs: a state's FIPS code ("36") and a BLS metropolitan
    #: (or nonmetropolitan) area code ("0035620"); None falls back to the district's default.
    state_code: Mapped[str | None] = mapped_column(String(2))
    metro_code: Mapped[str | None] = mapped_column(String(7))
    #: When the course plan last took the student's courses and grades from the LMS (the
    #: course plan page does it on its first opening; None until then).
    courses_imported_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    person: Mapped[Person] = relationship()
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Goal.id"
    )


class GoalCategory(enum.StrEnum):
    """What a goal is about."""

    ACADEMIC = "academic"
    CAREER = "career"
    COLLEGE = "college"
    PERSONAL = "personal"
    FINANCIAL = "financial"


class GoalStatus(enum.StrEnum):
    """Where a goal stands."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    REVISED = "revised"


class Goal(SoftDeletable, Model):
    """A goal statement with a target date, how it is measured and its milestones."""

    __tablename__ = "goals"

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    category: Mapped[GoalCategory] = mapped_column(enum_string(GoalCategory, "category"))
    statement: Mapped[str] = mapped_column(Text)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    #: How the student will know they got there.
    measures: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[GoalStatus] = mapped_column(
        enum_string(GoalStatus, "status"), default=GoalStatus.NOT_STARTED
    )
    #: Optional link to a career cluster code of the plan's framework.
    cluster_code: Mapped[str | None] = mapped_column(String(120))
    #: Optional link to a SOC 2018 occupation ("15-1252"), e.g. a goal made from a saved one.
    soc_code: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    plan: Mapped[Plan] = relationship(back_populates="goals")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="Milestone.id"
    )


class Milestone(Model):
    """A step towards a goal."""

    __tablename__ = "milestones"

    id: Mapped[intpk]
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    goal: Mapped[Goal] = relationship(back_populates="milestones")


class ProgramOfStudy(Model):
    """A district's grades 9-12 course sequence for a pathway, with graduation requirements."""

    __tablename__ = "programs_of_study"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    cluster_code: Mapped[str | None] = mapped_column(String(120))
    pathway_code: Mapped[str | None] = mapped_column(String(160))
    #: ``[{"grade": 9, "course": "Biology", "subject": "science", "credits": 1.0}, ...]``
    courses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: ``[{"subject": "science", "label": "Science", "credits": 3.0}, ...]``
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[created_at]


class CoursePlanStatus(enum.StrEnum):
    """Where a planned course stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class CoursePlanSource(enum.StrEnum):
    """Where a course of the course plan came from."""

    #: Typed by the student (or added from the Program of Study).
    MANUAL = "manual"
    #: Canvas REST: the student's enrollment with its course grade.
    CANVAS = "canvas"
    #: A course Lodestar synced (NRPS roster, AGS grades).
    LODESTAR = "lodestar"


class CoursePlanEntry(SoftDeletable, Model):
    """One course in the student's course plan (grades 6-12; grades 6-8 are optional and do
    not count toward graduation, see ``course_planning``)."""

    __tablename__ = "course_plan_entries"

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    grade_level: Mapped[int] = mapped_column(Integer)
    course_name: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(60), default="elective")
    credits: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[CoursePlanStatus] = mapped_column(
        enum_string(CoursePlanStatus, "status"), default=CoursePlanStatus.PLANNED
    )
    #: On the district's grade scale (``grade_scale``); rows older than the scale may hold
    #: the text the student typed then.
    final_grade: Mapped[str | None] = mapped_column(String(20))
    #: The term or school year, when known ("Fall 2025", "2025-2026"); a course may be in the
    #: plan once per grade and term.
    term: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[CoursePlanSource] = mapped_column(
        enum_string(CoursePlanSource, "source"),
        default=CoursePlanSource.MANUAL,
        server_default=CoursePlanSource.MANUAL.value,
    )
    #: The LMS's course id of an imported course (one row per LMS course and plan).
    lms_course_id: Mapped[str | None] = mapped_column(String(255))
    #: The course score in percent the LMS reported, when imported.
    score_percent: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[created_at]


class PlanItemKind(enum.StrEnum):
    """Kinds of the plan's list sections."""

    ACTIVITY = "activity"
    ACCOMPLISHMENT = "accomplishment"
    WORK = "work"
    SERVICE = "service"
    ASSESSMENT = "assessment"
    CONTACT = "contact"


class WorkLearningKind(enum.StrEnum):
    """Kinds of work-based learning a work entry records."""

    JOB = "job"
    INTERNSHIP = "internship"
    APPRENTICESHIP = "apprenticeship"
    JOB_SHADOW = "job_shadow"
    VOLUNTEER = "volunteer"
    SCHOOL_ENTERPRISE = "school_enterprise"
    OTHER = "other"


class PlanItem(Model):
    """A line in a list section: an activity, accomplishment, assessment result or contact.

    One table with a ``kind`` keeps the many small list sections simple; fields that do not
    apply to a kind stay empty.
    """

    __tablename__ = "plan_items"
    __table_args__ = (Index("ix_plan_items_plan_kind", "plan_id", "kind"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[PlanItemKind] = mapped_column(enum_string(PlanItemKind, "kind"))
    title: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text, default="")
    #: Activities: when; assessments: the date taken.
    date: Mapped[dt.date | None] = mapped_column(Date)
    #: Assessments: the score as reported ("1210", "Level 4", "Proficient").
    score: Mapped[str | None] = mapped_column(String(120))
    #: Contacts: relationship, email and phone.
    relationship_label: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(60))
    #: Work, service and activities: the employer or organisation and the student's role.
    organization: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(255))
    #: Work: the kind of work-based learning.
    learning_kind: Mapped[WorkLearningKind | None] = mapped_column(
        enum_string(WorkLearningKind, "learning_kind")
    )
    hours_per_week: Mapped[float | None] = mapped_column(Float)
    total_hours: Mapped[float | None] = mapped_column(Float)
    #: Work: when it started and ended (no end date: still going on).
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    #: What the student learned from it.
    learned: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]


class PlanComment(Model):
    """A comment on a plan by a teacher, counselor or guardian, or a reply in its thread (the
    student may reply too)."""

    __tablename__ = "plan_comments"

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    author_role: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    #: The comment this one answers (a reply in its thread); None for a thread's first comment.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_comments.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[created_at]

    author: Mapped[Person | None] = relationship()


class ReviewStatus(enum.StrEnum):
    """Where this school year's plan stands in its review (a plan without a snapshot for the
    year is a draft)."""

    #: The student is working on it.
    DRAFT = "draft"
    #: The student handed it in for review.
    SUBMITTED = "submitted"
    #: A counselor sent it back with comments; the student changes it and submits again.
    RETURNED = "returned"
    #: A counselor approved it.
    APPROVED = "approved"


class PlanSnapshot(Model):
    """The plan as it stood for a school year: reviewed by a counselor, signed by a guardian."""

    __tablename__ = "plan_snapshots"
    __table_args__ = (UniqueConstraint("plan_id", "school_year"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    #: e.g. "2026-2027".
    school_year: Mapped[str] = mapped_column(String(9))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    approved_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    approved_at: Mapped[dt.datetime | None]
    signed_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    signed_at: Mapped[dt.datetime | None]
    #: The signer's name: their LMS account's name at signing (``signed_with_account``), or
    #: for signatures made before that, the name they typed.
    signature_name: Mapped[str | None] = mapped_column(String(255))
    #: The signature is the signed-in guardian's own account (False: an older typed name).
    signed_with_account: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: The guardian confirmed "I have reviewed this plan with my child" when signing.
    reviewed_with_child: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: The review status of this school year's plan (see ``ReviewStatus``).
    status: Mapped[ReviewStatus] = mapped_column(
        enum_string(ReviewStatus, "status"),
        default=ReviewStatus.DRAFT,
        server_default=ReviewStatus.DRAFT.value,
    )
    submitted_at: Mapped[dt.datetime | None]
    returned_at: Mapped[dt.datetime | None]
    returned_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class ResumeSettings(Model):
    """What the student's resume shows: the order of its sections, the sections left out, the
    entries hidden and the contact details shown.

    Keys and ids only, never text: the resume always reads the words from the plan, so an edit
    to the plan shows in the resume without retyping. One row per plan, made on the first save;
    a plan without one shows every section in the default order.
    """

    __tablename__ = "resume_settings"

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), unique=True)
    #: Section keys in the order the student chose (``lti_tool.plans.resume.SECTIONS``).
    section_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Sections the student left out (new sections are in until left out).
    left_out: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Hidden entries by section key: row ids (as text) or profile field names.
    hidden: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    #: Contact details shown under the name: ``email``, ``grade``.
    contact: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class PlanSettings(Model):
    """A tenant's choices about plans; a tenant without a row has the defaults."""

    __tablename__ = "plan_settings"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    #: The first grade of the course plan: 9 (four years), or 6, 7 or 8 where the district
    #: plans middle school courses too.
    course_plan_first_grade: Mapped[int] = mapped_column(Integer, default=9)
    #: The district's grade scale (``grade_scale.SCALES``): ``plus_minus`` or ``letters``.
    grade_scale: Mapped[str] = mapped_column(
        String(20), default="plus_minus", server_default="plus_minus"
    )
    updated_at: Mapped[updated_at]


class JourneyStep(Model):
    """A district's change to the grade 6-12 journey: a shipped step edited or hidden (same
    ``key``), or a step of its own (a new ``key``). The shipped defaults live in
    ``plans/data/journey.json``; see ``plans.journey``."""

    __tablename__ = "journey_steps"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    grade: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    #: The completion check's name, or None when the student ticks the step.
    check: Mapped[str | None] = mapped_column(String(60))
    at_least: Mapped[int] = mapped_column(Integer, default=1)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class JourneyTick(Model):
    """A journey step the student ticked as done (steps without a completion check)."""

    __tablename__ = "journey_ticks"
    __table_args__ = (UniqueConstraint("plan_id", "step_key"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[created_at]

"""Postsecondary and financial planning: the student's list of schools and programs with an
application tracker, the district's program catalogue, and the financial-planning checklist
by grade (the tenant's adaptations of the shipped list, and the items a student ticked).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import created_at, enum_string, intpk, updated_at
from lti_tool.extensions import Model


class ProgramKind(enum.StrEnum):
    """What kind of next step a school or program is."""

    TWO_YEAR = "two_year"
    FOUR_YEAR = "four_year"
    APPRENTICESHIP = "apprenticeship"
    CTE_CERTIFICATE = "cte_certificate"
    MILITARY = "military"
    WORK = "work"


class ApplicationStatus(enum.StrEnum):
    """Where the student's application to one school or program stands."""

    RESEARCHING = "researching"
    PLANNING_TO_APPLY = "planning_to_apply"
    APPLYING = "applying"
    APPLIED = "applied"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    NOT_ACCEPTED = "not_accepted"
    ENROLLED = "enrolled"
    NOT_GOING = "not_going"


class ApplicationTaskKind(enum.StrEnum):
    """Something an application asks for."""

    ESSAY = "essay"
    LETTER = "letter"


class ApplicationTaskStatus(enum.StrEnum):
    """Where an essay or a recommendation letter stands."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class CatalogueProgram(Model):
    """A school or program in a district's catalogue (replaced as a whole by an import)."""

    __tablename__ = "catalogue_programs"

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ProgramKind] = mapped_column(enum_string(ProgramKind, "kind"))
    name: Mapped[str] = mapped_column(String(255))
    institution: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    #: Two-letter postal code ("OR"), or empty.
    state: Mapped[str] = mapped_column(String(2), default="")
    url: Mapped[str | None] = mapped_column(String(2048))
    #: Credential the program leads to ("Associate's degree", "Journeyworker card").
    credential: Mapped[str] = mapped_column(String(120), default="")
    #: Classification of Instructional Programs code as given ("51.3801" or "5138").
    cip_code: Mapped[str | None] = mapped_column(String(10))
    #: "Public", "Private nonprofit", "Private for-profit" or empty.
    control: Mapped[str] = mapped_column(String(40), default="")
    #: Whole US dollars; None when not known.
    cost_per_year: Mapped[int | None] = mapped_column(Integer)
    tuition_in_state: Mapped[int | None] = mapped_column(Integer)
    tuition_out_of_state: Mapped[int | None] = mapped_column(Integer)
    #: IPEDS unit id of the institution (College Scorecard's UNITID).
    unit_id: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Where the row came from: "district" (our columns) or "college-scorecard".
    source: Mapped[str] = mapped_column(String(40))
    #: The release the admin named on import ("Most-Recent-Cohorts-Institution, 2026-03").
    source_release: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[created_at]


class PostsecondaryOption(Model):
    """A school or program the student is considering, with their application tracker."""

    __tablename__ = "postsecondary_options"

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    #: The catalogue row it was picked from (None when typed, or the catalogue was replaced).
    catalogue_program_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalogue_programs.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[ProgramKind] = mapped_column(enum_string(ProgramKind, "kind"))
    name: Mapped[str] = mapped_column(String(255))
    institution: Mapped[str] = mapped_column(String(255), default="")
    location: Mapped[str] = mapped_column(String(160), default="")
    url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_string(ApplicationStatus, "status"), default=ApplicationStatus.RESEARCHING
    )
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Ids of the plan's goals this option serves.
    goal_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: SOC 2018 occupation codes ("15-1252") it leads to.
    soc_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    tasks: Mapped[list[ApplicationTask]] = relationship(
        back_populates="option", cascade="all, delete-orphan", order_by="ApplicationTask.id"
    )


class ApplicationTask(Model):
    """An essay or recommendation letter an application asks for."""

    __tablename__ = "application_tasks"

    id: Mapped[intpk]
    option_id: Mapped[int] = mapped_column(
        ForeignKey("postsecondary_options.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ApplicationTaskKind] = mapped_column(enum_string(ApplicationTaskKind, "kind"))
    #: The essay prompt or the letter writer, in the student's words.
    name: Mapped[str] = mapped_column(String(500))
    status: Mapped[ApplicationTaskStatus] = mapped_column(
        enum_string(ApplicationTaskStatus, "status"), default=ApplicationTaskStatus.NOT_STARTED
    )
    created_at: Mapped[created_at]

    option: Mapped[PostsecondaryOption] = relationship(back_populates="tasks")


class ChecklistAdaptation(Model):
    """A tenant's change to the financial-planning checklist: an edited or hidden shipped item
    (same ``key``), or an item of its own (``key`` starting ``local-``)."""

    __tablename__ = "checklist_adaptations"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(60))
    grade: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class ChecklistTick(Model):
    """A financial-planning checklist item the student marked done."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (UniqueConstraint("plan_id", "item_key"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[created_at]

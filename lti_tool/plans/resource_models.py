"""Community resources a district curates (tutoring, food, jobs and training, ...), and the
recommendations counselors make from them into a student's plan.

Resources belong to one tenant; counselors and admins add, edit and hide them. A
recommendation hangs off the plan (it goes with the plan) and names who made it and when;
the student marks it done or dismisses it.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import UTCDateTime, created_at, enum_string, intpk, updated_at
from lti_tool.extensions import Model


class ResourceCategory(enum.StrEnum):
    """What a community resource helps with."""

    TUTORING = "tutoring"
    MENTAL_HEALTH = "mental_health"
    FOOD = "food"
    JOBS_TRAINING = "jobs_training"
    COLLEGE_ACCESS = "college_access"
    FINANCIAL_AID = "financial_aid"
    TRANSPORT = "transport"
    OTHER = "other"


class RecommendationStatus(enum.StrEnum):
    """Where a recommendation stands for the student."""

    OPEN = "open"
    DONE = "done"
    DISMISSED = "dismissed"


class CommunityResource(Model):
    """A resource of the district's list: who offers what, for whom, and how to reach it."""

    __tablename__ = "community_resources"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    category: Mapped[ResourceCategory] = mapped_column(
        enum_string(ResourceCategory, "category"), default=ResourceCategory.OTHER
    )
    description: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(320))
    url: Mapped[str | None] = mapped_column(String(2048))
    #: Who it serves, in the district's words ("Grades 9-12", "Families of the district").
    serves: Mapped[str] = mapped_column(String(255), default="")
    #: Hidden resources stay for the recommendations that name them, but are not offered.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]


class ResourceRecommendation(Model):
    """A counselor's recommendation of a resource to a student, in the student's plan."""

    __tablename__ = "resource_recommendations"
    __table_args__ = (UniqueConstraint("plan_id", "resource_id"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("community_resources.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    recommended_by: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_string(RecommendationStatus, "status"), default=RecommendationStatus.OPEN
    )
    #: When the student marked it done or dismissed it (None while open).
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    resource: Mapped[CommunityResource] = relationship()

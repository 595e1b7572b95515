"""Occupation reference data: the loaded O*NET release, and districts' cluster crosswalks.

O*NET rows are global: one release for every tenant, replaced whole by
``ilp reference load-onet``. A district's crosswalk lines (``ilp reference load-crosswalk``)
belong to its tenant and are replaced whole too.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import created_at, intpk
from lti_tool.extensions import Model


class OnetRelease(Model):
    """The O*NET database release that is loaded (at most one row)."""

    __tablename__ = "onet_releases"

    id: Mapped[intpk]
    #: The release as O*NET names it, e.g. "O*NET 30.1 Database".
    name: Mapped[str] = mapped_column(String(100))
    #: e.g. "December 2025 Release", from the release's "Read Me" file when it has one.
    release_date: Mapped[str | None] = mapped_column(String(100))
    #: The file or folder name it was loaded from (no path).
    source_name: Mapped[str] = mapped_column(String(255))
    occupation_count: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[created_at]


class OnetOccupation(Model):
    """One O*NET-SOC occupation of the loaded release."""

    __tablename__ = "onet_occupations"

    #: e.g. "15-1252.00".
    onet_soc_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: The SOC 2018 detailed code it belongs to, e.g. "15-1252".
    soc_code: Mapped[str] = mapped_column(String(7), index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The six Occupational Interest ("OI") levels, 1-7; None when the release has none.
    realistic: Mapped[float | None] = mapped_column(Float)
    investigative: Mapped[float | None] = mapped_column(Float)
    artistic: Mapped[float | None] = mapped_column(Float)
    social: Mapped[float | None] = mapped_column(Float)
    enterprising: Mapped[float | None] = mapped_column(Float)
    conventional: Mapped[float | None] = mapped_column(Float)
    #: The interest high-point code, first to third ("IH" rows), e.g. "CES".
    high_point_code: Mapped[str | None] = mapped_column(String(3))
    #: Job Zone, 1 (little preparation) to 5 (extensive preparation).
    job_zone: Mapped[int | None] = mapped_column(Integer)

    related: Mapped[list[OnetRelatedOccupation]] = relationship(
        back_populates="occupation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OnetRelatedOccupation.rank",
    )


class OnetRelatedOccupation(Model):
    """A related occupation as O*NET lists it, with its tier and rank."""

    __tablename__ = "onet_related_occupations"
    __table_args__ = (UniqueConstraint("onet_soc_code", "related_code"),)

    id: Mapped[intpk]
    onet_soc_code: Mapped[str] = mapped_column(
        ForeignKey("onet_occupations.onet_soc_code", ondelete="CASCADE")
    )
    related_code: Mapped[str] = mapped_column(String(10))
    #: "Primary-Short", "Primary-Long" or "Supplemental".
    tier: Mapped[str | None] = mapped_column(String(50))
    #: O*NET's "Index": 1 is the most related.
    rank: Mapped[int | None] = mapped_column(Integer)

    occupation: Mapped[OnetOccupation] = relationship(back_populates="related")


class CrosswalkOverride(Model):
    """A district's own line of the SOC -> career cluster crosswalk."""

    __tablename__ = "crosswalk_overrides"
    __table_args__ = (UniqueConstraint("tenant_id", "soc_code"),)

    id: Mapped[intpk]
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: A SOC 2018 group or occupation: "15-0000", "15-1200", "15-1250" or "15-1252".
    soc_code: Mapped[str] = mapped_column(String(7))
    cluster_2024: Mapped[str] = mapped_column(String(120))
    subcluster_2024: Mapped[str | None] = mapped_column(String(120))
    cluster_2008: Mapped[str] = mapped_column(String(120))
    pathway_2008: Mapped[str | None] = mapped_column(String(120))
    basis: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

"""Occupation reference data.

* SOC 2018 occupations, labour-market areas and the BLS OEWS employment and wage figures of
  each occupation in each area, with the release they came from: global, replaced a whole
  release at once by ``ilp reference load-oews`` (``lti_tool.careers.oews``). Codes are the
  published ones: SOC codes ("15-1252") and BLS area codes (seven digits; states by FIPS).
* The loaded O*NET release (global, replaced whole by ``ilp reference load-onet``) and
  districts' cluster crosswalk lines (per tenant, ``ilp reference load-crosswalk``).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import UTCDateTime, created_at, enum_string, intpk, updated_at
from lti_tool.extensions import Model


class SocLevel(enum.StrEnum):
    """A level of the SOC 2018 hierarchy above detailed occupations."""

    MAJOR = "major"
    MINOR = "minor"
    BROAD = "broad"


class AreaKind(enum.StrEnum):
    """What a labour-market area is."""

    NATIONAL = "national"
    STATE = "state"  # a state, the District of Columbia or a territory
    METRO = "metro"  # a metropolitan statistical area (or NECTA)
    NONMETRO = "nonmetro"  # a BLS nonmetropolitan area of a state


class DataRelease(Model):
    """The release of a reference data set now loaded (one row per data set)."""

    __tablename__ = "reference_releases"

    id: Mapped[intpk]
    #: Which data set: "oews".
    dataset: Mapped[str] = mapped_column(String(40), unique=True)
    #: Who published it, as a page names it.
    source: Mapped[str] = mapped_column(String(255))
    #: The release as its publisher names it: "May 2025".
    release: Mapped[str] = mapped_column(String(80))
    #: The publisher's code of the release: "2025A01".
    release_code: Mapped[str] = mapped_column(String(40))
    #: When the files were fetched from the publisher (None when the file does not say).
    retrieved_on: Mapped[dt.date | None] = mapped_column(Date)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Facts of the release a page needs: for OEWS the wage top codes and the row counts.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SocGroup(Model):
    """A SOC 2018 major, minor or broad group listed by the release."""

    __tablename__ = "soc_groups"

    code: Mapped[str] = mapped_column(String(7), primary_key=True)  # "15-1200"
    level: Mapped[SocLevel] = mapped_column(enum_string(SocLevel, "level", 10))
    title: Mapped[str] = mapped_column(String(255))


class Occupation(Model):
    """A detailed SOC 2018 occupation."""

    __tablename__ = "occupations"

    soc_code: Mapped[str] = mapped_column(String(7), primary_key=True)  # "15-1252"
    title: Mapped[str] = mapped_column(String(255))
    major_group: Mapped[str] = mapped_column(String(7), index=True)  # "15-0000"
    minor_group: Mapped[str] = mapped_column(String(7))  # "15-1200"
    broad_group: Mapped[str] = mapped_column(String(7))  # "15-1250"


class LaborArea(Model):
    """The nation, a state, or a metropolitan or nonmetropolitan area."""

    __tablename__ = "labor_areas"
    __table_args__ = (Index("ix_labor_areas_kind_state_code", "kind", "state_code"),)

    code: Mapped[str] = mapped_column(String(7), primary_key=True)  # BLS area code
    kind: Mapped[AreaKind] = mapped_column(enum_string(AreaKind, "kind", 10))
    name: Mapped[str] = mapped_column(String(255))
    #: FIPS code of the state BLS files the area under; None for the nation.
    state_code: Mapped[str | None] = mapped_column(String(2))


class LaborAreaState(Model):
    """A state an area lies in: a metro spanning states ("NY-NJ-PA") has a row for each."""

    __tablename__ = "labor_area_states"

    area_code: Mapped[str] = mapped_column(
        ForeignKey("labor_areas.code", ondelete="CASCADE"), primary_key=True
    )
    state_code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class OccupationFigure(Model):
    """The OEWS figures of one occupation in one area (cross-industry, all ownerships).

    ``None`` where BLS releases no figure. A wage at or above BLS's top code is ``None`` too,
    and its column is named in ``top_coded`` (the cap is in the release's details).
    """

    __tablename__ = "occupation_figures"
    __table_args__ = (
        Index("ix_occupation_figures_area_code_employment", "area_code", "employment"),
        Index(
            "ix_occupation_figures_area_code_location_quotient", "area_code", "location_quotient"
        ),
    )

    occupation_code: Mapped[str] = mapped_column(
        ForeignKey("occupations.soc_code", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(
        ForeignKey("labor_areas.code", ondelete="CASCADE"), primary_key=True
    )
    employment: Mapped[int | None] = mapped_column(Integer)
    employment_per_1000: Mapped[float | None] = mapped_column(Float)
    location_quotient: Mapped[float | None] = mapped_column(Float)
    annual_p10: Mapped[int | None] = mapped_column(Integer)
    annual_p25: Mapped[int | None] = mapped_column(Integer)
    annual_median: Mapped[int | None] = mapped_column(Integer)
    annual_p75: Mapped[int | None] = mapped_column(Integer)
    annual_p90: Mapped[int | None] = mapped_column(Integer)
    hourly_median: Mapped[float | None] = mapped_column(Float)
    #: The wage columns at or above the top code, e.g. ["annual_p90"].
    top_coded: Mapped[list[str]] = mapped_column(JSON, default=list)


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


class SavedOccupation(Model):
    """An occupation a student saved to their plan, with a note of their own."""

    __tablename__ = "plan_saved_occupations"
    __table_args__ = (UniqueConstraint("plan_id", "soc_code"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    #: SOC 2018 detailed occupation code, e.g. "15-1252".
    soc_code: Mapped[str] = mapped_column(String(7), index=True)
    #: The student's own words about why (may be empty).
    note: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[created_at]


class CareerAreaDefault(Model):
    """A district's default state and metro for career pages (a student may choose their own)."""

    __tablename__ = "career_area_defaults"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    #: A state's FIPS code ("36"); None for no default.
    state_code: Mapped[str | None] = mapped_column(String(2))
    #: A BLS metropolitan or nonmetropolitan area code ("0035620"); None for no default.
    metro_code: Mapped[str | None] = mapped_column(String(7))
    updated_at: Mapped[updated_at]

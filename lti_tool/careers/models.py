"""Occupation reference data: SOC 2018 occupations, labour-market areas and the BLS OEWS
employment and wage figures of each occupation in each area, with the release they came from.

Global reference data (no tenant): ``ilp reference load-oews`` replaces a whole release at
once (``lti_tool.careers.oews``). Codes are the published ones: SOC codes ("15-1252") and BLS
area codes (seven digits; states by FIPS code).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import UTCDateTime, enum_string, intpk
from lti_tool.extensions import db


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


class DataRelease(db.Model):
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


class SocGroup(db.Model):
    """A SOC 2018 major, minor or broad group listed by the release."""

    __tablename__ = "soc_groups"

    code: Mapped[str] = mapped_column(String(7), primary_key=True)  # "15-1200"
    level: Mapped[SocLevel] = mapped_column(enum_string(SocLevel, "level", 10))
    title: Mapped[str] = mapped_column(String(255))


class Occupation(db.Model):
    """A detailed SOC 2018 occupation."""

    __tablename__ = "occupations"

    soc_code: Mapped[str] = mapped_column(String(7), primary_key=True)  # "15-1252"
    title: Mapped[str] = mapped_column(String(255))
    major_group: Mapped[str] = mapped_column(String(7), index=True)  # "15-0000"
    minor_group: Mapped[str] = mapped_column(String(7))  # "15-1200"
    broad_group: Mapped[str] = mapped_column(String(7))  # "15-1250"


class LaborArea(db.Model):
    """The nation, a state, or a metropolitan or nonmetropolitan area."""

    __tablename__ = "labor_areas"
    __table_args__ = (Index("ix_labor_areas_kind_state_code", "kind", "state_code"),)

    code: Mapped[str] = mapped_column(String(7), primary_key=True)  # BLS area code
    kind: Mapped[AreaKind] = mapped_column(enum_string(AreaKind, "kind", 10))
    name: Mapped[str] = mapped_column(String(255))
    #: FIPS code of the state BLS files the area under; None for the nation.
    state_code: Mapped[str | None] = mapped_column(String(2))


class LaborAreaState(db.Model):
    """A state an area lies in: a metro spanning states ("NY-NJ-PA") has a row for each."""

    __tablename__ = "labor_area_states"

    area_code: Mapped[str] = mapped_column(
        ForeignKey("labor_areas.code", ondelete="CASCADE"), primary_key=True
    )
    state_code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class OccupationFigure(db.Model):
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

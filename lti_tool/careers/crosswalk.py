"""The crosswalk from SOC 2018 occupations to the career cluster frameworks.

The project ships one (``data/soc_cluster_crosswalk.csv``, written by this project: a
judgment, with the reason for every line in its ``basis`` column). A district may load its
own lines (``ilp reference load-crosswalk --tenant T FILE``, same CSV layout), which replace
that tenant's earlier ones.

A line names a SOC 2018 major group (``"15-0000"``), minor group (``"15-1200"``), broad
occupation (``"15-1250"``) or detailed occupation (``"15-1252"``); the most specific line that
contains an occupation wins. A district's lines are looked at first: when one of them
contains the occupation, the most specific of them wins, and the project's lines are not
consulted; otherwise the project's most specific line does.

Every line gives a 2024 cluster and a 2008 cluster; the 2024 sub-cluster and the 2008
pathway are given where one fits (blank where the group spans several). Codes are the
codes of :mod:`lti_tool.plans.reference`, checked on every load.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from sqlalchemy import delete, select

from lti_tool.careers.models import CrosswalkOverride
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import Tenant
from lti_tool.plans import reference

__all__ = [
    "COLUMNS",
    "MAJOR_GROUPS",
    "ClusterMatch",
    "CrosswalkLine",
    "clusters_for",
    "clusters_for_many",
    "load_district_crosswalk",
    "parse_crosswalk",
    "project_crosswalk",
    "soc_lookup_codes",
]

#: The CSV header, in this order.
COLUMNS = ("soc_code", "cluster_2024", "subcluster_2024", "cluster_2008", "pathway_2008", "basis")

#: The 23 major groups of SOC 2018.
MAJOR_GROUPS = {
    "11-0000": "Management",
    "13-0000": "Business and Financial Operations",
    "15-0000": "Computer and Mathematical",
    "17-0000": "Architecture and Engineering",
    "19-0000": "Life, Physical, and Social Science",
    "21-0000": "Community and Social Service",
    "23-0000": "Legal",
    "25-0000": "Educational Instruction and Library",
    "27-0000": "Arts, Design, Entertainment, Sports, and Media",
    "29-0000": "Healthcare Practitioners and Technical",
    "31-0000": "Healthcare Support",
    "33-0000": "Protective Service",
    "35-0000": "Food Preparation and Serving Related",
    "37-0000": "Building and Grounds Cleaning and Maintenance",
    "39-0000": "Personal Care and Service",
    "41-0000": "Sales and Related",
    "43-0000": "Office and Administrative Support",
    "45-0000": "Farming, Fishing, and Forestry",
    "47-0000": "Construction and Extraction",
    "49-0000": "Installation, Maintenance, and Repair",
    "51-0000": "Production",
    "53-0000": "Transportation and Material Moving",
    "55-0000": "Military Specific",
}

Source = Literal["district", "project"]

_PROJECT_FILE = "soc_cluster_crosswalk.csv"
_SOC = re.compile(r"^(?P<major>[1-5][0-9])-(?P<rest>[0-9]{4})$")
_ONET_SOC = re.compile(r"^([1-5][0-9]-[0-9]{4})\.[0-9]{2}$")
_MAX_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class CrosswalkLine:
    """One line of a crosswalk file."""

    soc_code: str
    cluster_2024: str
    subcluster_2024: str | None
    cluster_2008: str
    pathway_2008: str | None
    basis: str


@dataclass(frozen=True, slots=True)
class ClusterMatch:
    """Where an occupation falls in both frameworks, and which line said so."""

    #: The code asked about (SOC 2018, without an O*NET ".00" suffix).
    soc_code: str
    #: The SOC code of the line that matched (the occupation itself or a group of it).
    matched_code: str
    cluster_2024: str
    subcluster_2024: str | None
    cluster_2008: str
    pathway_2008: str | None
    basis: str
    #: "district" (the tenant's own crosswalk) or "project" (Lodestar's).
    source: Source


def soc_lookup_codes(soc_code: str) -> tuple[str, ...]:
    """The codes that may contain ``soc_code``, most specific first.

    ``"15-1252"`` (or the O*NET-SOC ``"15-1252.00"``) gives ``("15-1252", "15-1250",
    "15-1200", "15-0000")``; a group code gives itself and the groups above it.
    """
    code = _normal_soc(soc_code)
    if code is None:
        raise InvalidInput(
            f"{soc_code!r} is not a SOC 2018 code; codes look like '15-1252' or '15-1252.00'"
        )
    major, rest = code[:2], code[3:]
    candidates = [
        code,
        f"{major}-{rest[:3]}0",
        f"{major}-{rest[:2]}00",
        f"{major}-{rest[0]}000",
        f"{major}-0000",
    ]
    return tuple(dict.fromkeys(candidates))


def parse_crosswalk(text: str, *, source: str = "crosswalk") -> list[CrosswalkLine]:
    """Read and check a crosswalk CSV; every problem is reported at once with its line."""
    if "\x00" in text:
        raise InvalidInput(f"{source}: the file holds a NUL byte; is it really a CSV file?")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        rows = list(reader)
    except csv.Error as err:
        raise InvalidInput(f"{source}: not a readable CSV file ({err})") from None
    if not rows:
        raise InvalidInput(f"{source}: the file is empty")
    header = tuple(cell.strip().lower() for cell in rows[0])
    if header != COLUMNS:
        raise InvalidInput(
            f"{source}: the first line must be the header {','.join(COLUMNS)} "
            f"(found {','.join(rows[0])[:200]!r})"
        )
    problems: list[str] = []
    lines: list[CrosswalkLine] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            problems.append(f"line {number}: {len(row)} fields, expected {len(COLUMNS)}")
            continue
        soc, c24, s24, c08, p08, basis = (cell.strip() for cell in row)
        line_problems = _check_line(soc, c24, s24, c08, p08, basis)
        if soc in seen:
            line_problems.append(f"SOC code {soc} is already on line {seen[soc]}")
        seen.setdefault(soc, number)
        if line_problems:
            problems.extend(f"line {number}: {p}" for p in line_problems)
            continue
        lines.append(
            CrosswalkLine(
                soc_code=soc,
                cluster_2024=c24,
                subcluster_2024=s24 or None,
                cluster_2008=c08,
                pathway_2008=p08 or None,
                basis=basis,
            )
        )
    if problems:
        shown = problems[:20]
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise InvalidInput(f"{source}: " + "; ".join(shown) + more)
    if not lines:
        raise InvalidInput(f"{source}: the file has a header but no lines")
    return lines


@functools.cache
def project_crosswalk() -> tuple[CrosswalkLine, ...]:
    """The crosswalk this project ships (``data/soc_cluster_crosswalk.csv``)."""
    entry = resources.files("lti_tool.careers") / "data" / _PROJECT_FILE
    return tuple(parse_crosswalk(entry.read_text(encoding="utf-8"), source=_PROJECT_FILE))


@functools.cache
def _project_index() -> dict[str, CrosswalkLine]:
    return {line.soc_code: line for line in project_crosswalk()}


def clusters_for(soc_code: str, tenant_id: int | None = None) -> ClusterMatch | None:
    """Where ``soc_code`` falls in the 2024 and 2008 frameworks.

    The tenant's own lines win when one of them contains the occupation; otherwise the
    project's. None when no line contains it (never for a code of a SOC major group, which
    the project's crosswalk covers whole).
    """
    candidates = soc_lookup_codes(soc_code)
    district: dict[str, CrosswalkOverride] = {}
    if tenant_id is not None:
        rows = db.session.scalars(
            select(CrosswalkOverride).where(
                CrosswalkOverride.tenant_id == tenant_id,
                CrosswalkOverride.soc_code.in_(candidates),
            )
        ).all()
        district = {row.soc_code: row for row in rows}
    return _match(candidates, district)


def clusters_for_many(
    soc_codes: Iterable[str], tenant_id: int | None = None
) -> dict[str, ClusterMatch]:
    """:func:`clusters_for` of many codes at once, by code, in one query whatever their
    number (codes no line contains are left out)."""
    district: dict[str, CrosswalkOverride] = {}
    if tenant_id is not None:
        district = {
            row.soc_code: row
            for row in db.session.scalars(
                select(CrosswalkOverride).where(CrosswalkOverride.tenant_id == tenant_id)
            )
        }
    found: dict[str, ClusterMatch] = {}
    for code in soc_codes:
        match = _match(soc_lookup_codes(code), district)
        if match is not None:
            found[code] = match
    return found


def _match(
    candidates: tuple[str, ...], district: dict[str, CrosswalkOverride]
) -> ClusterMatch | None:
    asked = candidates[0]
    for code in candidates:
        row = district.get(code)
        if row is not None:
            return ClusterMatch(
                soc_code=asked,
                matched_code=row.soc_code,
                cluster_2024=row.cluster_2024,
                subcluster_2024=row.subcluster_2024,
                cluster_2008=row.cluster_2008,
                pathway_2008=row.pathway_2008,
                basis=row.basis,
                source="district",
            )
    index = _project_index()
    for code in candidates:
        line = index.get(code)
        if line is not None:
            return ClusterMatch(
                soc_code=asked,
                matched_code=line.soc_code,
                cluster_2024=line.cluster_2024,
                subcluster_2024=line.subcluster_2024,
                cluster_2008=line.cluster_2008,
                pathway_2008=line.pathway_2008,
                basis=line.basis,
                source="project",
            )
    return None


def load_district_crosswalk(tenant_id: int, data: bytes, *, source: str = "crosswalk") -> int:
    """Replace the tenant's crosswalk lines with those of ``data`` (a CSV file's bytes).

    All or nothing: the file is checked whole first, then the old lines are deleted and the
    new ones written in one transaction. Returns the number of lines loaded.
    """
    if db.session.get(Tenant, tenant_id) is None:
        raise InvalidInput(f"there is no tenant {tenant_id} (see `ilp platforms tenants`)")
    if len(data) > _MAX_BYTES:
        raise InvalidInput(
            f"{source}: larger than {_MAX_BYTES // 1_000_000} MB; is it the right file?"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{source}: not UTF-8 text; save the CSV as UTF-8") from None
    lines = parse_crosswalk(text, source=source)
    try:
        db.session.execute(
            delete(CrosswalkOverride).where(CrosswalkOverride.tenant_id == tenant_id)
        )
        db.session.add_all(_override_rows(tenant_id, lines))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(lines)


def _override_rows(tenant_id: int, lines: Iterable[CrosswalkLine]) -> list[CrosswalkOverride]:
    return [
        CrosswalkOverride(
            tenant_id=tenant_id,
            soc_code=line.soc_code,
            cluster_2024=line.cluster_2024,
            subcluster_2024=line.subcluster_2024,
            cluster_2008=line.cluster_2008,
            pathway_2008=line.pathway_2008,
            basis=line.basis,
        )
        for line in lines
    ]


def _normal_soc(value: str) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    onet = _ONET_SOC.match(value)
    if onet:
        value = onet.group(1)
    return value if _SOC.match(value) else None


def _check_line(soc: str, c24: str, s24: str, c08: str, p08: str, basis: str) -> list[str]:
    problems: list[str] = []
    if not _SOC.match(soc):
        problems.append(f"{soc!r} is not a SOC 2018 code like '15-0000' or '15-1252'")
    elif soc[:2] + "-0000" not in MAJOR_GROUPS:
        problems.append(f"{soc!r} is in no SOC 2018 major group")
    problems.extend(_check_code(c24, s24, "2024"))
    problems.extend(_check_code(c08, p08, "2008"))
    if not basis:
        problems.append("the basis column is empty; say why the line maps as it does")
    elif len(basis) > 1000:
        problems.append("the basis is longer than 1000 characters")
    return problems


def _check_code(cluster_code: str, pathway_code: str, version: str) -> list[str]:
    kind = "sub-cluster" if version == "2024" else "pathway"
    if not cluster_code:
        return [f"no {version} cluster"]
    try:
        found = reference.cluster(cluster_code)
    except reference.UnknownCodeError as err:
        return [str(err)]
    if found.version != version:
        return [f"{cluster_code!r} is not a {version} cluster"]
    if pathway_code:
        try:
            found.pathway(pathway_code)
        except reference.UnknownCodeError:
            return [f"{pathway_code!r} is not a {kind} of {cluster_code!r}"]
    return []

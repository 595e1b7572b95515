"""Interest (RIASEC) profiles of occupations: O*NET's when loaded, else Lodestar's estimate.

Until a district loads an O*NET release, each SOC 2018 minor group has a Holland code written
by this project (``data/riasec_estimates.csv``, with the reason in its ``basis`` column). It
is labelled "Lodestar's estimate" wherever it is shown, and is not O*NET data.
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

from sqlalchemy import select

from lti_tool.careers import onet
from lti_tool.careers.crosswalk import soc_lookup_codes
from lti_tool.careers.models import OnetOccupation
from lti_tool.extensions import db

__all__ = [
    "ESTIMATE_LABEL",
    "Estimate",
    "InterestProfile",
    "estimates",
    "interest_profile",
    "interest_profiles",
]

ESTIMATE_LABEL = "Lodestar's estimate"
_ESTIMATES_FILE = "riasec_estimates.csv"
_HOLLAND = re.compile(r"^(?!.*(.).*\1)[RIASEC]{1,3}$")
_MINOR = re.compile(r"^[1-5][0-9]-[0-9]{2}00$")


@dataclass(frozen=True, slots=True)
class Estimate:
    """Lodestar's Holland code for one SOC 2018 minor group."""

    soc_code: str
    holland_code: str
    basis: str


@dataclass(frozen=True, slots=True)
class InterestProfile:
    """An occupation's interests, and whose they are."""

    #: The SOC code asked about.
    soc_code: str
    #: The Holland (high-point) code, most characteristic first, e.g. "IRC".
    code: str
    #: "onet" (from the loaded O*NET release) or "estimate" (Lodestar's estimate).
    source: Literal["onet", "estimate"]
    #: What to show as the source: "O*NET 30.1 Database" or "Lodestar's estimate".
    label: str
    #: O*NET only: the O*NET-SOC occupation the profile is of, e.g. "15-1252.00".
    onet_soc_code: str | None = None
    #: O*NET only: the six Occupational Interest levels (1-7) by letter.
    scores: dict[str, float] | None = None
    #: O*NET only: the credit O*NET's license requires, to show with the profile.
    attribution: str | None = None
    #: Estimate only: the minor group the estimate is for, and why it says what it says.
    group_code: str | None = None
    basis: str | None = None


def parse_estimates(text: str, *, source: str = _ESTIMATES_FILE) -> tuple[Estimate, ...]:
    """Read and check an estimates CSV (``soc_code,holland_code,basis``)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or [c.strip() for c in rows[0]] != ["soc_code", "holland_code", "basis"]:
        raise ValueError(f"{source}: the header must be soc_code,holland_code,basis")
    found: dict[str, Estimate] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 3:
            raise ValueError(f"{source} line {number}: expected 3 fields")
        soc, code, basis = (c.strip() for c in row)
        if not _MINOR.match(soc):
            raise ValueError(f"{source} line {number}: {soc!r} is not a SOC minor group code")
        if not _HOLLAND.match(code):
            raise ValueError(f"{source} line {number}: {code!r} is not a Holland code")
        if not basis:
            raise ValueError(f"{source} line {number}: no basis")
        if soc in found:
            raise ValueError(f"{source} line {number}: {soc} appears twice")
        found[soc] = Estimate(soc_code=soc, holland_code=code, basis=basis)
    return tuple(found.values())


@functools.cache
def estimates() -> dict[str, Estimate]:
    """Lodestar's estimates by SOC minor group code."""
    entry = resources.files("lti_tool.careers") / "data" / _ESTIMATES_FILE
    return {e.soc_code: e for e in parse_estimates(entry.read_text(encoding="utf-8"))}


def interest_profile(soc_code: str) -> InterestProfile | None:
    """The interest profile of ``soc_code`` (SOC 2018, or an O*NET-SOC code).

    O*NET's profile when a release is loaded and has one for the occupation; otherwise
    Lodestar's estimate for its minor group. None when neither has one.
    """
    candidates = soc_lookup_codes(soc_code)
    asked = soc_code.strip()
    occupation = _onet_occupation(asked, candidates[0])
    if occupation is not None:
        profile = _from_onet(occupation, candidates[0], _onet_label())
        if profile is not None:
            return profile
    return _from_estimate(candidates)


def interest_profiles(soc_codes: Iterable[str]) -> dict[str, InterestProfile]:
    """The interest profiles of many SOC 2018 codes at once, by code, in two queries
    whatever their number (the same answers as :func:`interest_profile`; codes without a
    profile are left out)."""
    codes = list(dict.fromkeys(c.strip() for c in soc_codes))
    by_soc: dict[str, OnetOccupation] = {}
    rows = db.session.scalars(select(OnetOccupation).order_by(OnetOccupation.onet_soc_code))
    for row in rows:
        if (row.high_point_code or row.realistic is not None) and row.soc_code not in by_soc:
            by_soc[row.soc_code] = row
    label = _onet_label() if by_soc else "O*NET Database"
    found: dict[str, InterestProfile] = {}
    for code in codes:
        candidates = soc_lookup_codes(code)
        occupation = by_soc.get(candidates[0])
        profile = _from_onet(occupation, candidates[0], label) if occupation else None
        if profile is None:
            profile = _from_estimate(candidates)
        if profile is not None:
            found[code] = profile
    return found


def _onet_label() -> str:
    release = onet.current_release()
    return release.name if release is not None else "O*NET Database"


def _from_onet(occupation: OnetOccupation, soc: str, label: str) -> InterestProfile | None:
    scores = {
        letter: value
        for letter, name, _ in onet.RIASEC
        if (value := getattr(occupation, name.lower())) is not None
    }
    code = occupation.high_point_code or _top_three(scores)
    if not code:
        return None
    return InterestProfile(
        soc_code=soc,
        code=code,
        source="onet",
        label=label,
        onet_soc_code=occupation.onet_soc_code,
        scores=scores or None,
        attribution=onet.attribution(label),
    )


def _from_estimate(candidates: tuple[str, ...]) -> InterestProfile | None:
    table = estimates()
    for group in candidates:
        estimate = table.get(group)
        if estimate is not None:
            return InterestProfile(
                soc_code=candidates[0],
                code=estimate.holland_code,
                source="estimate",
                label=ESTIMATE_LABEL,
                group_code=estimate.soc_code,
                basis=estimate.basis,
            )
    return None


def _onet_occupation(asked: str, soc: str) -> OnetOccupation | None:
    if "." in asked:
        exact = db.session.get(OnetOccupation, asked)
        if exact is not None:
            return exact
    rows = db.session.scalars(
        select(OnetOccupation)
        .where(OnetOccupation.soc_code == soc)
        .order_by(OnetOccupation.onet_soc_code)
    ).all()
    with_interests = [r for r in rows if r.high_point_code or r.realistic is not None]
    return with_interests[0] if with_interests else None


def _top_three(scores: dict[str, float]) -> str:
    """The three highest levels, for a release that gives levels but no high-points."""
    order = "RIASEC"
    ranked = sorted(scores, key=lambda letter: (-scores[letter], order.index(letter)))
    return "".join(ranked[:3])

"""Career matchmaking: the loaded occupations ranked for one student, each with its reasons.

What counts, and how much (a score; higher is a better fit):

* **Interests**: the student's Holland code from the interest inventory ("ISR") against the
  occupation's (O*NET's when a release is loaded, else Lodestar's estimate for its SOC minor
  group, ``careers.interests``). Letters weigh 3, 2 and 1 by their place in each code; a
  shared letter scores the product of its two weights, and the sum is divided by 14 (two
  identical three-letter codes), so interests give 0 to 1.
* **Clusters**: the occupation's career cluster in the plan's framework (the district's
  crosswalk lines first, then the project's, ``careers.crosswalk``) is one the student chose:
  +0.5; its sub-cluster or pathway is one the student chose too: +0.15.
* **Skills**: a skill from the plan's profile (commas, semicolons or lines between skills)
  whose words are all in the occupation's title or O*NET description, compared as every
  matcher compares skills (``lti_tool.plans.skills.skill_words``: case, punctuation,
  British spellings and common endings do not count): +0.1 each, at most three.

Occupations scoring nothing are left out. Ties go to the occupation employing more people in
the nation, then to the SOC code. Everything is loaded in a handful of queries whatever the
number of occupations (``rank`` never queries per occupation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, select

from lti_tool.careers.crosswalk import ClusterMatch, clusters_for_many
from lti_tool.careers.interests import ESTIMATE_LABEL, InterestProfile, interest_profiles
from lti_tool.careers.models import (
    AreaKind,
    LaborArea,
    Occupation,
    OccupationFigure,
    OnetOccupation,
)
from lti_tool.extensions import db
from lti_tool.plans import skills as skills_vocabulary
from lti_tool.plans.inventory import holland_types
from lti_tool.plans.models import Plan
from lti_tool.plans.reading import cluster_name, pathway_name
from lti_tool.plans.skills import SKILL_MAX_LENGTH, skill_words

__all__ = [
    "CLUSTER_POINTS",
    "PATHWAY_POINTS",
    "SKILL_POINTS",
    "Match",
    "Matching",
    "Student",
    "interest_points",
    "rank",
    "rank_for_plan",
    "student_of",
]

CLUSTER_POINTS = 0.5
PATHWAY_POINTS = 0.15
SKILL_POINTS = 0.1
MAX_SKILLS_COUNTED = 3
_WEIGHTS = (3, 2, 1)
_MAX_INTEREST = 14  # 3*3 + 2*2 + 1*1


@dataclass(frozen=True)
class Student:
    """What matching knows of a student."""

    holland_code: str | None
    framework_version: str
    cluster_codes: tuple[str, ...] = ()
    pathway_codes: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.holland_code or self.cluster_codes or self.skills)


@dataclass(frozen=True)
class Match:
    """One occupation, its score and why it matched."""

    soc_code: str
    title: str
    score: float
    #: The occupation's interest profile (None when there is none).
    interests: InterestProfile | None
    #: The student's letters the occupation shares, in the student's order ("IR").
    shared_letters: str
    #: Where the crosswalk puts the occupation (None when no line contains it).
    cluster: ClusterMatch | None
    #: The student's cluster (and pathway) it matched, if any.
    matched_cluster: str | None
    matched_pathway: str | None
    #: The student's skills found in what the work is.
    skills: tuple[str, ...]
    #: Employment in the nation (None when not published).
    employment: int | None
    reasons: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Matching:
    """The ranking for one student."""

    student: Student
    matches: list[Match]
    #: How many occupations were considered.
    considered: int
    #: Whose interest profiles were used: O*NET's release name and/or Lodestar's estimate.
    interest_sources: tuple[str, ...]


def split_skills(text: str | None) -> tuple[str, ...]:
    """A plan's skills text as skills (``plans.skills.split_skills``, lower case)."""
    return tuple(
        dict.fromkeys(
            s.lower() for s in skills_vocabulary.split_skills(text) if len(s) <= SKILL_MAX_LENGTH
        )
    )


def student_of(plan: Plan) -> Student:
    """The student's inputs from their plan."""
    return Student(
        holland_code=plan.inventory_code or None,
        framework_version=plan.framework_version or "2024",
        cluster_codes=tuple(plan.cluster_codes or ()),
        pathway_codes=tuple(plan.pathway_codes or ()),
        skills=split_skills(plan.skills),
    )


def interest_points(student_code: str, occupation_code: str) -> float:
    """How well two Holland codes agree, 0 to 1 (see the module)."""
    total = 0
    for i, letter in enumerate(student_code[:3]):
        j = occupation_code.find(letter, 0, 3)
        if j >= 0:
            total += _WEIGHTS[i] * _WEIGHTS[j]
    return total / _MAX_INTEREST


def rank_for_plan(plan: Plan, *, limit: int | None = None) -> Matching:
    """:func:`rank` for the plan's student, with the district's crosswalk lines."""
    return rank(student_of(plan), tenant_id=plan.tenant_id, limit=limit)


def rank(student: Student, *, tenant_id: int | None, limit: int | None = None) -> Matching:
    """Rank the loaded occupations for ``student`` (see the module for the score)."""
    national = select(LaborArea.code).where(LaborArea.kind == AreaKind.NATIONAL).scalar_subquery()
    rows = db.session.execute(
        select(Occupation.soc_code, Occupation.title, OccupationFigure.employment)
        .outerjoin(
            OccupationFigure,
            and_(
                OccupationFigure.occupation_code == Occupation.soc_code,
                OccupationFigure.area_code == national,
            ),
        )
        .order_by(Occupation.soc_code)
    ).all()
    if student.empty or not rows:
        return Matching(student, [], len(rows), ())
    codes = [r.soc_code for r in rows]
    profiles = interest_profiles(codes) if student.holland_code else {}
    crosswalk = clusters_for_many(codes, tenant_id) if student.cluster_codes else {}
    texts = _descriptions() if student.skills else {}
    wanted = [(s, words) for s in student.skills if (words := skill_words(s))]
    chosen_clusters = set(student.cluster_codes)
    chosen_pathways = set(student.pathway_codes)
    names = holland_types()

    matches: list[Match] = []
    for soc, title, employment in rows:
        score = 0.0
        reasons: list[str] = []
        profile = profiles.get(soc)
        shared = ""
        if profile is not None and student.holland_code:
            points = interest_points(student.holland_code, profile.code)
            shared = "".join(c for c in student.holland_code if c in profile.code[:3])
            if points > 0:
                score += points
                reasons.append(
                    "Shares your interests: "
                    + ", ".join(f"{names[c].name} ({c})" for c in shared)
                    + f" (its code {profile.code}, {profile.label})"
                )
        cluster = crosswalk.get(soc)
        matched_cluster = matched_pathway = None
        if cluster is not None:
            code, pathway = _in_framework(cluster, student.framework_version)
            if code in chosen_clusters:
                matched_cluster = code
                score += CLUSTER_POINTS
                text = f"In your career cluster: {cluster_name(code)}"
                if pathway is not None and pathway in chosen_pathways:
                    matched_pathway = pathway
                    score += PATHWAY_POINTS
                    text += f" ({pathway_name(pathway)})"
                reasons.append(text)
        found: list[str] = []
        if wanted:
            haystack = skill_words(f"{title}\n{texts.get(soc, '')}")
            found = [s for s, words in wanted if words <= haystack]
            if found:
                score += SKILL_POINTS * min(len(found), MAX_SKILLS_COUNTED)
                reasons.append("Uses your skills: " + ", ".join(found))
        if score <= 0:
            continue
        matches.append(
            Match(
                soc_code=soc,
                title=title,
                score=round(score, 4),
                interests=profile,
                shared_letters=shared,
                cluster=cluster,
                matched_cluster=matched_cluster,
                matched_pathway=matched_pathway,
                skills=tuple(found),
                employment=employment,
                reasons=tuple(reasons),
            )
        )
    matches.sort(key=lambda m: (-m.score, -(m.employment or -1), m.soc_code))
    sources = sorted({p.label for p in profiles.values()}, key=lambda s: s == ESTIMATE_LABEL)
    return Matching(
        student,
        matches if limit is None else matches[:limit],
        len(rows),
        tuple(sources),
    )


def _in_framework(cluster: ClusterMatch, version: str) -> tuple[str, str | None]:
    if version == "2008":
        return cluster.cluster_2008, cluster.pathway_2008
    return cluster.cluster_2024, cluster.subcluster_2024


def _descriptions() -> dict[str, str]:
    """O*NET's descriptions by SOC code (empty when no release is loaded); one query."""
    found: dict[str, str] = {}
    for soc, description in db.session.execute(
        select(OnetOccupation.soc_code, OnetOccupation.description).order_by(
            OnetOccupation.onet_soc_code
        )
    ):
        if description:
            found[soc] = f"{found.get(soc, '')}\n{description}"
    return found

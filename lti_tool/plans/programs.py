"""Programs of Study: a district's grades 9-12 course sequences and graduation requirements.

A district (tenant) keeps its own ``ProgramOfStudy`` rows. Until its staff enter their own,
``ensure_default_programs`` gives every tenant three sensible templates written by this
project (Health Science -- Biomedical, Engineering & Technology, General College Prep), linked
to 2024 Career Cluster codes of the shipped reference data. Plan pages call it lazily the first
time a tenant needs programs; the demo may call it up front.

Graduation requirements are credits per *subject*. ``requirement_summary`` adds up a student's
planned and completed course credits against them with one rule for electives: credits beyond
what a required subject needs, and credits of subjects that are not required (including
recommended ones such as a world language), count as electives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from lti_tool.plans import reference
from lti_tool.plans.models import ProgramOfStudy

__all__ = [
    "ELECTIVE",
    "GRADUATION_REQUIREMENTS",
    "SUBJECTS",
    "RequirementRow",
    "default_program_specs",
    "ensure_default_programs",
    "programs",
    "requirement_summary",
    "subject_label",
]

#: Course subjects, in the order pages list them. Keys are stored on course plan entries.
SUBJECTS: dict[str, str] = {
    "english": "English",
    "math": "Mathematics",
    "science": "Science",
    "social_studies": "Social Studies",
    "pe_health": "Physical Education & Health",
    "fine_arts": "Fine Arts",
    "world_language": "World Language",
    "cte": "Career & Technical Education",
    "elective": "Elective",
}

#: The subject that collects every credit no required subject claims.
ELECTIVE = "elective"

#: The district's graduation requirements (24 credits), used by every default program and by
#: plans that have not chosen a program yet.
GRADUATION_REQUIREMENTS: tuple[dict[str, Any], ...] = (
    {"subject": "english", "label": "English", "credits": 4.0},
    {"subject": "math", "label": "Mathematics", "credits": 3.0},
    {"subject": "science", "label": "Science", "credits": 3.0},
    {"subject": "social_studies", "label": "Social Studies", "credits": 3.0},
    {"subject": "pe_health", "label": "Physical Education & Health", "credits": 1.5},
    {"subject": "fine_arts", "label": "Fine Arts", "credits": 1.0},
    {
        "subject": "world_language",
        "label": "World Language (recommended for college)",
        "credits": 2.0,
        "recommended": True,
    },
    {"subject": "elective", "label": "Electives", "credits": 6.5},
)


def subject_label(subject: str) -> str:
    """A subject key as people read it (unknown keys are shown as they are)."""
    return SUBJECTS.get(subject, subject.replace("_", " ").title())


# -- the default templates -------------------------------------------------------------------


def _c(grade: int, course: str, subject: str, credits: float = 1.0) -> dict[str, Any]:
    return {"grade": grade, "course": course, "subject": subject, "credits": credits}


def _core(grade: int) -> list[dict[str, Any]]:
    """English, social studies, world language and PE/Health every program shares."""
    core = {
        9: [
            _c(9, "English 9", "english"),
            _c(9, "World History", "social_studies"),
            _c(9, "Spanish I", "world_language"),
            _c(9, "Physical Education", "pe_health", 0.5),
            _c(9, "Health", "pe_health", 0.5),
        ],
        10: [
            _c(10, "English 10", "english"),
            _c(10, "U.S. History", "social_studies"),
            _c(10, "Spanish II", "world_language"),
            _c(10, "Physical Education 10", "pe_health", 0.5),
        ],
        11: [
            _c(11, "English 11", "english"),
            _c(11, "Government", "social_studies", 0.5),
            _c(11, "Economics", "social_studies", 0.5),
        ],
        12: [_c(12, "English 12", "english"), _c(12, "Personal Finance", "elective", 0.5)],
    }
    return core[grade]


def default_program_specs() -> list[dict[str, Any]]:
    """The three default Programs of Study, as plain data (name, codes, courses)."""
    biomedical = [
        *_core(9),
        _c(9, "Algebra I", "math"),
        _c(9, "Biology", "science"),
        _c(9, "Principles of Biomedical Science", "cte"),
        *_core(10),
        _c(10, "Geometry", "math"),
        _c(10, "Chemistry", "science"),
        _c(10, "Human Body Systems", "cte"),
        *_core(11),
        _c(11, "Algebra II", "math"),
        _c(11, "Anatomy & Physiology", "science"),
        _c(11, "Medical Interventions", "cte"),
        _c(11, "Ceramics", "fine_arts"),
        *_core(12),
        _c(12, "Statistics", "math"),
        _c(12, "AP Biology", "science"),
        _c(12, "Biomedical Innovation", "cte"),
        _c(12, "Medical Terminology", "cte", 0.5),
        _c(12, "Health Careers Internship", "cte"),
    ]
    engineering = [
        *_core(9),
        _c(9, "Algebra I", "math"),
        _c(9, "Biology", "science"),
        _c(9, "Introduction to Engineering Design", "cte"),
        *_core(10),
        _c(10, "Geometry", "math"),
        _c(10, "Chemistry", "science"),
        _c(10, "Principles of Engineering", "cte"),
        *_core(11),
        _c(11, "Algebra II", "math"),
        _c(11, "Physics", "science"),
        _c(11, "Digital Electronics", "cte"),
        _c(11, "Digital Art & Design", "fine_arts"),
        *_core(12),
        _c(12, "Precalculus", "math"),
        _c(12, "AP Physics 1", "science"),
        _c(12, "Engineering Design & Development", "cte"),
        _c(12, "Computer Science Principles", "cte"),
    ]
    college_prep = [
        *_core(9),
        _c(9, "Algebra I", "math"),
        _c(9, "Biology", "science"),
        _c(9, "Art I", "fine_arts"),
        *_core(10),
        _c(10, "Geometry", "math"),
        _c(10, "Chemistry", "science"),
        _c(10, "Study Skills & College Readiness", "elective", 0.5),
        _c(10, "Digital Literacy", "elective", 0.5),
        *_core(11),
        _c(11, "Algebra II", "math"),
        _c(11, "Physics", "science"),
        _c(11, "Psychology", "elective"),
        _c(11, "Journalism", "elective"),
        *_core(12),
        _c(12, "Precalculus", "math"),
        _c(12, "Environmental Science", "science"),
        _c(12, "Senior Seminar", "elective"),
        _c(12, "Creative Writing", "elective"),
    ]
    return [
        {
            "name": "Health Science — Biomedical",
            "cluster_code": "2024.healthcare-human-services",
            "pathway_code": "2024.healthcare-human-services.biotechnology-research-development",
            "courses": biomedical,
        },
        {
            "name": "Engineering & Technology",
            "cluster_code": "2024.advanced-manufacturing",
            "pathway_code": "2024.advanced-manufacturing.engineering",
            "courses": engineering,
        },
        {
            "name": "General College Prep",
            "cluster_code": None,
            "pathway_code": None,
            "courses": college_prep,
        },
    ]


def ensure_default_programs(tenant_id: int) -> list[ProgramOfStudy]:
    """Create the default Programs of Study for a tenant that has none; return its programs.

    Idempotent, and safe when two requests race (the loser rolls back and reads the winner's
    rows). It commits, so call it before staging other changes in the session.
    """
    existing = programs(tenant_id)
    if existing:
        return existing
    for spec in default_program_specs():
        for code in (spec["cluster_code"], spec["pathway_code"]):
            if code is not None:  # fail loudly if the reference data ever drops a code
                (reference.pathway if code.count(".") > 1 else reference.cluster)(code)
        db.session.add(
            ProgramOfStudy(
                tenant_id=tenant_id,
                name=spec["name"],
                cluster_code=spec["cluster_code"],
                pathway_code=spec["pathway_code"],
                courses=[dict(c) for c in spec["courses"]],
                requirements=[dict(r) for r in GRADUATION_REQUIREMENTS],
            )
        )
    try:
        db.session.commit()
    except IntegrityError:  # another worker created them first
        db.session.rollback()
    return programs(tenant_id)


def programs(tenant_id: int) -> list[ProgramOfStudy]:
    """The tenant's Programs of Study, by name."""
    return list(
        db.session.execute(
            select(ProgramOfStudy)
            .where(ProgramOfStudy.tenant_id == tenant_id)
            .order_by(ProgramOfStudy.name)
        ).scalars()
    )


# -- requirement summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementRow:
    """One graduation requirement against a student's course plan."""

    subject: str
    label: str
    required: float
    planned: float
    completed: float
    recommended: bool

    @property
    def planned_met(self) -> bool:
        """Whether the planned courses (any status) cover the requirement."""
        return self.planned >= self.required

    @property
    def completed_met(self) -> bool:
        """Whether completed courses alone cover the requirement."""
        return self.completed >= self.required

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "subject": self.subject,
            "label": self.label,
            "required": self.required,
            "planned": self.planned,
            "completed": self.completed,
            "recommended": self.recommended,
            "planned_met": self.planned_met,
            "completed_met": self.completed_met,
        }


def _credit_totals(
    entries: Iterable[tuple[str, float]], requirements: Sequence[dict[str, Any]]
) -> dict[str, float]:
    by_subject: dict[str, float] = {}
    for subject, credits in entries:
        by_subject[subject] = by_subject.get(subject, 0.0) + float(credits or 0)
    required = {
        r["subject"]: float(r["credits"])
        for r in requirements
        if not r.get("recommended") and r["subject"] != ELECTIVE
    }
    totals: dict[str, float] = {}
    electives = 0.0
    for subject, credits in by_subject.items():
        if subject in required:
            totals[subject] = credits
            electives += max(0.0, credits - required[subject])
        else:
            totals[subject] = credits
            if subject != ELECTIVE:
                electives += credits
    electives += by_subject.get(ELECTIVE, 0.0)
    totals[ELECTIVE] = electives
    return totals


def requirement_summary(
    entries: Iterable[tuple[str, float, bool]],
    requirements: Sequence[dict[str, Any]] | None = None,
) -> list[RequirementRow]:
    """Planned and completed credits per requirement.

    :param entries: ``(subject, credits, completed)`` for every course in the plan.
    :param requirements: the program's requirements (default: ``GRADUATION_REQUIREMENTS``).
    """
    reqs = list(requirements or GRADUATION_REQUIREMENTS)
    rows = list(entries)
    planned = _credit_totals(((s, c) for s, c, _ in rows), reqs)
    completed = _credit_totals(((s, c) for s, c, done in rows if done), reqs)
    return [
        RequirementRow(
            subject=r["subject"],
            label=str(r.get("label") or subject_label(r["subject"])),
            required=float(r["credits"]),
            planned=round(planned.get(r["subject"], 0.0), 2),
            completed=round(completed.get(r["subject"], 0.0), 2),
            recommended=bool(r.get("recommended")),
        )
        for r in reqs
    ]

"""How complete a plan is: the share of the plan's areas that have something in them, for the
meter on top of the student's plan ("Your plan is 40% complete").

Read from the plan document (``plan_data.plan_document``), so it costs no query of its own and
gives the same answer for the live plan and a snapshot. An area counts once it has anything
in it; what is in it is for the student, their counselor and their family to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Document = Mapping[str, Any]

_PROFILE_TEXT = ("about", "interests", "strengths", "skills", "abilities", "hobbies")
_EXPERIENCE = ("activities", "accomplishments", "work", "service")


@dataclass(frozen=True)
class Area:
    """One area of the plan, and whether it has content."""

    key: str
    label: str
    done: bool
    #: The id of the plan page's section that shows it.
    anchor: str


@dataclass(frozen=True)
class Completeness:
    """The plan's areas and how many have content."""

    areas: tuple[Area, ...]

    @property
    def done(self) -> int:
        return sum(1 for a in self.areas if a.done)

    @property
    def total(self) -> int:
        return len(self.areas)

    @property
    def percent(self) -> int:
        """Whole percent, rounded down (100 only when every area has content)."""
        return 100 * self.done // self.total if self.total else 0

    @property
    def missing(self) -> tuple[Area, ...]:
        return tuple(a for a in self.areas if not a.done)


def _text(value: Any) -> bool:
    return bool(str(value or "").strip())


def _items(doc: Document, *kinds: str) -> bool:
    items = doc.get("items") or {}
    return any(items.get(kind) for kind in kinds)


def _evidence(doc: Document) -> bool:
    goals = doc.get("goals") or []
    return bool(doc.get("unlinked_evidence")) or any(g.get("evidence") for g in goals)


#: The areas, in the order the plan page shows them: (key, label, section id, has content).
AREAS: tuple[tuple[str, str, str, Callable[[Document], bool]], ...] = (
    (
        "profile",
        "About me",
        "profile",
        lambda d: any(_text((d.get("profile") or {}).get(k)) for k in _PROFILE_TEXT),
    ),
    ("inventory", "Interest inventory", "inventory", lambda d: bool(d.get("inventory"))),
    (
        "clusters",
        "Career clusters",
        "clusters",
        lambda d: bool(d.get("clusters") or d.get("pathways")),
    ),
    (
        "exploration",
        "Career exploration",
        "exploration",
        lambda d: _text(d.get("career_exploration")) or bool(d.get("saved_occupations")),
    ),
    ("goals", "Goals", "goals", lambda d: bool(d.get("goals"))),
    ("courses", "Course plan", "courses", lambda d: bool(d.get("course_plan"))),
    ("evidence", "Work linked to my plan", "goals", _evidence),
    ("activities", "Activities and experience", "activities", lambda d: _items(d, *_EXPERIENCE)),
    ("contacts", "Supporting adults", "contacts", lambda d: _items(d, "contacts")),
    (
        "after_high_school",
        "After high school",
        "planning",
        lambda d: (
            _text(d.get("college_planning"))
            or _text(d.get("financial_planning"))
            or bool(d.get("postsecondary"))
        ),
    ),
)


def completeness(doc: Document) -> Completeness:
    """The plan's areas, each with whether it has content."""
    return Completeness(
        tuple(Area(key, label, bool(has(doc)), anchor) for key, label, anchor, has in AREAS)
    )

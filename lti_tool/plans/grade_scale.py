"""The district's grade scale: the final grades a course plan accepts.

Two scales, each with Pass and Fail for pass/fail courses:

* ``plus_minus`` (the default): A+ to F with the usual percentage bands (A+ from 97 %, A
  from 93 %, A- from 90 %, ... D- from 60 %, F below).
* ``letters``: A, B, C, D, F (A from 90 %, B from 80 %, ... F below 60 %).

A percentage from the LMS (a Canvas course score, or Lodestar's own total of the synced
grades) becomes the letter of its band. Free text ("A+++ 120%") is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

PASS = "Pass"  # noqa: S105 - a grade, not a password
FAIL = "Fail"


@dataclass(frozen=True)
class Scale:
    """A letter scale: letters with the lowest percentage that earns each, best first."""

    key: str
    label: str
    bands: tuple[tuple[str, float], ...]

    @property
    def letters(self) -> tuple[str, ...]:
        """The letters, best first."""
        return tuple(letter for letter, _ in self.bands)

    @property
    def grades(self) -> tuple[str, ...]:
        """Every final grade the scale accepts: the letters, then Pass and Fail."""
        return (*self.letters, PASS, FAIL)

    def letter_for(self, percent: float) -> str:
        """The letter of a percentage (over 100 counts as the top letter)."""
        for letter, low in self.bands:
            if percent >= low:
                return letter
        return self.bands[-1][0]

    def band_text(self, letter: str) -> str:
        """``"93-96 %"`` for A on the plus/minus scale; ``""`` for Pass, Fail or unknown."""
        for i, (name, low) in enumerate(self.bands):
            if name == letter:
                if i == 0:
                    return f"{low:g} % or more"
                high = self.bands[i - 1][1] - 1
                return f"below {self.bands[i - 1][1]:g} %" if low == 0 else f"{low:g}-{high:g} %"
        return ""


PLUS_MINUS = Scale(
    "plus_minus",
    "Letters with plus and minus (A+ to F)",
    (
        ("A+", 97),
        ("A", 93),
        ("A-", 90),
        ("B+", 87),
        ("B", 83),
        ("B-", 80),
        ("C+", 77),
        ("C", 73),
        ("C-", 70),
        ("D+", 67),
        ("D", 63),
        ("D-", 60),
        ("F", 0),
    ),
)
LETTERS = Scale(
    "letters",
    "Letters only (A to F)",
    (("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0)),
)
SCALES: dict[str, Scale] = {s.key: s for s in (PLUS_MINUS, LETTERS)}
DEFAULT_SCALE = PLUS_MINUS.key

_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*%?$")


def scale(key: str | None) -> Scale:
    """The scale of that key (the default for an unknown one)."""
    return SCALES.get(key or DEFAULT_SCALE, PLUS_MINUS)


def from_percent(percent: float | None, key: str | None = None) -> str | None:
    """The scale's letter for an LMS percentage (``None`` for no or an impossible score)."""
    if percent is None or not math.isfinite(percent) or percent < 0:
        return None
    return scale(key).letter_for(percent)


def normalise(text: str | None, key: str | None = None) -> str | None:
    """The scale's spelling of a typed or LMS grade, or ``None`` when it is not on the scale.

    ``"b+"`` is ``"B+"``; ``"pass"`` or ``"P"`` is ``"Pass"``; ``"87"`` or ``"87 %"`` (0 to
    100) is the letter of its band. ``"A+++ 120%"`` is ``None``.
    """
    value = (text or "").strip()
    if not value:
        return None
    chosen = scale(key)
    upper = value.upper()
    for grade in chosen.grades:
        if upper == grade.upper():
            return grade
    if upper in ("P", "PASS", "PASSED"):
        return PASS
    if upper in ("FAIL", "FAILED"):
        return FAIL
    match = _PERCENT.match(value)
    if match and float(match.group(1)) <= 100:
        return chosen.letter_for(float(match.group(1)))
    if upper[:1] in chosen.letters and upper[1:] in ("+", "-") and chosen is LETTERS:
        # "B+" on a letters-only scale is a B.
        return upper[:1]
    return None

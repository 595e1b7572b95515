"""Skills: the free-text skills teachers tag with and students list in their plans.

A skill is stored and compared normalised (inner whitespace collapsed, trimmed, lower case);
teachers type several at once, split on commas, semicolons or lines.
"""

from __future__ import annotations

import re

from lti_tool.errors import InvalidInput

#: Longest skill a teacher may type, in characters (after normalising).
SKILL_MAX_LENGTH = 40
#: Most skills on one course or assignment.
MAX_SKILLS = 30

_SKILL_SPLIT = re.compile(r"[,;\n]")


def normalise_skill(raw: str) -> str:
    """One skill as stored and compared: inner whitespace collapsed, trimmed, lower case."""
    return " ".join(raw.split()).lower()


def parse_skills(text: str, *, where: str = "the course") -> tuple[str, ...]:
    """Comma-separated skills typed by a teacher, normalised and without duplicates.

    :raises InvalidInput: when a skill is longer than ``SKILL_MAX_LENGTH`` characters or
        there are more than ``MAX_SKILLS``.
    """
    skills: list[str] = []
    for part in _SKILL_SPLIT.split(text or ""):
        skill = normalise_skill(part)
        if not skill:
            continue
        if len(skill) > SKILL_MAX_LENGTH:
            raise InvalidInput(
                f'The skill "{skill[:SKILL_MAX_LENGTH]}…" for {where} is longer '
                f"than {SKILL_MAX_LENGTH} characters. Shorten it or split it "
                "with commas."
            )
        if skill not in skills:
            skills.append(skill)
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(f"Please give at most {MAX_SKILLS} skills for {where}.")
    return tuple(skills)


def plan_skills(text: str | None) -> frozenset[str]:
    """The skills a student listed in their plan (free text split on commas, ``;``, lines)."""
    return frozenset(s for s in (normalise_skill(p) for p in _SKILL_SPLIT.split(text or "")) if s)

"""The plan's profile: the student's own texts, grade level and graduation year.

The audit event names the changed fields, never their contents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.plans.editing import bounded_text, record_change, whole_number
from lti_tool.plans.models import Plan
from lti_tool.plans.skills import split_skills
from lti_tool.plans.vocabulary import PROFILE_TEXT_FIELDS


def update_profile(actor: Actor, plan: Plan, data: Mapping[str, Any]) -> list[str]:
    """Save the profile fields present in ``data``; returns the names of those that changed.

    The audit event names the changed fields, never their contents.
    """
    changed: list[str] = []
    for name in PROFILE_TEXT_FIELDS:
        if name in data:
            value = bounded_text(data[name], 5000, name.replace("_", " ").capitalize())
            if name == "skills":  # one list, whatever separated the skills
                value = ", ".join(split_skills(value))
            if value != (getattr(plan, name) or ""):
                setattr(plan, name, value)
                changed.append(name)
    for name, low, high in (("grade_level", 5, 12), ("graduation_year", 2000, 2100)):
        if name in data:
            raw = data[name]
            number = None if raw in (None, "") else whole_number(raw, name)
            if number is not None and not low <= number <= high:
                raise InvalidInput(
                    f"{name.replace('_', ' ').capitalize()} must be between {low} and {high}."
                )
            if number != getattr(plan, name):
                setattr(plan, name, number)
                changed.append(name)
    if changed:
        record_change(actor, plan, "plan.update", section="profile", fields=changed)
    return changed

"""Where a student looks at jobs: a state and a metropolitan area.

A student chooses their own (``plans.state_code``, ``plans.metro_code``); until they do, the
district's default applies (``career_area_defaults``, set by a Lodestar admin). Codes are
checked against the loaded OEWS release's areas: a state's FIPS code ("36") and a BLS
metropolitan or nonmetropolitan area code ("0035620") lying in that state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lti_tool.actor import Actor
from lti_tool.audit import record as audit_record
from lti_tool.careers import oews
from lti_tool.careers.models import AreaKind, CareerAreaDefault, LaborArea, LaborAreaState
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.plans.editing import record_change
from lti_tool.plans.models import Plan

__all__ = [
    "Place",
    "check_place",
    "district_default",
    "metro_area",
    "place_of",
    "set_default",
    "set_place",
    "state_area",
]


@dataclass(frozen=True)
class Place:
    """A state and a metro (either may be missing), and whether the district chose them."""

    state: LaborArea | None
    metro: LaborArea | None
    #: "student" (chosen in the plan), "district" (the district's default) or "none".
    chosen_by: str

    @property
    def state_code(self) -> str | None:
        return self.state.state_code if self.state is not None else None

    @property
    def metro_code(self) -> str | None:
        return self.metro.code if self.metro is not None else None


def state_area(code: str | None) -> LaborArea | None:
    if not code:
        return None
    return db.session.scalar(
        select(LaborArea).where(LaborArea.kind == AreaKind.STATE, LaborArea.state_code == code)
    )


def metro_area(code: str | None) -> LaborArea | None:
    if not code:
        return None
    area = db.session.get(LaborArea, code)
    return area if area is not None and area.kind in (AreaKind.METRO, AreaKind.NONMETRO) else None


def district_default(tenant_id: int) -> CareerAreaDefault | None:
    """The district's default state and metro (None when it set none)."""
    return db.session.get(CareerAreaDefault, tenant_id)


def place_of(plan: Plan | None, tenant_id: int) -> Place:
    """The student's state and metro: their own choice, else the district's default.

    A code the loaded release no longer has is ignored (as if not chosen)."""
    if plan is not None and (plan.state_code or plan.metro_code):
        return Place(state_area(plan.state_code), metro_area(plan.metro_code), "student")
    default = district_default(tenant_id)
    if default is not None and (default.state_code or default.metro_code):
        return Place(state_area(default.state_code), metro_area(default.metro_code), "district")
    return Place(None, None, "none")


def check_place(state_code: Any, metro_code: Any) -> tuple[str | None, str | None]:
    """Check a state FIPS code and a metro area code from a form (blank: none).

    :raises InvalidInput: for a code the loaded release does not have, or a metro that does
        not lie in the chosen state.
    """
    state = _text(state_code, "State")
    metro = _text(metro_code, "Metro area")
    if state is not None and state not in {s.state_code for s in oews.states()}:
        raise InvalidInput("Choose a state from the list.")
    if metro is not None:
        if metro_area(metro) is None:
            raise InvalidInput("Choose a metro area from the list.")
        if state is not None:
            in_state = db.session.scalar(
                select(LaborAreaState.area_code).where(
                    LaborAreaState.area_code == metro, LaborAreaState.state_code == state
                )
            )
            if in_state is None:
                raise InvalidInput("That metro area is not in the state you chose.")
    return state, metro


def _text(value: Any, label: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 10 or not value.strip().isdigit():
        raise InvalidInput(f"{label}: choose one from the list.")
    return value.strip()


def set_place(actor: Actor, plan: Plan, form: Mapping[str, Any]) -> bool:
    """Save the student's state and metro; True when something changed."""
    state, metro = check_place(form.get("state_code"), form.get("metro_code"))
    if (plan.state_code, plan.metro_code) == (state, metro):
        return False
    plan.state_code, plan.metro_code = state, metro
    record_change(actor, plan, "plan.update", section="place", fields=["state_code", "metro_code"])
    return True


def set_default(actor: Actor, form: Mapping[str, Any]) -> CareerAreaDefault:
    """Save the district's default state and metro (an admin's choice)."""
    state, metro = check_place(form.get("state_code"), form.get("metro_code"))
    row = district_default(actor.tenant_id)
    if row is None:
        row = CareerAreaDefault(tenant_id=actor.tenant_id)
        db.session.add(row)
    row.state_code, row.metro_code = state, metro
    audit_record(
        "careers.default_place",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        fields=["state_code", "metro_code"],
    )
    db.session.commit()
    return row

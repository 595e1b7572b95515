"""The interest inventory inside a plan: reading the answers from the form, saving them, and the
result and summary the pages show. The scoring itself lives in ``inventory``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lti_tool.actor import Actor
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.plans import inventory
from lti_tool.plans.editing import iso_or_none, record_change
from lti_tool.plans.models import Plan
from lti_tool.plans.reading import cluster_name
from lti_tool.plans.vocabulary import SUGGESTED_CLUSTERS


def parse_inventory_answers(form: Mapping[str, Any]) -> dict[str, int]:
    """Answers from the inventory form (fields ``answer-<item id>``); blanks are unanswered.

    :raises InvalidInput: for an answer that is not on the scale.
    """
    scale = {str(o.value): o.value for o in inventory.ANSWER_SCALE}
    answers: dict[str, int] = {}
    for item in inventory.items():
        raw = form.get(f"answer-{item.id}")
        if raw in (None, ""):
            continue
        if str(raw) not in scale:
            raise InvalidInput(f"“{item.text}”: choose one of the answers.")
        answers[item.id] = scale[str(raw)]
    return answers


def save_inventory(
    actor: Actor, plan: Plan, answers: Mapping[str, int]
) -> inventory.InventoryResult:
    """Score and save the student's answers (``inventory_code``, ``inventory_taken_at``)."""
    try:
        result = inventory.score(answers)
    except ValueError as err:
        raise InvalidInput(str(err)) from err
    plan.inventory_answers = dict(answers)
    plan.inventory_code = result.code
    plan.inventory_taken_at = utcnow()
    record_change(actor, plan, "inventory.submit", code=result.code, answered=result.answered)
    return result


def inventory_result(plan: Plan) -> inventory.InventoryResult | None:
    """The plan's inventory result, scored again from the saved answers (None if not taken)."""
    if not plan.inventory_answers:
        return None
    try:
        return inventory.score(plan.inventory_answers)
    except ValueError:  # the item set changed since; treat as not taken
        return None


def inventory_summary(
    result: inventory.InventoryResult | None, plan: Plan
) -> dict[str, Any] | None:
    """JSON-able inventory result: per-type scores and suggested clusters with names."""
    if result is None:
        return None
    types = inventory.holland_types()
    per_type_max = {t: 0 for t in inventory.TYPE_ORDER}
    for item in inventory.items():
        per_type_max[item.type] += max(o.value for o in inventory.ANSWER_SCALE)
    return {
        "code": result.code,
        "code_names": [types[letter].name for letter in (result.code or "")],
        "taken_at": iso_or_none(plan.inventory_taken_at),
        "answered": result.answered,
        "total_items": result.total_items,
        "answers": dict(plan.inventory_answers or {}),
        "types": [
            {
                "letter": t,
                "name": types[t].name,
                "help": types[t].help,
                "total": result.totals[t],
                "maximum": per_type_max[t],
                "percent": result.percents[t],
            }
            for t in inventory.TYPE_ORDER
        ],
        "suggested_clusters": [
            {"code": c, "name": cluster_name(c)} for c in result.clusters[:SUGGESTED_CLUSTERS]
        ],
    }

"""Parts of a student's plan that a feature above plans keeps, registered with plans.

The portfolio keeps evidence and uploaded work samples that belong to a student's plan. Plans
shows them in the plan document, puts the files in the export zip, counts them before a
deletion and deletes them with the plan, yet never imports the portfolio: the portfolio
describes its part in a :class:`PlanPart` and registers it on the application when its
blueprint is registered (:func:`register`). Plans asks :func:`registered` for the parts of
the current application.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask.sansio.app import App

from lti_tool.models import Person
from lti_tool.plans.models import Goal, Plan

#: Where an application keeps its registered parts (``app.extensions``).
EXTENSION_KEY = "lodestar.plan_parts"


@dataclass(frozen=True)
class ExportFile:
    """A file the plan's export zip carries (an uploaded work sample)."""

    id: int
    filename: str
    content: bytes


@dataclass(frozen=True)
class PlanPart:
    """What plans needs to know of one feature's share of a student's plan.

    ``plan_id`` is the student's plan id, or -1 when they have no plan (nothing matches it).
    """

    name: str
    #: Entries for the plan document, each a JSON-able dict with a ``goal_id`` (None for
    #: an entry linked to no goal), oldest first.
    evidence: Callable[[Plan], list[dict[str, Any]]]
    #: The student's files for the export zip, oldest first.
    files: Callable[[Person], Sequence[ExportFile]]
    #: Unlink everything from a goal that is being deleted (it stays in the plan).
    goal_deleted: Callable[[Goal], None]
    #: How many rows deleting the student's plan would remove here, by kind.
    preview: Callable[[Person, int], dict[str, int]]
    #: The rows the student owns here, by audit subject type ("evidence", "file"): deletion
    #: searches the audit log for their texts and events about them.
    owned: Callable[[Person, int], dict[str, list[Any]]]
    #: Delete the rows ``owned`` found (bulk, without committing); counts by kind.
    erase: Callable[[Person, int, Mapping[str, list[Any]]], dict[str, int]]
    #: Sections of its own for the plan document (and so the export and snapshots), by key,
    #: each JSON-able; None when the part adds none.
    document: Callable[[Plan], dict[str, Any]] | None = None


def register(app: App, part: PlanPart) -> None:
    """Add ``part`` to ``app``'s plan parts (once per name)."""
    parts: dict[str, PlanPart] = app.extensions.setdefault(EXTENSION_KEY, {})
    parts[part.name] = part


def registered() -> list[PlanPart]:
    """The plan parts of the current application, in the order they were registered."""
    return list(current_app.extensions.get(EXTENSION_KEY, {}).values())


def evidence(plan: Plan) -> list[dict[str, Any]]:
    """Every part's entries for the plan document."""
    return [entry for part in registered() for entry in part.evidence(plan)]


def document_sections(plan: Plan) -> dict[str, Any]:
    """Every part's own sections of the plan document, by key."""
    return {
        key: value
        for part in registered()
        if part.document is not None
        for key, value in part.document(plan).items()
    }


def files(student: Person) -> list[ExportFile]:
    """Every part's files for the export zip."""
    return [item for part in registered() for item in part.files(student)]


def goal_deleted(goal: Goal) -> None:
    """Tell every part that ``goal`` is being deleted."""
    for part in registered():
        part.goal_deleted(goal)


def preview(student: Person, plan_id: int) -> dict[str, int]:
    """Every part's deletion counts, by kind."""
    return {kind: n for part in registered() for kind, n in part.preview(student, plan_id).items()}


def owned(student: Person, plan_id: int) -> dict[str, list[Any]]:
    """Every part's rows the student owns, by audit subject type."""
    return {
        kind: rows for part in registered() for kind, rows in part.owned(student, plan_id).items()
    }


def erase(student: Person, plan_id: int, rows: Mapping[str, list[Any]]) -> dict[str, int]:
    """Delete every part's rows of the student (found by :func:`owned`); counts by kind."""
    return {
        kind: n for part in registered() for kind, n in part.erase(student, plan_id, rows).items()
    }

"""The student's postsecondary list: schools and programs they are considering (2-year,
4-year, apprenticeship, CTE certificate, military, work), each with an application tracker
(deadline, status, essays and recommendation letters, notes), linked to the plan's goals and
to occupations by SOC 2018 code.

An option is typed by the student or picked from the district's catalogue
(``program_catalogue``); a picked option keeps its own copy of the catalogue's fields, so a
new catalogue changes nothing in the student's list. Lookups by id are scoped to the plan they
were given, so an id of someone else's plan is simply "not found".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.plans.editing import (
    bounded_text,
    iso_or_none,
    one_of,
    optional_date,
    record_change,
)
from lti_tool.plans.models import Goal, Plan
from lti_tool.plans.postsecondary_models import (
    ApplicationStatus,
    ApplicationTask,
    ApplicationTaskKind,
    ApplicationTaskStatus,
    CatalogueProgram,
    PostsecondaryOption,
)
from lti_tool.plans.program_catalogue import PROGRAM_KIND_LABELS
from lti_tool.plans.vocabulary import SOC_CODE

STATUS_LABELS: dict[str, str] = {
    ApplicationStatus.RESEARCHING: "Researching",
    ApplicationStatus.PLANNING_TO_APPLY: "Planning to apply",
    ApplicationStatus.APPLYING: "Applying",
    ApplicationStatus.APPLIED: "Applied",
    ApplicationStatus.ACCEPTED: "Accepted",
    ApplicationStatus.WAITLISTED: "Waitlisted",
    ApplicationStatus.NOT_ACCEPTED: "Not accepted",
    ApplicationStatus.ENROLLED: "Enrolled",
    ApplicationStatus.NOT_GOING: "Not going",
}
TASK_KIND_LABELS: dict[str, str] = {
    ApplicationTaskKind.ESSAY: "Essay",
    ApplicationTaskKind.LETTER: "Recommendation letter",
}
TASK_STATUS_LABELS: dict[str, str] = {
    ApplicationTaskStatus.NOT_STARTED: "Not started",
    ApplicationTaskStatus.IN_PROGRESS: "In progress",
    ApplicationTaskStatus.DONE: "Done",
}

MAX_SOC_CODES = 12


def soc_codes(value: Any) -> list[str]:
    """SOC 2018 codes from a list or from text (separated by commas, spaces or new lines),
    each once, in the order given.

    :raises InvalidInput: for a code that does not look like ``15-1252``."""
    parts: Iterable[Any] = re.split(r"[\s,;]+", value) if isinstance(value, str) else (value or [])
    codes: list[str] = []
    for part in parts:
        code = str(part).strip()
        if not code:
            continue
        if not SOC_CODE.match(code):
            raise InvalidInput(f"Occupation code {code[:20]!r} is not a SOC code like 15-1252.")
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_SOC_CODES:
        raise InvalidInput(f"Link at most {MAX_SOC_CODES} occupations.")
    return codes


def goal_ids(plan: Plan, value: Iterable[Any]) -> list[int]:
    """Ids of the plan's goals. :raises InvalidInput: for an id that is not one of them."""
    wanted: list[int] = []
    for raw in value or []:
        if raw in ("", None):
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError) as err:
            raise InvalidInput("Goals: choose goals of your plan.") from err
        if number not in wanted:
            wanted.append(number)
    if wanted:
        found = set(
            db.session.execute(
                select(Goal.id).where(Goal.plan_id == plan.id, Goal.id.in_(wanted))
            ).scalars()
        )
        if found != set(wanted):
            raise InvalidInput("Goals: choose goals of your plan.")
    return wanted


def _url(value: Any) -> str | None:
    url = bounded_text(value, 2048, "The web address")
    if not url:
        return None
    if not re.match(r"^https?://\S+$", url, re.IGNORECASE):
        raise InvalidInput("The web address must start with https:// or http://.")
    return url


def _fields(plan: Plan, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": one_of(fields.get("kind"), PROGRAM_KIND_LABELS, "Kind"),
        "name": bounded_text(fields.get("name"), 255, "The name", required=True),
        "institution": bounded_text(fields.get("institution"), 255, "The school or employer"),
        "location": bounded_text(fields.get("location"), 160, "The place"),
        "url": _url(fields.get("url")),
        "status": one_of(
            fields.get("status") or ApplicationStatus.RESEARCHING, STATUS_LABELS, "Status"
        ),
        "deadline": optional_date(fields.get("deadline"), "Deadline"),
        "notes": bounded_text(fields.get("notes"), 5000, "The notes"),
        "goal_ids": goal_ids(plan, fields.get("goal_ids") or []),
        "soc_codes": soc_codes(fields.get("soc_codes") or []),
    }


def options(plan: Plan) -> list[PostsecondaryOption]:
    """The plan's options with their essays and letters, in the order they were added."""
    return list(
        db.session.execute(
            select(PostsecondaryOption)
            .where(PostsecondaryOption.plan_id == plan.id)
            .options(selectinload(PostsecondaryOption.tasks))
            .order_by(PostsecondaryOption.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def get_option(plan: Plan, option_id: int) -> PostsecondaryOption:
    """An option of this plan. :raises NotFound: otherwise."""
    option = db.session.execute(
        select(PostsecondaryOption)
        .where(PostsecondaryOption.id == option_id, PostsecondaryOption.plan_id == plan.id)
        .options(selectinload(PostsecondaryOption.tasks))
    ).scalar_one_or_none()
    if option is None:
        raise NotFound("That school or program is not on your list.")
    return option


def add_option(actor: Actor, plan: Plan, fields: Mapping[str, Any]) -> PostsecondaryOption:
    """Add a school or program the student typed."""
    option = PostsecondaryOption(plan_id=plan.id, **_fields(plan, fields))
    db.session.add(option)
    db.session.flush()
    record_change(
        actor,
        plan,
        "postsecondary.create",
        subject_type="postsecondary_option",
        subject_id=option.id,
        kind=str(option.kind),
    )
    return option


def add_from_catalogue(actor: Actor, plan: Plan, program: CatalogueProgram) -> PostsecondaryOption:
    """Add a catalogue program to the list (a copy of its fields; the link is kept)."""
    place = ", ".join(p for p in (program.city, program.state) if p)
    option = PostsecondaryOption(
        plan_id=plan.id,
        catalogue_program_id=program.id,
        kind=program.kind,
        name=program.name,
        institution=program.institution if program.institution != program.name else "",
        location=place,
        url=program.url,
        status=ApplicationStatus.RESEARCHING,
        notes="",
        goal_ids=[],
        soc_codes=[],
    )
    db.session.add(option)
    db.session.flush()
    record_change(
        actor,
        plan,
        "postsecondary.create",
        subject_type="postsecondary_option",
        subject_id=option.id,
        kind=str(option.kind),
        catalogue_program_id=program.id,
    )
    return option


def update_option(
    actor: Actor, plan: Plan, option_id: int, fields: Mapping[str, Any]
) -> PostsecondaryOption:
    """Change an option's fields and its tracker."""
    option = get_option(plan, option_id)
    values = _fields(plan, fields)
    changed = [k for k, v in values.items() if getattr(option, k) != v]
    for key, value in values.items():
        setattr(option, key, value)
    record_change(
        actor,
        plan,
        "postsecondary.update",
        subject_type="postsecondary_option",
        subject_id=option.id,
        fields=changed,
        status=str(option.status),
    )
    return option


def delete_option(actor: Actor, plan: Plan, option_id: int) -> None:
    """Remove an option with its essays and letters."""
    option = get_option(plan, option_id)
    db.session.delete(option)
    record_change(
        actor,
        plan,
        "postsecondary.delete",
        subject_type="postsecondary_option",
        subject_id=option_id,
    )


def get_task(plan: Plan, task_id: int) -> ApplicationTask:
    """An essay or letter of one of this plan's options. :raises NotFound: otherwise."""
    task = db.session.execute(
        select(ApplicationTask)
        .join(PostsecondaryOption, PostsecondaryOption.id == ApplicationTask.option_id)
        .where(ApplicationTask.id == task_id, PostsecondaryOption.plan_id == plan.id)
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("That essay or letter is not on your list.")
    return task


def add_task(
    actor: Actor, plan: Plan, option_id: int, kind: Any, name: Any, status: Any = None
) -> ApplicationTask:
    """Add an essay or recommendation letter the application asks for."""
    option = get_option(plan, option_id)
    task = ApplicationTask(
        option_id=option.id,
        kind=ApplicationTaskKind(one_of(kind, TASK_KIND_LABELS, "Kind")),
        name=bounded_text(name, 500, "The essay or letter", required=True),
        status=ApplicationTaskStatus(
            one_of(status or ApplicationTaskStatus.NOT_STARTED, TASK_STATUS_LABELS, "Status")
        ),
    )
    db.session.add(task)
    db.session.flush()
    record_change(
        actor,
        plan,
        "application_task.create",
        subject_type="application_task",
        subject_id=task.id,
        option_id=option.id,
        kind=str(task.kind),
    )
    return task


def set_task_status(actor: Actor, plan: Plan, task_id: int, status: Any) -> ApplicationTask:
    """Move an essay or letter along (not started, in progress, done)."""
    task = get_task(plan, task_id)
    task.status = ApplicationTaskStatus(one_of(status, TASK_STATUS_LABELS, "Status"))
    record_change(
        actor,
        plan,
        "application_task.update",
        subject_type="application_task",
        subject_id=task.id,
        option_id=task.option_id,
        status=str(task.status),
    )
    return task


def delete_task(actor: Actor, plan: Plan, task_id: int) -> int:
    """Remove an essay or letter; returns the id of its option."""
    task = get_task(plan, task_id)
    option_id = task.option_id
    db.session.delete(task)
    record_change(
        actor,
        plan,
        "application_task.delete",
        subject_type="application_task",
        subject_id=task_id,
        option_id=option_id,
    )
    return option_id


def option_dict(option: PostsecondaryOption, existing_goals: set[int]) -> dict[str, Any]:
    """An option as JSON-able data (goal ids of deleted goals left out)."""
    return {
        "id": option.id,
        "kind": str(option.kind),
        "kind_label": PROGRAM_KIND_LABELS.get(option.kind, str(option.kind)),
        "name": option.name,
        "institution": option.institution or "",
        "location": option.location or "",
        "url": option.url,
        "from_catalogue": option.catalogue_program_id is not None,
        "status": str(option.status),
        "status_label": STATUS_LABELS.get(option.status, str(option.status)),
        "deadline": iso_or_none(option.deadline),
        "notes": option.notes or "",
        "goal_ids": [g for g in option.goal_ids or [] if g in existing_goals],
        "soc_codes": list(option.soc_codes or []),
        "essays_and_letters": [
            {
                "id": t.id,
                "kind": str(t.kind),
                "kind_label": TASK_KIND_LABELS.get(t.kind, str(t.kind)),
                "name": t.name,
                "status": str(t.status),
                "status_label": TASK_STATUS_LABELS.get(t.status, str(t.status)),
            }
            for t in option.tasks
        ],
    }

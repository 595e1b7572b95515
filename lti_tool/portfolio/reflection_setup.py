"""A teacher's settings of a plan reflection activity: title, instructions, points, due date
and how it is scored (completion, or a rubric of a few named levels with points).

The picker creates the settings before the LMS makes the placement's resource link (the
Deep Linking content item carries their id as the custom parameter ``activity_id``); the
first launch of the link binds them to it (:func:`setup_of`). A placement that names no
settings (placed before settings existed, or a course copy whose settings are bound to the
original link) gets the defaults, or a copy of the named settings, at its first launch.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, LaunchError, LmsApiError
from lti_tool.extensions import db
from lti_tool.models import Course, ResourceLink
from lti_tool.portfolio.models import ReflectionScoring, ReflectionSetup
from lti_tool.portfolio.reflection_scores import update_reflection_column

log = logging.getLogger(__name__)

DEFAULT_TITLE = "Plan reflection"
DEFAULT_POINTS = 10.0
DEFAULT_INSTRUCTIONS = (
    "Choose one of your goals, pick a piece of your work from this class if you like, and "
    "write what it shows about where you are heading."
)
#: Default rubric levels, best first, as shares of the activity's points.
DEFAULT_LEVELS = (
    ("Thoughtful and specific", 1.0),
    ("Clear", 0.7),
    ("Getting there", 0.4),
    ("Not yet", 0.0),
)
TITLE_MAX = 200
INSTRUCTIONS_MAX = 4000
POINTS_MAX = 1000.0
LEVEL_NAME_MAX = 80
#: Rows of the rubric form (blank rows are ignored); a rubric needs 2 to this many levels.
RUBRIC_ROWS = 6
#: A reflection is "real" (worth full completion credit) with this many words, of which
#: this many are different: "aaaaaaaaaaaaaaaaaaaa" or "good good good good" are not.
REAL_WORDS = 8
REAL_DISTINCT_WORDS = 5
COMPLETE = "complete"
INCOMPLETE = "incomplete"

_WORD = re.compile(r"[^\W\d_]{2,}")


def default_rubric(points: float) -> list[dict[str, Any]]:
    """The default levels scaled to ``points``."""
    return [{"name": name, "points": round(points * share, 2)} for name, share in DEFAULT_LEVELS]


def _fit_to_points(
    rubric: list[dict[str, Any]], points: float | None, errors: list[str]
) -> list[dict[str, Any]]:
    """The best level gives the activity's full points. The default levels (as the form
    offers them, for any points) follow a change of points by themselves; levels of the
    teacher's own that do not reach the full points are refused (the form keeps them)."""
    if not rubric or points is None or errors:
        return rubric
    best = float(rubric[0]["points"] or 0)
    if best == points:
        return rubric
    if best > 0 and rubric == default_rubric(best):
        return default_rubric(points)
    errors.append(
        f"The best rubric level gives {best:g} points, but the activity is worth {points:g}: "
        f"give the best level {points:g} points (or change the activity's points)."
    )
    return rubric


@dataclass
class SetupInput:
    """The settings as typed, checked."""

    title: str
    instructions: str
    points: float
    due_at: dt.datetime | None
    scoring: ReflectionScoring
    rubric: list[dict[str, Any]] = field(default_factory=list)


def _points(value: str) -> float | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


#: The years a due date may fall in (a typo like 9999 would overflow and reach the LMS).
DUE_YEARS = (2000, 2100)


def parse_due(value: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A due date typed as ``YYYY-MM-DD`` (end of that day) or ``YYYY-MM-DDTHH:MM`` in the
    school's time zone ``zone``, as an aware UTC datetime.

    :raises InvalidInput: for anything else.
    """
    value = (value or "").strip()
    if not value:
        return None
    for pattern, end_of_day in (("%Y-%m-%dT%H:%M", False), ("%Y-%m-%d", True)):
        try:
            parsed = dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
        if not DUE_YEARS[0] <= parsed.year <= DUE_YEARS[1]:
            raise InvalidInput(
                f"Give a due date between {DUE_YEARS[0]} and {DUE_YEARS[1]}, like 2027-03-01 15:00."
            )
        if end_of_day:
            parsed = parsed.replace(hour=23, minute=59)
        return parsed.replace(tzinfo=zone).astimezone(dt.UTC)
    raise InvalidInput("Give the due date as a date and time, like 2027-03-01 15:00.")


def parse_setup(
    form: Mapping[str, str], zone: dt.tzinfo = dt.UTC
) -> tuple[SetupInput | None, list[str]]:
    """Check the settings form (a due date in the school's time zone ``zone``); returns the
    settings, or ``None`` and every problem found."""
    errors: list[str] = []
    title = (form.get("title") or "").strip()
    if not title:
        errors.append("Give the activity a title.")
    elif len(title) > TITLE_MAX:
        errors.append(f"Keep the title to {TITLE_MAX} characters.")
    instructions = (form.get("instructions") or "").strip()
    if len(instructions) > INSTRUCTIONS_MAX:
        errors.append(f"Keep the instructions to {INSTRUCTIONS_MAX} characters.")
    points = _points(form.get("points") or "")
    if points is None or not 0 < points <= POINTS_MAX:
        errors.append(f"Points must be a number above 0 and at most {POINTS_MAX:g}.")
    due_at = None
    try:
        due_at = parse_due(form.get("due") or "", zone)
    except InvalidInput as err:
        errors.append(err.message)
    scoring_value = form.get("scoring") or ""
    scoring = next((s for s in ReflectionScoring if s.value == scoring_value), None)
    if scoring is None:
        errors.append("Choose how the activity is scored: on completion or with a rubric.")
    rubric: list[dict[str, Any]] = []
    if scoring == ReflectionScoring.RUBRIC:
        names: set[str] = set()
        for row in range(RUBRIC_ROWS):
            name = (form.get(f"level-name-{row}") or "").strip()
            raw = (form.get(f"level-points-{row}") or "").strip()
            if not name and not raw:
                continue
            level_points = _points(raw)
            if not name:
                errors.append(f"Rubric level {row + 1} needs a name.")
            elif len(name) > LEVEL_NAME_MAX:
                errors.append(f"Keep rubric level names to {LEVEL_NAME_MAX} characters.")
            elif name.casefold() in names:
                errors.append(f"Two rubric levels are called “{name}”: give each its own name.")
            if level_points is None or level_points < 0:
                errors.append(f"Rubric level {row + 1} needs points of 0 or more.")
            elif points is not None and level_points > points:
                errors.append(
                    f"Rubric level {row + 1} gives {level_points:g} points, more than the "
                    f"activity's {points:g}."
                )
            names.add(name.casefold())
            rubric.append({"name": name, "points": level_points})
        if not 2 <= len(rubric) <= RUBRIC_ROWS:
            errors.append(f"A rubric needs 2 to {RUBRIC_ROWS} levels.")
        rubric.sort(key=lambda level: -(level["points"] or 0))
        rubric = _fit_to_points(rubric, points, errors)
    if errors or points is None or scoring is None:
        return None, errors
    return SetupInput(title, instructions, points, due_at, scoring, rubric), []


def new_setup(actor: Actor, course: Course, data: SetupInput) -> ReflectionSetup:
    """Settings chosen in the picker, not yet bound to a resource link (flushed, audited)."""
    setup = ReflectionSetup(
        tenant_id=course.tenant_id,
        course_id=course.id,
        created_by=actor.person_id,
        **_columns(data),
    )
    db.session.add(setup)
    db.session.flush()
    _audit("reflection.setup_create", actor, setup)
    return setup


def update_setup(actor: Actor, setup: ReflectionSetup, data: SetupInput) -> None:
    """Save changed settings (audited; the caller commits)."""
    for name, value in _columns(data).items():
        setattr(setup, name, value)
    db.session.flush()
    _audit("reflection.setup_update", actor, setup)


COLUMN_NOT_UPDATED = (
    "Saved in Lodestar, but the gradebook column could not be updated right now{why}: "
    "its title, points or due date there may be the old ones. Save again later to retry."
)


def save_setup(
    actor: Actor, course: Course, link: ResourceLink, setup: ReflectionSetup, data: SetupInput
) -> str | None:
    """Save the settings (committed), then give the LMS gradebook column the new title,
    points and due date. Returns what to tell the teacher when the LMS did not take them."""
    changed = (data.title, data.points, data.due_at) != (setup.title, setup.points, setup.due_at)
    update_setup(actor, setup, data)
    db.session.commit()
    if not changed:
        return None
    try:
        update_reflection_column(actor, course, link, setup)
    except (LmsApiError, LaunchError) as err:
        db.session.rollback()
        log.warning("Reflection column of course %s not updated: %s", course.id, err)
        status = getattr(err, "upstream_status", None)
        why = f" (the learning platform answered {status})" if status else ""
        return COLUMN_NOT_UPDATED.format(why=why)
    return None


def _columns(data: SetupInput) -> dict[str, Any]:
    return {
        "title": data.title,
        "instructions": data.instructions,
        "points": data.points,
        "due_at": data.due_at,
        "scoring": data.scoring,
        "rubric": data.rubric if data.scoring == ReflectionScoring.RUBRIC else [],
    }


def _audit(action: str, actor: Actor, setup: ReflectionSetup) -> None:
    audit.record(
        action,
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="course",
        subject_id=setup.course_id,
        activity_id=setup.id,
        points=setup.points,
        scoring=setup.scoring.value,
    )


def setup_of(course: Course, link: ResourceLink) -> ReflectionSetup:
    """The settings of a placement: bound to the link, else those its custom ``activity_id``
    names in this course (bound now, or copied when another link has them), else defaults.
    Flushes a new binding; the caller commits."""
    setup = db.session.execute(
        select(ReflectionSetup).where(ReflectionSetup.resource_link_id == link.id)
    ).scalar_one_or_none()
    if setup is not None:
        return setup
    named = None
    raw_id = str((link.custom or {}).get("activity_id") or "")
    if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 12:
        named = db.session.get(ReflectionSetup, int(raw_id))
        if named is not None and named.course_id != course.id:
            named = None
    if named is not None and named.resource_link_id is None:
        named.resource_link_id = link.id
        db.session.flush()
        return named
    if named is not None:
        columns: dict[str, Any] = {
            "title": named.title,
            "instructions": named.instructions,
            "points": named.points,
            "due_at": named.due_at,
            "scoring": named.scoring,
            "rubric": list(named.rubric or []),
            "created_by": named.created_by,
        }
    else:
        columns = {
            "title": (link.title or DEFAULT_TITLE)[:TITLE_MAX],
            "instructions": DEFAULT_INSTRUCTIONS,
            "points": DEFAULT_POINTS,
            "due_at": None,
            "scoring": ReflectionScoring.COMPLETION,
            "rubric": [],
        }
    setup = ReflectionSetup(
        tenant_id=course.tenant_id, course_id=course.id, resource_link_id=link.id, **columns
    )
    try:
        with db.session.begin_nested():
            db.session.add(setup)
    except IntegrityError:
        # Two first launches of the link at once: the other one's settings stand.
        return db.session.execute(
            select(ReflectionSetup).where(ReflectionSetup.resource_link_id == link.id)
        ).scalar_one()
    return setup


def levels(setup: ReflectionSetup) -> list[tuple[str, float]]:
    """What a teacher may give: the rubric's levels, or complete / not complete."""
    if setup.scoring == ReflectionScoring.RUBRIC:
        return [(str(level["name"]), float(level["points"])) for level in setup.rubric or []]
    return [(COMPLETE, setup.points), (INCOMPLETE, 0.0)]


def level_label(setup: ReflectionSetup, level: str) -> str:
    """How a level reads on a page."""
    if setup.scoring == ReflectionScoring.COMPLETION:
        return {COMPLETE: "Complete", INCOMPLETE: "Not complete yet"}.get(level, level)
    return level


def check_real_reflection(text: str) -> None:
    """A reflection worth completion credit says something: enough different words.

    :raises InvalidInput: for a few words, or the same word over and over.
    """
    words = [w.casefold() for w in _WORD.findall(text or "")]
    if len(words) < REAL_WORDS or len(set(words)) < REAL_DISTINCT_WORDS:
        raise InvalidInput(
            f"Write a real reflection: at least {REAL_WORDS} words about what your work "
            "shows and where you are heading."
        )


def is_late(setup: ReflectionSetup, when: dt.datetime) -> bool:
    """Whether something done at ``when`` came after the due date."""
    return setup.due_at is not None and when > setup.due_at


def _local_input(when: dt.datetime | None, zone: dt.tzinfo) -> str:
    """``when`` as a datetime-local box shows it, in ``zone``."""
    if when is None:
        return ""
    if when.tzinfo is None:  # SQLite gives naive UTC back
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def form_values(setup: ReflectionSetup | None, zone: dt.tzinfo = dt.UTC) -> dict[str, str]:
    """The settings form's fields filled from saved settings (or the defaults); the due date in
    the school's time zone ``zone``."""
    if setup is None:
        values = {
            "title": DEFAULT_TITLE,
            "instructions": DEFAULT_INSTRUCTIONS,
            "points": f"{DEFAULT_POINTS:g}",
            "due": "",
            "scoring": ReflectionScoring.COMPLETION.value,
        }
        rubric = default_rubric(DEFAULT_POINTS)
    else:
        values = {
            "title": setup.title,
            "instructions": setup.instructions,
            "points": f"{setup.points:g}",
            "due": _local_input(setup.due_at, zone),
            "scoring": setup.scoring.value,
        }
        rubric = list(setup.rubric or []) or default_rubric(setup.points)
    for row in range(RUBRIC_ROWS):
        level = rubric[row] if row < len(rubric) else None
        values[f"level-name-{row}"] = str(level["name"]) if level else ""
        values[f"level-points-{row}"] = f"{float(level['points']):g}" if level else ""
    return values

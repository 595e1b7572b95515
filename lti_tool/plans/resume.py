"""The student's resume, built from their plan every time it is shown.

The student chooses what goes in (sections, single entries, the contact details under their
name) and the order of the sections; :class:`~lti_tool.plans.models.ResumeSettings` keeps
those choices and nothing else (keys and ids, never text). Every other word comes from the
plan when the resume is built (:func:`build`), so a change to the plan shows in the resume
without retyping, and an entry added to the plan appears until the student hides it.

The builder page, the printable page and the PDF (``lti_tool.plans.resume_pdf``) all show the
same :class:`Resume`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import parts
from lti_tool.plans.course_planning import course_plan
from lti_tool.plans.models import CoursePlanStatus, Plan, PlanItem, PlanItemKind, ResumeSettings
from lti_tool.plans.plan_items import items


@dataclass(frozen=True)
class SectionInfo:
    """A kind of resume section: its heading and where in the plan its entries come from."""

    key: str
    title: str
    #: What to add to the plan when the section has nothing yet.
    empty: str
    #: The plan page where the student adds or changes the entries (endpoint, arguments).
    edit_endpoint: str
    edit_args: Mapping[str, Any] = field(default_factory=dict)
    edit_label: str = ""


_ITEM_KINDS: dict[str, PlanItemKind] = {
    "activities": PlanItemKind.ACTIVITY,
    "work": PlanItemKind.WORK,
    "service": PlanItemKind.SERVICE,
    "accomplishments": PlanItemKind.ACCOMPLISHMENT,
}

#: Every resume section, in the order a new resume shows them.
SECTIONS: dict[str, SectionInfo] = {
    info.key: info
    for info in (
        SectionInfo(
            "profile",
            "About me",
            "Write a few sentences about who you are and what you like to do.",
            "plans.edit_profile",
            edit_label="Change what I wrote about me",
        ),
        SectionInfo(
            "skills",
            "Skills and strengths",
            "Write down your skills, strengths and interests in your profile.",
            "plans.edit_profile",
            edit_label="Change my skills and strengths",
        ),
        SectionInfo(
            "activities",
            "Activities",
            "Add a club, team or activity you take part in, with the hours you spent.",
            "plans.items",
            {"section": "activities"},
            "Change my activities",
        ),
        SectionInfo(
            "work",
            "Work experience",
            "Add a job you have had, paid or unpaid, such as babysitting or mowing lawns.",
            "plans.items",
            {"section": "work"},
            "Change my work experience",
        ),
        SectionInfo(
            "service",
            "Community service",
            "Add a time you helped out in your community, with the hours.",
            "plans.items",
            {"section": "service"},
            "Change my community service",
        ),
        SectionInfo(
            "accomplishments",
            "Awards and accomplishments",
            "Add something you are proud of: an award, a prize or a finished project.",
            "plans.items",
            {"section": "accomplishments"},
            "Change my accomplishments",
        ),
        SectionInfo(
            "courses",
            "Courses",
            "Mark courses in your course plan as in progress or completed to list them here.",
            "plans.course_plan",
            edit_label="Change my course plan",
        ),
        SectionInfo(
            "evidence",
            "Work I am proud of",
            "Link a piece of your work to your plan in your portfolio.",
            "portfolio.my_portfolio",
            edit_label="Go to my portfolio",
        ),
    )
}
#: Profile fields the skills section lists, with their labels.
SKILL_FIELDS: dict[str, str] = {
    "skills": "Skills",
    "strengths": "Strengths",
    "abilities": "Abilities",
    "interests": "Interests",
    "hobbies": "Hobbies",
}
#: Contact details a student may show under their name.
CONTACT_CHOICES: dict[str, str] = {
    "email": "My email address",
    "grade": "My grade and graduation year",
}
#: How much of an evidence reflection the resume shows.
REFLECTION_CHARS = 300


@dataclass
class Choices:
    """What the student chose: section order, sections left out, hidden entries, contact."""

    order: list[str]
    left_out: set[str] = field(default_factory=set)
    hidden: dict[str, set[str]] = field(default_factory=dict)
    contact: set[str] = field(default_factory=set)

    @classmethod
    def default(cls) -> Choices:
        """Every section in the default order, nothing hidden, no contact details."""
        return cls(order=list(SECTIONS))

    def normalized(self) -> Choices:
        """Known sections only, each once; sections missing from the order go last."""
        order = [k for k in dict.fromkeys(self.order) if k in SECTIONS]
        order += [k for k in SECTIONS if k not in order]
        return Choices(
            order=order,
            left_out={k for k in self.left_out if k in SECTIONS},
            hidden={k: set(v) for k, v in self.hidden.items() if k in SECTIONS and v},
            contact={c for c in self.contact if c in CONTACT_CHOICES},
        )

    def moved(self, key: str, direction: str) -> Choices:
        """The choices with section ``key`` one place up or down (no change at an end)."""
        order = list(self.order)
        at = order.index(key)
        to = at - 1 if direction == "up" else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
        return Choices(order, set(self.left_out), dict(self.hidden), set(self.contact))


@dataclass(frozen=True)
class Entry:
    """One line of a section, as the plan holds it now."""

    key: str
    title: str
    meta: str = ""
    detail: str = ""
    link: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class Section:
    """A section of the resume with every entry the plan has for it (hidden ones marked)."""

    info: SectionInfo
    included: bool
    entries: list[Entry]
    #: The section's text when it is one piece of writing (About me).
    text: str = ""

    @property
    def visible(self) -> list[Entry]:
        """The entries the resume shows."""
        return [e for e in self.entries if not e.hidden]

    @property
    def has_content(self) -> bool:
        """Whether the plan has anything for this section."""
        return bool(self.text or self.entries)

    @property
    def shows(self) -> bool:
        """Whether the resume shows this section (included, and something left to show)."""
        return self.included and bool(self.text or self.visible)


@dataclass(frozen=True)
class Resume:
    """The resume as the plan stands now, in the student's order."""

    name: str
    #: Every contact detail available, by choice key (only those with a value).
    contact_options: dict[str, str]
    #: The contact details the student chose to show, in a fixed order.
    contact: list[str]
    sections: list[Section]

    @property
    def shown(self) -> list[Section]:
        """The sections the resume shows, in order."""
        return [s for s in self.sections if s.shows]

    @property
    def empty(self) -> bool:
        """Whether the plan has nothing a resume could show yet."""
        return not any(s.has_content for s in self.sections)


# -- choices ------------------------------------------------------------------------------------


def stored_settings(plan: Plan) -> ResumeSettings | None:
    """The plan's saved resume choices (None before the first save or without a plan)."""
    if plan.id is None:
        return None
    return db.session.execute(
        select(ResumeSettings).where(ResumeSettings.plan_id == plan.id)
    ).scalar_one_or_none()


def choices_of(plan: Plan) -> Choices:
    """The student's choices, or the defaults when none are saved."""
    row = stored_settings(plan)
    if row is None:
        return Choices.default()
    return Choices(
        order=list(row.section_order or []),
        left_out=set(row.left_out or []),
        hidden={k: {str(i) for i in v} for k, v in (row.hidden or {}).items()},
        contact=set(row.contact or []),
    ).normalized()


def _values(form: Any, name: str) -> list[str]:
    values = form.getlist(name) if hasattr(form, "getlist") else list(form.get(name) or [])
    return [str(v) for v in values]


def _section(key: str) -> str:
    if key not in SECTIONS:
        raise InvalidInput("That is not a part of the resume. Nothing was saved.")
    return key


def _pairs(values: Iterable[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, entry = value.partition(":")
        if not sep or not entry or len(entry) > 40:
            raise InvalidInput("That is not an entry of the resume. Nothing was saved.")
        pairs.append((_section(key), entry))
    return pairs


def parse_form(form: Any) -> tuple[Choices, tuple[str, str] | None]:
    """The choices the builder form sends, and the move it asks for (``("up", key)``).

    Fields: ``order`` (every section key, in order), ``include`` (sections ticked),
    ``listed`` and ``show`` (``"section:entry"`` of the entries on the form and of those
    ticked: listed but not ticked is hidden), ``contact`` and ``move`` (``"up:key"``).

    :raises InvalidInput: an unknown section, entry, contact detail or move.
    """
    order = [_section(k) for k in _values(form, "order")]
    include = {_section(k) for k in _values(form, "include")}
    listed = _pairs(_values(form, "listed"))
    shown = set(_pairs(_values(form, "show")))
    contact = set(_values(form, "contact"))
    if not contact <= set(CONTACT_CHOICES):
        raise InvalidInput("That is not a contact detail you can show. Nothing was saved.")
    hidden: dict[str, set[str]] = {}
    for pair in listed:
        if pair not in shown:
            hidden.setdefault(pair[0], set()).add(pair[1])
    move = None
    raw_move = _values(form, "move")
    if raw_move:
        direction, _, key = raw_move[0].partition(":")
        if direction not in ("up", "down"):
            raise InvalidInput("A section moves up or down. Nothing was saved.")
        move = (direction, _section(key))
    choices = Choices(
        order=order,
        left_out={k for k in order if k not in include},
        hidden=hidden,
        contact=contact,
    ).normalized()
    return choices, move


def save_choices(actor: Actor, plan: Plan, choices: Choices) -> bool:
    """Store the student's choices (audited ``resume.update``); whether anything changed.

    Hidden entries are kept only for entries the plan still has."""
    choices = choices.normalized()
    current = {s.info.key: {e.key for e in s.entries} for s in _sections(plan, choices)}
    hidden = {
        key: sorted(keys & current.get(key, set()), key=_sort_key)
        for key, keys in choices.hidden.items()
    }
    values = {
        "section_order": choices.order,
        "left_out": [k for k in choices.order if k in choices.left_out],
        "hidden": {k: v for k, v in hidden.items() if v},
        "contact": [c for c in CONTACT_CHOICES if c in choices.contact],
    }
    row = stored_settings(plan)
    if row is None:
        row = ResumeSettings(plan_id=plan.id)
        db.session.add(row)
    elif all(getattr(row, k) == v for k, v in values.items()):
        return False
    for key, value in values.items():
        setattr(row, key, value)
    audit.record(
        "resume.update",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="plan",
        subject_id=plan.id,
        plan_id=plan.id,
        student_id=plan.person_id,
    )
    db.session.commit()
    return True


def _sort_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isascii() and value.isdigit() else (-1, value)


# -- building -------------------------------------------------------------------------------


def _month(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return ""
    return f"{value:%B} {value.year}"


def _when(item: PlanItem) -> str:
    """The entry's month, or its months from start to end ("June 2025 to August 2025",
    "since June 2025" while it goes on)."""
    if item.start_date is None:
        return _month(item.date)
    start = _month(item.start_date)
    if item.end_date is None:
        return f"since {start}"
    end = _month(item.end_date)
    return start if end == start else f"{start} to {end}"


def _hours(item: PlanItem) -> str:
    """The entry's hours: in all, else a week (the work-learning fields of the entry)."""
    if item.total_hours is not None:
        return f"{item.total_hours:g} hour{'' if item.total_hours == 1 else 's'}"
    if item.hours_per_week is not None:
        per_week = item.hours_per_week
        return f"{per_week:g} hour{'' if per_week == 1 else 's'} a week"
    return ""


def _meta(*parts_: str) -> str:
    return " · ".join(p for p in parts_ if p)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _entries(plan: Plan) -> dict[str, tuple[str, list[Entry]]]:
    """Every section's text and entries as the plan holds them now (a few queries)."""
    result: dict[str, tuple[str, list[Entry]]] = {
        "profile": ((plan.about or "").strip(), []),
        "skills": (
            "",
            [
                Entry(key=name, title=label, detail=str(getattr(plan, name) or "").strip())
                for name, label in SKILL_FIELDS.items()
                if str(getattr(plan, name) or "").strip()
            ],
        ),
    }
    plan_items = items(plan) if plan.id is not None else []
    for key, kind in _ITEM_KINDS.items():
        result[key] = (
            "",
            [
                Entry(
                    key=str(i.id),
                    title=i.title,
                    meta=_meta(_when(i), _hours(i)),
                    detail=i.detail or "",
                )
                for i in plan_items
                if i.kind == kind
            ],
        )
    courses = course_plan(plan) if plan.id is not None else []
    result["courses"] = (
        "",
        [
            Entry(
                key=str(c.id),
                title=c.course_name,
                meta=_meta(
                    f"Grade {c.grade_level}",
                    "Completed" if c.status == CoursePlanStatus.COMPLETED else "Taking it now",
                ),
            )
            for c in courses
            if c.status in (CoursePlanStatus.COMPLETED, CoursePlanStatus.IN_PROGRESS)
        ],
    )
    evidence = parts.evidence(plan) if plan.id is not None else []
    result["evidence"] = (
        "",
        [
            Entry(
                key=str(ev["id"]),
                title=str(ev.get("title") or "A piece of my work"),
                meta=_meta(str(ev.get("course") or ""), _month(ev.get("date"))),
                detail=_short(str(ev.get("reflection") or ""), REFLECTION_CHARS),
                link=ev.get("url") or None,
            )
            for ev in reversed(evidence)  # newest first
        ],
    )
    return result


def _sections(plan: Plan, choices: Choices) -> list[Section]:
    content = _entries(plan)
    sections = []
    for key in choices.order:
        text, entries = content[key]
        hidden = choices.hidden.get(key, set())
        sections.append(
            Section(
                info=SECTIONS[key],
                included=key not in choices.left_out,
                entries=[
                    Entry(e.key, e.title, e.meta, e.detail, e.link, hidden=e.key in hidden)
                    for e in entries
                ],
                text=text,
            )
        )
    return sections


def contact_options(plan: Plan, person: Person) -> dict[str, str]:
    """The contact details the student could show, with their values."""
    options: dict[str, str] = {}
    if person.email:
        options["email"] = person.email
    grade = _meta(
        f"Grade {plan.grade_level}" if plan.grade_level else "",
        f"Class of {plan.graduation_year}" if plan.graduation_year else "",
    )
    if grade:
        options["grade"] = grade
    return options


def build(plan: Plan, person: Person, choices: Choices | None = None) -> Resume:
    """The resume from the plan as it stands, with ``choices`` (default: the saved ones)."""
    choices = (choices or choices_of(plan)).normalized()
    options = contact_options(plan, person)
    return Resume(
        name=person.display_name,
        contact_options=options,
        contact=[options[c] for c in CONTACT_CHOICES if c in choices.contact and c in options],
        sections=_sections(plan, choices),
    )

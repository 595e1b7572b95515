"""Reading the tag form.

The form has one part for the course (``course_clusters``, ``course_pathways`` and
``course_skills``) and one fieldset per active assignment: a hidden ``assignment`` field
with its id, ``a<id>_clusters`` and ``a<id>_skills``. Skills come as one text (chips write
it; without JavaScript the teacher types it, commas between skills). Parsing turns it into a
:class:`~lti_tool.relevance.tagging.TagSubmission` and the messages of the fields that need a
change; the codes are checked against the reference data by ``tagging.save_tags``. After a
refused save, :func:`as_typed` shows the form with everything as the teacher sent it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from lti_tool.errors import InvalidInput
from lti_tool.plans.skills import clean_skill
from lti_tool.relevance.clusters import ClusterInfo
from lti_tool.relevance.skills import parse_skills
from lti_tool.relevance.tagging import TagForm, TagInput, TagSubmission

#: Upper bound on codes in one list (the framework has far fewer; anything above is junk).
_MAX_CODES = 200
_SPLIT = re.compile(r"[,;\n]")


def _codes(form: MultiDict[str, str], name: str) -> tuple[str, ...]:
    values = [v.strip() for v in form.getlist(name) if v.strip()]
    if len(values) > _MAX_CODES:
        raise InvalidInput("Too many tags were sent. Nothing was saved.")
    return tuple(dict.fromkeys(values))


def _assignment_ids(form: MultiDict[str, str]) -> list[int]:
    try:
        return [int(raw) for raw in form.getlist("assignment")]
    except ValueError:
        raise InvalidInput(
            "The form named an assignment that does not exist. Reload the "
            "page and try again. Nothing was saved."
        ) from None


def parse_tag_form(
    form: MultiDict[str, str], titles: Mapping[int, str] | None = None
) -> tuple[TagSubmission, dict[str, str]]:
    """The tag form as a submission, and a message for each skills field that needs a
    change (by field name; the submission must not be saved when there is any).

    :param titles: assignment titles by id, to name an assignment in messages.
    :raises InvalidInput: for a malformed assignment id or too many codes.
    """
    titles = titles or {}
    errors: dict[str, str] = {}

    def skills(name: str, where: str) -> tuple[str, ...]:
        try:
            return parse_skills(form.get(name, ""), where=where)
        except InvalidInput as err:
            errors[name] = err.message
            return ()

    course = TagInput(
        clusters=_codes(form, "course_clusters"),
        pathways=_codes(form, "course_pathways"),
        skills=skills("course_skills", "the course"),
    )
    assignments: dict[int, TagInput] = {}
    for assignment_id in _assignment_ids(form):
        where = f'"{titles[assignment_id]}"' if assignment_id in titles else "an assignment"
        assignments[assignment_id] = TagInput(
            clusters=_codes(form, f"a{assignment_id}_clusters"),
            skills=skills(f"a{assignment_id}_skills", where),
        )
    return TagSubmission(course=course, assignments=assignments), errors


def _typed(text: str | None) -> tuple[str, ...]:
    """Skills exactly as typed (whitespace collapsed), none dropped, for showing again."""
    return tuple(s for s in (clean_skill(p) for p in _SPLIT.split(text or "")) if s)


def as_typed(current: TagForm, form: MultiDict[str, str], errors: Mapping[str, str]) -> TagForm:
    """The tag form showing what the teacher sent (every box and skill as sent, including
    what was refused), with the messages ``errors`` gives by field."""
    clusters = frozenset(form.getlist("course_clusters"))
    sent = set(form.getlist("assignment"))
    return dataclasses.replace(
        current,
        course_clusters=clusters,
        course_pathways=frozenset(form.getlist("course_pathways")),
        course_skills=_typed(form.get("course_skills")),
        assignment_options=tuple(
            ClusterInfo(c.code, c.name, c.code in clusters) for c in current.assignment_options
        ),
        assignments=tuple(
            dataclasses.replace(
                a,
                clusters=frozenset(form.getlist(f"a{a.id}_clusters")),
                skills=_typed(form.get(f"a{a.id}_skills")),
            )
            if str(a.id) in sent
            else a
            for a in current.assignments
        ),
        errors=dict(errors),
    )

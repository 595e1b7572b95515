"""Reading the tag form.

The form has one part for the course (``course_clusters``, ``course_pathways`` and the
comma-separated ``course_skills``) and one fieldset per active assignment: a hidden
``assignment`` field with its id, ``a<id>_clusters`` and ``a<id>_skills``. Parsing turns it
into a :class:`~lti_tool.relevance.tagging.TagSubmission`; the codes are checked against
the reference data by ``tagging.save_tags``.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MultiDict

from lti_tool.errors import InvalidInput
from lti_tool.relevance.skills import parse_skills
from lti_tool.relevance.tagging import TagInput, TagSubmission

#: Upper bound on codes in one list (the framework has far fewer; anything above is junk).
_MAX_CODES = 200


def _codes(form: MultiDict[str, str], name: str) -> tuple[str, ...]:
    values = [v.strip() for v in form.getlist(name) if v.strip()]
    if len(values) > _MAX_CODES:
        raise InvalidInput("Too many tags were sent. Nothing was saved.")
    return tuple(dict.fromkeys(values))


def parse_tag_form(
    form: MultiDict[str, str], titles: Mapping[int, str] | None = None
) -> TagSubmission:
    """The tag form as a submission.

    :param titles: assignment titles by id, to name an assignment in error messages.
    :raises InvalidInput: for a malformed assignment id or skills that are too long or too
        many.
    """
    titles = titles or {}
    course = TagInput(
        clusters=_codes(form, "course_clusters"),
        pathways=_codes(form, "course_pathways"),
        skills=parse_skills(form.get("course_skills", ""), where="the course"),
    )
    assignments: dict[int, TagInput] = {}
    for raw in form.getlist("assignment"):
        try:
            assignment_id = int(raw)
        except ValueError:
            raise InvalidInput(
                "The form named an assignment that does not exist. Reload the "
                "page and try again. Nothing was saved."
            ) from None
        where = f'"{titles[assignment_id]}"' if assignment_id in titles else "an assignment"
        assignments[assignment_id] = TagInput(
            clusters=_codes(form, f"a{assignment_id}_clusters"),
            skills=parse_skills(form.get(f"a{assignment_id}_skills", ""), where=where),
        )
    return TagSubmission(course=course, assignments=assignments)

"""Skills on courses and assignments: reading what a teacher typed, and the tenant's tags as
suggestions.

Skills are stored lower case with inner whitespace collapsed; teachers pick several at once
(chips, or commas, semicolons or lines between them in the plain box). They are compared
with a student's skills by ``lti_tool.plans.skills`` only (one normalisation for every
matcher). The skills teachers of a tenant tagged with are registered with plans as a source
of suggestions, so students pick from them too.
"""

from __future__ import annotations

from flask.blueprints import BlueprintSetupState
from sqlalchemy import select, union

from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.grades.models import Assignment
from lti_tool.models import Course
from lti_tool.plans import skills as vocabulary
from lti_tool.plans.skills import MAX_SKILLS, SKILL_MAX_LENGTH, clean_skill, split_skills
from lti_tool.relevance import bp
from lti_tool.relevance.models import AssignmentTag, CourseTag

__all__ = ["SKILL_MAX_LENGTH", "normalise_skill", "parse_skills", "plan_skills", "tenant_skills"]

#: ``CourseTag.kind`` / ``AssignmentTag.kind`` of a skill.
_SKILL = "skill"


def normalise_skill(raw: str) -> str:
    """One skill as stored: inner whitespace collapsed, trimmed, lower case."""
    return clean_skill(raw).lower()


def parse_skills(text: str, *, where: str = "the course") -> tuple[str, ...]:
    """Skills typed by a teacher, normalised for storing, each once (by meaning).

    :raises InvalidInput: when a skill is longer than ``SKILL_MAX_LENGTH`` characters or
        there are more than ``MAX_SKILLS``.
    """
    typed = split_skills(text)
    for skill in typed:
        if len(skill) > SKILL_MAX_LENGTH:
            raise InvalidInput(
                f"“{skill[:30]}…” for {where} is longer than {SKILL_MAX_LENGTH} "
                "characters. Shorten it or split it with commas."
            )
    skills = tuple(normalise_skill(s) for s in typed)
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(f"Please give at most {MAX_SKILLS} skills for {where}.")
    return skills


def plan_skills(text: str | None) -> tuple[str, ...]:
    """The skills a student listed in their plan, as typed (compare them with
    ``lti_tool.plans.skills.matching_tags``)."""
    return split_skills(text)


def tenant_skills(tenant_id: int) -> list[str]:
    """Every skill a course or assignment of the tenant is tagged with (one query)."""
    course_skills = (
        select(CourseTag.value)
        .join(Course, Course.id == CourseTag.course_id)
        .where(Course.tenant_id == tenant_id, CourseTag.kind == _SKILL)
    )
    assignment_skills = (
        select(AssignmentTag.value)
        .join(Assignment, Assignment.id == AssignmentTag.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(Course.tenant_id == tenant_id, AssignmentTag.kind == _SKILL)
    )
    return list(db.session.execute(union(course_skills, assignment_skills)).scalars())


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    vocabulary.register_source(state.app, "relevance.tags", tenant_skills)

"""A teacher's nudge: a short note to a student of the class whose plan is still empty.

The note is stored as a comment on the student's plan (``PlanComment``, the same thread the
review panel shows), so the student reads it on top of their plan page and it stays in the
plan's comments. Access is checked here through ``policy`` (``NUDGE_STUDENT``: a teacher of
the course, the student an active learner of it); the change is audited with it.
"""

from __future__ import annotations

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.models import Course, Person
from lti_tool.plans.models import PlanComment
from lti_tool.plans.review_services import add_comment_to_plan

#: The longest nudge: a short note, not a letter.
NUDGE_MAX = 500

#: What the nudge form offers; the teacher may change it before sending.
DEFAULT_NUDGE = (
    "Your plan is still empty. Take ten minutes to pick a career cluster you like and "
    "write a first goal, so the work you do in this class can count toward it."
)


def clean_nudge(body: str | None) -> str:
    """The note with its spaces tidied.

    :raises InvalidInput: empty, or longer than :data:`NUDGE_MAX` characters.
    """
    text = " ".join((body or "").split())
    if not text:
        raise InvalidInput("Write a short note to send.")
    if len(text) > NUDGE_MAX:
        raise InvalidInput(f"Keep the note under {NUDGE_MAX} characters.")
    return text


def send_nudge(actor: Actor, course: Course, student: Person, body: str | None) -> PlanComment:
    """Store the teacher's note on the student's plan (made empty if they have none yet).

    :raises NotAuthorized: the actor does not teach the course, or the student is not an
        active learner of it.
    :raises InvalidInput: see :func:`clean_nudge` (nothing is saved).
    """
    policy.require(actor, policy.Action.NUDGE_STUDENT, (course, student))
    return add_comment_to_plan(
        actor,
        student,
        clean_nudge(body),
        action="plan.nudge",
        role="teacher",
        course_id=course.id,
    )

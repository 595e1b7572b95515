"""The plan reflection activity as its teacher sees it: every student's reflection
(submitted or not yet), and the teacher's score and comment, sent to the LMS gradebook.

A score is saved in Lodestar first and then sent through AGS (``FullyGraded``, the comment
as the AGS ``comment``); when the LMS fails, the score stays saved, marked as not in the
gradebook yet, and the teacher is told so and may send it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, LaunchError, LmsApiError
from lti_tool.extensions import db
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, ResourceLink, Role
from lti_tool.portfolio.models import (
    Evidence,
    ReflectionReview,
    ReflectionScoring,
    ReflectionSetup,
)
from lti_tool.portfolio.reflection import reflections_of, review_of
from lti_tool.portfolio.reflection_scores import ReflectionScore, post_reflection_score
from lti_tool.portfolio.reflection_setup import is_late, level_label, levels

log = logging.getLogger(__name__)

COMMENT_MAX = 2000

SCORE_SENT = "Saved. The score and your comment are in the gradebook."
SCORE_NOT_SENT = (
    "Saved in Lodestar, but the gradebook could not be updated right now{why}. "
    "Your score and comment are kept here: press “Save and send to the gradebook” again "
    "in a few minutes."
)


@dataclass(frozen=True)
class StudentReflections:
    """One learner's row on the activity page."""

    student: Person
    #: Their reflections for this activity, newest first (empty: not submitted yet).
    reflections: list[Evidence]
    review: ReflectionReview | None
    status: str
    late: bool

    @property
    def latest(self) -> Evidence | None:
        """The reflection the teacher scores: the newest."""
        return self.reflections[0] if self.reflections else None


def _status(
    setup: ReflectionSetup, latest: Evidence | None, review: ReflectionReview | None
) -> str:
    if latest is None:
        return "Not submitted yet"
    if review is None:
        if setup.scoring == ReflectionScoring.COMPLETION:
            return "Complete (automatic)"
        return "Needs scoring"
    if review.gradebook != "sent":
        return "Scored, not in the gradebook yet"
    if latest.created_at > review.scored_at:
        return "Changed since scored"
    return f"Scored: {level_label(setup, review.level)} ({review.score:g}/{setup.points:g})"


def learners(course: Course) -> list[Person]:
    """The course's active learners, by name."""
    return list(
        db.session.execute(
            select(Person)
            .join(Enrollment, Enrollment.person_id == Person.id)
            .where(
                Enrollment.course_id == course.id,
                Enrollment.role == Role.STUDENT,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Person.tenant_id == course.tenant_id,
            )
            .order_by(Person.name, Person.id)
        ).scalars()
    )


def class_reflections(
    course: Course, link: ResourceLink, setup: ReflectionSetup
) -> list[StudentReflections]:
    """Every learner of the course with their reflections and score (three queries)."""
    people = learners(course)
    by_student: dict[int, list[Evidence]] = {p.id: [] for p in people}
    for evidence in reflections_of(course, link, list(by_student)):
        by_student[evidence.student_id].append(evidence)
    reviews = {
        r.student_id: r
        for r in db.session.execute(
            select(ReflectionReview).where(ReflectionReview.activity_id == setup.id)
        ).scalars()
    }
    rows = []
    for person in people:
        mine = by_student[person.id]
        latest = mine[0] if mine else None
        review = reviews.get(person.id)
        rows.append(
            StudentReflections(
                student=person,
                reflections=mine,
                review=review,
                status=_status(setup, latest, review),
                late=latest is not None and is_late(setup, min(e.created_at for e in mine)),
            )
        )
    # Work waiting for the teacher first, then the rest, by name.
    waiting = ("Needs scoring", "Changed since scored", "Scored, not in the gradebook yet")
    return sorted(rows, key=lambda row: (row.status not in waiting, row.latest is None))


def student_reflections(
    course: Course, link: ResourceLink, setup: ReflectionSetup, student: Person
) -> StudentReflections:
    """One learner's reflections and score."""
    mine = reflections_of(course, link, [student.id])
    review = review_of(setup, student)
    return StudentReflections(
        student=student,
        reflections=mine,
        review=review,
        status=_status(setup, mine[0] if mine else None, review),
        late=bool(mine) and is_late(setup, min(e.created_at for e in mine)),
    )


@dataclass(frozen=True)
class ScoreOutcome:
    """The saved review and what to tell the teacher."""

    review: ReflectionReview
    gradebook_updated: bool
    message: str


def check_score(setup: ReflectionSetup, level: str, comment: str) -> tuple[str, float, str]:
    """The level chosen, its points and the comment, checked.

    :raises InvalidInput: a level the activity does not have, or a comment too long.
    """
    points = dict(levels(setup))
    if level not in points:
        raise InvalidInput(
            "Choose one of the rubric's levels."
            if setup.scoring == ReflectionScoring.RUBRIC
            else "Choose complete or not complete yet."
        )
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(f"Keep the comment to {COMMENT_MAX} characters.")
    return level, points[level], comment


def score_reflection(
    actor: Actor,
    course: Course,
    link: ResourceLink,
    setup: ReflectionSetup,
    student: Person,
    *,
    level: str,
    comment: str,
) -> ScoreOutcome:
    """Save the teacher's level and comment, then send them to the gradebook.

    The caller has checked (policy) that the actor teaches the course and the student is
    one of its learners. The review is committed before the LMS is called.

    :raises InvalidInput: a level the activity does not have, a comment too long, or a
        student with no reflection to score yet.
    """
    level, score, comment = check_score(setup, level, comment)
    if not reflections_of(course, link, [student.id]):
        raise InvalidInput("This student has not handed in a reflection yet.")
    now = dt.datetime.now(dt.UTC)
    review = review_of(setup, student)
    if review is None:
        review = ReflectionReview(
            tenant_id=course.tenant_id, activity_id=setup.id, student_id=student.id
        )
        db.session.add(review)
    review.level = level
    review.score = score
    review.comment = comment
    review.scored_by = actor.person_id
    review.scored_at = now
    review.gradebook = "pending"
    db.session.flush()
    audit.record(
        "reflection.score",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="reflection_review",
        subject_id=review.id,
        student_id=student.id,
        course_id=course.id,
        activity_id=setup.id,
        score=score,
    )
    db.session.commit()
    review_id = review.id
    try:
        line_item = post_reflection_score(
            actor,
            student,
            course,
            link,
            ReflectionScore(
                score_given=score,
                score_maximum=setup.points,
                activity_progress="Completed",
                grading_progress="FullyGraded",
                comment=comment or None,
            ),
            by_teacher=True,
        )
    except (LmsApiError, LaunchError) as err:
        db.session.rollback()
        status = getattr(err, "upstream_status", None)
        log.warning(
            "Reflection review %s saved but its AGS score was not posted for course %s: %s",
            review_id,
            course.id,
            err,
        )
        saved = db.session.get(ReflectionReview, review_id)
        assert saved is not None
        saved.gradebook = "failed"
        audit.record(
            "reflection.score_failed",
            tenant_id=actor.tenant_id,
            actor_id=actor.person_id,
            subject_type="reflection_review",
            subject_id=review_id,
            course_id=course.id,
            error=str(err)[:500],
        )
        db.session.commit()
        why = f" (the learning platform answered {status})" if status else ""
        return ScoreOutcome(saved, False, SCORE_NOT_SENT.format(why=why))
    saved = db.session.get(ReflectionReview, review_id)
    assert saved is not None
    saved.gradebook = "sent"
    latest = reflections_of(course, link, [student.id])[0]
    audit.record(
        "reflection.score_posted",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="evidence",
        subject_id=latest.id,
        course_id=course.id,
        line_item=line_item,
    )
    db.session.commit()
    return ScoreOutcome(saved, True, SCORE_SENT)

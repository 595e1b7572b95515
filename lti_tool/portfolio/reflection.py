"""The plan reflection activity a teacher places in a course (Deep Linking), as a student
does it.

The activity (placed by Deep Linking, see ``deep_linking.py``; its settings in
``reflection_setup.py``) saves the student's reflection as evidence and then reports it to
the LMS gradebook (``reflection_scores.py``): full points for a completion activity, "waiting
for the teacher" for a rubric-scored one. A gradebook failure never loses the reflection: it
is committed first, and the failure is logged and audited (``reflection.score_failed``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.db import INCLUDE_DELETED
from lti_tool.errors import LaunchError, LmsApiError, NotFound
from lti_tool.extensions import db
from lti_tool.models import Course, Person, ResourceLink
from lti_tool.plans import reading as plan_services
from lti_tool.plans.models import Goal
from lti_tool.portfolio.evidence import check_reflection, evidence_audit
from lti_tool.portfolio.goals import goal_for, plan_goals
from lti_tool.portfolio.graded_work import WorkItem, graded_work, own_work, submission_snapshot
from lti_tool.portfolio.models import (
    Evidence,
    EvidenceKind,
    ReflectionReview,
    ReflectionScoring,
    ReflectionSetup,
)
from lti_tool.portfolio.reflection_scores import (
    REFLECTION_ACTIVITY,
    SCORE_COMMENT,
    ReflectionScore,
    post_reflection_score,
)
from lti_tool.portfolio.reflection_setup import check_real_reflection, setup_of

log = logging.getLogger(__name__)

GRADEBOOK_FAILED = (
    "Your reflection is saved; your teacher's gradebook could not be updated right now."
)


GRADEBOOK_UPDATED = (
    "Your reflection is saved, and your teacher's gradebook shows this activity as complete."
)

GRADEBOOK_WAITING = (
    "Your reflection is saved and handed in. Your teacher will read it and give it a score."
)


@dataclass(frozen=True)
class ReflectionActivity:
    """A placement of the reflection activity in a course, for one student."""

    course: Course
    link: ResourceLink
    setup: ReflectionSetup
    title: str
    goals: list[Goal]
    work: list[WorkItem]
    submissions: list[Evidence]
    #: The teacher's score and comment, once given.
    review: ReflectionReview | None


def reflection_link(course: Course, link_id: int | None) -> ResourceLink:
    """The resource link row of a reflection activity placed in ``course``.

    :raises NotFound: unknown link, another course's link, or not a reflection activity.
    """
    link = db.session.get(ResourceLink, link_id) if link_id else None
    if (
        link is None
        or link.course_id != course.id
        or (link.custom or {}).get("activity") != REFLECTION_ACTIVITY
    ):
        raise NotFound("This reflection activity could not be found in this course.")
    return link


def reflections_of(course: Course, link: ResourceLink, student_ids: list[int]) -> list[Evidence]:
    """The reflections the students submitted to this placement, newest first.

    A reflection handed in stays handed in when the student later removes it from their
    portfolio (it went to the LMS gradebook): the teacher still reads and scores it, until the
    purge takes it."""
    if not student_ids:
        return []
    return [
        e
        for e in db.session.execute(
            select(Evidence)
            .where(Evidence.course_id == course.id, Evidence.student_id.in_(student_ids))
            .order_by(Evidence.created_at.desc(), Evidence.id.desc())
            .execution_options(**{INCLUDE_DELETED: True})
        ).scalars()
        if (e.snapshot_extra or {}).get("activity") == REFLECTION_ACTIVITY
        and (e.snapshot_extra or {}).get("resource_link") == link.resource_link_id
    ]


def review_of(setup: ReflectionSetup, student: Person) -> ReflectionReview | None:
    """The teacher's score and comment on a student's reflection, if given."""
    return db.session.execute(
        select(ReflectionReview).where(
            ReflectionReview.activity_id == setup.id, ReflectionReview.student_id == student.id
        )
    ).scalar_one_or_none()


def reflection_activity(
    actor: Actor, student: Person, course: Course, link: ResourceLink, *, record_view: bool = False
) -> ReflectionActivity:
    """What the reflection page shows the student (their goals, this class's graded work,
    their earlier submissions of this activity).

    :param record_view: write (and commit) the ``reflection.view`` audit event first.
    """
    setup = setup_of(course, link)
    if record_view:
        audit.record(
            "reflection.view",
            tenant_id=actor.tenant_id,
            actor_id=actor.person_id,
            subject_type="course",
            subject_id=course.id,
            student_id=student.id,
            resource_link=link.resource_link_id,
        )
        db.session.commit()
    else:
        db.session.commit()  # a first launch's settings binding
    plan = plan_services.find_plan(student)
    return ReflectionActivity(
        course=course,
        link=link,
        setup=setup,
        title=setup.title,
        goals=plan_goals(plan),
        work=graded_work(student, course_id=course.id),
        submissions=reflections_of(course, link, [student.id]),
        review=review_of(setup, student),
    )


@dataclass(frozen=True)
class ReflectionOutcome:
    """The saved reflection and whether the LMS gradebook took the score."""

    evidence: Evidence
    gradebook_updated: bool
    #: What to tell the student.
    message: str


def submit_reflection(
    actor: Actor,
    student: Person,
    course: Course,
    link: ResourceLink,
    *,
    goal_id: int | None,
    grade_id: int | None,
    reflection: str,
) -> ReflectionOutcome:
    """Save the reflection as evidence, then report it to the activity's line item (full
    points on completion; "pending" for a rubric the teacher will score).

    The caller has checked that the student is an active learner of ``course`` and may edit
    their plan. The evidence is committed before the LMS is called; a gradebook failure is
    logged and audited, never raised.

    :raises InvalidInput: a reflection outside 20..5000 characters or with too few words, a
        goal that is not theirs, or work that is not their own graded work in this course.
    """
    text = check_reflection(reflection)
    check_real_reflection(text)
    goal_id = goal_for(student, goal_id)
    setup = setup_of(course, link)
    title = setup.title
    extra: dict[str, Any] = {
        "activity": REFLECTION_ACTIVITY,
        "resource_link": link.resource_link_id,
        "activity_title": title,
        "course_title": course.display_title,
    }
    if grade_id is not None:
        work = own_work(student, grade_id, course_id=course.id)
        snapshot = submission_snapshot(work)
        snapshot["snapshot_extra"] = {**snapshot["snapshot_extra"], **extra}
        assignment_id: int | None = work.assignment.id
    else:
        snapshot = {
            "snapshot_title": title[:500],
            "snapshot_date": dt.datetime.now(dt.UTC),
            "snapshot_extra": extra,
        }
        assignment_id = None
    plan = plan_services.get_or_create_plan(student)
    evidence = Evidence(
        tenant_id=actor.tenant_id,
        plan_id=plan.id,
        goal_id=goal_id,
        student_id=student.id,
        kind=EvidenceKind.SUBMISSION,
        course_id=course.id,
        assignment_id=assignment_id,
        attached_by=actor.person_id,
        attached_as="student",
        reflection=text,
        note="",
        **snapshot,
    )
    db.session.add(evidence)
    db.session.flush()
    evidence_audit(
        "evidence.create",
        actor,
        evidence,
        attached_as="student",
        course_id=course.id,
        activity=REFLECTION_ACTIVITY,
    )
    audit.record(
        "reflection.submit",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="evidence",
        subject_id=evidence.id,
        student_id=student.id,
        course_id=course.id,
        resource_link=link.resource_link_id,
    )
    db.session.commit()

    evidence_id = evidence.id
    review = review_of(setup, student)
    if setup.scoring == ReflectionScoring.COMPLETION:
        score = ReflectionScore(
            score_given=setup.points,
            score_maximum=setup.points,
            activity_progress="Completed",
            grading_progress="FullyGraded",
            comment=review.comment if review is not None and review.comment else SCORE_COMMENT,
        )
        done = GRADEBOOK_UPDATED
    else:
        # New work for the teacher to score: handed in, waiting for grading.
        score = ReflectionScore(
            score_given=None,
            score_maximum=setup.points,
            activity_progress="Submitted",
            grading_progress="Pending",
            comment=None,
        )
        done = GRADEBOOK_WAITING
    try:
        line_item = post_reflection_score(actor, student, course, link, score)
    except (LmsApiError, LaunchError) as err:
        db.session.rollback()
        log.warning(
            "Reflection %s saved but the AGS score was not posted for course %s, "
            "resource link %s: %s (%s)",
            evidence_id,
            course.id,
            link.resource_link_id,
            err,
            getattr(err, "detail", None),
        )
        audit.record(
            "reflection.score_failed",
            tenant_id=actor.tenant_id,
            actor_id=actor.person_id,
            subject_type="evidence",
            subject_id=evidence_id,
            course_id=course.id,
            error=str(err)[:500],
        )
        db.session.commit()
        return ReflectionOutcome(
            evidence=evidence, gradebook_updated=False, message=GRADEBOOK_FAILED
        )
    audit.record(
        "reflection.score_posted",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="evidence",
        subject_id=evidence_id,
        course_id=course.id,
        line_item=line_item,
    )
    db.session.commit()
    return ReflectionOutcome(evidence=evidence, gradebook_updated=True, message=done)

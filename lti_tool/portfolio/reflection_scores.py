"""The reflection activity's score in the LMS gradebook (AGS).

Scores go to the line item of the activity's placement, out of the activity's points: full
credit on submission for a completion activity (``Completed``/``FullyGraded``); for a
rubric-scored one, ``Submitted``/``Pending`` on submission and the teacher's level with
``FullyGraded`` once scored, the teacher's comment as the AGS ``comment``. On Canvas the first score
for a student's column makes their submission; later ones update it without a new attempt
(Canvas's submission extension), so limited-attempt assignments keep working.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from pylti1p3.exception import LtiException
from sqlalchemy import select

from lti_tool.actor import Actor
from lti_tool.errors import LaunchError, LmsApiError
from lti_tool.extensions import db
from lti_tool.grades.lti_services import LtiServiceClient, SubmissionInfo
from lti_tool.grades.models import Assignment
from lti_tool.launch.lti import restore_launch
from lti_tool.lti_vocab import AGS_CLAIM, RESOURCE_LINK_CLAIM
from lti_tool.models import AuditEvent, Course, LmsKind, Person, ResourceLink
from lti_tool.portfolio.deep_linking import ACTIVITIES
from lti_tool.portfolio.models import Evidence, ReflectionSetup
from lti_tool.tenants import course_platform

log = logging.getLogger(__name__)

REFLECTION_ACTIVITY = "reflection"
SCORE_COMMENT = "Plan reflection submitted in Lodestar"


def _line_item_from_launch(actor: Actor, link: ResourceLink) -> str | None:
    """The AGS ``lineitem`` of the actor's launch, when that launch was of this link."""
    if not actor.launch_id:
        return None
    try:
        data = restore_launch(actor.launch_id).get_launch_data()
    except (LaunchError, LtiException):
        return None
    if str((data.get(RESOURCE_LINK_CLAIM) or {}).get("id") or "") != link.resource_link_id:
        return None
    url = (data.get(AGS_CLAIM) or {}).get("lineitem")
    return str(url) if url else None


def find_line_item(
    actor: Actor, course: Course, link: ResourceLink, client: LtiServiceClient
) -> tuple[str, float]:
    """The line item URL of a reflection placement and its maximum score.

    The stored launch names the line item when the student launched this very link;
    otherwise the course's line items (``Course.ags_endpoint["lineitems"]``) are listed and
    the one whose ``resourceLinkId`` is the link's id is used. The maximum comes from our
    synced copy of the line item, else from the listing, else the activity's default.

    :raises LmsApiError: when the platform offers no AGS, fails, or lists no such line item.
    """
    url = _line_item_from_launch(actor, link)
    maximum: float | None = None
    if url:
        maximum = db.session.execute(
            select(Assignment.score_maximum)
            .where(
                Assignment.course_id == course.id,
                Assignment.source == "ags",
                Assignment.external_id == url,
            )
            .limit(1)
        ).scalar_one_or_none()
    if url is None or maximum is None:
        line_items_url = (course.ags_endpoint or {}).get("lineitems")
        items = []
        if line_items_url:
            try:
                items = client.line_items(str(line_items_url))
            except LmsApiError:
                if url is None:
                    raise
                log.info(
                    "Could not list line items of course %s; using the activity's default maximum",
                    course.id,
                )
        if url:
            match = next((i for i in items if i.external_id == url), None)
        else:
            match = next((i for i in items if i.resource_link_id == link.resource_link_id), None)
        if match is not None:
            url = url or match.external_id
            maximum = match.score_maximum
    if url is None:
        raise LmsApiError("The platform lists no gradebook column for this activity.")
    if maximum is None or maximum <= 0:
        maximum = next(a.score_maximum for a in ACTIVITIES if a.key == REFLECTION_ACTIVITY)
    return url, float(maximum)


@dataclass(frozen=True)
class ReflectionScore:
    """One score publication for a student's reflection (AGS ``Score``)."""

    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str
    comment: str | None


def post_reflection_score(
    actor: Actor,
    student: Person,
    course: Course,
    link: ResourceLink,
    score: ReflectionScore,
    *,
    by_teacher: bool = False,
) -> str:
    """Send ``score`` to the activity's line item for the student; returns its URL.

    A teacher's score (``by_teacher``) is never a new submission and replaces whatever grade
    the column holds.

    On Canvas, only the first score that reaches the line item for this student is a new
    submission (dated now); a re-post says ``new_submission: false`` and keeps a grade the
    teacher set since (``prioritize_non_tool_grade``). When Canvas answers 422 because no
    attempt is left, the score is sent once more as an update of the existing submission.

    :raises LmsApiError: when the line item cannot be found or the platform refuses.
    """
    platform = course_platform(course)
    if platform is None:
        raise LmsApiError("The platform of this course is no longer registered.")
    client = LtiServiceClient(platform)
    url, _maximum = find_line_item(actor, course, link, client)
    # Canvas makes every score a new submission attempt unless told otherwise: only the
    # first reflection score for this column is one; later ones update the grade and keep a
    # grade the teacher has put there since (Canvas's submission extension).
    first = not by_teacher and not _score_posted_before(student, course, url)
    submission = SubmissionInfo(
        new_submission=first,
        submitted_at=dt.datetime.now(dt.UTC) if first else None,
        prioritize_non_tool_grade=not first and not by_teacher,
    )
    try:
        _post(client, url, student, score, submission)
    except LmsApiError as err:
        if not (
            first
            and platform.lms == LmsKind.CANVAS
            and err.upstream_status == 422
            and "attempt" in (err.detail or "").lower()
        ):
            raise
        # The student's attempts are used up (a submission made outside Lodestar, or a
        # score whose answer we lost): Canvas refused before changing anything, so send the
        # score again as an update of the existing submission.
        log.info(
            "Canvas has no attempt left on %s for this student; posting the reflection "
            "score without a new submission",
            url,
        )
        _post(
            client,
            url,
            student,
            score,
            SubmissionInfo(new_submission=False, prioritize_non_tool_grade=True),
        )
    return url


def _post(
    client: LtiServiceClient,
    url: str,
    student: Person,
    score: ReflectionScore,
    submission: SubmissionInfo,
) -> None:
    client.post_score(
        url,
        user_id=student.sub,
        score_given=score.score_given,
        score_maximum=score.score_maximum,
        activity_progress=score.activity_progress,
        grading_progress=score.grading_progress,
        comment=score.comment,
        submission=submission,
    )


def _score_posted_before(student: Person, course: Course, line_item_url: str) -> bool:
    """Whether a reflection score of the student already reached this line item (the audit
    log records every one that the platform accepted)."""
    reflections = select(Evidence.id).where(
        Evidence.student_id == student.id, Evidence.course_id == course.id
    )
    details = db.session.execute(
        select(AuditEvent.detail).where(
            AuditEvent.tenant_id == course.tenant_id,
            AuditEvent.action == "reflection.score_posted",
            AuditEvent.subject_type == "evidence",
            AuditEvent.subject_id.in_(reflections),
        )
    ).scalars()
    return any((detail or {}).get("line_item") == line_item_url for detail in details)


def update_reflection_column(
    actor: Actor, course: Course, link: ResourceLink, setup: ReflectionSetup
) -> None:
    """Give the placement's gradebook column the activity's title, points and due date.

    :raises LmsApiError: when the column cannot be found or the platform refuses.
    """
    platform = course_platform(course)
    if platform is None:
        raise LmsApiError("The platform of this course is no longer registered.")
    client = LtiServiceClient(platform)
    url, _maximum = find_line_item(actor, course, link, client)
    client.update_line_item(
        url,
        label=setup.title,
        score_maximum=setup.points,
        resource_id=f"lodestar-{REFLECTION_ACTIVITY}-{setup.id}",
        tag=f"lodestar-{REFLECTION_ACTIVITY}",
        resource_link_id=link.resource_link_id,
        end_date_time=setup.due_at,
    )

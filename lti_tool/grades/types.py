"""What every LMS adapter returns: plain frozen dataclasses, never library objects.

NRPS/AGS (``lti_services.py``), Canvas REST (``canvas.py``) and Schoology REST
(``schoology.py``) all speak these types, so sync code does not care where data came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RosterMember:
    """A course member. ``user_id`` is the LTI ``sub`` when known (NRPS), else None."""

    user_id: str | None
    name: str = ""
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    #: LTI context role URIs (NRPS) or names ("StudentEnrollment", "member") from REST.
    roles: tuple[str, ...] = ()
    #: "Active", "Inactive" or "Deleted" (NRPS vocabulary; REST adapters map to it).
    status: str = "Active"
    #: The LMS's own user id (Canvas user id, Schoology uid), when known from REST. NRPS
    #: never fills it.
    lms_user_id: str | None = None
    #: The SIS id (NRPS ``lis_person_sourcedid``), kept apart from ``lms_user_id``.
    sis_id: str | None = None


@dataclass(frozen=True)
class LmsAssignment:
    """A gradable item: an AGS line item or an LMS assignment."""

    #: Stable id within its source: the line item URL (AGS) or the LMS assignment id.
    external_id: str
    title: str
    source: str  # "ags" | "canvas" | "schoology"
    score_maximum: float | None = None
    due_at: dt.datetime | None = None
    html_url: str | None = None
    resource_link_id: str | None = None
    tag: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class LmsAttachment:
    """A file attached to a submission."""

    filename: str
    url: str
    content_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class LmsScore:
    """One student's result on one assignment."""

    assignment_external_id: str
    #: LTI ``sub`` (AGS results) or None when only the LMS user id is known (REST).
    user_id: str | None
    score: float | None
    score_maximum: float | None = None
    comment: str | None = None
    submitted_at: dt.datetime | None = None
    graded_at: dt.datetime | None = None
    #: "submitted", "graded", "missing", "late", "pending", ... as the LMS says.
    state: str | None = None
    lms_user_id: str | None = None
    url: str | None = None
    body: str | None = None
    attachments: tuple[LmsAttachment, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class LmsEnrollmentGrade:
    """A student's enrollment in some course with the course grade (Canvas)."""

    lms_course_id: str
    course_name: str
    role: str
    state: str
    current_score: float | None = None
    final_score: float | None = None
    current_grade: str | None = None
    final_grade: str | None = None
    term: str | None = None


@dataclass(frozen=True)
class LmsCourse:
    """A course of the district's account as its LMS REST API lists it."""

    #: The LMS's own course id (Canvas course id).
    lms_course_id: str
    name: str
    course_code: str | None = None
    sis_course_id: str | None = None

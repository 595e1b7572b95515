"""Evidence snapshots: what a piece of work looked like when it was attached.

Evidence copies the work's title, score, date, link and attachments (``snapshot_*``), so a
regraded, renamed or deleted LMS item never changes or loses it. A snapshot's link is shown
only when it is a safe http(s) URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lti_tool.grades.models import Assignment, Grade
from lti_tool.models import Course
from lti_tool.portfolio.models import Evidence


def safe_link(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL (safe to put in ``href``), else None."""
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]", url, re.IGNORECASE):
        return None
    return url


def apply_snapshot(evidence: Evidence, snapshot: Mapping[str, Any]) -> None:
    for name, value in snapshot.items():
        setattr(evidence, name, value)


def assignment_snapshot(
    assignment: Assignment, grade: Grade | None, course: Course
) -> dict[str, Any]:
    """What an assignment (and the student's result on it) looks like right now.

    Copied into ``Evidence.snapshot_*`` so the evidence outlives changes in the LMS.
    """
    when = (grade.submitted_at or grade.graded_at) if grade else None
    maximum = (
        grade.score_maximum
        if grade and grade.score_maximum is not None
        else assignment.score_maximum
    )
    return {
        "snapshot_title": (assignment.title or "Untitled assignment")[:500],
        "snapshot_score": grade.score if grade else None,
        "snapshot_score_maximum": maximum,
        "snapshot_date": when or assignment.due_at,
        "snapshot_url": (grade.url if grade and grade.url else None) or assignment.html_url,
        "snapshot_extra": {
            "attachments": [dict(a) for a in (grade.attachments or [])] if grade else [],
            "source": assignment.source,
            "external_id": assignment.external_id,
            "course_title": course.display_title,
        },
    }

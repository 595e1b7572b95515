"""Students linking their own work to a goal: graded work, a web address or a file.

Everything is checked before anything is written; linking the same graded work to the same
goal again refreshes the snapshot and the reflection instead of adding a duplicate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lti_tool import hygiene
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.plans import reading as plan_services
from lti_tool.portfolio.evidence import check_reflection, evidence_audit
from lti_tool.portfolio.files import Upload, read_upload
from lti_tool.portfolio.forms import check_http_url
from lti_tool.portfolio.goals import goal_for
from lti_tool.portfolio.graded_work import own_work, submission_snapshot
from lti_tool.portfolio.models import Evidence, EvidenceKind, StoredFile
from lti_tool.portfolio.snapshots import apply_snapshot


@dataclass(frozen=True)
class LinkRequest:
    """What the "link work to a goal" form asked for (field checks already passed)."""

    source: str
    goal_id: int | None
    reflection: str
    grade_id: int | None = None
    url: str | None = None
    title: str = ""
    upload: FileStorage | None = None


def _url_title(url: str) -> str:
    parts = hygiene.split_url(url) or urlsplit("")
    text = (parts.hostname or "") + (parts.path if parts.path not in {"", "/"} else "")
    return text[:200] or url[:200]


def link_work(actor: Actor, student: Person, request: LinkRequest) -> Evidence:
    """Link a piece of the student's own work to a goal of their plan, with a reflection.

    The caller has checked ``EDIT_PLAN`` on ``student``. Everything is checked before
    anything is written; linking the same graded work to the same goal again refreshes the
    snapshot and the reflection instead of adding a duplicate.

    :raises InvalidInput: a reflection outside 20..5000 characters, a goal that is not
        theirs, work that is not their own graded work, a bad URL or a refused file;
        nothing is saved.
    """
    reflection = check_reflection(request.reflection)
    goal_id = goal_for(student, request.goal_id)
    now = dt.datetime.now(dt.UTC)
    upload: Upload | None = None
    existing: Evidence | None = None
    if request.source == "work":
        work = own_work(student, request.grade_id)
        fields: dict[str, Any] = dict(
            kind=EvidenceKind.SUBMISSION,
            course_id=work.course.id,
            assignment_id=work.assignment.id,
            **submission_snapshot(work),
        )
        existing = db.session.execute(
            select(Evidence)
            .where(
                Evidence.student_id == student.id,
                Evidence.tenant_id == actor.tenant_id,
                Evidence.kind == EvidenceKind.SUBMISSION,
                Evidence.assignment_id == work.assignment.id,
                Evidence.goal_id.is_(None) if goal_id is None else Evidence.goal_id == goal_id,
                Evidence.attached_as == "student",
            )
            .limit(1)
        ).scalar_one_or_none()
        detail: dict[str, Any] = {"assignment_id": work.assignment.id, "grade_id": work.grade.id}
    elif request.source == "url":
        url = (request.url or "").strip()
        problem = check_http_url(url) if url else "Enter the web address of your work."
        if problem:
            raise InvalidInput(problem)
        fields = dict(
            kind=EvidenceKind.URL,
            snapshot_title=request.title or _url_title(url),
            snapshot_url=url,
            snapshot_date=now,
            snapshot_extra={},
        )
        detail = {"url": url}
    elif request.source == "file":
        upload = read_upload(request.upload)
        fields = dict(
            kind=EvidenceKind.FILE,
            snapshot_title=request.title or upload.filename,
            snapshot_digest=upload.sha256,
            snapshot_date=now,
            snapshot_extra={
                "filename": upload.filename,
                "size": len(upload.data),
                "content_type": upload.content_type,
            },
        )
        detail = {"sha256": upload.sha256, "size": len(upload.data)}
    else:
        raise InvalidInput("Choose what you are linking.")

    if existing is not None:
        apply_snapshot(existing, {k: v for k, v in fields.items() if k.startswith("snapshot_")})
        existing.reflection = reflection
        evidence_audit("evidence.update", actor, existing, change="relinked", **detail)
        db.session.commit()
        return existing
    plan = plan_services.get_or_create_plan(student)
    if upload is not None:
        stored = StoredFile(
            tenant_id=actor.tenant_id,
            owner_id=student.id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            sha256=upload.sha256,
            content=upload.data,
        )
        db.session.add(stored)
        db.session.flush()
        fields["file_id"] = detail["file_id"] = stored.id
    evidence = Evidence(
        tenant_id=actor.tenant_id,
        plan_id=plan.id,
        goal_id=goal_id,
        student_id=student.id,
        attached_by=actor.person_id,
        attached_as="student",
        reflection=reflection,
        note="",
        **fields,
    )
    db.session.add(evidence)
    db.session.flush()
    evidence_audit("evidence.create", actor, evidence, attached_as="student", **detail)
    db.session.commit()
    return evidence

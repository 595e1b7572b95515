"""Deletion on request: everything a student owns goes, the person row becomes a tombstone.

What goes: the plan and all that hangs off it (goals, milestones, course plan, lists, the
postsecondary list with its essays and letters, financial-checklist ticks, journey ticks,
comments about the plan and comments the person wrote, snapshots, community resources
recommended to them), evidence about the student and the files they uploaded, grades with
their teacher comments, transcript, LMS credentials, person-level sync runs, enrollments,
guardian links, Lodestar grants, and the launch bodies (name, email, roles) kept in the
shared store. The person row stays as an anonymised tombstone (only ids of the LMS's own
choosing: tenant and ``sub``) with ``erased_at`` set, so a roster sync does not recreate them
with their data before their own next launch.

Audit events keep who, what, when, ids and counts; every text of the student's (names,
emails, URLs, titles, free text) is removed from their ``detail``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import CursorResult, String, Text, delete, false, or_, select

from lti_tool import session_records
from lti_tool.db import INCLUDE_DELETED, utcnow
from lti_tool.errors import NotFound
from lti_tool.extensions import db
from lti_tool.grades.models import Grade, LmsCredential, SyncRun, TranscriptEntry
from lti_tool.launch.lti import purge_launch_data
from lti_tool.models import (
    AuditEvent,
    Enrollment,
    Mentorship,
    Person,
    Platform,
    RoleGrant,
)
from lti_tool.plans import parts
from lti_tool.plans.models import (
    CoursePlanEntry,
    Goal,
    JourneyTick,
    Milestone,
    Plan,
    PlanComment,
    PlanItem,
    PlanSnapshot,
    ResumeSettings,
)
from lti_tool.plans.notice_models import Notice
from lti_tool.plans.postsecondary_models import ApplicationTask, ChecklistTick, PostsecondaryOption
from lti_tool.plans.resource_models import ResourceRecommendation

#: Detail keys whose string values are vocabulary of Lodestar, never the student's words.
VOCABULARY_KEYS = frozenset(
    {
        "page",
        "format",
        "section",
        "kind",
        "status",
        "role",
        "author_role",
        "school_year",
        "fields",
        "message_type",
        "attached_as",
        "activity",
    }
)

#: Strings shorter than this are not searched for in other events (too many false hits).
MIN_SECRET_LENGTH = 4


def _run(statement: Any) -> int:
    result = cast(
        CursorResult[Any],
        db.session.execute(statement.execution_options(synchronize_session=False)),
    )
    return int(result.rowcount or 0)


def _texts(rows: Iterable[Any]) -> set[str]:
    """Every text value (string columns and strings inside JSON columns) of ``rows``."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if len(value.strip()) >= MIN_SECRET_LENGTH:
                found.add(value.strip())
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for row in rows:
        for column in row.__table__.columns:
            if column.name in ("sub", "tenant_id") or column.foreign_keys:
                continue
            if isinstance(column.type, String | Text) or column.type.__class__.__name__ == "JSON":
                walk(getattr(row, column.key, None))
    return found


def _holds_secret(value: str, secrets: set[str]) -> bool:
    folded = value.casefold()
    return any(s.casefold() in folded for s in secrets)


def scrub_detail(detail: Any, secrets: set[str], *, related: bool, key: str = "") -> Any:
    """``detail`` without the student's texts.

    For an event about the student (``related``) only numbers, booleans, ids and Lodestar's
    own vocabulary (``VOCABULARY_KEYS``) stay; for any other event only the strings that
    contain one of ``secrets`` go. Dropped strings are removed (dict keys) or left out (lists).
    """
    if isinstance(detail, dict):
        kept: dict[str, Any] = {}
        for k, v in detail.items():
            cleaned = scrub_detail(v, secrets, related=related, key=k)
            if cleaned is not _DROP:
                kept[k] = cleaned
        return kept
    if isinstance(detail, list):
        items = [scrub_detail(v, secrets, related=related, key=key) for v in detail]
        return [v for v in items if v is not _DROP]
    if isinstance(detail, str):
        if _holds_secret(detail, secrets) or (related and key not in VOCABULARY_KEYS):
            return _DROP
        return detail
    return detail


_DROP: Any = object()


def erase_student(actor_tenant_id: int, student: Person) -> dict[str, int]:
    """Delete everything ``student`` owns and leave a tombstone (see the module docstring).

    Adds to the session without committing (the caller commits, then calls
    ``purge_store``); returns the counts by kind."""
    tenant_id = student.tenant_id
    if tenant_id != actor_tenant_id:  # the view loaded the student within the tenant
        raise NotFound()
    pid = student.id
    plan = db.session.execute(
        select(Plan).where(Plan.tenant_id == tenant_id, Plan.person_id == pid)
    ).scalar_one_or_none()
    plan_id = plan.id if plan is not None else -1

    def rows(model: Any, *where: Any) -> list[Any]:
        # Deleted rows still waiting for the purge (undo) are erased too.
        return list(
            db.session.execute(
                select(model).where(*where).execution_options(**{INCLUDE_DELETED: True})
            ).scalars()
        )

    goals = rows(Goal, Goal.plan_id == plan_id)
    options = rows(PostsecondaryOption, PostsecondaryOption.plan_id == plan_id)
    owned: dict[str, list[Any]] = {
        "plan": [plan] if plan is not None else [],
        "goal": goals,
        "milestone": rows(Milestone, Milestone.goal_id.in_([g.id for g in goals])),
        "course_plan_entry": rows(CoursePlanEntry, CoursePlanEntry.plan_id == plan_id),
        "plan_item": rows(PlanItem, PlanItem.plan_id == plan_id),
        "postsecondary_option": options,
        "application_task": rows(
            ApplicationTask, ApplicationTask.option_id.in_([o.id for o in options])
        ),
        "plan_comment": rows(
            PlanComment, or_(PlanComment.plan_id == plan_id, PlanComment.author_id == pid)
        ),
        "plan_snapshot": rows(PlanSnapshot, PlanSnapshot.plan_id == plan_id),
        "resource_recommendation": rows(
            ResourceRecommendation, ResourceRecommendation.plan_id == plan_id
        ),
        # Evidence and uploaded files, from the portfolio (see ``parts``).
        **parts.owned(student, plan_id),
        "grade": rows(Grade, Grade.person_id == pid),
        "transcript_entry": rows(TranscriptEntry, TranscriptEntry.person_id == pid),
        "role_grant": rows(
            RoleGrant,
            RoleGrant.tenant_id == tenant_id,
            or_(
                RoleGrant.person_id == pid,
                RoleGrant.email == student.email if student.email else false(),
            ),
        ),
    }
    secrets = _texts([student]) | set().union(*(_texts(r) for r in owned.values()))
    # Signatures the person gave on someone else's snapshot (a guardian): their name goes.
    signed = rows(PlanSnapshot, PlanSnapshot.signed_by == pid, PlanSnapshot.plan_id != plan_id)
    secrets |= {
        s.signature_name
        for s in signed
        if s.signature_name and len(s.signature_name) >= MIN_SECRET_LENGTH
    }

    subjects = {(kind, row.id) for kind, rs in owned.items() for row in rs}
    subjects.add(("person", pid))
    for event in db.session.execute(
        select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    ).scalars():
        detail = event.detail or {}
        related = (
            event.actor_id == pid
            or detail.get("student_id") == pid
            or (event.subject_type, event.subject_id) in subjects
        )
        cleaned = scrub_detail(detail, secrets, related=related)
        if cleaned != detail:
            event.detail = cleaned

    for snap in signed:
        snap.signature_name = None

    counts: dict[str, int] = {}
    # Children before parents; bulk deletes, so nothing is loaded one by one.
    counts.update(parts.erase(student, plan_id, owned))
    counts["grades"] = _run(delete(Grade).where(Grade.person_id == pid))
    counts["transcript_entries"] = _run(
        delete(TranscriptEntry).where(
            TranscriptEntry.tenant_id == tenant_id, TranscriptEntry.person_id == pid
        )
    )
    counts["lms_credentials"] = _run(delete(LmsCredential).where(LmsCredential.person_id == pid))
    counts["sync_runs"] = _run(delete(SyncRun).where(SyncRun.person_id == pid))
    counts["milestones"] = _run(
        delete(Milestone).where(Milestone.id.in_([m.id for m in owned["milestone"]]))
    )
    counts["goals"] = _run(delete(Goal).where(Goal.plan_id == plan_id))
    counts["courses"] = _run(delete(CoursePlanEntry).where(CoursePlanEntry.plan_id == plan_id))
    counts["items"] = _run(delete(PlanItem).where(PlanItem.plan_id == plan_id))
    counts["application_tasks"] = _run(
        delete(ApplicationTask).where(
            ApplicationTask.id.in_([t.id for t in owned["application_task"]])
        )
    )
    counts["postsecondary_options"] = _run(
        delete(PostsecondaryOption).where(PostsecondaryOption.plan_id == plan_id)
    )
    counts["checklist_ticks"] = _run(delete(ChecklistTick).where(ChecklistTick.plan_id == plan_id))
    # "What's new" notices for the person or about their plan (ids only, but they go too).
    counts["notices"] = _run(
        delete(Notice).where(
            or_(Notice.recipient_id == pid, Notice.student_id == pid, Notice.plan_id == plan_id)
        )
    )
    counts["comments"] = _run(
        delete(PlanComment).where(PlanComment.id.in_([c.id for c in owned["plan_comment"]]))
    )
    counts["snapshots"] = _run(delete(PlanSnapshot).where(PlanSnapshot.plan_id == plan_id))
    counts["resume_settings"] = _run(
        delete(ResumeSettings).where(ResumeSettings.plan_id == plan_id)
    )
    counts["recommendations"] = _run(
        delete(ResourceRecommendation).where(ResourceRecommendation.plan_id == plan_id)
    )
    counts["journey_ticks"] = _run(delete(JourneyTick).where(JourneyTick.plan_id == plan_id))
    counts["plans"] = _run(delete(Plan).where(Plan.id == plan_id))
    if plan is not None:
        db.session.expunge(plan)
    # Every session of the person ends, and its row goes.
    counts["sessions"] = session_records.delete_sessions_of(pid)
    counts["enrollments"] = _run(delete(Enrollment).where(Enrollment.person_id == pid))
    guardians = set(
        db.session.execute(
            select(Mentorship.guardian_id).where(
                Mentorship.student_id == pid, Mentorship.active.is_(True)
            )
        ).scalars()
    )
    counts["mentorships"] = _run(
        delete(Mentorship).where(or_(Mentorship.student_id == pid, Mentorship.guardian_id == pid))
    )
    session_records.end_sessions_of(guardians)  # their access changed
    counts["role_grants"] = _run(
        delete(RoleGrant).where(RoleGrant.id.in_([g.id for g in owned["role_grant"]]))
    )

    student.name = ""
    student.given_name = None
    student.family_name = None
    student.email = None
    student.lms_user_id = None
    student.sis_id = None
    student.institution_roles = []
    student.last_launch_at = None
    student.erased_at = utcnow()
    return counts


def purge_store(student: Person) -> int:
    """Delete the launch bodies of ``student`` kept in the shared store; how many went.

    Call after committing ``erase_student``: the database store commits as it goes."""
    issuers = (
        db.session.execute(select(Platform.issuer).where(Platform.tenant_id == student.tenant_id))
        .scalars()
        .all()
    )
    return purge_launch_data(issuers, student.sub)

"""Portfolio logic: evidence teachers attach, work students link, files, reflections.

Evidence copies what the work looked like when it was attached (``snapshot_*``), so a
regraded, renamed or deleted LMS item never changes or loses it. Every change writes an
audit event (``evidence.create``, ``evidence.update``, ``evidence.delete``,
``file.download``, ``reflection.submit``) and is committed together with it.

Access is decided by ``lti_tool.policy``: views check the page-level action; the bulk
attach checks ``ATTACH_EVIDENCE`` for every chosen student here, where the students are
loaded. Every query is scoped to the actor's tenant.

The plan reflection activity (placed by Deep Linking, see ``deep_linking.py``) saves the
reflection as evidence and then reports full credit to the LMS gradebook through AGS. A
gradebook failure never loses the reflection: it is committed first. On Canvas the first
score for a student's column makes their submission; later ones update it without a new
attempt (Canvas's submission extension), so limited-attempt assignments keep working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.exception import LtiException
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import FileStorage
from wtforms.fields.choices import SelectChoice

from lti_tool import audit, hygiene, policy
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, LaunchError, LmsApiError, NotAuthorized, NotFound
from lti_tool.extensions import db
from lti_tool.grades.lti_services import LtiServiceClient, SubmissionInfo
from lti_tool.grades.models import Assignment, Grade
from lti_tool.launch.lti import restore_launch
from lti_tool.lti_vocab import AGS_CLAIM, RESOURCE_LINK_CLAIM
from lti_tool.models import (
    AuditEvent,
    Course,
    Enrollment,
    EnrollmentStatus,
    LmsKind,
    Person,
    ResourceLink,
    Role,
)
from lti_tool.plans import reading as plan_services
from lti_tool.plans.models import Goal, Plan
from lti_tool.portfolio.deep_linking import ACTIVITIES
from lti_tool.portfolio.forms import (
    NO_GOAL,
    REFLECTION_MAX,
    REFLECTION_MIN,
    check_http_url,
    choices,
)
from lti_tool.portfolio.models import Evidence, EvidenceKind, StoredFile
from lti_tool.tenants import course_platform

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: What a request to the upload endpoint may carry at most: the largest file we accept plus
#: 1 MiB for the rest of the form (reflection, title, URL) and the multipart framing. This is
#: well under the app-wide ``MAX_CONTENT_LENGTH``; bigger bodies are refused with 413 before
#: they are read.
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024

REFLECTION_ACTIVITY = "reflection"
SCORE_COMMENT = "Plan reflection submitted in Lodestar"

GRADEBOOK_FAILED = ("Your reflection is saved; your teacher's gradebook could not be updated "
                    "right now.")
GRADEBOOK_UPDATED = ("Your reflection is saved, and your teacher's gradebook shows this "
                     "activity as complete.")


@dataclass(frozen=True)
class FileType:
    """An upload type we accept: its content type and the bytes its files start with."""

    content_type: str
    label: str
    #: Leading bytes of a genuine file (None: plain text, checked for NUL bytes instead).
    magic: tuple[bytes, ...] | None


_ZIP = (b"PK\x03\x04",)
FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", "PDF", (b"%PDF-",)),
    "png": FileType("image/png", "PNG image", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": FileType("image/jpeg", "JPEG image", (b"\xff\xd8\xff",)),
    "jpeg": FileType("image/jpeg", "JPEG image", (b"\xff\xd8\xff",)),
    "gif": FileType("image/gif", "GIF image", (b"GIF87a", b"GIF89a")),
    "txt": FileType("text/plain", "text file", None),
    "docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "Word document", _ZIP),
    "pptx": FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation",
                     "PowerPoint presentation", _ZIP),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "Excel workbook", _ZIP),
    "odt": FileType("application/vnd.oasis.opendocument.text", "OpenDocument text", _ZIP),
}
ACCEPTED_FILES = "PDF, PNG, JPEG, GIF, text (.txt), Word (.docx), PowerPoint (.pptx), " \
                 "Excel (.xlsx) or OpenDocument text (.odt)"


# -- small helpers ------------------------------------------------------------------------

def safe_link(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL (safe to put in ``href``), else None."""
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]", url, re.IGNORECASE):
        return None
    return url


def goal_label(goal: Goal) -> str:
    """A short label for a goal in lists and selects."""
    statement = " ".join(goal.statement.split())
    if len(statement) > 120:
        statement = statement[:117].rstrip() + "..."
    return f"{statement} ({goal.category})" if goal.category else statement


def goal_choices(goals: Sequence[Goal], *, none_label: str) -> list[SelectChoice]:
    """The options of a goal select: "none" first, then the goals."""
    return choices([(NO_GOAL, none_label), *((str(g.id), goal_label(g)) for g in goals)])


_ID = re.compile(r"[0-9]{1,9}")


def parse_id(value: str | None) -> int | None:
    """A record id from a form or query value, or None when it is not one.

    Only ASCII digits count (``"²".isdigit()`` is true, yet ``int("²")`` fails) and at most
    nine of them (a longer number would overflow the database's integer columns).
    """
    if value is None or not _ID.fullmatch(value):
        return None
    return int(value)


def parse_goal(value: str | None) -> int | None:
    """A goal select value as a goal id (None for "no particular goal").

    :raises InvalidInput: for a value that is not a goal id.
    """
    if not value:
        return None
    goal_id = parse_id(value)
    if goal_id is None:
        raise InvalidInput("Choose one of the listed goals.")
    return goal_id


def plan_goals(plan: Plan | None) -> list[Goal]:
    """The goals of a plan in creation order (one query; none for a missing plan)."""
    if plan is None:
        return []
    return list(db.session.execute(
        select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id)).scalars())


def _goal_of_plan(plan: Plan, goal_id: int | None) -> Goal | None:
    if goal_id is None:
        return None
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.plan_id != plan.id:
        raise InvalidInput("That goal is not one of the goals of this plan.")
    return goal


def _check_reflection(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if not text and not required:
        return ""
    if not REFLECTION_MIN <= len(text) <= REFLECTION_MAX:
        raise InvalidInput(f"Write a reflection of {REFLECTION_MIN} to {REFLECTION_MAX} "
                           "characters.")
    return text


def _evidence_audit(action: str, actor: Actor, evidence: Evidence, **detail: Any) -> None:
    audit.record(action, tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="evidence", subject_id=evidence.id,
                 student_id=evidence.student_id, plan_id=evidence.plan_id,
                 goal_id=evidence.goal_id, kind=str(evidence.kind), **detail)


def _apply_snapshot(evidence: Evidence, snapshot: Mapping[str, Any]) -> None:
    for name, value in snapshot.items():
        setattr(evidence, name, value)


def assignment_snapshot(assignment: Assignment, grade: Grade | None,
                        course: Course) -> dict[str, Any]:
    """What an assignment (and the student's result on it) looks like right now.

    Copied into ``Evidence.snapshot_*`` so the evidence outlives changes in the LMS.
    """
    when = (grade.submitted_at or grade.graded_at) if grade else None
    maximum = grade.score_maximum if grade and grade.score_maximum is not None \
        else assignment.score_maximum
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


# -- the teacher's bulk attach ------------------------------------------------------------

@dataclass(frozen=True)
class LearnerRow:
    """An active learner of the class with their goals (for the attach form)."""

    person: Person
    goals: list[Goal]


@dataclass(frozen=True)
class AttachPage:
    """Everything the attach form shows."""

    course: Course
    assignments: list[Assignment]
    learners: list[LearnerRow]


def active_assignments(course: Course) -> list[Assignment]:
    """The course's active assignments (AGS line items and LMS assignments), due date order."""
    return list(db.session.execute(
        select(Assignment).where(Assignment.course_id == course.id, Assignment.active.is_(True))
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.title,
                  Assignment.id)).scalars())


def _learner_ids(course: Course) -> Any:
    return (select(Enrollment.person_id)
            .where(Enrollment.course_id == course.id, Enrollment.role == Role.STUDENT,
                   Enrollment.status == EnrollmentStatus.ACTIVE))


def active_learner_ids(course: Course) -> list[int]:
    """Ids of the course's active learners ("select all" on the attach form)."""
    return sorted(db.session.execute(_learner_ids(course)).scalars())


def attach_page(actor: Actor, course: Course) -> AttachPage:
    """The attach form's data in a fixed number of queries (three), whatever the class size.

    Writes one audit event first (the form shows the goals of every learner of the class);
    it is committed before the data is loaded so the commit does not expire what we show.
    """
    learner_ids = _learner_ids(course)
    shown = sorted(db.session.execute(
        select(Person.id).where(Person.tenant_id == course.tenant_id,
                                Person.id.in_(learner_ids))).scalars())
    audit.record("evidence.attach_form", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="course", subject_id=course.id, students=shown,
                 student_count=len(shown))
    db.session.commit()
    learners = list(db.session.execute(
        select(Person).where(Person.tenant_id == course.tenant_id,
                             Person.id.in_(shown))
        .order_by(*plan_services.person_order())).scalars())
    goals: dict[int, list[Goal]] = {}
    for goal, person_id in db.session.execute(
            select(Goal, Plan.person_id).join(Plan, Plan.id == Goal.plan_id)
            .where(Plan.tenant_id == course.tenant_id, Plan.person_id.in_(learner_ids))
            .order_by(Goal.id)):
        goals.setdefault(person_id, []).append(goal)
    return AttachPage(course=course, assignments=active_assignments(course),
                      learners=[LearnerRow(p, goals.get(p.id, [])) for p in learners])


@dataclass(frozen=True)
class AttachOutcome:
    """What a bulk attach did."""

    assignment: Assignment
    created: int
    updated: int


def attach_assignment(actor: Actor, course: Course, assignment_id: int,
                      selections: Mapping[int, int | None], note: str = "") -> AttachOutcome:
    """Attach one assignment as evidence to a goal of each chosen student.

    :param selections: student person id -> goal id (None: "the plan in general").
    :param note: an optional note from the teacher, shown with the evidence.
    :raises InvalidInput: no student chosen, an unknown assignment, or a goal that is not
        the student's (nothing is saved).
    :raises NotAuthorized: when the actor may not attach evidence for one of the students
        (not an active learner of a course the actor actively teaches).

    Re-attaching the same assignment to the same goal of a student refreshes the snapshot
    instead of adding a duplicate.
    """
    if not selections:
        raise InvalidInput("Tick at least one student.")
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.course_id != course.id or not assignment.active:
        raise InvalidInput("Choose one of this class's assignments.")
    student_ids = set(selections)
    students = {p.id: p for p in db.session.execute(
        select(Person).where(Person.tenant_id == actor.tenant_id,
                             Person.id.in_(student_ids))).scalars()}
    for student_id in sorted(student_ids):
        student = students.get(student_id)
        if student is None:
            raise NotAuthorized("You can attach evidence only for students of this class.")
        policy.require(actor, policy.Action.ATTACH_EVIDENCE, (course, student))

    plans = {p.person_id: p for p in db.session.execute(
        select(Plan).where(Plan.tenant_id == actor.tenant_id,
                           Plan.person_id.in_(student_ids))).scalars()}
    goal_ids = {g for g in selections.values() if g is not None}
    goals = {g.id: g for g in db.session.execute(
        select(Goal).where(Goal.id.in_(goal_ids))).scalars()} if goal_ids else {}
    for student_id, goal_id in selections.items():
        if goal_id is None:
            continue
        plan = plans.get(student_id)
        goal = goals.get(goal_id)
        if plan is None or goal is None or goal.plan_id != plan.id:
            raise InvalidInput(f"The goal chosen for {students[student_id].display_name} is "
                               "not one of their goals. Reload the page and try again.")

    for student_id in student_ids - plans.keys():
        plans[student_id] = plan_services.get_or_create_plan(students[student_id])
    grades = {g.person_id: g for g in db.session.execute(
        select(Grade).where(Grade.assignment_id == assignment.id,
                            Grade.person_id.in_(student_ids))).scalars()}
    existing = {(e.student_id, e.goal_id): e for e in db.session.execute(
        select(Evidence).where(Evidence.tenant_id == actor.tenant_id,
                               Evidence.assignment_id == assignment.id,
                               Evidence.kind == EvidenceKind.ASSIGNMENT,
                               Evidence.student_id.in_(student_ids))).scalars()}
    note = (note or "").strip()
    created = updated = 0
    for student_id in sorted(student_ids):
        goal_id = selections[student_id]
        snapshot = assignment_snapshot(assignment, grades.get(student_id), course)
        evidence = existing.get((student_id, goal_id))
        if evidence is None:
            evidence = Evidence(
                tenant_id=actor.tenant_id, plan_id=plans[student_id].id, goal_id=goal_id,
                student_id=student_id, kind=EvidenceKind.ASSIGNMENT, course_id=course.id,
                assignment_id=assignment.id, attached_by=actor.person_id,
                attached_as="teacher", reflection="", note=note, **snapshot)
            db.session.add(evidence)
            db.session.flush()
            _evidence_audit("evidence.create", actor, evidence, course_id=course.id,
                            assignment_id=assignment.id, attached_as="teacher")
            created += 1
        else:
            _apply_snapshot(evidence, snapshot)
            evidence.attached_by = actor.person_id
            if note:
                evidence.note = note
            _evidence_audit("evidence.update", actor, evidence, course_id=course.id,
                            assignment_id=assignment.id, change="snapshot refreshed")
            updated += 1
    db.session.commit()
    return AttachOutcome(assignment=assignment, created=created, updated=updated)


# -- the student's graded work ------------------------------------------------------------

@dataclass(frozen=True)
class WorkItem:
    """One of the student's graded work items (a grade on an active assignment)."""

    grade: Grade
    assignment: Assignment
    course: Course

    @property
    def label(self) -> str:
        """e.g. "Biology 1: Cell lab (8/10)"."""
        text = f"{self.course.display_title}: {self.assignment.title or 'Untitled'}"
        score, maximum = self.grade.score, self.grade.score_maximum
        if score is not None:
            text += f" ({score:g}/{maximum:g})" if maximum is not None else f" ({score:g})"
        return text


def graded_work(person: Person, *, course_id: int | None = None,
                grade_id: int | None = None) -> list[WorkItem]:
    """The person's own graded work in courses where they are an active learner (one query).

    :param course_id: only work of this course.
    :param grade_id: only this grade (empty when it is not the person's).
    """
    query = (
        select(Grade, Assignment, Course)
        .join(Assignment, Assignment.id == Grade.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .join(Enrollment, and_(Enrollment.course_id == Course.id,
                               Enrollment.person_id == person.id,
                               Enrollment.role == Role.STUDENT,
                               Enrollment.status == EnrollmentStatus.ACTIVE))
        .where(Grade.person_id == person.id, Assignment.active.is_(True),
               Course.tenant_id == person.tenant_id,
               or_(Grade.score.is_not(None), Grade.submitted_at.is_not(None)))
        .order_by(Course.title, Assignment.due_at.is_(None), Assignment.due_at,
                  Assignment.title, Grade.id))
    if course_id is not None:
        query = query.where(Course.id == course_id)
    if grade_id is not None:
        query = query.where(Grade.id == grade_id)
    return [WorkItem(g, a, c) for g, a, c in db.session.execute(query)]


def _own_work(person: Person, grade_id: int | None, course_id: int | None = None) -> WorkItem:
    found = graded_work(person, grade_id=grade_id, course_id=course_id) if grade_id else []
    if not found:
        raise InvalidInput("That piece of work is not one of your own graded assignments.")
    return found[0]


def submission_snapshot(work: WorkItem) -> dict[str, Any]:
    """The snapshot of a student's own graded work (grade + assignment + attachments)."""
    return assignment_snapshot(work.assignment, work.grade, work.course)


# -- uploads ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upload:
    """A validated upload, read into memory."""

    filename: str
    content_type: str
    data: bytes
    sha256: str


def _clean_filename(raw: str, ext: str) -> str:
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*;')
    name = name.strip(" .")
    if not name or "." not in name:
        name = f"work-sample.{ext}"
    if len(name) > 255:
        name = name[:250 - len(ext)].rstrip() + "." + ext
    return name


def read_upload(storage: FileStorage | None) -> Upload:
    """Read and check an uploaded work sample.

    :raises InvalidInput: no file, a type we do not accept, contents that do not match the
        extension, an empty file or one over 5 MB.
    """
    if storage is None or not storage.filename:
        raise InvalidInput("Choose a file to upload.")
    raw = storage.filename
    ext = raw.rsplit(".", 1)[-1].lower() if "." in raw else ""
    kind = FILE_TYPES.get(ext)
    if kind is None:
        raise InvalidInput(f"Files of this type cannot be added. Upload a {ACCEPTED_FILES} "
                           "file.")
    data = storage.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput("The file is larger than 5 MB. Upload a smaller file, or link to it "
                           "with a web address instead.")
    if not data:
        raise InvalidInput("The file is empty.")
    if kind.magic is None:
        if b"\x00" in data:
            raise InvalidInput(f"The file does not look like a {kind.label}.")
    elif not data.startswith(kind.magic):
        raise InvalidInput(f"The file does not look like a {kind.label}. Upload a "
                           f"{ACCEPTED_FILES} file.")
    return Upload(filename=_clean_filename(raw, ext), content_type=kind.content_type,
                  data=data, sha256=hashlib.sha256(data).hexdigest())


# -- linking work (students) --------------------------------------------------------------

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


def _goal_for(student: Person, goal_id: int | None) -> int | None:
    """Check (without writing anything) that ``goal_id`` is a goal of the student's plan."""
    if goal_id is None:
        return None
    plan = plan_services.find_plan(student)
    if plan is None:
        raise InvalidInput("That goal is not one of the goals of this plan.")
    goal = _goal_of_plan(plan, goal_id)
    return goal.id if goal else None


def link_work(actor: Actor, student: Person, request: LinkRequest) -> Evidence:
    """Link a piece of the student's own work to a goal of their plan, with a reflection.

    The caller has checked ``EDIT_PLAN`` on ``student``. Everything is checked before
    anything is written; linking the same graded work to the same goal again refreshes the
    snapshot and the reflection instead of adding a duplicate.

    :raises InvalidInput: a reflection outside 20..5000 characters, a goal that is not
        theirs, work that is not their own graded work, a bad URL or a refused file;
        nothing is saved.
    """
    reflection = _check_reflection(request.reflection)
    goal_id = _goal_for(student, request.goal_id)
    now = dt.datetime.now(dt.UTC)
    upload: Upload | None = None
    existing: Evidence | None = None
    if request.source == "work":
        work = _own_work(student, request.grade_id)
        fields: dict[str, Any] = dict(kind=EvidenceKind.SUBMISSION, course_id=work.course.id,
                                      assignment_id=work.assignment.id,
                                      **submission_snapshot(work))
        existing = db.session.execute(select(Evidence).where(
            Evidence.student_id == student.id, Evidence.tenant_id == actor.tenant_id,
            Evidence.kind == EvidenceKind.SUBMISSION,
            Evidence.assignment_id == work.assignment.id,
            Evidence.goal_id.is_(None) if goal_id is None else Evidence.goal_id == goal_id,
            Evidence.attached_as == "student",
        ).limit(1)).scalar_one_or_none()
        detail: dict[str, Any] = {"assignment_id": work.assignment.id,
                                  "grade_id": work.grade.id}
    elif request.source == "url":
        url = (request.url or "").strip()
        problem = check_http_url(url) if url else "Enter the web address of your work."
        if problem:
            raise InvalidInput(problem)
        fields = dict(kind=EvidenceKind.URL, snapshot_title=request.title or _url_title(url),
                      snapshot_url=url, snapshot_date=now, snapshot_extra={})
        detail = {"url": url}
    elif request.source == "file":
        upload = read_upload(request.upload)
        fields = dict(kind=EvidenceKind.FILE, snapshot_title=request.title or upload.filename,
                      snapshot_digest=upload.sha256, snapshot_date=now,
                      snapshot_extra={"filename": upload.filename, "size": len(upload.data),
                                      "content_type": upload.content_type})
        detail = {"sha256": upload.sha256, "size": len(upload.data)}
    else:
        raise InvalidInput("Choose what you are linking.")

    if existing is not None:
        _apply_snapshot(existing, {k: v for k, v in fields.items() if k.startswith("snapshot_")})
        existing.reflection = reflection
        _evidence_audit("evidence.update", actor, existing, change="relinked", **detail)
        db.session.commit()
        return existing
    plan = plan_services.get_or_create_plan(student)
    if upload is not None:
        stored = StoredFile(tenant_id=actor.tenant_id, owner_id=student.id,
                            filename=upload.filename, content_type=upload.content_type,
                            size=len(upload.data), sha256=upload.sha256, content=upload.data)
        db.session.add(stored)
        db.session.flush()
        fields["file_id"] = detail["file_id"] = stored.id
    evidence = Evidence(tenant_id=actor.tenant_id, plan_id=plan.id, goal_id=goal_id,
                        student_id=student.id, attached_by=actor.person_id,
                        attached_as="student", reflection=reflection, note="", **fields)
    db.session.add(evidence)
    db.session.flush()
    _evidence_audit("evidence.create", actor, evidence, attached_as="student", **detail)
    db.session.commit()
    return evidence


# -- reading, editing and removing evidence -----------------------------------------------

@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence as the portfolio shows it."""

    evidence: Evidence
    attached_by_name: str | None
    file_name: str | None
    file_size: int | None
    #: The snapshot link, only when it is a safe http(s) URL.
    link: str | None
    #: Submission attachments from the snapshot with safe links.
    attachments: list[dict[str, str]]

    @property
    def score_text(self) -> str | None:
        """e.g. "8 / 10" (None without a score)."""
        score = self.evidence.snapshot_score
        if score is None:
            return None
        maximum = self.evidence.snapshot_score_maximum
        return f"{score:g} / {maximum:g}" if maximum is not None else f"{score:g}"

    @property
    def course_title(self) -> str | None:
        """The course the work came from, as it was called then."""
        value = (self.evidence.snapshot_extra or {}).get("course_title")
        return str(value) if value else None


@dataclass(frozen=True)
class EvidenceGroup:
    """The evidence of one goal (or of no goal)."""

    goal: Goal | None
    heading: str
    items: list[EvidenceItem] = field(default_factory=list)


@dataclass(frozen=True)
class PortfolioPage:
    """A student's portfolio: their evidence grouped by goal."""

    student: Person
    plan: Plan
    goals: list[Goal]
    groups: list[EvidenceGroup]

    @property
    def count(self) -> int:
        """How many pieces of evidence the plan holds."""
        return sum(len(g.items) for g in self.groups)


def _items(plan: Plan) -> list[EvidenceItem]:
    attacher = aliased(Person)
    rows = db.session.execute(
        select(Evidence, attacher.name, StoredFile.filename, StoredFile.size)
        .outerjoin(attacher, attacher.id == Evidence.attached_by)
        .outerjoin(StoredFile, StoredFile.id == Evidence.file_id)
        .where(Evidence.plan_id == plan.id, Evidence.tenant_id == plan.tenant_id)
        .order_by(Evidence.created_at.desc(), Evidence.id.desc()))
    items = []
    for evidence, name, filename, size in rows:
        raw = (evidence.snapshot_extra or {}).get("attachments") or []
        attachments = [
            {"filename": str(a.get("filename") or "attachment"), "url": str(a["url"])}
            for a in raw if isinstance(a, dict) and safe_link(a.get("url"))]
        items.append(EvidenceItem(evidence=evidence, attached_by_name=name or None,
                                  file_name=filename, file_size=size,
                                  link=safe_link(evidence.snapshot_url),
                                  attachments=attachments))
    return items


def portfolio(actor: Actor, student: Person) -> PortfolioPage:
    """The student's evidence grouped by goal, goals in plan order, then "not linked to a
    goal yet" (a fixed number of queries). Writes the ``portfolio.view`` audit event.

    Only the student's own visit may create their plan; anyone else reading a student who
    has none sees the empty portfolio (``plan_services.plan_for_reading``)."""
    plan = plan_services.plan_for_reading(actor, student)
    audit.record("portfolio.view", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="plan", subject_id=plan.id, student_id=student.id)
    db.session.commit()  # before loading: a commit expires what was loaded
    goals = plan_goals(plan)
    groups = {g.id: EvidenceGroup(goal=g, heading=goal_label(g)) for g in goals}
    loose = EvidenceGroup(goal=None, heading="Not linked to a goal yet")
    for item in _items(plan):
        groups.get(item.evidence.goal_id or -1, loose).items.append(item)
    return PortfolioPage(student=student, plan=plan, goals=goals,
                         groups=[*groups.values(), loose])


def get_evidence(actor: Actor, evidence_id: int) -> Evidence:
    """A piece of evidence of the actor's tenant.

    :raises NotFound: when absent or in another tenant.
    """
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.tenant_id != actor.tenant_id:
        raise NotFound()
    return evidence


def update_evidence(actor: Actor, evidence: Evidence, *, goal_id: int | None,
                    reflection: str) -> Evidence:
    """Change the reflection of a piece of evidence or move it to another goal of the plan.

    The caller has checked ``EDIT_PLAN`` on the evidence's student.

    :raises InvalidInput: a goal of another plan, or a reflection outside 20..5000
        characters (it may stay empty on evidence a teacher attached).
    """
    plan = db.session.get(Plan, evidence.plan_id)
    assert plan is not None
    goal = _goal_of_plan(plan, goal_id)
    text = _check_reflection(reflection, required=evidence.attached_as != "teacher")
    changes = []
    if (goal.id if goal else None) != evidence.goal_id:
        changes.append("goal")
    if text != evidence.reflection:
        changes.append("reflection")
    if not changes:
        return evidence
    old_goal = evidence.goal_id
    evidence.goal_id = goal.id if goal else None
    evidence.reflection = text
    _evidence_audit("evidence.update", actor, evidence, change=",".join(changes),
                    previous_goal_id=old_goal)
    db.session.commit()
    return evidence


def delete_evidence(actor: Actor, evidence: Evidence) -> None:
    """Remove a piece of evidence (and its uploaded file when nothing else uses it).

    The caller has checked ``EDIT_PLAN`` on the evidence's student.
    """
    _evidence_audit("evidence.delete", actor, evidence, title=evidence.snapshot_title,
                    file_id=evidence.file_id)
    file_id = evidence.file_id
    db.session.delete(evidence)
    db.session.flush()
    if file_id is not None:
        still_used = db.session.execute(
            select(Evidence.id).where(Evidence.file_id == file_id).limit(1)).first()
        stored = db.session.get(StoredFile, file_id)
        if stored is not None and still_used is None:
            db.session.delete(stored)
    db.session.commit()


def get_file(actor: Actor, file_id: int) -> tuple[StoredFile, Person]:
    """A stored file of the actor's tenant and its owner.

    :raises NotFound: when absent or in another tenant.
    """
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.tenant_id != actor.tenant_id:
        raise NotFound()
    owner = db.session.get(Person, stored.owner_id)
    if owner is None:
        raise NotFound()
    return stored, owner


def record_download(actor: Actor, stored: StoredFile) -> None:
    """Audit a file download (the caller checked ``READ_PLAN`` on the owner)."""
    audit.record("file.download", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="file", subject_id=stored.id, student_id=stored.owner_id,
                 sha256=stored.sha256)
    db.session.commit()


# -- the plan reflection activity ---------------------------------------------------------

@dataclass(frozen=True)
class ReflectionActivity:
    """A placement of the reflection activity in a course, for one student."""

    course: Course
    link: ResourceLink
    title: str
    goals: list[Goal]
    work: list[WorkItem]
    submissions: list[Evidence]


def reflection_link(course: Course, link_id: int | None) -> ResourceLink:
    """The resource link row of a reflection activity placed in ``course``.

    :raises NotFound: unknown link, another course's link, or not a reflection activity.
    """
    link = db.session.get(ResourceLink, link_id) if link_id else None
    if link is None or link.course_id != course.id \
            or (link.custom or {}).get("activity") != REFLECTION_ACTIVITY:
        raise NotFound("This reflection activity could not be found in this course.")
    return link


def _activity_title(link: ResourceLink) -> str:
    default = next(a.title for a in ACTIVITIES if a.key == REFLECTION_ACTIVITY)
    return link.title or default


def reflection_activity(actor: Actor, student: Person, course: Course, link: ResourceLink, *,
                        record_view: bool = False) -> ReflectionActivity:
    """What the reflection page shows the student (their goals, this class's graded work,
    their earlier submissions of this activity).

    :param record_view: write (and commit) the ``reflection.view`` audit event first.
    """
    if record_view:
        audit.record("reflection.view", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                     subject_type="course", subject_id=course.id, student_id=student.id,
                     resource_link=link.resource_link_id)
        db.session.commit()
    plan = plan_services.find_plan(student)
    submissions = [] if plan is None else [
        e for e in db.session.execute(
            select(Evidence).where(Evidence.plan_id == plan.id, Evidence.course_id == course.id)
            .order_by(Evidence.created_at.desc(), Evidence.id.desc())).scalars()
        if (e.snapshot_extra or {}).get("activity") == REFLECTION_ACTIVITY
        and (e.snapshot_extra or {}).get("resource_link") == link.resource_link_id]
    return ReflectionActivity(course=course, link=link, title=_activity_title(link),
                              goals=plan_goals(plan),
                              work=graded_work(student, course_id=course.id),
                              submissions=submissions)


@dataclass(frozen=True)
class ReflectionOutcome:
    """The saved reflection and whether the LMS gradebook took the score."""

    evidence: Evidence
    gradebook_updated: bool


def submit_reflection(actor: Actor, student: Person, course: Course, link: ResourceLink, *,
                      goal_id: int | None, grade_id: int | None,
                      reflection: str) -> ReflectionOutcome:
    """Save the reflection as evidence, then post full credit to the activity's line item.

    The caller has checked that the student is an active learner of ``course`` and may edit
    their plan. The evidence is committed before the LMS is called; a gradebook failure is
    logged and audited, never raised.

    :raises InvalidInput: a reflection outside 20..5000 characters, a goal that is not
        theirs, or work that is not their own graded work in this course.
    """
    text = _check_reflection(reflection)
    goal_id = _goal_for(student, goal_id)
    title = _activity_title(link)
    extra: dict[str, Any] = {"activity": REFLECTION_ACTIVITY,
                             "resource_link": link.resource_link_id,
                             "activity_title": title, "course_title": course.display_title}
    if grade_id is not None:
        work = _own_work(student, grade_id, course_id=course.id)
        snapshot = submission_snapshot(work)
        snapshot["snapshot_extra"] = {**snapshot["snapshot_extra"], **extra}
        assignment_id: int | None = work.assignment.id
    else:
        snapshot = {"snapshot_title": title[:500], "snapshot_date": dt.datetime.now(dt.UTC),
                    "snapshot_extra": extra}
        assignment_id = None
    plan = plan_services.get_or_create_plan(student)
    evidence = Evidence(tenant_id=actor.tenant_id, plan_id=plan.id,
                        goal_id=goal_id, student_id=student.id,
                        kind=EvidenceKind.SUBMISSION, course_id=course.id,
                        assignment_id=assignment_id, attached_by=actor.person_id,
                        attached_as="student", reflection=text, note="", **snapshot)
    db.session.add(evidence)
    db.session.flush()
    _evidence_audit("evidence.create", actor, evidence, attached_as="student",
                    course_id=course.id, activity=REFLECTION_ACTIVITY)
    audit.record("reflection.submit", tenant_id=actor.tenant_id, actor_id=actor.person_id,
                 subject_type="evidence", subject_id=evidence.id, student_id=student.id,
                 course_id=course.id, resource_link=link.resource_link_id)
    db.session.commit()

    evidence_id = evidence.id
    try:
        line_item = post_reflection_score(actor, student, course, link)
    except (LmsApiError, LaunchError) as err:
        db.session.rollback()
        log.warning("Reflection %s saved but the AGS score was not posted for course %s, "
                    "resource link %s: %s (%s)", evidence_id, course.id,
                    link.resource_link_id, err, getattr(err, "detail", None))
        audit.record("reflection.score_failed", tenant_id=actor.tenant_id,
                     actor_id=actor.person_id, subject_type="evidence", subject_id=evidence_id,
                     course_id=course.id, error=str(err)[:500])
        db.session.commit()
        return ReflectionOutcome(evidence=evidence, gradebook_updated=False)
    audit.record("reflection.score_posted", tenant_id=actor.tenant_id,
                 actor_id=actor.person_id, subject_type="evidence", subject_id=evidence_id,
                 course_id=course.id, line_item=line_item)
    db.session.commit()
    return ReflectionOutcome(evidence=evidence, gradebook_updated=True)


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


def find_line_item(actor: Actor, course: Course, link: ResourceLink,
                   client: LtiServiceClient) -> tuple[str, float]:
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
        maximum = db.session.execute(select(Assignment.score_maximum).where(
            Assignment.course_id == course.id, Assignment.source == "ags",
            Assignment.external_id == url).limit(1)).scalar_one_or_none()
    if url is None or maximum is None:
        line_items_url = (course.ags_endpoint or {}).get("lineitems")
        items = []
        if line_items_url:
            try:
                items = client.line_items(str(line_items_url))
            except LmsApiError:
                if url is None:
                    raise
                log.info("Could not list line items of course %s; using the activity's "
                         "default maximum", course.id)
        if url:
            match = next((i for i in items if i.external_id == url), None)
        else:
            match = next((i for i in items if i.resource_link_id == link.resource_link_id),
                         None)
        if match is not None:
            url = url or match.external_id
            maximum = match.score_maximum
    if url is None:
        raise LmsApiError("The platform lists no gradebook column for this activity.")
    if maximum is None or maximum <= 0:
        maximum = next(a.score_maximum for a in ACTIVITIES if a.key == REFLECTION_ACTIVITY)
    return url, float(maximum)


def post_reflection_score(actor: Actor, student: Person, course: Course,
                          link: ResourceLink) -> str:
    """Give the student full credit on the activity's line item; returns its URL.

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
    url, maximum = find_line_item(actor, course, link, client)
    # Canvas makes every score a new submission attempt unless told otherwise: only the
    # first reflection score for this column is one; later ones update the grade and keep a
    # grade the teacher has put there since (Canvas's submission extension).
    first = not _score_posted_before(student, course, url)
    submission = SubmissionInfo(new_submission=first,
                                submitted_at=dt.datetime.now(dt.UTC) if first else None,
                                prioritize_non_tool_grade=not first)
    try:
        _post_full_credit(client, url, student, maximum, submission)
    except LmsApiError as err:
        if not (first and platform.lms == LmsKind.CANVAS and err.upstream_status == 422
                and "attempt" in (err.detail or "").lower()):
            raise
        # The student's attempts are used up (a submission made outside Lodestar, or a
        # score whose answer we lost): Canvas refused before changing anything, so send the
        # score again as an update of the existing submission.
        log.info("Canvas has no attempt left on %s for this student; posting the reflection "
                 "score without a new submission", url)
        _post_full_credit(client, url, student, maximum,
                          SubmissionInfo(new_submission=False, prioritize_non_tool_grade=True))
    return url


def _post_full_credit(client: LtiServiceClient, url: str, student: Person, maximum: float,
                      submission: SubmissionInfo) -> None:
    client.post_score(url, user_id=student.sub, score_given=maximum, score_maximum=maximum,
                      activity_progress="Completed", grading_progress="FullyGraded",
                      comment=SCORE_COMMENT, submission=submission)


def _score_posted_before(student: Person, course: Course, line_item_url: str) -> bool:
    """Whether a reflection score of the student already reached this line item (the audit
    log records every one that the platform accepted)."""
    reflections = select(Evidence.id).where(Evidence.student_id == student.id,
                                            Evidence.course_id == course.id)
    details = db.session.execute(select(AuditEvent.detail).where(
        AuditEvent.tenant_id == course.tenant_id,
        AuditEvent.action == "reflection.score_posted", AuditEvent.subject_type == "evidence",
        AuditEvent.subject_id.in_(reflections))).scalars()
    return any((detail or {}).get("line_item") == line_item_url for detail in details)

"""Roster and grade sync: pull from the LMS, upsert into our tables, record the run.

Rules every path follows:

* Upserts are keyed (tenant + sub for people, course + person + role for enrollments,
  course + source + external id for assignments, assignment + person for grades), so running
  a sync twice changes nothing the second time.
* Only a *complete* sync deactivates what it did not see. A sync that stops part-way
  (an LMS 500, a 429 that outlasts our patience) keeps what it saw and touches nothing else;
  its run is marked ``partial`` with a message for the teacher.
* Nothing is ever deleted by sync.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import or_, select, update

from lti_tool import hygiene, jobs, session_records
from lti_tool.db import utcnow
from lti_tool.errors import LmsApiError, SyncError, log_exception
from lti_tool.extensions import db
from lti_tool.grades import lms_rest
from lti_tool.grades.lti_services import LtiServiceClient
from lti_tool.grades.models import Assignment, Grade, SyncKind, SyncRun, SyncStatus
from lti_tool.grades.types import LmsAssignment, LmsScore, RosterMember
from lti_tool.launch import provisional
from lti_tool.launch import roles as lti_roles
from lti_tool.launch.services import clip
from lti_tool.models import Course, Enrollment, EnrollmentStatus, Person, Role
from lti_tool.tenants import course_platform

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
#: A queued or running sync older than this is presumed dead (worker killed, host lost).
STALE_RUN_SECONDS = 30 * 60
SYNCED_ROLES = (Role.STUDENT, Role.TEACHER)


@dataclass
class Counts:
    """What a sync run did."""

    seen: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    pages: int = 0
    unmatched: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "seen": self.seen,
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "pages": self.pages,
            "unmatched": self.unmatched,
            **self.extra,
        }


# -- roster -------------------------------------------------------------------------------


def _roles_of(member: RosterMember) -> set[Role]:
    return lti_roles.context_roles(member.roles, has_mentor_scope=False) & set(SYNCED_ROLES)


def launch_protection() -> dt.timedelta:
    """How long a launch's assertion outranks the roster: the session's lifetime."""
    return dt.timedelta(seconds=int(current_app.config["ILP_LAUNCH_TOKEN_TTL"]))


def _recently_asserted(enrollment: Enrollment, since: dt.datetime) -> bool:
    return enrollment.asserted_at is not None and enrollment.asserted_at >= since


def upsert_members(
    course: Course,
    members: Iterable[RosterMember],
    counts: Counts,
    *,
    seen_at: dt.datetime,
    source: str = "nrps",
) -> None:
    """Upsert one page of members into people and enrollments.

    Three queries a page whatever its size (people by sub, enrollments by person, then the
    batched writes); nothing is carried across pages, so commits between pages never
    leave expired objects that would be reloaded one by one.

    The signed launch outranks the roster: an enrollment a launch asserted within the
    session lifetime is not made inactive, and a person whose latest launch in the course
    said Instructor is never added as a student there (Moodle's NRPS lists a non-editing
    teacher as Learner). Role URIs are stored in one normalised form, as the launch does.
    """
    members = [m for m in members if m.user_id]
    subs = {str(m.user_id) for m in members}
    if not subs:
        return
    people = {
        p.sub: p
        for p in db.session.execute(
            select(Person).where(Person.tenant_id == course.tenant_id, Person.sub.in_(subs))
        ).scalars()
    }
    unknown = {str(m.user_id): (m.sis_id, m.email) for m in members if str(m.user_id) not in people}
    if unknown:
        # Students the district's course list met before any launch or roster named them.
        for adopted in provisional.adopt_members(course.tenant_id, unknown):
            people[adopted.sub] = adopted
    # A person whose data was deleted on request stays a tombstone until their own next
    # launch: the roster neither refills their name nor enrolls them again.
    erased = {sub for sub, p in people.items() if p.erased_at is not None}
    members = [m for m in members if str(m.user_id) not in erased]
    for sub in erased:
        del people[sub]
    for member in members:
        sub = str(member.user_id)
        person = people.get(sub)
        if person is None:
            person = Person(
                tenant_id=course.tenant_id,
                sub=clip(sub, 255),
                name=clip(member.name, 255),
                given_name=clip(member.given_name, 255) or None,
                family_name=clip(member.family_name, 255) or None,
                email=clip(member.email, 320) or None,
                lms_user_id=clip(member.lms_user_id, 255) or None,
                sis_id=clip(member.sis_id, 255) or None,
            )
            db.session.add(person)
            people[sub] = person
        else:
            # The LMS is the source of truth for names; keep what we have if it sends none.
            _set(person, "name", clip(member.name, 255) or person.name)
            _set(person, "given_name", clip(member.given_name, 255) or person.given_name)
            _set(person, "family_name", clip(member.family_name, 255) or person.family_name)
            _set(person, "email", clip(member.email, 320) or person.email)
            _set(person, "lms_user_id", clip(member.lms_user_id, 255) or person.lms_user_id)
            _set(person, "sis_id", clip(member.sis_id, 255) or person.sis_id)
    db.session.flush()
    person_ids = [p.id for p in people.values()]
    enrollments = {
        (e.person_id, Role(e.role)): e
        for e in db.session.execute(
            select(Enrollment).where(
                Enrollment.course_id == course.id, Enrollment.person_id.in_(person_ids)
            )
        ).scalars()
    }
    protected_since = seen_at - launch_protection()
    seen_by_role: dict[Role, list[int]] = {role: [] for role in SYNCED_ROLES}
    for member in members:
        person = people[str(member.user_id)]
        status = (
            EnrollmentStatus.ACTIVE
            if member.status.lower() == "active"
            else EnrollmentStatus.INACTIVE
        )
        roles = lti_roles.normalize_all(member.roles)
        member_roles = _roles_of(member)
        teacher = enrollments.get((person.id, Role.TEACHER))
        student = enrollments.get((person.id, Role.STUDENT))
        if (
            teacher is not None
            and teacher.asserted_at is not None
            and (student is None or student.asserted_at is None)
        ):
            # Their latest launch here said Instructor and not Learner.
            member_roles.discard(Role.STUDENT)
        for role in member_roles:
            counts.seen += 1
            seen_by_role[role].append(person.id)
            enrollment = enrollments.get((person.id, role))
            if enrollment is None:
                enrollment = Enrollment(
                    course_id=course.id,
                    person_id=person.id,
                    role=role,
                    status=status,
                    lti_roles=roles,
                    source=source,
                    last_seen_at=seen_at,
                )
                db.session.add(enrollment)
                enrollments[(person.id, role)] = enrollment
                counts.created += 1
                continue
            asserted = enrollment.asserted_at is not None
            wanted_status = (
                EnrollmentStatus.ACTIVE
                if _recently_asserted(enrollment, protected_since)
                else status
            )
            wanted_roles = enrollment.lti_roles if asserted else roles
            if enrollment.status != wanted_status or enrollment.lti_roles != wanted_roles:
                enrollment.status = wanted_status
                enrollment.lti_roles = wanted_roles
                counts.updated += 1
    db.session.flush()
    # One statement per role marks what the page listed as seen (not one UPDATE per row).
    # Only the (person, role) pairs listed: a role the LMS dropped must not look "seen".
    for role, ids in seen_by_role.items():
        if ids:
            db.session.execute(
                update(Enrollment)
                .where(
                    Enrollment.course_id == course.id,
                    Enrollment.person_id.in_(ids),
                    Enrollment.role == role,
                )
                .values(last_seen_at=seen_at)
                .execution_options(synchronize_session=False)
            )


def web_url(value: str | None) -> str | None:
    """An http(s) URL from the LMS fit to link to, or None (no ``javascript:`` links)."""
    return value if hygiene.http_url(value) else None


def _set(row: object, attr: str, value: object) -> None:
    """Assign only when different, so unchanged rows are not written."""
    if getattr(row, attr) != value:
        setattr(row, attr, value)


def sync_roster(
    course: Course, *, progress: Progress | None = None, limit: int | None = None
) -> Counts:
    """Pull the course roster through NRPS.

    :raises SyncError: when the course has no roster service.
    :raises LmsApiError: when the LMS fails; pages already seen are committed.
    """
    if not course.nrps_url:
        raise SyncError(
            "This course's platform did not offer a roster service (NRPS) at the last launch.",
            status_code=409,
        )
    platform = course_platform(course)
    assert platform is not None
    course_id, nrps_url = course.id, course.nrps_url
    counts = Counts()
    started = utcnow()
    client = LtiServiceClient(platform)
    for page in client.member_pages(nrps_url, limit=limit):
        upsert_members(course, page, counts, seen_at=started)
        counts.pages += 1
        db.session.commit()  # what was seen is kept even if a later page fails
        if progress:
            progress(len(page))
    # Complete: whoever the LMS no longer lists is inactive (never deleted). Every member
    # seen in this run carries last_seen_at == started.
    unseen = (
        Enrollment.course_id == course_id,
        Enrollment.role.in_(SYNCED_ROLES),
        Enrollment.status == EnrollmentStatus.ACTIVE,
        or_(Enrollment.last_seen_at.is_(None), Enrollment.last_seen_at < started),
        # A role a signed launch asserted within the session lifetime stays (Moodle's
        # NRPS leaves out site admins and category managers).
        or_(
            Enrollment.asserted_at.is_(None), Enrollment.asserted_at < started - launch_protection()
        ),
    )
    leaving = set(db.session.execute(select(Enrollment.person_id).where(*unseen)).scalars())
    result = db.session.execute(
        update(Enrollment)
        .where(*unseen)
        .values(status=EnrollmentStatus.INACTIVE, updated_at=utcnow())
    )
    counts.deactivated = int(result.rowcount or 0)  # type: ignore[attr-defined]
    # Whoever lost an enrollment is signed out everywhere (their rights changed).
    session_records.end_sessions_of(leaving)
    db.session.commit()
    return counts


# -- grades -------------------------------------------------------------------------------


def upsert_assignments(
    course: Course, items: Iterable[LmsAssignment], counts: Counts
) -> dict[str, Assignment]:
    """Upsert assignments; returns them by external id."""
    existing = {
        (a.source, a.external_id): a
        for a in db.session.execute(
            select(Assignment).where(Assignment.course_id == course.id)
        ).scalars()
    }
    now = utcnow()
    by_id: dict[str, Assignment] = {}
    for item in items:
        row = existing.get((item.source, item.external_id))
        if row is None:
            row = Assignment(course_id=course.id, source=item.source, external_id=item.external_id)
            db.session.add(row)
            existing[(item.source, item.external_id)] = row
            counts.created += 1
        row.title = clip(item.title, 500) or row.title or "Untitled"
        row.score_maximum = item.score_maximum
        row.due_at = item.due_at
        row.html_url = web_url(item.html_url) or row.html_url
        row.resource_link_id = clip(item.resource_link_id, 255) or None
        row.tag = clip(item.tag, 255) or None
        row.description = item.description or row.description
        row.active = True
        row.last_synced_at = now
        by_id[item.external_id] = row
    db.session.flush()
    return by_id


@dataclass(frozen=True)
class AssignmentRef:
    """What score upserts need of an assignment (plain values: safe across commits)."""

    id: int
    score_maximum: float | None


def upsert_scores(
    assignment: AssignmentRef, scores: Iterable[LmsScore], people: dict[str, int], counts: Counts
) -> None:
    """Upsert one assignment's results (one query to read, batched writes).

    Unknown users are counted as unmatched, never invented.
    """
    grades = {
        g.person_id: g
        for g in db.session.execute(
            select(Grade).where(Grade.assignment_id == assignment.id)
        ).scalars()
    }
    now = utcnow()
    for score in scores:
        person_id = (
            people.get(score.user_id)
            if score.user_id
            else people.get("lms:" + (score.lms_user_id or ""))
        )
        if person_id is None:
            counts.unmatched += 1
            continue
        counts.seen += 1
        grade = grades.get(person_id)
        attachments = [vars(a).copy() for a in score.attachments]
        values = {
            "score": score.score,
            "score_maximum": score.score_maximum or assignment.score_maximum,
            "comment": score.comment,
            "state": score.state,
        }
        if grade is None:
            grade = Grade(
                assignment_id=assignment.id,
                person_id=person_id,
                **values,
                submitted_at=score.submitted_at,
                graded_at=score.graded_at,
                url=web_url(score.url),
                attachments=attachments,
                last_synced_at=now,
            )
            db.session.add(grade)
            grades[person_id] = grade
            counts.created += 1
            continue
        changed = False
        for attr, value in values.items():
            if getattr(grade, attr) != value:
                setattr(grade, attr, value)
                changed = True
        for attr, incoming in (
            ("submitted_at", score.submitted_at),
            ("graded_at", score.graded_at),
            ("url", web_url(score.url)),
        ):
            if incoming is not None and getattr(grade, attr) != incoming:
                setattr(grade, attr, incoming)
                changed = True
        if attachments and grade.attachments != attachments:
            grade.attachments = attachments
            changed = True
        if changed:
            grade.last_synced_at = now
            counts.updated += 1


def _people_index(course: Course) -> dict[str, int]:
    """Person ids of the course's members by ``sub`` and by ``lms:<LMS user id>``."""
    index: dict[str, int] = {}
    for person_id, sub, lms_user_id in db.session.execute(
        select(Person.id, Person.sub, Person.lms_user_id)
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(Enrollment.course_id == course.id)
    ):
        index[sub] = person_id
        if lms_user_id:
            index["lms:" + lms_user_id] = person_id
    return index


def _refs(by_id: dict[str, Assignment]) -> dict[str, AssignmentRef]:
    return {k: AssignmentRef(a.id, a.score_maximum) for k, a in by_id.items()}


def _deactivate_unseen(course_id: int, source: str, seen_ids: set[int]) -> int:
    result = db.session.execute(
        update(Assignment)
        .where(
            Assignment.course_id == course_id,
            Assignment.source == source,
            Assignment.active.is_(True),
            Assignment.id.not_in(seen_ids),
        )
        .values(active=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sync_grades(course: Course, *, progress: Progress | None = None) -> Counts:
    """Pull AGS line items and all their results.

    :raises SyncError: when the course has no AGS endpoint.
    :raises LmsApiError: when the LMS fails; assignments and results seen are kept.
    """
    endpoint = course.ags_endpoint or {}
    line_items_url = endpoint.get("lineitems")
    if not line_items_url:
        raise SyncError(
            "This course's platform did not offer grade services (AGS) at the last launch.",
            status_code=409,
        )
    platform = course_platform(course)
    assert platform is not None
    course_id = course.id
    client = LtiServiceClient(platform)
    counts = Counts()
    items = client.line_items(line_items_url)
    refs = _refs(upsert_assignments(course, items, counts))
    people = _people_index(course)
    db.session.commit()
    results = Counts()
    for item in items:
        upsert_scores(refs[item.external_id], client.results(item.external_id), people, results)
        results.pages += 1
        db.session.commit()
        if progress:
            progress(1)
    # Complete: line items the LMS no longer lists are inactive.
    counts.deactivated = _deactivate_unseen(course_id, "ags", {r.id for r in refs.values()})
    db.session.commit()
    counts.extra = {
        "results_seen": results.seen,
        "results_created": results.created,
        "results_updated": results.updated,
    }
    counts.unmatched = results.unmatched
    return counts


def sync_rest_course(
    course: Course, items: list[LmsAssignment], scores: list[LmsScore], source: str
) -> Counts:
    """Store assignments and scores read from an LMS REST API (complete lists)."""
    counts = Counts()
    course_id = course.id
    refs = _refs(upsert_assignments(course, items, counts))
    people = _people_index(course)
    by_assignment: dict[str, list[LmsScore]] = {}
    for score in scores:
        by_assignment.setdefault(score.assignment_external_id, []).append(score)
    results = Counts()
    for external_id, ref in refs.items():
        upsert_scores(ref, by_assignment.get(external_id, []), people, results)
    counts.deactivated = _deactivate_unseen(course_id, source, {r.id for r in refs.values()})
    db.session.commit()
    counts.extra = {
        "results_seen": results.seen,
        "results_created": results.created,
        "results_updated": results.updated,
    }
    counts.unmatched = results.unmatched
    return counts


# -- runs ---------------------------------------------------------------------------------


def _dispatch(run: SyncRun, progress: Progress | None) -> Counts:
    kind = SyncKind(run.kind)
    if kind == SyncKind.CANVAS_TRANSCRIPT:
        person = db.session.get(Person, run.person_id)
        if person is None:
            raise SyncError("That person no longer exists.", status_code=404)
        entries = lms_rest.canvas_client_for(person.id).list_user_enrollments_with_grades()
        counts = Counts(seen=len(entries))
        counts.updated = lms_rest.store_transcript(person, "canvas", entries)
        return counts
    course = db.session.get(Course, run.course_id)
    if course is None:
        raise SyncError("That course no longer exists.", status_code=404)
    if kind == SyncKind.ROSTER:
        return sync_roster(course, progress=progress)
    if kind == SyncKind.GRADES:
        return sync_grades(course, progress=progress)
    if kind == SyncKind.CANVAS:
        if run.requested_by is None:
            raise SyncError("A Canvas sync runs with a teacher's Canvas connection.")
        items, scores = lms_rest.canvas_course_data(course, run.requested_by)
        return sync_rest_course(course, items, scores, "canvas")
    items, scores = lms_rest.schoology_course_data(course)
    return sync_rest_course(course, items, scores, "schoology")


def create_run(
    course: Course | None, kind: SyncKind, requested_by: int | None, *, person: Person | None = None
) -> SyncRun:
    """A queued run record for a course (or, for person-level kinds, a person)."""
    tenant_id = course.tenant_id if course else person.tenant_id  # type: ignore[union-attr]
    run = SyncRun(
        tenant_id=tenant_id,
        course_id=course.id if course else None,
        person_id=person.id if person else None,
        kind=kind,
        status=SyncStatus.QUEUED,
        requested_by=requested_by,
        counts={},
    )
    db.session.add(run)
    db.session.commit()
    return run


def execute_run(run_id: int, *, progress: Progress | None = None) -> SyncRun:
    """Run a queued sync and record how it went. Never raises for LMS trouble."""
    run = db.session.get(SyncRun, run_id)
    if run is None:
        raise SyncError(f"No sync run {run_id}", status_code=404)
    run.status, run.started_at, run.error = SyncStatus.RUNNING, utcnow(), None
    db.session.commit()
    try:
        counts = _dispatch(run, progress)
    except LmsApiError as err:
        db.session.rollback()
        log.warning("Sync %s (run %s) stopped: %s (%s)", run.kind, run_id, err.message, err.detail)
        run = db.session.get(SyncRun, run_id)
        assert run is not None
        run.status = SyncStatus.PARTIAL if err.retryable else SyncStatus.FAILED
        run.error = err.message + (
            " Nothing that was already stored was removed; try again later."
            if err.retryable
            else ""
        )
    except SyncError as err:
        db.session.rollback()
        run = db.session.get(SyncRun, run_id)
        assert run is not None
        run.status, run.error = SyncStatus.FAILED, err.message
    except Exception:
        db.session.rollback()
        log_exception(log, "Sync %s (run %s) failed unexpectedly", run.kind, run_id)
        run = db.session.get(SyncRun, run_id)
        assert run is not None
        run.status = SyncStatus.FAILED
        run.error = (
            "The sync stopped on data Lodestar could not read. Nothing already "
            "stored was removed; the problem was logged for your administrator."
        )
    else:
        run.status, run.counts = SyncStatus.SUCCEEDED, counts.as_dict()
    run.finished_at = utcnow()
    db.session.commit()
    return run


def run_job(run_id: int) -> str:
    """A queued sync run as a background job (``jobs.enqueue``): its final status."""
    return str(execute_run(run_id).status)


def start_sync(
    course: Course | None,
    kinds: Iterable[SyncKind],
    *,
    requested_by: int | None = None,
    person: Person | None = None,
) -> list[SyncRun]:
    """Queue sync runs: as RQ jobs when Redis is configured, else run them now."""
    runs = [create_run(course, kind, requested_by, person=person) for kind in kinds]
    if current_app.config.get("ILP_REDIS_URL") and not current_app.config.get("ILP_SYNC_INLINE"):
        for run in runs:
            run.job_id = jobs.enqueue(run_job, run.id)
        db.session.commit()
        return runs
    return [execute_run(run.id) for run in runs]


def latest_runs(course: Course) -> dict[SyncKind, SyncRun]:
    """The newest run of each kind for a course."""
    latest: dict[SyncKind, SyncRun] = {}
    for run in db.session.execute(
        select(SyncRun).where(SyncRun.course_id == course.id).order_by(SyncRun.id.desc()).limit(20)
    ).scalars():
        latest.setdefault(SyncKind(run.kind), run)
    return latest


def needs_sync(course: Course, max_age_minutes: int) -> bool:
    """Whether the roster was not synced successfully within ``max_age_minutes``."""
    run = db.session.execute(
        select(SyncRun)
        .where(
            SyncRun.course_id == course.id,
            SyncRun.kind == SyncKind.ROSTER,
            SyncRun.status.in_([SyncStatus.SUCCEEDED, SyncStatus.QUEUED, SyncStatus.RUNNING]),
        )
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if run is None:
        return True
    stamp = run.finished_at or run.created_at
    age = (utcnow() - stamp).total_seconds()
    if run.status in (SyncStatus.QUEUED, SyncStatus.RUNNING):
        # A worker killed mid-sync leaves a run "running" forever; after STALE_RUN_SECONDS
        # it no longer blocks a new one.
        return age > STALE_RUN_SECONDS
    return age > max_age_minutes * 60


def sync_after_launch(course_id: int | None, person_id: int, roles: Iterable[Role]) -> None:
    """After a teacher's launch, refresh a stale roster and grades (errors are recorded on
    the run, never raised: the launch itself must not fail because the LMS API is down)."""
    if (
        course_id is None
        or Role.TEACHER not in set(roles)
        or not current_app.config.get("ILP_SYNC_ON_LAUNCH")
    ):
        return
    course = db.session.get(Course, course_id)
    if course is None or not course.nrps_url:
        return
    if not needs_sync(course, current_app.config["ILP_SYNC_MAX_AGE_MINUTES"]):
        return
    kinds = [SyncKind.ROSTER] + ([SyncKind.GRADES] if course.ags_endpoint else [])
    try:
        start_sync(course, kinds, requested_by=person_id)
    except Exception:
        db.session.rollback()
        log_exception(log, "Sync after launch failed for course %s", course_id)

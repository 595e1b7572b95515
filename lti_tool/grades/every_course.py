"""Sync every known course of a tenant (or of all tenants), for cron or a repeating command.

One round:

1. for each tenant whose Canvas REST API is connected (an API key, and a Lodestar admin's
   Canvas connection), the district's course list (:mod:`lti_tool.grades.district`), so
   courses and students nobody launched from are known too;
2. the roster (NRPS) and grades (AGS) of every course a launch gave service URLs to.

One course's failure never stops the round: its run records the error and the next course
goes on. With ``ILP_REDIS_URL`` set, each course's runs (and each district listing) are
queued on RQ for ``ilp worker`` instead of running here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from lti_tool import jobs
from lti_tool.errors import ToolError, log_exception
from lti_tool.extensions import db
from lti_tool.grades import district, sync
from lti_tool.grades.models import SyncKind, SyncStatus
from lti_tool.models import Course, Tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How one course's (or one district listing's) sync went."""

    tenant_id: int
    what: str
    status: str
    message: str = ""


@dataclass
class Summary:
    """A round's outcomes, counted."""

    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> int:
        return self.count(SyncStatus.FAILED) + self.count(SyncStatus.PARTIAL)

    def line(self) -> str:
        """One line for the operator: how many succeeded, were queued, failed, skipped."""
        parts = [
            f"{self.count(SyncStatus.SUCCEEDED)} succeeded",
            f"{self.count(SyncStatus.QUEUED)} queued",
            f"{self.failed} failed",
            f"{self.count('skipped')} skipped",
        ]
        return f"{len(self.outcomes)} syncs: " + ", ".join(parts) + "."


def _queued() -> bool:
    return bool(
        current_app.config.get("ILP_REDIS_URL") and not current_app.config.get("ILP_SYNC_INLINE")
    )


def tenant_ids(tenant_id: int | None) -> list[int]:
    """The tenant named, or every active tenant.

    :raises ToolError: for an unknown tenant id.
    """
    if tenant_id is not None:
        if db.session.get(Tenant, tenant_id) is None:
            raise ToolError(f"No tenant with id {tenant_id}", status_code=404)
        return [tenant_id]
    return list(
        db.session.execute(
            select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)
        ).scalars()
    )


def course_ids(tenant_id: int) -> list[int]:
    """The tenant's courses with a roster service (NRPS) from a launch, oldest first."""
    return list(
        db.session.execute(
            select(Course.id)
            .where(Course.tenant_id == tenant_id, Course.nrps_url.is_not(None))
            .order_by(Course.id)
        ).scalars()
    )


def district_job(tenant_id: int) -> str:
    """The district listing as a background job: its counts, or why it stopped."""
    try:
        counts = district.sync_district(tenant_id)
    except ToolError as err:
        db.session.rollback()
        return f"failed: {err.message}"
    return ", ".join(f"{k} {v}" for k, v in counts.as_dict().items())


def _district(tenant_id: int, report: Callable[[Outcome], None], *, explain: bool) -> None:
    what = "district course list (Canvas)"
    if not district.available(tenant_id):
        if explain:
            why = (
                "no Lodestar admin has connected Canvas"
                if district.canvas_platform(tenant_id) is not None
                else "the Canvas API is not set up"
            )
            report(Outcome(tenant_id, what, "skipped", why))
        return
    if _queued():
        jobs.enqueue(district_job, tenant_id)
        report(Outcome(tenant_id, what, SyncStatus.QUEUED))
        return
    try:
        counts = district.sync_district(tenant_id)
    except ToolError as err:
        db.session.rollback()
        report(Outcome(tenant_id, what, SyncStatus.FAILED, err.message))
        return
    status = SyncStatus.PARTIAL if counts.failed else SyncStatus.SUCCEEDED
    detail = ", ".join(f"{k} {v}" for k, v in counts.as_dict().items())
    report(Outcome(tenant_id, what, status, detail))


def run_round(
    kinds: Iterable[SyncKind],
    *,
    tenant_id: int | None = None,
    with_district: bool = True,
    report: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Sync every course of one tenant or all active tenants; never stops at a failure.

    :raises ToolError: for an unknown tenant id.
    """
    summary = Summary()
    wanted = list(kinds)

    def note(outcome: Outcome) -> None:
        summary.outcomes.append(outcome)
        if report:
            report(outcome)

    for tenant in tenant_ids(tenant_id):
        if with_district:
            # Asked for the district list alone: say why a tenant has none.
            _district(tenant, note, explain=not wanted)
        for course_id in course_ids(tenant):
            course = db.session.get(Course, course_id)
            if course is None:
                continue
            title = f"course {course_id} ({course.display_title})"
            for kind in wanted:
                if kind == SyncKind.GRADES and not (course.ags_endpoint or {}).get("lineitems"):
                    note(Outcome(tenant, f"{kind} of {title}", "skipped", "no grade service"))
                    continue
                try:
                    runs = sync.start_sync(course, [kind])
                except Exception as err:
                    db.session.rollback()
                    log_exception(log, "Sync %s of course %s could not start", kind, course_id)
                    note(Outcome(tenant, f"{kind} of {title}", SyncStatus.FAILED, str(err)[:200]))
                    continue
                for run in runs:
                    note(Outcome(tenant, f"{kind} of {title}", str(run.status), run.error or ""))
    return summary

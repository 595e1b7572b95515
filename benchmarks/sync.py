"""Measure roster and grade sync against the sandbox LMS, and print the figures.

    python benchmarks/sync.py                # SQLite in a temporary folder
    ILP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python benchmarks/sync.py

Figures:
* NRPS: a 5,000-member roster in pages of 100. "fetch+parse" only reads the pages through
  the same client (HTTP, JSON, dataclasses); "sync" also upserts people and enrollments.
* AGS: 50 line items x 40 results. "fetch+parse" reads every line item and result page;
  "sync" also upserts assignments and grades.
A second, idempotent sync of each is timed too. Nothing here is asserted: it prints.

WARNING: the database named by ILP_DATABASE_URL is emptied first; point it at a scratch one.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from benchmarks.common import fresh_schema
from lti_tool import create_app
from lti_tool.demo import register_sandbox
from lti_tool.extensions import db
from lti_tool.grades import sync
from lti_tool.grades.lti_services import LtiServiceClient
from lti_tool.launch import keys
from lti_tool.models import Course, Platform
from lti_tool.sandbox import create_sandbox_app, get_state, run_in_thread
from lti_tool.sandbox.data import Score

MEMBERS = 5000
PAGE = 100
LINE_ITEMS = 50
RESULTS = 40


def _prepare_sandbox() -> tuple[Any, Any, str, str]:
    sandbox = create_sandbox_app(
        {"SANDBOX_TOOL_URL": "http://tool.invalid", "SANDBOX_PAGE_SIZE": PAGE}
    )
    server, _ = run_in_thread(sandbox, "127.0.0.1", 0)
    state = get_state(sandbox)
    roster_ctx, grades_ctx = "sbx-course-bio1", "sbx-course-alg2"
    state.add_synthetic_members(roster_ctx, MEMBERS - len(state.members(roster_ctx)))
    learners = state.district.students_of(grades_ctx)
    extra = state.add_synthetic_members(grades_ctx, RESULTS - len(learners))
    learners = [*learners, *extra][:RESULTS]
    state.district.line_items[grades_ctx].clear()
    stamp = dt.datetime.now(dt.UTC).isoformat()
    for n in range(LINE_ITEMS):
        item = state.create_line_item(
            grades_ctx, label=f"Assignment {n + 1:02d}", score_maximum=10.0
        )
        for i, learner in enumerate(learners):
            state.record_score(
                item,
                Score(
                    item.id,
                    learner.sub,
                    float((i + n) % 11),
                    10.0,
                    "Completed",
                    "FullyGraded",
                    stamp,
                ),
            )
    return sandbox, server, roster_ctx, grades_ctx


def _course(platform: Platform, state: Any, ctx: str) -> Course:
    course = Course(
        tenant_id=platform.id,
        context_id=ctx,
        title=ctx,
        nrps_url=state.memberships_url(ctx),
        ags_endpoint={"lineitems": state.line_items_url(ctx)},
    )
    db.session.add(course)
    db.session.commit()
    return course


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="lodestar-bench-"))
    url = os.environ.get("ILP_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app(
        {
            "ILP_ENV": "testing",
            "ILP_DATABASE_URL": url,
            "ILP_SECRET_KEY": "benchmark-secret-key-0123456789-abcdefghij",
            "ILP_SYNC_INLINE": "true",
        }
    )
    fresh_schema(app)
    sandbox, server, roster_ctx, grades_ctx = _prepare_sandbox()
    state = get_state(sandbox)
    platform_id = register_sandbox(app, sandbox)
    with app.app_context():
        state.tool_jwks = keys.jwks()
        platform = db.session.get(Platform, platform_id)
        roster_course = _course(platform, state, roster_ctx)
        grades_course = _course(platform, state, grades_ctx)
        client = LtiServiceClient(platform)

        start = time.perf_counter()
        fetched = sum(len(page) for page in client.member_pages(roster_course.nrps_url, limit=PAGE))
        fetch_roster = time.perf_counter() - start

        start = time.perf_counter()
        first = sync.sync_roster(roster_course, limit=PAGE)
        sync_roster = time.perf_counter() - start
        start = time.perf_counter()
        again = sync.sync_roster(roster_course, limit=PAGE)
        resync_roster = time.perf_counter() - start

        sync.sync_roster(grades_course, limit=PAGE)
        start = time.perf_counter()
        items = client.line_items(grades_course.ags_endpoint["lineitems"])
        results = sum(len(client.results(item.external_id)) for item in items)
        fetch_grades = time.perf_counter() - start

        start = time.perf_counter()
        graded = sync.sync_grades(grades_course)
        sync_grades = time.perf_counter() - start
        start = time.perf_counter()
        sync.sync_grades(grades_course)
        resync_grades = time.perf_counter() - start
        dialect = db.engine.dialect.name
        db.session.remove()
        db.engine.dispose()
    server.shutdown()

    print(f"Lodestar sync benchmark ({dialect}; sandbox LMS over loopback HTTP)")
    print(f"NRPS roster: {fetched} members, {first.pages} pages of {PAGE}")
    print(f"  fetch+parse only : {fetch_roster:6.2f} s  {fetched / fetch_roster:8.0f} members/s")
    print(
        f"  sync (first)     : {sync_roster:6.2f} s  {first.seen / sync_roster:8.0f} members/s"
        f"  (created {first.created})"
    )
    print(
        f"  sync (unchanged) : {resync_roster:6.2f} s  {again.seen / resync_roster:8.0f} members/s"
        f"  (created {again.created}, updated {again.updated})"
    )
    print(f"AGS grades: {len(items)} line items x {RESULTS} results = {results} results")
    print(f"  fetch+parse only : {fetch_grades:6.2f} s  {results / fetch_grades:8.0f} results/s")
    print(
        f"  sync (first)     : {sync_grades:6.2f} s  "
        f"{graded.extra['results_seen'] / sync_grades:8.0f} results/s"
        f"  (created {graded.extra['results_created']})"
    )
    print(f"  sync (unchanged) : {resync_grades:6.2f} s  {results / resync_grades:8.0f} results/s")


if __name__ == "__main__":
    main()

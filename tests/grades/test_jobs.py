"""Sync as a background job on real RQ + Redis."""

from __future__ import annotations

import os

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.grades.models import SyncRun, SyncStatus
from lti_tool.models import Course
from tests.core.test_store import REDIS_URL, _redis_available
from tests.lti_driver import LtiDriver, token_of


@pytest.fixture
def redis_app(app: Flask) -> Flask:
    if not _redis_available():
        if os.environ.get("ILP_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    app.config["ILP_REDIS_URL"] = REDIS_URL
    app.config["ILP_SYNC_INLINE"] = False
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    return app


def test_sync_button_queues_a_job_that_a_worker_runs(lti: LtiDriver, redis_app: Flask) -> None:
    from redis import Redis
    from rq import SimpleWorker

    teacher = lti.person("teacher")
    token = token_of(lti.launch(teacher))
    with redis_app.app_context():
        course_id = db.session.execute(select(Course.id)).scalar_one()
    response = lti.client.post(f"/courses/{course_id}/sync", data={"lt": token})
    page = lti.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sync started" in page
    with redis_app.app_context():
        runs = list(db.session.execute(select(SyncRun)).scalars())
        assert {r.status for r in runs} == {SyncStatus.QUEUED}
        assert all(r.job_id for r in runs)
        worker = SimpleWorker(["lodestar"], connection=Redis.from_url(REDIS_URL))
        assert worker.work(burst=True)
        db.session.expire_all()
        statuses = {r.status for r in db.session.execute(select(SyncRun)).scalars()}
    assert statuses == {SyncStatus.SUCCEEDED}
    page = lti.client.get(f"/courses/{course_id}", query_string={"lt": token})
    assert lti.state.district.students_of(lti.course_of(teacher).context_id)[
        0
    ].name in page.get_data(as_text=True)

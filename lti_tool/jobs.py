"""Background jobs on RQ (when ``ILP_REDIS_URL`` is set). Workers: ``rq worker lodestar``
with ``ILP_*`` settings in the environment, or ``ilp worker``."""

from __future__ import annotations

from flask import current_app, has_app_context

QUEUE = "lodestar"


def _queue():  # type: ignore[no-untyped-def]
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(current_app.config["ILP_REDIS_URL"]))


def enqueue_sync(run_id: int) -> str:
    """Queue a sync run; returns the RQ job id."""
    job = _queue().enqueue(run_sync_job, run_id, job_timeout=1800, result_ttl=3600,
                           failure_ttl=86400)
    return str(job.id)


def run_sync_job(run_id: int) -> str:
    """The RQ job: run a sync inside an app context (the worker's own app if needed)."""
    from lti_tool.grades.sync import execute_run

    if has_app_context():
        return str(execute_run(run_id).status)
    from lti_tool import create_app

    with create_app().app_context():
        return str(execute_run(run_id).status)

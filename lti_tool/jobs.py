"""Background jobs on RQ (when ``ILP_REDIS_URL`` is set). Workers: ``rq worker lodestar``
with ``ILP_*`` settings in the environment, or ``ilp worker``.

A feature queues one of its own functions (``enqueue(execute_run, run_id)``); the queue
stores the function's dotted path, and the worker imports it and runs it inside an app
context. This module imports no feature.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_app_context
from werkzeug.utils import import_string

QUEUE = "lodestar"


def _queue():  # type: ignore[no-untyped-def]
    # Imported here, on first use: without ILP_REDIS_URL jobs run inline and RQ never loads.
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(current_app.config["ILP_REDIS_URL"]))


def enqueue(task: Callable[..., object], *args: object) -> str:
    """Queue ``task(*args)`` (a module-level function; its result is kept as text);
    returns the RQ job id."""
    job = _queue().enqueue(
        run_task,
        f"{task.__module__}.{task.__qualname__}",
        *args,
        job_timeout=1800,
        result_ttl=3600,
        failure_ttl=86400,
    )
    return str(job.id)


def run_task(path: str, *args: object) -> str:
    """The RQ job: import the task by its dotted path and run it inside an app context
    (the worker's own app if needed)."""
    task = import_string(path)
    if has_app_context():
        return str(task(*args))
    # A bare ``rq worker`` has no application yet: it builds the whole one, which is why this
    # import reaches the package root (the app factory, above every layer).
    from lti_tool import create_app

    with create_app().app_context():
        return str(task(*args))

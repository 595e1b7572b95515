"""Fixtures: the tool app on SQLite or PostgreSQL, the live sandbox LMS, and an LTI driver.

The database comes from ``ILP_DATABASE_URL`` (CI runs the suite once on SQLite and once on
PostgreSQL); without it each run uses a temporary SQLite file. The schema is built by the
Alembic migrations once per session and emptied between tests.

The sandbox LMS runs as a real HTTP server on 127.0.0.1 (the tool fetches its JWKS and
service tokens over HTTP); the tool is driven through Flask's test client at
``http://localhost``, which the sandbox knows as the tool's URL.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from lti_tool import create_app
from lti_tool.extensions import db
from lti_tool.sandbox import create_sandbox_app, get_state, run_in_thread
from tests.browser_client import BrowserClient
from tests.lti_driver import LtiDriver

TOOL_URL = "http://localhost"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database; the schema is migrated from scratch once per session."""
    url = (
        os.environ.get("ILP_DATABASE_URL")
        or f"sqlite:///{tmp_path_factory.mktemp('db') / 'lodestar-test.sqlite'}"
    )
    if not url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        engine.dispose()
    app = _make_app(url, tmp_path_factory.mktemp("instance"))
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def _make_app(url: str, instance: Path, **extra: Any) -> Flask:
    config: dict[str, Any] = {
        "ILP_ENV": "testing",
        "ILP_DATABASE_URL": url,
        "ILP_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "ILP_HTTP_RETRIES": "1",
        "ILP_HTTP_TIMEOUT": "5",
        "ILP_SYNC_ON_LAUNCH": "false",
        "ILP_SYNC_INLINE": "true",
    }
    config.update(extra)
    app = create_app(config)
    app.test_client_class = BrowserClient
    return app


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A fresh tool app over an emptied database."""
    app = _make_app(database_url, tmp_path)
    _reset(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _reset(app: Flask) -> None:
    """Empty the database tables and, when Redis is the shared store, its test database."""
    with app.app_context():
        _empty_tables()
    if app.config.get("ILP_REDIS_URL"):
        import redis

        redis.Redis.from_url(app.config["ILP_REDIS_URL"]).flushdb()


def _empty_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Flask]:
    """The sandbox LMS, live on 127.0.0.1, configured for the tool at ``http://localhost``."""
    port = free_port()
    sandbox_app = create_sandbox_app(
        {
            "SANDBOX_BASE_URL": f"http://127.0.0.1:{port}",
            "SANDBOX_TOOL_URL": TOOL_URL,
            "SANDBOX_SECRET_KEY": "sandbox-test-secret",
        }
    )
    server, _thread = run_in_thread(sandbox_app, "127.0.0.1", port)
    yield sandbox_app
    server.shutdown()


@pytest.fixture
def platform_id(app: Flask, sandbox: Flask) -> int:
    """The sandbox registered as a platform of the tool (the district admin's first step)."""
    from lti_tool.demo import register_sandbox
    from lti_tool.launch import keys

    state = get_state(sandbox)
    state.clear_faults()
    platform = register_sandbox(app, sandbox)
    with app.app_context():
        # The sandbox verifies our client assertions with our current public keys.
        state.tool_jwks = keys.jwks()
    return platform


@pytest.fixture
def lti(client: FlaskClient, app: Flask, sandbox: Flask, platform_id: int) -> LtiDriver:
    """Drives OIDC login and launches of seeded people through the sandbox."""
    return LtiDriver(client, app, sandbox)


@pytest.fixture
def demo_stack(database_url: str, tmp_path: Path) -> Iterator[Any]:
    """The tool live on http://localhost:<port> and a sandbox LMS on http://127.0.0.1:<port>,
    as ``ilp demo`` runs them (two sites, so the tool is a cross-site iframe)."""
    from lti_tool.demo import register_sandbox, serve_demo
    from tests.browser import DemoStack

    tool_port, lms_port = free_port(), free_port()
    tool_url, lms_url = f"http://localhost:{tool_port}", f"http://127.0.0.1:{lms_port}"
    tool_app = _make_app(database_url, tmp_path, ILP_SYNC_ON_LAUNCH="true")
    _reset(tool_app)
    sandbox_app = create_sandbox_app({"SANDBOX_BASE_URL": lms_url, "SANDBOX_TOOL_URL": tool_url})
    register_sandbox(tool_app, sandbox_app)
    servers = serve_demo(tool_app, sandbox_app, tool_port=tool_port, lms_port=lms_port)
    yield DemoStack(tool_url, lms_url, tool_app, sandbox_app)
    for server in servers:
        server.shutdown()
    with tool_app.app_context():
        db.session.remove()
        db.engine.dispose()


def run_queued_jobs(app: Flask) -> None:
    """Run the background jobs a request queued, as ``ilp worker --burst`` does, when Redis
    is configured (the PostgreSQL run); without Redis they already ran after the request."""
    url = app.config.get("ILP_REDIS_URL")
    if not url:
        return
    from redis import Redis
    from rq import SimpleWorker

    with app.app_context():
        SimpleWorker(["lodestar"], connection=Redis.from_url(url)).work(burst=True)

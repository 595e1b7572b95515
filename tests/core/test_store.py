"""Shared short-lived state on the database and on Redis: expiry and single use."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Tenant
from lti_tool.store import DatabaseStore, RedisStore

REDIS_URL = os.environ.get("ILP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest, app: Flask) -> Iterator[Any]:
    if request.param == "redis":
        if not _redis_available():
            if os.environ.get("ILP_REQUIRE_REDIS"):
                pytest.fail(f"Redis is required but not reachable at {REDIS_URL}")
            pytest.skip(f"no Redis at {REDIS_URL}")
        yield RedisStore(REDIS_URL)
        return
    with app.app_context():
        yield DatabaseStore()


def test_set_get_expire(store: Any) -> None:
    key = "t:" + uuid.uuid4().hex
    store.set(key, {"a": 1}, ttl=1)
    assert store.get(key) == {"a": 1}
    time.sleep(1.2)
    assert store.get(key) is None


def test_pop_is_single_use(store: Any) -> None:
    key = "nonce:" + uuid.uuid4().hex
    store.set(key, True, ttl=60)
    assert store.pop(key) is True
    assert store.pop(key) is None
    assert store.get(key) is None


def test_add_only_once(store: Any) -> None:
    key = "lock:" + uuid.uuid4().hex
    assert store.add(key, 1, ttl=60) is True
    assert store.add(key, 1, ttl=60) is False


def test_concurrent_pop_has_one_winner(app: Flask) -> None:
    """Two workers racing for one nonce: exactly one gets it (database backend)."""
    key = "nonce:" + uuid.uuid4().hex
    with app.app_context():
        DatabaseStore().set(key, True, ttl=60)
    results: list[Any] = []

    def worker() -> None:
        with app.app_context():
            results.append(DatabaseStore().pop(key))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_incr_counts_and_expires(store: Any) -> None:
    key = "rate:" + uuid.uuid4().hex
    assert [store.incr(key, ttl=1) for _ in range(3)] == [1, 2, 3]
    time.sleep(1.2)
    assert store.incr(key, ttl=60) == 1  # a new window


def test_concurrent_incr_loses_no_count(app: Flask) -> None:
    """Workers counting on one key at once (database backend): every count is kept."""
    key = "rate:" + uuid.uuid4().hex
    results: list[int] = []

    def worker() -> None:
        with app.app_context():
            for _ in range(5):
                results.append(DatabaseStore().incr(key, ttl=60))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 21))


def test_database_store_leaves_the_callers_work_alone(app: Flask) -> None:
    """The database store writes on its own connection: a store write commits none of the
    caller's pending work, and the caller's rollback does not undo the store write."""
    key = "t:" + uuid.uuid4().hex
    with app.app_context():
        db.session.add(Tenant(name="Pending district"))
        store = DatabaseStore()
        store.set(key, {"a": 1}, ttl=60)
        assert store.add(key + ":lock", 1, ttl=60) is True
        assert store.incr(key + ":count", ttl=60) == 1
        assert store.pop(key + ":lock") == 1
        store.delete(key + ":gone")
        db.session.rollback()
        assert db.session.execute(select(func.count()).select_from(Tenant)).scalar_one() == 0
        assert store.get(key) == {"a": 1}
        assert store.incr(key + ":count", ttl=60) == 2

"""Shared short-lived state: OIDC nonces, launch data, JWKS and service-token caches.

Two backends with one interface. ``DatabaseStore`` (the default) keeps rows in
``short_lived_values``; ``RedisStore`` is used when ``ILP_REDIS_URL`` is set. Both are safe
with many workers on many hosts, and ``pop`` is atomic so a nonce can be used exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import Integer, String, Table, cast, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import ShortLivedValue

#: The store's table, for Core statements on the store's own connections.
_values: Table = db.metadata.tables[ShortLivedValue.__tablename__]


class Store(Protocol):
    """What the launch and sync code needs from shared short-lived state."""

    def set(self, key: str, value: Any, ttl: int) -> None:
        """Store JSON-serialisable ``value`` under ``key`` for ``ttl`` seconds."""

    def get(self, key: str) -> Any | None:
        """Return the value, or None when missing or expired."""

    def pop(self, key: str) -> Any | None:
        """Atomically remove and return the value (None if it was not there)."""

    def delete(self, key: str) -> None:
        """Remove the key if present."""

    def add(self, key: str, value: Any, ttl: int) -> bool:
        """Store only if absent; True when this call stored it (a lock / first-use check)."""

    def incr(self, key: str, ttl: int) -> int:
        """Atomically add one to the counter under ``key`` and return the new count; a new
        counter starts at 1 and expires ``ttl`` seconds after it was created (rate limits)."""


class DatabaseStore:
    """Short-lived values in the application database (SQLite or PostgreSQL).

    Every call runs on a connection and in a transaction of its own (Core statements on
    ``short_lived_values``), never in the caller's ``db.session``: a store write commits
    nothing of the caller's pending work and is not undone by the caller's rollback (a
    nonce used stays used).
    """

    #: One write in this many also deletes expired rows, so the table stays small.
    CLEANUP_EVERY = 50

    def set(self, key: str, value: Any, ttl: int) -> None:
        """Store a value, replacing any earlier one under ``key``."""
        payload = json.dumps(value)
        expires = utcnow() + dt.timedelta(seconds=ttl)
        for _attempt in (1, 2):
            try:
                with db.engine.begin() as conn:
                    updated = conn.execute(
                        update(_values)
                        .where(_values.c.key == key)
                        .values(value=payload, expires_at=expires)
                    )
                    if not updated.rowcount:
                        conn.execute(
                            insert(_values).values(key=key, value=payload, expires_at=expires)
                        )
                break
            except IntegrityError:
                # Another worker inserted the same key first (two launches caching one
                # JWKS): take the update path on the second try.
                continue
        self._maybe_purge()

    def add(self, key: str, value: Any, ttl: int) -> bool:
        now = utcnow()
        try:
            with db.engine.begin() as conn:
                # Only an expired value goes: a live one means someone was first.
                conn.execute(
                    delete(_values).where(_values.c.key == key, _values.c.expires_at <= now)
                )
                conn.execute(
                    insert(_values).values(
                        key=key, value=json.dumps(value), expires_at=now + dt.timedelta(seconds=ttl)
                    )
                )
        except IntegrityError:
            return False
        return True

    def incr(self, key: str, ttl: int) -> int:
        for _attempt in (1, 2, 3):
            try:
                with db.engine.begin() as conn:
                    # The UPDATE takes the row lock, so concurrent workers never lose a count.
                    count = conn.execute(
                        update(_values)
                        .where(_values.c.key == key, _values.c.expires_at > utcnow())
                        .values(value=cast(cast(_values.c.value, Integer) + 1, String))
                        .returning(_values.c.value)
                    ).scalar_one_or_none()
                    if count is not None:
                        return int(count)
                    # Only an expired counter goes: a live one another worker just made
                    # must stay.
                    conn.execute(
                        delete(_values).where(
                            _values.c.key == key, _values.c.expires_at <= utcnow()
                        )
                    )
                    conn.execute(
                        insert(_values).values(
                            key=key, value="1", expires_at=utcnow() + dt.timedelta(seconds=ttl)
                        )
                    )
            except IntegrityError:
                # Another worker created the counter first: count on it.
                continue
            self._maybe_purge()
            return 1
        raise RuntimeError(f"Could not count under {key!r}")

    def get(self, key: str) -> Any | None:
        with db.engine.connect() as conn:
            row = conn.execute(
                select(_values.c.value).where(_values.c.key == key, _values.c.expires_at > utcnow())
            ).scalar_one_or_none()
        return None if row is None else json.loads(row)

    def pop(self, key: str) -> Any | None:
        # The DELETE decides who wins: of two workers racing on one nonce, exactly one
        # gets the row back.
        with db.engine.begin() as conn:
            row = conn.execute(
                delete(_values)
                .where(_values.c.key == key, _values.c.expires_at > utcnow())
                .returning(_values.c.value)
            ).scalar_one_or_none()
        return None if row is None else json.loads(row)

    def delete(self, key: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(_values).where(_values.c.key == key))

    def purge_expired(self) -> int:
        """Delete expired rows; returns how many went."""
        with db.engine.begin() as conn:
            result = conn.execute(delete(_values).where(_values.c.expires_at <= utcnow()))
        return int(result.rowcount)

    def _maybe_purge(self) -> None:
        if random.randrange(self.CLEANUP_EVERY) == 0:  # noqa: S311 - not security relevant
            self.purge_expired()


class RedisStore:
    """Short-lived values in Redis (``ILP_REDIS_URL``), namespaced under ``lodestar:``."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    @staticmethod
    def _k(key: str) -> str:
        return f"lodestar:{key}"

    def set(self, key: str, value: Any, ttl: int) -> None:
        self._redis.set(self._k(key), json.dumps(value), ex=max(ttl, 1))

    def add(self, key: str, value: Any, ttl: int) -> bool:
        return bool(self._redis.set(self._k(key), json.dumps(value), ex=max(ttl, 1), nx=True))

    def incr(self, key: str, ttl: int) -> int:
        # SET NX gives a new counter its expiry; INCR keeps it. One MULTI, so no counter is
        # ever left without an expiry.
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self._k(key), 0, ex=max(ttl, 1), nx=True)
        pipe.incr(self._k(key))
        return int(pipe.execute()[1])

    def get(self, key: str) -> Any | None:
        raw = self._redis.get(self._k(key))
        return None if raw is None else json.loads(raw)

    def pop(self, key: str) -> Any | None:
        raw = self._redis.getdel(self._k(key))
        return None if raw is None else json.loads(raw)

    def delete(self, key: str) -> None:
        self._redis.delete(self._k(key))


def init_store(app: Flask) -> None:
    """Choose the backend once per app: Redis when configured, else the database."""
    redis_url = app.config.get("ILP_REDIS_URL")
    app.extensions["lodestar_store"] = RedisStore(redis_url) if redis_url else DatabaseStore()


def get_store() -> Store:
    """The store of the current app."""
    store: Store = current_app.extensions["lodestar_store"]
    return store

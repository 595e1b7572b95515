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
from sqlalchemy import delete, select

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import ShortLivedValue


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
    """Short-lived values in the application database (SQLite or PostgreSQL)."""

    #: One ``set`` in this many also deletes expired rows, so the table stays small.
    CLEANUP_EVERY = 50

    def set(self, key: str, value: Any, ttl: int) -> None:
        """Store a value. Like every write here it commits the session: the store is used
        between units of work (during launch validation, between sync pages)."""
        from sqlalchemy.exc import IntegrityError

        expires = utcnow() + dt.timedelta(seconds=ttl)
        for _attempt in (1, 2):
            row = db.session.get(ShortLivedValue, key)
            if row is None:
                db.session.add(ShortLivedValue(key=key, value=json.dumps(value),
                                               expires_at=expires))
            else:
                row.value = json.dumps(value)
                row.expires_at = expires
            try:
                db.session.commit()
                break
            except IntegrityError:
                # Another worker inserted the same key first (two launches caching one
                # JWKS): take the update path on the second try.
                db.session.rollback()
        if random.randrange(self.CLEANUP_EVERY) == 0:  # noqa: S311 - not security relevant
            self.purge_expired()
            db.session.commit()

    def add(self, key: str, value: Any, ttl: int) -> bool:
        from sqlalchemy.exc import IntegrityError

        existing = db.session.get(ShortLivedValue, key)
        if existing is not None:
            if existing.expires_at > utcnow():
                return False
            db.session.delete(existing)
            db.session.flush()
        db.session.add(ShortLivedValue(key=key, value=json.dumps(value),
                                       expires_at=utcnow() + dt.timedelta(seconds=ttl)))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        return True

    def incr(self, key: str, ttl: int) -> int:
        from sqlalchemy import Integer, String, cast, update
        from sqlalchemy.exc import IntegrityError

        for _attempt in (1, 2, 3):
            # The UPDATE takes the row lock, so concurrent workers never lose a count.
            count = db.session.execute(
                update(ShortLivedValue)
                .where(ShortLivedValue.key == key, ShortLivedValue.expires_at > utcnow())
                .values(value=cast(cast(ShortLivedValue.value, Integer) + 1, String))
                .returning(ShortLivedValue.value)
            ).scalar_one_or_none()
            if count is not None:
                db.session.commit()
                return int(count)
            # Only an expired counter goes: a live one another worker just made must stay.
            db.session.execute(delete(ShortLivedValue).where(
                ShortLivedValue.key == key, ShortLivedValue.expires_at <= utcnow()))
            db.session.add(ShortLivedValue(key=key, value="1",
                                           expires_at=utcnow() + dt.timedelta(seconds=ttl)))
            try:
                db.session.commit()
            except IntegrityError:
                # Another worker created the counter first: count on it.
                db.session.rollback()
                continue
            if random.randrange(self.CLEANUP_EVERY) == 0:  # noqa: S311 - not security relevant
                self.purge_expired()
                db.session.commit()
            return 1
        raise RuntimeError(f"Could not count under {key!r}")

    def get(self, key: str) -> Any | None:
        row = db.session.execute(
            select(ShortLivedValue.value).where(
                ShortLivedValue.key == key, ShortLivedValue.expires_at > utcnow()
            )
        ).scalar_one_or_none()
        return None if row is None else json.loads(row)

    def pop(self, key: str) -> Any | None:
        value = self.get(key)
        if value is None:
            return None
        # The DELETE decides who wins: of two workers racing on one nonce, exactly one
        # sees rowcount 1.
        result = db.session.execute(
            delete(ShortLivedValue).where(
                ShortLivedValue.key == key, ShortLivedValue.expires_at > utcnow()
            )
        )
        db.session.commit()
        return value if result.rowcount == 1 else None  # type: ignore[attr-defined]

    def delete(self, key: str) -> None:
        db.session.execute(delete(ShortLivedValue).where(ShortLivedValue.key == key))
        db.session.commit()

    def purge_expired(self) -> int:
        """Delete expired rows; returns how many went."""
        result = db.session.execute(
            delete(ShortLivedValue).where(ShortLivedValue.expires_at <= utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


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

"""The one outbound HTTP session: timeouts, retries with backoff, a User-Agent.

Every call to an LMS (JWKS, service tokens, NRPS, AGS, Canvas and Schoology REST) goes
through ``get_session()``. Retries cover connection errors, 429 (honouring ``Retry-After``,
capped) and 502/503/504, for idempotent methods only: an AGS score POST is not retried by the
transport, because a blind re-send is the caller's decision.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from lti_tool import __version__

USER_AGENT = f"Lodestar-ILP/{__version__} (+LTI 1.3 tool)"

#: Longest ``Retry-After`` we are willing to sleep inside a request, in seconds. Longer
#: waits surface as a retryable ``LmsApiError`` so a background job can be rescheduled.
MAX_RETRY_AFTER = 30


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class CappedRetry(Retry):
    """urllib3 ``Retry`` that will not sleep longer than ``MAX_RETRY_AFTER`` seconds."""

    def parse_retry_after(self, retry_after: str) -> float:
        seconds = super().parse_retry_after(retry_after)
        if seconds > MAX_RETRY_AFTER:
            # Give up retrying this request; the caller sees the 429 and its header.
            raise _TooLongRetryAfter(seconds)
        return seconds

    def sleep_for_retry(self, response: Any = None) -> bool:
        try:
            return super().sleep_for_retry(response)
        except _TooLongRetryAfter:
            return True  # pretend we slept; is_exhausted/raise_on_status end the loop


class _TooLongRetryAfter(Exception):
    pass


class TimeoutSession(requests.Session):
    """A ``requests.Session`` that applies a default timeout to every request."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def make_session(timeout: float = 10.0, retries: int = 3,
                 backoff_factor: float = 0.5) -> TimeoutSession:
    """Build a session with our retry policy and User-Agent."""
    session = TimeoutSession(timeout)
    retry = CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        backoff_max=MAX_RETRY_AFTER,
        status_forcelist=(429, 500, 502, 503, 504),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=10, pool_maxsize=20)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def init_http(app: Flask) -> None:
    """Create the app's shared session from its settings."""
    app.extensions["lodestar_http"] = make_session(
        timeout=app.config.get("ILP_HTTP_TIMEOUT", 10.0),
        retries=app.config.get("ILP_HTTP_RETRIES", 3),
    )


def get_session() -> TimeoutSession:
    """The app's shared outbound session."""
    session: TimeoutSession = current_app.extensions["lodestar_http"]
    return session

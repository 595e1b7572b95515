"""The one outbound HTTP session: timeouts, retries with backoff, a User-Agent.

Every call to an LMS (JWKS, service tokens, NRPS, AGS) goes through ``get_session()``; the
Canvas and Schoology clients get a session from ``make_session(retries=0)`` and retry with
their own rate-limit rules. Retries cover connection errors, 429 (honouring ``Retry-After``
up to ``MAX_RETRY_AFTER``) and 500/502/503/504, for idempotent methods only: an AGS score POST is not retried by the
transport, because a blind re-send is the caller's decision.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, current_app, has_app_context
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from lti_tool import __version__

USER_AGENT = f"Lodestar-ILP/{__version__} (+LTI 1.3 tool)"


class OutboundRefused(requests.RequestException):
    """A server-side fetch to an address the outbound guard does not allow."""


def check_outbound(url: str, *, allowed: list[ipaddress._BaseNetwork]) -> None:
    """Refuse loopback, link-local, private and other non-public addresses (after DNS)
    unless a range is allowed (a district's own Moodle on its intranet).

    :raises OutboundRefused: for a refused or unresolvable host.
    """
    try:
        host = urlsplit(url).hostname
    except ValueError as err:
        raise OutboundRefused("malformed URL") from err
    if not host:
        raise OutboundRefused("URL without a host")
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as err:
        raise OutboundRefused(f"cannot resolve {host}") from err
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address.is_global:
            continue
        if any(address in net for net in allowed):
            continue
        raise OutboundRefused(f"{host} resolves to a non-public address")


class GuardedAdapter(HTTPAdapter):
    """An adapter that asks :func:`check_outbound` before every request it sends."""

    def __init__(self, *args: Any, allowed: list[ipaddress._BaseNetwork], **kwargs: Any) -> None:
        self._allowed = allowed
        super().__init__(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        check_outbound(str(request.url), allowed=self._allowed)
        return super().send(request, *args, **kwargs)


def outbound_allowed(spec: str) -> list[ipaddress._BaseNetwork]:
    """``ILP_OUTBOUND_ALLOW``: comma-separated CIDR ranges."""
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in spec.split(",") if part.strip()]

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
    """urllib3 ``Retry`` that gives up, instead of sleeping, when the server asks for a wait
    longer than ``MAX_RETRY_AFTER`` seconds: the caller then sees the 429/503 itself and can
    reschedule (a background job) or tell the person to try later."""

    def increment(self, method: str | None = None, url: str | None = None,
                  response: Any = None, error: Exception | None = None,
                  _pool: Any = None, _stacktrace: Any = None) -> Retry:
        if response is not None:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > MAX_RETRY_AFTER:
                # urllib3 answers MaxRetryError with the last response when
                # raise_on_status is False: no retry, no sleep.
                raise MaxRetryError(_pool, url or "", ResponseError("Retry-After too long"))
        return super().increment(method, url, response, error, _pool, _stacktrace)


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
    adapter: HTTPAdapter
    if has_app_context() and current_app.config.get("ILP_OUTBOUND_GUARD"):
        # Every server-side fetch (registration, JWKS, tokens, NRPS/AGS, LMS REST) goes
        # through a session made here, so this one guard serves them all.
        adapter = GuardedAdapter(
            max_retries=retry, pool_connections=10, pool_maxsize=20,
            allowed=outbound_allowed(str(current_app.config.get("ILP_OUTBOUND_ALLOW", ""))))
    else:
        adapter = HTTPAdapter(max_retries=retry, pool_connections=10, pool_maxsize=20)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def init_http(app: Flask) -> None:
    """Create the app's shared session from its settings."""
    with app.app_context():
        app.extensions["lodestar_http"] = make_session(
            timeout=app.config.get("ILP_HTTP_TIMEOUT", 10.0),
            retries=app.config.get("ILP_HTTP_RETRIES", 3),
        )


def get_session() -> TimeoutSession:
    """The app's shared outbound session."""
    session: TimeoutSession = current_app.extensions["lodestar_http"]
    return session

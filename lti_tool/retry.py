"""The one retry policy for every outbound call: what is retried, and how long to wait.

Service tokens, NRPS and AGS, JWKS, Dynamic Registration, Canvas and Schoology all follow it:

* **What is retried:** a connection error or a timeout (not a refused TLS certificate, not
  a fetch the outbound guard refused), and an answer of 429, 500, 502, 503 or 504. A client
  may widen the answers it retries (Canvas's legacy "403 Forbidden (Rate Limit Exceeded)").
* **How long to wait:** on a 429 or 503, the server's ``Retry-After`` (delta-seconds or an
  HTTP date); otherwise, and when the server names no wait, ``backoff`` seconds doubled on
  every further retry (0.5, 1, 2 ...) up to ``MAX_BACKOFF``.
* **When to stop:** after ``retries`` retries, or at once when the server asks for a wait
  longer than ``MAX_RETRY_AFTER`` seconds: a request does not sleep that long, the caller
  sees the answer and a background job can be rescheduled.

The transport (``lti_tool.http``) applies the policy to idempotent requests by itself; a
caller that must build each attempt afresh (a token request signs a new assertion every
time) runs :meth:`RetryPolicy.send` around its own attempt. The number of retries comes from
``ILP_HTTP_RETRIES``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)

#: Longest ``Retry-After`` we are willing to sleep inside a request, in seconds. Longer
#: waits surface as a retryable ``LmsApiError`` so a background job can be rescheduled.
MAX_RETRY_AFTER = 30
#: Longest backoff between two attempts when the server names no wait, in seconds.
MAX_BACKOFF = 30.0
#: Answers worth another attempt.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Answers whose ``Retry-After`` header is honoured (RFC 9110 15.5.20 and 15.6.4, RFC 6585).
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: Methods the transport repeats by itself; a POST is repeated only by a caller that builds
#: each attempt afresh, because a blind re-send is the caller's decision.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date), or None
    when there is none or it cannot be read. A date in the past means no wait (0)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN is no answer
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def retry_after(response: requests.Response | None) -> float | None:
    """The wait a 429 or 503 answer asks for, in seconds; None for other answers."""
    if response is None or response.status_code not in RETRY_AFTER_STATUSES:
        return None
    return retry_after_seconds(response.headers.get("Retry-After"))


def retryable_status(status: int | None) -> bool:
    """Whether an answer with this status is worth another attempt (now or in a later job)."""
    return status in RETRY_STATUSES


def retryable_response(response: requests.Response) -> bool:
    """The default answer rule: :data:`RETRY_STATUSES`."""
    return retryable_status(response.status_code)


def retryable_error(error: BaseException) -> bool:
    """Whether a failure without an answer is worth another attempt: a connection error or
    a timeout, but not a TLS failure (it will fail the same way) and not a fetch the
    outbound guard refused (``OutboundRefused`` is neither)."""
    if isinstance(error, requests.exceptions.SSLError):
        return False
    return isinstance(error, requests.ConnectionError | requests.Timeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry and how long to wait; see the module docstring.

    :param retries: retries after the first attempt (``ILP_HTTP_RETRIES``).
    :param backoff: first wait in seconds when the server names none; doubled each retry.
    :param sleep: how to wait (tests pass a recorder).
    :param is_retryable: which answers to retry (default :data:`RETRY_STATUSES`).
    """

    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = MAX_BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER
    sleep: Callable[[float], None] = time.sleep
    is_retryable: Callable[[requests.Response], bool] = retryable_response

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must not be negative")

    def wait(self, retry: int, response: requests.Response | None = None) -> float | None:
        """Seconds to wait before retry number ``retry`` (0 for the first), or None to stop:
        no retries left, or the server asks for longer than ``max_retry_after``."""
        if retry >= self.retries:
            return None
        asked = retry_after(response)
        if asked is not None:
            return asked if asked <= self.max_retry_after else None
        return min(self.backoff * 2.0**retry, self.max_backoff)

    def send(
        self, attempt: Callable[[], requests.Response], *, what: str = "an outbound request"
    ) -> requests.Response:
        """Call ``attempt`` until it answers something not worth retrying or the policy stops.

        :returns: the last answer (a 429 or 5xx one when the policy gave up on it).
        :raises requests.RequestException: the last connection error or timeout when the
            policy gave up, or at once any other failure of ``attempt``.
        """
        retry = 0
        while True:
            try:
                response = attempt()
            except requests.RequestException as err:
                if not retryable_error(err):
                    raise
                delay = self.wait(retry)
                if delay is None:
                    raise
                reason = type(err).__name__
            else:
                if not self.is_retryable(response):
                    return response
                delay = self.wait(retry, response)
                if delay is None:
                    return response
                reason = str(response.status_code)
                response.close()
            retry += 1
            log.info(
                "Retrying %s (%s): retry %d of %d in %.1fs",
                what,
                reason,
                retry,
                self.retries,
                delay,
            )
            self.sleep(delay)

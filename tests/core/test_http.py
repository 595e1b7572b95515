"""The outbound session: retries with backoff, Retry-After honoured up to a cap, timeouts."""

from __future__ import annotations

import time

import responses
from responses import registries

from lti_tool.http import USER_AGENT, make_session
from lti_tool.retry import MAX_RETRY_AFTER, retry_after_seconds

URL = "https://lms.example/api/roster"


def test_5xx_is_retried_then_succeeds() -> None:
    with responses.RequestsMock(registry=registries.OrderedRegistry) as rsps:
        for status in (500, 503):
            rsps.get(URL, status=status)
        rsps.get(URL, json={"ok": True})
        response = make_session(retries=3, backoff_factor=0.01).get(URL)
        assert len(rsps.calls) == 3
        assert rsps.calls[0].request.headers["User-Agent"] == USER_AGENT
    assert response.status_code == 200


def test_short_retry_after_is_retried() -> None:
    # The real wait is measured against the live sandbox (tests/grades/test_sync.py).
    with responses.RequestsMock(registry=registries.OrderedRegistry) as rsps:
        rsps.get(URL, status=429, headers={"Retry-After": "1"})
        rsps.get(URL, json={"ok": True})
        response = make_session(retries=2, backoff_factor=0.01).get(URL)
        assert len(rsps.calls) == 2
    assert response.status_code == 200


def test_long_retry_after_gives_up_at_once_instead_of_hammering() -> None:
    with responses.RequestsMock(registry=registries.OrderedRegistry) as rsps:
        rsps.get(URL, status=429, headers={"Retry-After": str(MAX_RETRY_AFTER * 4)})
        start = time.monotonic()
        response = make_session(retries=3).get(URL)
        assert len(rsps.calls) == 1
    assert response.status_code == 429
    assert time.monotonic() - start < 2


def test_post_is_not_retried_by_the_transport() -> None:
    with responses.RequestsMock(registry=registries.OrderedRegistry) as rsps:
        rsps.post(URL, status=503)
        response = make_session(retries=3, backoff_factor=0.01).post(URL, json={})
        assert len(rsps.calls) == 1
    assert response.status_code == 503


def test_default_timeout_is_applied() -> None:
    from responses import matchers

    with responses.RequestsMock() as rsps:
        rsps.get(URL, json={}, match=[matchers.request_kwargs_matcher({"timeout": 7.0})])
        make_session(timeout=7.0).get(URL)


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0

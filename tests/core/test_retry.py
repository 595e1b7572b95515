"""The one retry policy: Retry-After (seconds and dates, capped), backoff on 5xx and on
connection errors, giving up after ILP_HTTP_RETRIES retries, never a blind POST re-send."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest
import requests
import responses
from flask import Flask
from responses import registries

from lti_tool.http import OutboundRefused, get_session, make_session
from lti_tool.retry import (
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    RetryPolicy,
    retry_after_seconds,
    retryable_error,
    retryable_status,
)

URL = "https://lms.example/api/lti/courses/1/memberships"


class Sleeps(list[float]):
    """Records the waits the policy asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def session(sleeps: Sleeps, retries: int = 3) -> requests.Session:
    return make_session(retries=retries, sleep=sleeps)


def ordered() -> responses.RequestsMock:
    return responses.RequestsMock(registry=registries.OrderedRegistry)


def http_date(seconds_ahead: float) -> str:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_ahead)
    return email.utils.format_datetime(when, usegmt=True)


# -- answers -------------------------------------------------------------------------------


def test_429_waits_the_seconds_retry_after_names(sleeps: Sleeps) -> None:
    with ordered() as rsps:
        rsps.get(URL, status=429, headers={"Retry-After": "7"})
        rsps.get(URL, json={"ok": True})
        response = session(sleeps).get(URL)
        assert len(rsps.calls) == 2
    assert response.status_code == 200
    assert sleeps == [7.0]


def test_429_waits_until_the_date_retry_after_names(sleeps: Sleeps) -> None:
    with ordered() as rsps:
        rsps.get(URL, status=429, headers={"Retry-After": http_date(12)})
        rsps.get(URL, json={"ok": True})
        response = session(sleeps).get(URL)
    assert response.status_code == 200
    assert len(sleeps) == 1 and 9 <= sleeps[0] <= 12


def test_503_honours_retry_after_and_backs_off_without_it(sleeps: Sleeps) -> None:
    with ordered() as rsps:
        rsps.get(URL, status=503, headers={"Retry-After": "3"})
        rsps.get(URL, status=503)
        rsps.get(URL, json={"ok": True})
        response = session(sleeps).get(URL)
        assert len(rsps.calls) == 3
    assert response.status_code == 200
    assert sleeps == [3.0, 1.0]  # the second retry backs off 0.5 x 2


def test_500_then_200_backs_off_once(sleeps: Sleeps) -> None:
    with ordered() as rsps:
        rsps.get(URL, status=500, headers={"Retry-After": "20"})  # only 429/503 name waits
        rsps.get(URL, json={"ok": True})
        response = session(sleeps).get(URL)
        assert len(rsps.calls) == 2
    assert response.status_code == 200
    assert sleeps == [0.5]


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_gives_up_after_n_retries_with_the_last_answer(sleeps: Sleeps, retries: int) -> None:
    with responses.RequestsMock() as rsps:
        failing = rsps.get(URL, status=502, body="bad gateway")
        response = session(sleeps, retries).get(URL)
        assert failing.call_count == retries + 1
    assert response.status_code == 502
    assert sleeps == [0.5, 1.0, 2.0][:retries]


def test_a_retry_after_longer_than_the_cap_is_not_slept(sleeps: Sleeps) -> None:
    for value in (str(MAX_RETRY_AFTER + 1), http_date(MAX_RETRY_AFTER * 4)):
        with responses.RequestsMock() as rsps:
            rsps.get(URL, status=429, headers={"Retry-After": value})
            response = session(sleeps).get(URL)
            assert len(rsps.calls) == 1
        assert response.status_code == 429
    assert sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
def test_other_answers_are_not_retried(sleeps: Sleeps, status: int) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=status)
        assert session(sleeps).get(URL).status_code == status
        assert len(rsps.calls) == 1
    assert sleeps == []


def test_a_client_may_widen_the_answers_it_retries(sleeps: Sleeps) -> None:
    policy = RetryPolicy(
        retries=2,
        sleep=sleeps,
        is_retryable=lambda r: r.status_code == 403 or retryable_status(r.status_code),
    )
    with ordered() as rsps:
        rsps.get(URL, status=403, body="403 Forbidden (Rate Limit Exceeded)")
        rsps.get(URL, json={})
        assert session(Sleeps(), retries=0).get(URL, retry=policy).status_code == 200
    assert sleeps == [0.5]


# -- failures without an answer --------------------------------------------------------------


def test_connection_errors_and_timeouts_are_retried(sleeps: Sleeps) -> None:
    with ordered() as rsps:
        rsps.get(URL, body=requests.ConnectionError("refused"))
        rsps.get(URL, body=requests.ReadTimeout("slow"))
        rsps.get(URL, json={"ok": True})
        assert session(sleeps).get(URL).status_code == 200
    assert sleeps == [0.5, 1.0]


def test_the_last_connection_error_is_raised_after_n_retries(sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        down = rsps.get(URL, body=requests.ConnectionError("refused"))
        with pytest.raises(requests.ConnectionError):
            session(sleeps, retries=2).get(URL)
        assert down.call_count == 3
    assert sleeps == [0.5, 1.0]


def test_refused_fetches_and_tls_failures_are_not_retried(sleeps: Sleeps) -> None:
    assert not retryable_error(OutboundRefused("10.0.0.1 is not public"))
    assert not retryable_error(requests.exceptions.SSLError("bad certificate"))
    assert retryable_error(requests.ConnectTimeout("slow"))
    calls: list[int] = []

    def refused() -> requests.Response:
        calls.append(1)
        raise OutboundRefused("lms.example resolves to a non-public address")

    with pytest.raises(OutboundRefused):
        RetryPolicy(retries=3, sleep=sleeps).send(refused)
    assert (len(calls), sleeps) == (1, [])


def test_the_guarded_app_session_refuses_at_once(app: Flask, sleeps: Sleeps) -> None:
    app.config["ILP_OUTBOUND_GUARD"] = True
    with app.app_context():
        guarded = make_session(retries=3, sleep=sleeps)
    with pytest.raises(OutboundRefused):
        guarded.get("http://127.0.0.1:9/")
    assert sleeps == []


# -- methods ---------------------------------------------------------------------------------


def test_a_post_is_not_re_sent_by_the_transport(sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(URL, status=503)
        assert session(sleeps).post(URL, json={}).status_code == 503
        assert len(rsps.calls) == 1
    assert sleeps == []


def test_a_caller_retries_a_post_it_builds_afresh(sleeps: Sleeps) -> None:
    """The service-token request: each attempt signs a new assertion."""
    http = session(sleeps)
    attempts: list[str] = []

    def attempt() -> requests.Response:
        attempts.append(f"assertion-{len(attempts)}")
        return http.post(URL, data={"client_assertion": attempts[-1]})

    with ordered() as rsps:
        rsps.post(URL, status=429, headers={"Retry-After": "2"})
        rsps.post(URL, status=500)
        rsps.post(URL, json={"access_token": "t"})
        response = http.retry.send(attempt)
        bodies = [c.request.body for c in rsps.calls]
    assert response.status_code == 200
    assert bodies == [
        "client_assertion=assertion-0",
        "client_assertion=assertion-1",
        "client_assertion=assertion-2",
    ]
    assert sleeps == [2.0, 1.0]


def test_retry_none_sends_once(sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=500)
        assert session(sleeps).get(URL, retry=None).status_code == 500
        assert len(rsps.calls) == 1


# -- the rule itself ---------------------------------------------------------------------------


def test_backoff_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(retries=20)
    assert [policy.wait(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert policy.wait(12) == MAX_BACKOFF
    assert policy.wait(20) is None


def test_retry_after_values() -> None:
    now = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("Mon, 05 Jan 2026 12:00:40 GMT", now=now) == 40.0
    assert retry_after_seconds("Mon, 05 Jan 2026 11:00:00 GMT", now=now) == 0.0
    for unreadable in (None, "", "soon", "nan", "Mon, 99 Foo 2026"):
        assert retry_after_seconds(unreadable) is None


def test_the_session_keeps_no_cookies() -> None:
    """One session serves every person: a cookie set for one must not ride on another's."""
    http = make_session(retries=0)
    with ordered() as rsps:
        rsps.get(URL, json={}, headers={"Set-Cookie": "canvas_session=abc; Path=/"})
        rsps.get(URL, json={})
        http.get(URL)
        http.get(URL)
        assert "Cookie" not in rsps.calls[1].request.headers
    assert len(http.cookies) == 0


def test_the_app_session_takes_ilp_http_retries_and_timeout(app: Flask) -> None:
    with app.app_context():
        shared = get_session()
        assert shared is get_session()
        assert shared.retry.retries == app.config["ILP_HTTP_RETRIES"] == 1
        assert shared.default_timeout == app.config["ILP_HTTP_TIMEOUT"] == 5.0

"""Canvas REST client and Canvas OAuth2, against ``responses`` (no app, no database)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from canvasapi import Canvas
from responses import matchers

from lti_tool.errors import LmsApiError
from lti_tool.grades import canvas_oauth
from lti_tool.grades.canvas import CanvasClient, _install_session
from lti_tool.grades.types import LmsAssignment, LmsAttachment
from lti_tool.http import USER_AGENT, make_session

FIXTURES = Path(__file__).parent / "fixtures" / "canvas"
BASE = "https://canvas.test"
API = f"{BASE}/api/v1"
TOKEN = "7~personal-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "User-Agent": USER_AGENT}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class Sleeps(list[float]):
    """Records the waits the client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def session() -> requests.Session:
    # No transport-level retries: the client under test does its own.
    return make_session(retries=0)


def client(session: requests.Session, sleeps: Sleeps, **kwargs: Any) -> CanvasClient:
    return CanvasClient(BASE, TOKEN, session=session, sleep=sleeps, **kwargs)


def add_course(rsps: responses.RequestsMock, course_id: int = 7) -> None:
    rsps.get(
        f"{API}/courses/{course_id}", json=fixture("course"), match=[matchers.header_matcher(AUTH)]
    )


def next_link(url: str) -> dict[str, str]:
    return {"Link": f'<{url}>; rel="next", <{url}>; rel="last"'}


# -- the session swap --------------------------------------------------------------------


def test_install_session_sends_our_user_agent_and_timeout() -> None:
    canvas = Canvas(BASE, TOKEN)
    ours = make_session(timeout=4.0, retries=0)
    transport = _install_session(canvas, ours)
    assert canvas._Canvas__requester._session is transport  # type: ignore[attr-defined]
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/users/self",
            json={"id": 1, "name": "Me"},
            match=[
                matchers.header_matcher(AUTH),
                matchers.request_kwargs_matcher({"timeout": 4.0}),
            ],
        )
        assert canvas.get_user("self").name == "Me"
    assert transport.last_response is not None
    assert transport.last_response.status_code == 200


# -- listings ------------------------------------------------------------------------------


def test_list_assignments_reads_two_pages(session: requests.Session, sleeps: Sleeps) -> None:
    pages = fixture("assignments")
    page2 = f"{API}/courses/7/assignments?page=2&per_page=2"
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(
            f"{API}/courses/7/assignments",
            json=pages["page1"],
            headers=next_link(page2),
            match=[matchers.header_matcher(AUTH), matchers.query_param_matcher({"per_page": "2"})],
        )
        rsps.get(
            f"{API}/courses/7/assignments",
            json=pages["page2"],
            match=[
                matchers.header_matcher(AUTH),
                matchers.query_param_matcher({"page": "2", "per_page": "2"}),
            ],
        )
        assignments = client(session, sleeps, per_page=2).list_assignments(7)

    assert [a.external_id for a in assignments] == ["101", "102", "103"]
    assert assignments[0] == LmsAssignment(
        external_id="101",
        title="Reflective essay",
        source="canvas",
        score_maximum=20.0,
        due_at=dt.datetime(2025, 3, 1, 23, 59, tzinfo=dt.UTC),
        html_url="https://canvas.test/courses/7/assignments/101",
        description="<p>Write 500 words.</p>",
    )
    assert assignments[1].due_at is None
    assert assignments[1].description is None
    assert assignments[2].score_maximum is None
    assert assignments[2].due_at == dt.datetime(2025, 4, 15, 17, 0, tzinfo=dt.UTC)
    assert sleeps == []


def test_list_submissions_maps_scores_attachments_and_urls(
    session: requests.Session, sleeps: Sleeps
) -> None:
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(
            f"{API}/courses/7/students/submissions",
            json=fixture("submissions"),
            match=[
                matchers.header_matcher(AUTH),
                matchers.query_param_matcher({"per_page": "100"}, strict_match=False),
            ],
        )
        scores = client(session, sleeps).list_submissions(7, assignment_ids=["101", "102"])
        query = parse_qs(urlsplit(rsps.calls[1].request.url).query)

    assert query == {
        "student_ids[]": ["all"],
        "include[]": ["submission_comments"],
        "assignment_ids[]": ["101", "102"],
        "per_page": ["100"],
    }
    essay, link, missing = scores
    assert essay.assignment_external_id == "101"
    assert essay.lms_user_id == "55"
    assert essay.user_id is None
    assert essay.score == 18.5
    assert essay.state == "graded"
    assert essay.submitted_at == dt.datetime(2025, 3, 2, 8, 15, tzinfo=dt.UTC)
    assert essay.graded_at == dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.UTC)
    assert essay.comment == "Strong argument; cite sources."
    assert essay.url is not None
    assert essay.url.startswith("https://canvas.test/courses/7/assignments/101/submissions/55")
    assert essay.attachments == (
        LmsAttachment(
            filename="essay final.pdf",
            url="https://canvas.test/files/3001/download?download_frd=1&verifier=abc",
            content_type="application/pdf",
            size=48213,
        ),
    )

    assert link.url == "https://portfolio.example.org/ana"
    assert link.state == "submitted"
    assert link.score is None
    assert link.attachments == ()

    assert missing.lms_user_id == "56"
    assert missing.state == "missing"
    assert missing.submitted_at is None


def test_list_submissions_for_some_students(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(
            f"{API}/courses/7/students/submissions",
            json=[],
            match=[
                matchers.query_param_matcher(
                    {
                        "student_ids[]": ["55", "56"],
                        "include[]": "submission_comments",
                        "per_page": "100",
                    }
                )
            ],
        )
        assert client(session, sleeps).list_submissions(7, student_ids=["55", "56"]) == []
    assert client(session, sleeps).list_submissions(7, assignment_ids=[]) == []


def test_list_user_enrollments_with_grades(session: requests.Session, sleeps: Sleeps) -> None:
    data = fixture("enrollments")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/users/self", json=data["user"], match=[matchers.header_matcher(AUTH)])
        rsps.get(
            f"{API}/users/55/enrollments",
            json=data["enrollments"],
            match=[
                matchers.header_matcher(AUTH),
                matchers.query_param_matcher(
                    {
                        "state[]": ["active", "completed"],
                        "include[]": "current_points",
                        "per_page": "100",
                    }
                ),
            ],
        )
        rsps.get(
            f"{API}/users/55/courses",
            json=data["courses"],
            match=[
                matchers.query_param_matcher(
                    {"include[]": "term", "state[]": ["available", "completed"], "per_page": "100"}
                )
            ],
        )
        rsps.get(
            f"{API}/courses/8",
            json=data["course_8"],
            match=[matchers.query_param_matcher({"include[]": "term"})],
        )
        grades = client(session, sleeps).list_user_enrollments_with_grades()

    bio, history = grades
    assert bio.lms_course_id == "7"
    assert bio.course_name == "Biology 101"
    assert bio.term == "Spring 2025"
    assert bio.role == "StudentEnrollment"
    assert bio.state == "active"
    assert (bio.current_score, bio.final_score) == (91.5, 80.25)
    assert (bio.current_grade, bio.final_grade) == ("A-", "B-")
    assert history.course_name == "History 210"
    assert history.state == "completed"
    assert history.current_score is None
    assert history.final_score == 0.0
    assert history.current_grade is None


def test_course_is_looked_up_once_per_client(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(f"{API}/courses/7/students/submissions", json=[])
        rsps.get(f"{API}/courses/7/assignments", json=[])
        canvas = client(session, sleeps)
        assert canvas.list_submissions(7) == []
        assert canvas.list_assignments("7") == []
        assert len(rsps.calls) == 3


def test_page_cap_stops_reading(session: requests.Session, sleeps: Sleeps) -> None:
    page2 = f"{API}/courses/7/assignments?page=2&per_page=1"
    page3 = f"{API}/courses/7/assignments?page=3&per_page=1"
    pages = fixture("assignments")["page1"]
    with responses.RequestsMock() as rsps:  # page 3 is never requested
        add_course(rsps)
        rsps.get(
            f"{API}/courses/7/assignments",
            json=pages[:1],
            headers=next_link(page2),
            match=[matchers.query_param_matcher({"per_page": "1"})],
        )
        rsps.get(
            f"{API}/courses/7/assignments",
            json=pages[1:],
            headers=next_link(page3),
            match=[matchers.query_param_matcher({"page": "2", "per_page": "1"})],
        )
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps, per_page=1, max_pages=2).list_assignments(7)
    assert caught.value.retryable is False
    assert "stopped reading after 2 pages" in caught.value.message
    assert sleeps == []


def test_item_cap_when_canvas_ignores_per_page(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(f"{API}/courses/7/assignments", json=fixture("assignments")["page1"])
        with pytest.raises(LmsApiError, match="more than 1 items"):
            client(session, sleeps, per_page=1, max_pages=1).list_assignments(7)


# -- errors and retries --------------------------------------------------------------------


def test_429_waits_retry_after_then_succeeds(session: requests.Session, sleeps: Sleeps) -> None:
    page2 = f"{API}/courses/7/assignments?page=2&per_page=2"
    pages = fixture("assignments")
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(
            f"{API}/courses/7/assignments",
            json=pages["page1"],
            headers=next_link(page2),
            match=[matchers.query_param_matcher({"per_page": "2"})],
        )
        throttled = rsps.get(
            f"{API}/courses/7/assignments",
            status=429,
            body="",
            headers={"Retry-After": "7", "X-Rate-Limit-Remaining": "0.0"},
            match=[matchers.query_param_matcher({"page": "2", "per_page": "2"})],
        )
        rsps.get(
            f"{API}/courses/7/assignments",
            json=pages["page2"],
            match=[matchers.query_param_matcher({"page": "2", "per_page": "2"})],
        )
        # Registered twice for the same URL: responses answers them in order.
        assignments = client(session, sleeps, per_page=2).list_assignments(7)
        assert throttled.call_count == 1
        page1_calls = [c for c in rsps.calls if c.request.url.endswith("assignments?per_page=2")]
    assert [a.external_id for a in assignments] == ["101", "102", "103"]
    assert sleeps == [7.0]
    assert len(page1_calls) == 1  # the retry re-read page 2 only


def test_legacy_403_rate_limit_is_retried(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(
            f"{API}/courses/7/students/submissions",
            status=403,
            body="403 Forbidden (Rate Limit Exceeded)",
        )
        rsps.get(f"{API}/courses/7/students/submissions", json=fixture("submissions"))
        scores = client(session, sleeps).list_submissions(7)
    assert [s.lms_user_id for s in scores] == ["55", "55", "56"]
    assert sleeps == [0.5]


def test_plain_403_is_not_retried(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        rsps.get(
            f"{API}/courses/7/students/submissions",
            status=403,
            json={
                "status": "unauthorized",
                "errors": [{"message": "user not authorized to perform that action"}],
            },
        )
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps).list_submissions(7)
    err = caught.value
    assert (err.upstream_status, err.retryable) == (403, False)
    assert err.url is not None
    assert err.url.startswith(f"{API}/courses/7/students/submissions")
    assert sleeps == []


def test_401_asks_to_reconnect(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/courses/7",
            status=401,
            json={"errors": [{"message": "Invalid access token."}]},
            headers={"WWW-Authenticate": 'Bearer realm="canvas-lms"'},
        )
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps).list_assignments(7)
    err = caught.value
    assert (err.upstream_status, err.retryable) == (401, False)
    assert "Connect Canvas again" in err.message
    assert sleeps == []


def test_401_without_json_body_still_maps(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/courses/7", status=401, body="<html>nope</html>")
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps).list_submissions(7)
    assert (caught.value.upstream_status, caught.value.retryable) == (401, False)
    assert "Connect Canvas again" in caught.value.message


def test_404_is_not_retried(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/courses/99", status=404, json={"errors": [{"message": "not found"}]})
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps).list_assignments(99)
    assert (caught.value.upstream_status, caught.value.retryable) == (404, False)


def test_500_is_retried_with_backoff_then_gives_up(
    session: requests.Session, sleeps: Sleeps
) -> None:
    with responses.RequestsMock() as rsps:
        add_course(rsps)
        failing = rsps.get(f"{API}/courses/7/assignments", status=500, body="oops")
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps, max_retries=3).list_assignments(7)
        assert failing.call_count == 4
    err = caught.value
    assert (err.upstream_status, err.retryable) == (500, True)
    assert sleeps == [0.5, 1.0, 2.0]


def test_connection_error_is_retryable(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/courses/7", body=requests.ConnectionError("refused"))
        rsps.get(f"{API}/courses/7", body=requests.ConnectTimeout("slow"))
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps, max_retries=1).list_assignments(7)
    assert caught.value.upstream_status is None
    assert caught.value.retryable is True
    assert sleeps == [0.5]


def test_long_retry_after_is_not_slept(session: requests.Session, sleeps: Sleeps) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/courses/7", status=429, headers={"Retry-After": "600"})
        with pytest.raises(LmsApiError) as caught:
            client(session, sleeps).list_assignments(7)
    assert (caught.value.upstream_status, caught.value.retryable) == (429, True)
    assert sleeps == []


# -- OAuth2 ----------------------------------------------------------------------------------

CONFIG = canvas_oauth.CanvasOAuthConfig(
    base_url=f"{BASE}/", client_id="10000000000042", client_secret="s3cret"
)
REDIRECT = "https://tool.example/canvas/oauth/callback"


def test_authorize_url() -> None:
    url = canvas_oauth.authorize_url(
        CONFIG,
        redirect_uri=REDIRECT,
        state="xyz",
        scopes=["url:GET|/api/v1/courses", "url:GET|/api/v1/users"],
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/login/oauth2/auth"
    assert parse_qs(parts.query) == {
        "client_id": ["10000000000042"],
        "response_type": ["code"],
        "redirect_uri": [REDIRECT],
        "state": ["xyz"],
        "scope": ["url:GET|/api/v1/courses url:GET|/api/v1/users"],
    }
    assert "scope" not in canvas_oauth.authorize_url(CONFIG, redirect_uri=REDIRECT, state="x")


def test_exchange_code(session: requests.Session) -> None:
    before = dt.datetime.now(dt.UTC)
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{BASE}/login/oauth2/token",
            json=fixture("oauth")["token"],
            match=[
                matchers.urlencoded_params_matcher(
                    {
                        "grant_type": "authorization_code",
                        "client_id": "10000000000042",
                        "client_secret": "s3cret",
                        "redirect_uri": REDIRECT,
                        "code": "abc",
                    }
                ),
                matchers.header_matcher({"User-Agent": USER_AGENT}),
            ],
        )
        token = canvas_oauth.exchange_code(CONFIG, "abc", redirect_uri=REDIRECT, session=session)
    assert token.access_token == "1~access-one"
    assert token.refresh_token == "1~refresh-one"
    assert token.canvas_user_id == "55"
    assert token.expires_at is not None
    assert before + dt.timedelta(seconds=3599) <= token.expires_at
    assert token.expires_at <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3600)
    assert not token.expires_within(300)
    assert "1~access-one" not in repr(token)


def test_refresh_keeps_the_old_refresh_token(session: requests.Session) -> None:
    old = canvas_oauth.CanvasToken("1~access-one", "1~refresh-one", None, "55")
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{BASE}/login/oauth2/token",
            json=fixture("oauth")["refreshed"],
            match=[
                matchers.urlencoded_params_matcher(
                    {
                        "grant_type": "refresh_token",
                        "client_id": "10000000000042",
                        "client_secret": "s3cret",
                        "refresh_token": "1~refresh-one",
                    }
                )
            ],
        )
        new = canvas_oauth.refresh_token(CONFIG, old, session=session)
    assert new.access_token == "1~access-two"
    assert new.refresh_token == "1~refresh-one"
    assert new.canvas_user_id == "55"


def test_invalid_grant_asks_to_reconnect(session: requests.Session) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/login/oauth2/token", status=400, json=fixture("oauth")["invalid_grant"])
        with pytest.raises(LmsApiError) as caught:
            canvas_oauth.exchange_code(CONFIG, "used", redirect_uri=REDIRECT, session=session)
    err = caught.value
    assert err.message == "Canvas did not accept the sign-in; connect Canvas again."
    assert (err.upstream_status, err.retryable) == (400, False)
    assert "s3cret" not in (err.detail or "")


def test_token_endpoint_5xx_is_retryable(session: requests.Session) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/login/oauth2/token", status=503, body="maintenance")
        with pytest.raises(LmsApiError) as caught:
            canvas_oauth.refresh_token(
                CONFIG, canvas_oauth.CanvasToken("a", "r", None, None), session=session
            )
    assert (caught.value.upstream_status, caught.value.retryable) == (503, True)

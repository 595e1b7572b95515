"""Scores: a student's plan reflection reaches the library's AGS endpoint, with a service
token from the library's token endpoint (our client assertion checked against our JWKS)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from lti_tool.errors import LmsApiError
from lti_tool.extensions import db
from lti_tool.grades.lti_services import LtiServiceClient
from lti_tool.launch import services
from lti_tool.portfolio.reflection import GRADEBOOK_UPDATED
from lti_tool.portfolio.reflection_scores import SCORE_COMMENT
from tests.conformance.conftest import (
    COURSE,
    STUDENTS,
    Browser,
    place_reflection,
    text_of,
)
from tests.conftest import TOOL_URL
from tests.lti_driver import token_of

REFLECTION = "Dissecting the owl pellet made me want to work in wildlife biology."


def test_a_reflection_score_is_accepted_by_the_library_gradebook(
    browser: Browser, wire: responses.RequestsMock
) -> None:
    link = place_reflection(browser)
    assert link.line_item_id is not None
    student = STUDENTS[0]
    launch = browser.launch(student, link=link.id)
    location = urlsplit(launch.headers.get("Location", ""))
    assert location.path.endswith("/reflect"), text_of(launch)
    token = token_of(launch)
    page = browser.follow(launch)
    assert page.status_code == 200 and "Plan reflection" in text_of(page)

    link_row = parse_qs(location.query)["link"][0]
    done = browser.tool.post(
        location.path,
        query_string={"link": link_row},
        data={"lt": token, "goal": "", "work": "", "reflection": REFLECTION},
    )
    assert done.status_code == 302, text_of(done)
    after = text_of(browser.follow(done))
    assert GRADEBOOK_UPDATED in after, browser.lms.refusals

    (score,) = browser.course.scores[link.line_item_id]
    assert score["userId"] == student.sub
    assert score["scoreGiven"] == 10 and score["scoreMaximum"] == 10
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    assert score["comment"] == SCORE_COMMENT
    assert not browser.lms.refusals
    # The bearer token came from the library's token endpoint, which checked our client
    # assertion against the JWKS it fetched from us.
    calls = [(c.request.method, c.request.url) for c in wire.calls]
    token_call = calls.index(("POST", browser.lms.token_url))
    assert ("GET", TOOL_URL + "/lti/jwks") in calls[token_call:]


def _client(browser: Browser) -> LtiServiceClient:
    (platform,) = [p for p in services.list_platforms() if p.issuer == browser.lms.issuer]
    return LtiServiceClient(platform)


def _column(browser: Browser) -> str:
    item_id = "item-direct"
    browser.course.line_items[item_id] = {
        "id": browser.lms.line_item_url(COURSE, item_id),
        "label": "Check-in",
        "scoreMaximum": 5,
    }
    return browser.course.line_items[item_id]["id"]


def test_a_score_sent_on_a_whole_second_still_has_sub_second_precision(browser: Browser) -> None:
    """AGS 2.0: score timestamps MUST be ISO 8601 with sub-second precision. Python's
    ``isoformat()`` drops the fraction when the microseconds are 0 (once in a million)."""
    url = _column(browser)
    on_the_second = dt.datetime(2025, 3, 4, 10, 30, 0, 0, tzinfo=dt.UTC)
    with browser.app.app_context():
        _client(browser).post_score(
            url, user_id=STUDENTS[1].sub, score_given=5, score_maximum=5, timestamp=on_the_second
        )
        db.session.remove()
    (score,) = browser.course.scores["item-direct"]
    assert score["timestamp"].startswith("2025-03-04T10:30:00.")
    assert not browser.lms.refusals


def test_the_library_refuses_a_score_older_than_the_one_on_record(browser: Browser) -> None:
    url = _column(browser)
    now = dt.datetime.now(dt.UTC)
    with browser.app.app_context():
        client = _client(browser)
        client.post_score(
            url, user_id=STUDENTS[1].sub, score_given=4, score_maximum=5, timestamp=now
        )
        with pytest.raises(LmsApiError) as err:
            client.post_score(
                url,
                user_id=STUDENTS[1].sub,
                score_given=1,
                score_maximum=5,
                timestamp=now - dt.timedelta(minutes=1),
            )
        db.session.remove()
    assert err.value.upstream_status == 409
    assert [s["scoreGiven"] for s in browser.course.scores["item-direct"]] == [4]


def test_the_teacher_reads_results_back_through_the_library(browser: Browser) -> None:
    url = _column(browser)
    with browser.app.app_context():
        client = _client(browser)
        client.post_score(url, user_id=STUDENTS[0].sub, score_given=3, score_maximum=5)
        (result,) = client.results(url)
        items = client.line_items(browser.lms.line_items_url(COURSE))
        db.session.remove()
    assert result.user_id == STUDENTS[0].sub and result.score == 3
    assert [i.title for i in items] == ["Check-in"]

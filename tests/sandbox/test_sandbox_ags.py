"""Assignment and Grade Services: line items, results and scores."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, vocab

BASE = "/api/lti/courses/sbx-course-alg2/line_items"
ALL_AGS = vocab.AGS_SCOPES


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _follow(client: FlaskClient, url: str, token: str) -> tuple[list[Any], int]:
    """Collect every item of a paged AGS container; return (items, pages)."""
    items: list[Any] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, headers=_auth(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        items.extend(response.get_json())
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            break
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match
        parts = urlsplit(match.group(1))
        next_url = f"{parts.path}?{parts.query}"
    return items, pages


def _score(
    user_id: str,
    given: float | None,
    maximum: float = 100,
    ts: str = "2025-01-10T10:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "userId": user_id,
        "scoreGiven": given,
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": ts,
        **extra,
    }
    return {k: v for k, v in body.items() if v is not None}


def test_line_items_listing_and_paging(
    sandbox_client: FlaskClient, access_token: Callable[..., str]
) -> None:
    token = access_token(vocab.SCOPE_LINEITEM_READONLY)
    response = sandbox_client.get(BASE, headers=_auth(token))
    assert response.mimetype == vocab.MT_LINEITEM_CONTAINER
    items = response.get_json()
    assert [i["label"] for i in items] == [
        "Unit 1 Test: Functions",
        "Polynomials Quiz",
        "Logarithms Homework",
        "Midterm Exam",
    ]
    assert items[0]["id"] == "http://127.0.0.1:5001" + BASE + "/4"
    assert items[0]["scoreMaximum"] == 100
    assert items[0]["tag"] == "test"
    paged, pages = _follow(sandbox_client, BASE + "?limit=3", token)
    assert pages == 2
    assert paged == items


def test_line_items_filters(sandbox_client: FlaskClient, access_token: Callable[..., str]) -> None:
    token = access_token(vocab.SCOPE_LINEITEM)
    created = sandbox_client.post(
        BASE,
        json={
            "label": "ILP reflection",
            "scoreMaximum": 10,
            "resourceLinkId": "sbx-rl-alg2",
            "resourceId": "ilp-reflection",
            "tag": "ilp",
        },
        headers={**_auth(token), "Content-Type": vocab.MT_LINEITEM},
    )
    assert created.status_code == 201
    assert created.mimetype == vocab.MT_LINEITEM
    new = created.get_json()
    for query in ("resource_link_id=sbx-rl-alg2", "resource_id=ilp-reflection", "tag=ilp"):
        assert sandbox_client.get(f"{BASE}?{query}", headers=_auth(token)).get_json() == [new]
    assert (
        sandbox_client.get(f"{BASE}?tag=quiz", headers=_auth(token)).get_json()[0]["label"]
        == "Polynomials Quiz"
    )


def test_line_item_crud(sandbox_client: FlaskClient, access_token: Callable[..., str]) -> None:
    token = access_token(vocab.SCOPE_LINEITEM)
    headers = {**_auth(token), "Content-Type": vocab.MT_LINEITEM}
    created = sandbox_client.post(
        BASE, json={"label": "Goal check-in", "scoreMaximum": 5}, headers=headers
    )
    assert created.status_code == 201
    item_url = urlsplit(created.get_json()["id"]).path
    assert sandbox_client.get(item_url, headers=_auth(token)).get_json()["label"] == "Goal check-in"
    updated = sandbox_client.put(
        item_url, json={"label": "Goal check-in (revised)", "scoreMaximum": 8}, headers=headers
    )
    assert updated.status_code == 200
    assert updated.get_json()["scoreMaximum"] == 8
    assert sandbox_client.delete(item_url, headers=_auth(token)).status_code == 204
    assert sandbox_client.get(item_url, headers=_auth(token)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"scoreMaximum": 5},
        {"label": "x", "scoreMaximum": 0},
        {"label": "x", "scoreMaximum": "10"},
        {"label": "x", "scoreMaximum": 5, "resourceLinkId": "not-in-course"},
        {"label": "x", "scoreMaximum": 5, "endDateTime": "yesterday"},
    ],
)
def test_line_item_validation(
    sandbox_client: FlaskClient, access_token: Callable[..., str], body: dict[str, Any]
) -> None:
    headers = {**_auth(access_token(vocab.SCOPE_LINEITEM)), "Content-Type": vocab.MT_LINEITEM}
    response = sandbox_client.post(BASE, json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_results_paging_and_filter(
    sandbox_client: FlaskClient, access_token: Callable[..., str], sandbox_state: SandboxState
) -> None:
    token = access_token(vocab.SCOPE_RESULT_READONLY)
    url = BASE + "/4/results"
    response = sandbox_client.get(url + "?limit=7", headers=_auth(token))
    assert response.mimetype == vocab.MT_RESULT_CONTAINER
    results, pages = _follow(sandbox_client, url + "?limit=7", token)
    assert pages == 3
    assert len(results) == 20
    learners = {s.sub for s in sandbox_state.district.students_of("sbx-course-alg2")}
    assert {r["userId"] for r in results} == learners
    first = results[0]
    assert first["id"] == f"http://127.0.0.1:5001{url}/{first['userId']}"
    assert first["scoreOf"] == "http://127.0.0.1:5001" + BASE + "/4"
    assert first["resultMaximum"] == 100
    assert 62 <= first["resultScore"] <= 99
    only = sandbox_client.get(url + "?user_id=sbx-user-0007", headers=_auth(token)).get_json()
    assert [r["userId"] for r in only] == ["sbx-user-0007"]


def test_score_updates_result(
    sandbox_client: FlaskClient, access_token: Callable[..., str], sandbox_state: SandboxState
) -> None:
    token = access_token(vocab.SCOPE_SCORE, vocab.SCOPE_RESULT_READONLY)
    headers = {**_auth(token), "Content-Type": vocab.MT_SCORE}
    response = sandbox_client.post(
        BASE + "/5/scores",
        json=_score("sbx-user-0007", 27, 30, comment="Nice work"),
        headers=headers,
    )
    assert response.status_code == 200
    result = sandbox_client.get(
        BASE + "/5/results?user_id=sbx-user-0007", headers=_auth(token)
    ).get_json()[0]
    assert (result["resultScore"], result["resultMaximum"], result["comment"]) == (
        27,
        30,
        "Nice work",
    )
    assert sandbox_state.scores("5")[-1].activity_progress == "Completed"

    # A later score without scoreGiven clears the result; an older score is refused.
    later = _score("sbx-user-0007", None, ts="2025-01-11T10:00:00Z", gradingProgress="Pending")
    later.pop("scoreMaximum")
    assert sandbox_client.post(BASE + "/5/scores", json=later, headers=headers).status_code == 200
    result = sandbox_client.get(
        BASE + "/5/results?user_id=sbx-user-0007", headers=_auth(token)
    ).get_json()[0]
    assert result["resultScore"] is None
    older = sandbox_client.post(
        BASE + "/5/scores",
        json=_score("sbx-user-0007", 1, ts="2024-01-01T00:00:00Z"),
        headers=headers,
    )
    assert older.status_code == 409


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (_score("sbx-user-0001x", 5), vocab.MT_SCORE, 400),
        (_score("sbx-user-0008", 5), vocab.MT_SCORE, 200),
        (_score("sbx-user-0009", 5), vocab.MT_SCORE, 400),  # not in Algebra II
        (_score("sbx-user-0008", 5, activityProgress="Done"), vocab.MT_SCORE, 400),
        (_score("sbx-user-0008", 5, timestamp="soon"), vocab.MT_SCORE, 400),
        (_score("sbx-user-0008", -1), vocab.MT_SCORE, 400),
        (_score("sbx-user-0008", 5), "text/plain", 415),
    ],
)
def test_score_validation(
    sandbox_client: FlaskClient,
    access_token: Callable[..., str],
    body: dict[str, Any],
    content_type: str,
    status: int,
) -> None:
    import json

    headers = {**_auth(access_token(vocab.SCOPE_SCORE)), "Content-Type": content_type}
    response = sandbox_client.post(BASE + "/4/scores", data=json.dumps(body), headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)


def test_ags_scope_checks(sandbox_client: FlaskClient, access_token: Callable[..., str]) -> None:
    readonly = access_token(vocab.SCOPE_LINEITEM_READONLY)
    assert sandbox_client.get(BASE, headers=_auth(readonly)).status_code == 200
    response = sandbox_client.post(
        BASE, json={"label": "x", "scoreMaximum": 1}, headers=_auth(readonly)
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    assert sandbox_client.delete(BASE + "/4", headers=_auth(readonly)).status_code == 403
    assert sandbox_client.get(BASE + "/4/results", headers=_auth(readonly)).status_code == 403
    score = access_token(vocab.SCOPE_SCORE)
    assert sandbox_client.get(BASE, headers=_auth(score)).status_code == 403
    assert (
        sandbox_client.post(
            BASE + "/4/scores", json=_score("sbx-user-0008", 1), headers=_auth(readonly)
        ).status_code
        == 403
    )
    assert sandbox_client.get(BASE).status_code == 401
    assert sandbox_client.get(BASE + "/999", headers=_auth(readonly)).status_code == 404


def _post_score(client: FlaskClient, token: str, body: dict[str, Any]) -> Any:
    headers = {**_auth(token), "Content-Type": vocab.MT_SCORE}
    return client.post(BASE + "/5/scores", json=body, headers=headers)


def test_canvas_limited_attempts(
    sandbox_client: FlaskClient, access_token: Callable[..., str], sandbox_state: SandboxState
) -> None:
    """Canvas makes every score a new submission attempt unless its extension says
    ``new_submission: false`` (or ``submission_type: none``); with no attempt left it answers
    422 before touching the result."""
    sandbox_state.update_line_item("sbx-course-alg2", "5", allowed_attempts=1)
    token = access_token(vocab.SCOPE_SCORE)
    first = _post_score(sandbox_client, token, _score("sbx-user-0007", 20, 30))
    assert first.status_code == 200
    assert sandbox_state.attempts("5", "sbx-user-0007") == 1

    again = _post_score(
        sandbox_client, token, _score("sbx-user-0007", 25, 30, ts="2025-01-10T11:00:00Z")
    )
    assert again.status_code == 422
    assert "maximum number of allowed attempts" in again.get_json()["error_description"]
    assert (
        sandbox_state.results(
            sandbox_state.get_line_item("sbx-course-alg2", "5"), user_id="sbx-user-0007"
        )[0].result_score
        == 20
    )

    for n, ext in enumerate(
        ({"new_submission": False}, {"new_submission": "false"}, {"submission_type": "none"})
    ):
        repost = _post_score(
            sandbox_client,
            token,
            _score(
                "sbx-user-0007",
                26 + n,
                30,
                ts=f"2025-01-10T12:0{n}:00Z",
                **{vocab.CANVAS_SUBMISSION_EXT: ext},
            ),
        )
        assert repost.status_code == 200, repost.get_data(as_text=True)
    assert sandbox_state.attempts("5", "sbx-user-0007") == 1
    last = sandbox_state.scores("5")[-1]
    assert last.new_submission is False and last.submission == {"submission_type": "none"}
    # Another student still has their one attempt.
    assert _post_score(sandbox_client, token, _score("sbx-user-0008", 1, 30)).status_code == 200


@pytest.mark.parametrize(
    "extension",
    [
        "yes",
        {"new_submission": "maybe"},
        {"new_submission": ["x"]},
        {"submission_type": "carrier_pigeon"},
        {"submitted_at": "last tuesday"},
        {"submitted_at": "2999-01-01T00:00:00Z"},
    ],
)
def test_canvas_submission_extension_validation(
    sandbox_client: FlaskClient, access_token: Callable[..., str], extension: Any
) -> None:
    token = access_token(vocab.SCOPE_SCORE)
    body = _score("sbx-user-0007", 20, 30, **{vocab.CANVAS_SUBMISSION_EXT: extension})
    response = _post_score(sandbox_client, token, body)
    assert response.status_code == 400, response.get_data(as_text=True)


def test_standard_submitted_at_is_checked_too(
    sandbox_client: FlaskClient, access_token: Callable[..., str]
) -> None:
    token = access_token(vocab.SCOPE_SCORE)
    future = _score("sbx-user-0007", 20, 30, submission={"submittedAt": "2999-01-01T00:00:00Z"})
    assert _post_score(sandbox_client, token, future).status_code == 400
    past = _score("sbx-user-0007", 20, 30, submission={"submittedAt": "2025-01-10T09:00:00Z"})
    assert _post_score(sandbox_client, token, past).status_code == 200

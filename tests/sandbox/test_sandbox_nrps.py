"""Names and Role Provisioning Service."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, vocab

URL = "/api/lti/courses/sbx-course-bio1/memberships"


def _get(client: FlaskClient, url: str, token: str) -> object:
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


def test_memberships_first_page(
    sandbox_client: FlaskClient, access_token: Callable[..., str]
) -> None:
    response = _get(sandbox_client, URL, access_token(vocab.SCOPE_NRPS))
    assert response.status_code == 200
    assert response.mimetype == vocab.MT_MEMBERSHIP_CONTAINER
    body = response.get_json()
    assert body["id"] == "http://127.0.0.1:5001" + URL
    assert body["context"] == {"id": "sbx-course-bio1", "label": "BIO-1", "title": "Biology 1"}
    assert len(body["members"]) == 23  # teacher + 20 learners + 2 parents
    assert "Link" not in response.headers
    teacher = body["members"][0]
    assert teacher == {
        "status": "Active",
        "name": "Margaret Ellison",
        "given_name": "Margaret",
        "family_name": "Ellison",
        "email": "margaret.ellison@cedarridge.example",
        "user_id": "sbx-user-0001",
        "roles": [vocab.ROLE_INSTRUCTOR],
        "lis_person_sourcedid": "E100001",
    }


def test_memberships_role_filter_and_status(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, access_token: Callable[..., str]
) -> None:
    token = access_token(vocab.SCOPE_NRPS)
    sandbox_state.set_enrollment_status("sbx-course-bio1", "sbx-user-0007", "Inactive")
    body = _get(sandbox_client, URL + "?role=Learner", token).get_json()
    assert len(body["members"]) == 20
    statuses = {m["user_id"]: m["status"] for m in body["members"]}
    assert statuses["sbx-user-0007"] == "Inactive"


def test_memberships_paging_5000(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, access_token: Callable[..., str]
) -> None:
    context_id = "sbx-course-ied"
    sandbox_state.district.enrollments[context_id].clear()
    sandbox_state.add_synthetic_members(context_id, 5000)
    token = access_token(vocab.SCOPE_NRPS)
    url: str | None = f"/api/lti/courses/{context_id}/memberships?limit=100"
    seen: list[str] = []
    pages = 0
    while url:
        response = _get(sandbox_client, url, token)
        assert response.status_code == 200
        members = response.get_json()["members"]
        assert len(members) == 100
        seen.extend(m["user_id"] for m in members)
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            url = None
            continue
        match = re.fullmatch(r'<(http://127\.0\.0\.1:5001/[^>]+)>; rel="next"', link)
        assert match, link
        url = match.group(1)
        assert url == url.lower()  # survives libraries that lowercase the Link header
        parts = urlsplit(url)
        url = f"{parts.path}?{parts.query}"
    assert pages == 50
    assert len(seen) == len(set(seen)) == 5000


def test_memberships_bad_paging_params(
    sandbox_client: FlaskClient, access_token: Callable[..., str]
) -> None:
    token = access_token(vocab.SCOPE_NRPS)
    assert _get(sandbox_client, URL + "?limit=0", token).status_code == 400
    assert _get(sandbox_client, URL + "?limit=abc", token).status_code == 400
    response = _get(sandbox_client, URL + "?cursor=zzz", token)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_memberships_scope_checks(
    sandbox_client: FlaskClient, access_token: Callable[..., str]
) -> None:
    response = sandbox_client.get(URL)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _get(sandbox_client, URL, "made-up").status_code == 401
    response = _get(sandbox_client, URL, access_token(vocab.SCOPE_SCORE))
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    response = _get(
        sandbox_client, "/api/lti/courses/nope/memberships", access_token(vocab.SCOPE_NRPS)
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"

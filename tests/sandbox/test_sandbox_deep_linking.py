"""Deep Linking response handling."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, vocab

TOOL_KID = "tool-key-1"


@pytest.fixture
def dl_response(
    launch: Callable[..., dict[str, Any]],
    sandbox_state: SandboxState,
    tool_private_key: rsa.RSAPrivateKey,
) -> Callable[..., tuple[str, str]]:
    """Build a signed LtiDeepLinkingResponse for a teacher's deep-linking launch of IED."""
    request_claims = launch("sbx-course-ied", "sbx-user-0003", message="deep_link")
    settings = request_claims[vocab.CLAIM_DL_SETTINGS]

    def build(
        items: list[dict[str, Any]], *, key: Any = None, echo_data: bool = True, **overrides: Any
    ) -> tuple[str, str]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": sandbox_state.client_id,
            "aud": [sandbox_state.issuer],
            "iat": now,
            "exp": now + 600,
            "nonce": uuid.uuid4().hex,
            vocab.CLAIM_MESSAGE_TYPE: "LtiDeepLinkingResponse",
            vocab.CLAIM_VERSION: "1.3.0",
            vocab.CLAIM_DEPLOYMENT_ID: sandbox_state.deployment_id,
            vocab.CLAIM_DL_CONTENT_ITEMS: items,
        }
        if echo_data:
            claims[vocab.CLAIM_DL_DATA] = settings["data"]
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        token = jwt.encode(
            claims, key or tool_private_key, algorithm="RS256", headers={"kid": TOOL_KID}
        )
        return settings["deep_link_return_url"], token

    return build


def _path(url: str) -> str:
    return url.replace("http://127.0.0.1:5001", "")


def test_deep_linking_return_stores_items(
    sandbox_client: FlaskClient,
    sandbox_state: SandboxState,
    dl_response: Callable[..., tuple[str, str]],
    launch: Callable[..., dict[str, Any]],
) -> None:
    items = [
        {
            "type": "ltiResourceLink",
            "title": "Plan reflection: Semester 1",
            "url": "http://localhost:5000/lti/launch",
            "custom": {"activity": "reflection", "term": 1},
            "lineItem": {
                "scoreMaximum": 10,
                "label": "Plan reflection",
                "resourceId": "reflection-s1",
                "tag": "ilp",
            },
        },
        {"type": "ltiResourceLink", "title": "Career interest survey"},
        {"type": "html", "html": "<p>ignored</p>"},
    ]
    url, token = dl_response(items)
    response = sandbox_client.post(_path(url), data={"JWT": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert "Added: Plan reflection: Semester 1, Career interest survey" in html
    assert "/courses/sbx-course-ied/view?user=sbx-user-0003" in html

    links = list(sandbox_state.district.resource_links["sbx-course-ied"].values())
    assert [link.title for link in links] == [
        "Lodestar ILP",
        "Plan reflection: Semester 1",
        "Career interest survey",
    ]
    reflection = links[1]
    assert reflection.custom == {"activity": "reflection", "term": "1"}
    assert reflection.line_item_id is not None
    (line_item,) = sandbox_state.line_items("sbx-course-ied", resource_link_id=reflection.id)
    assert (line_item.label, line_item.score_maximum, line_item.tag) == (
        "Plan reflection",
        10.0,
        "ilp",
    )

    # The stored link can be launched; the launch carries its custom values and line item.
    claims = launch("sbx-course-ied", "sbx-user-0008", resource_link=reflection.id)
    assert claims[vocab.CLAIM_RESOURCE_LINK]["id"] == reflection.id
    assert claims[vocab.CLAIM_CUSTOM]["activity"] == "reflection"
    assert claims[vocab.CLAIM_AGS]["lineitem"].endswith(f"/line_items/{line_item.id}")

    # Replaying the same response is refused.
    assert sandbox_client.post(_path(url), data={"JWT": token}).status_code == 400


def test_deep_linking_return_without_data_uses_query(
    sandbox_client: FlaskClient,
    sandbox_state: SandboxState,
    dl_response: Callable[..., tuple[str, str]],
) -> None:
    url, token = dl_response([{"type": "ltiResourceLink", "title": "Goals"}], echo_data=False)
    assert "context_id=sbx-course-ied" in url
    assert sandbox_client.post(_path(url), data={"JWT": token}).status_code == 200
    assert (
        sandbox_client.post(
            "/deep_linking/return", data={"JWT": dl_response([], echo_data=False)[1]}
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"aud": "http://elsewhere.example"}, "aud"),
        ({"iss": "other-client"}, "iss"),
        ({vocab.CLAIM_MESSAGE_TYPE: "LtiResourceLinkRequest"}, "message_type"),
        ({vocab.CLAIM_DEPLOYMENT_ID: "other"}, "deployment_id"),
        ({"nonce": None}, "nonce"),
        ({vocab.CLAIM_DL_CONTENT_ITEMS: "nope"}, "content_items"),
    ],
)
def test_deep_linking_return_rejects(
    sandbox_client: FlaskClient,
    dl_response: Callable[..., tuple[str, str]],
    overrides: dict[str, Any],
    message: str,
) -> None:
    url, token = dl_response([{"type": "ltiResourceLink", "title": "x"}], **overrides)
    response = sandbox_client.post(_path(url), data={"JWT": token})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_deep_linking_return_rejects_foreign_signature(
    sandbox_client: FlaskClient, dl_response: Callable[..., tuple[str, str]]
) -> None:
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    url, token = dl_response([{"type": "ltiResourceLink", "title": "x"}], key=foreign)
    response = sandbox_client.post(_path(url), data={"JWT": token})
    assert response.status_code == 400
    assert "signature" in response.get_data(as_text=True)
    assert sandbox_client.post("/deep_linking/return", data={}).status_code == 400


def test_submission_end_date_time_becomes_the_columns_due_date(
    sandbox_client: FlaskClient,
    sandbox_state: SandboxState,
    dl_response: Callable[..., tuple[str, str]],
) -> None:
    """As in Canvas, a content item's ``submission.endDateTime`` is the assignment's due date
    (the line item's ``endDateTime``); one that is not a date is refused."""
    item = {
        "type": "ltiResourceLink",
        "title": "Reflection due in March",
        "lineItem": {"scoreMaximum": 20, "label": "Reflection due in March"},
        "submission": {"endDateTime": "2027-03-01T15:00:00+00:00"},
    }
    url, token = dl_response([item])
    assert sandbox_client.post(_path(url), data={"JWT": token}).status_code == 200
    (link,) = [
        link
        for link in sandbox_state.district.resource_links["sbx-course-ied"].values()
        if link.title == "Reflection due in March"
    ]
    column = sandbox_state.get_line_item("sbx-course-ied", str(link.line_item_id))
    assert column.end_date_time == "2027-03-01T15:00:00+00:00"
    gradebook = sandbox_client.get("/courses/sbx-course-ied/gradebook").get_data(as_text=True)
    assert "Reflection due in March" in gradebook and "due 2027-03-01T15:00:00+00:00" in gradebook

    for bad in ({"endDateTime": "next week"}, "2027-03-01"):
        url, token = dl_response([{**item, "title": "Bad date", "submission": bad}])
        response = sandbox_client.post(_path(url), data={"JWT": token})
        assert response.status_code == 400, bad
    assert not [
        link
        for link in sandbox_state.district.resource_links["sbx-course-ied"].values()
        if link.title == "Bad date"
    ]

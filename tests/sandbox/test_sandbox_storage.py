"""How the sandbox course page offers LTI platform storage, and its one-time launch hints:
like Canvas (forwarding frame), Canvas's Rich Content Editor (frame missing), Moodle 4.5
(no storage at all) and the plain ``_parent`` page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.sandbox.conftest import build_oidc_params, parse_html

COURSE, STUDENT = "sbx-course-bio1", "sbx-user-0010"


def _course_page(client: FlaskClient, **query: str) -> str:
    response = client.get(f"/courses/{COURSE}/view", query_string={"user": STUDENT, **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _storage_target(html: str) -> str | None:
    src = parse_html(html).iframe_src
    assert src is not None
    values = parse_qs(urlsplit(src).query).get("lti_storage_target")
    return values[0] if values else None


def test_default_course_page_answers_storage_itself(sandbox_client: FlaskClient) -> None:
    html = _course_page(sandbox_client)
    assert _storage_target(html) == "_parent"
    assert "lti.get_data.response" in html
    assert 'id="post-message-forwarding"' not in html


def test_moodle_mode_offers_no_platform_storage(sandbox_client: FlaskClient) -> None:
    html = _course_page(sandbox_client, storage="moodle")
    assert _storage_target(html) is None
    assert "lti.get_data" not in html  # nobody listens: Moodle 4.5 has no storage


def test_canvas_mode_names_its_forwarding_frame(sandbox_client: FlaskClient) -> None:
    html = _course_page(sandbox_client, storage="canvas")
    assert _storage_target(html) == "post_message_forwarding"
    assert '<iframe name="post_message_forwarding" id="post-message-forwarding"' in html
    assert '"post_message_forwarding"' in html  # and lti.capabilities names it
    frame = sandbox_client.get("/platform_storage/forwarding")
    assert frame.status_code == 200
    assert "sourceToolInfo" in frame.get_data(as_text=True)


def test_canvas_editor_mode_names_a_frame_that_is_missing(sandbox_client: FlaskClient) -> None:
    html = _course_page(sandbox_client, storage="canvas-rce")
    assert _storage_target(html) == "post_message_forwarding"
    assert '<iframe name="post_message_forwarding"' not in html
    assert "lti.get_data.response" in html  # the parent window answers instead


def test_unknown_storage_mode_is_refused(sandbox_client: FlaskClient) -> None:
    response = sandbox_client.get(
        f"/courses/{COURSE}/view", query_string={"user": STUDENT, "storage": "safari"}
    )
    assert response.status_code == 400
    assert "storage must be one of" in response.get_data(as_text=True)


@pytest.mark.parametrize("storage", ["parent", "moodle", "canvas", "canvas-rce"])
def test_each_launch_hint_is_authorized_once(
    sandbox_client: FlaskClient, login_url: Callable[..., str], storage: str
) -> None:
    """Like Moodle (``unset($SESSION->$launchid)``) and Canvas (``fetch_and_delete_launch``):
    a second login with the same lti_message_hint is refused."""
    url = login_url(COURSE, STUDENT, storage=storage)
    first = sandbox_client.post("/auth", data=build_oidc_params(url))
    assert first.status_code == 200
    second = sandbox_client.post("/auth", data=build_oidc_params(url))
    assert second.status_code == 400
    assert "already used" in second.get_data(as_text=True)
    # Every course page view is a new launch with its own hint.
    fresh = sandbox_client.post("/auth", data=build_oidc_params(login_url(COURSE, STUDENT)))
    assert fresh.status_code == 200


def test_a_refused_request_does_not_use_the_hint(
    sandbox_client: FlaskClient, login_url: Callable[..., str]
) -> None:
    url = login_url(COURSE, STUDENT)
    bad = sandbox_client.post("/auth", data=build_oidc_params(url, prompt="login"))
    assert bad.status_code == 400
    assert sandbox_client.post("/auth", data=build_oidc_params(url)).status_code == 200

"""Fault injection and the request log."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, vocab
from lti_tool.sandbox.state import REQUEST_LOG_SIZE, LoggedRequest

URL = "/api/lti/courses/sbx-course-bio1/memberships"


def test_fault_429_then_recovery(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, access_token: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {access_token(vocab.SCOPE_NRPS)}"}
    sandbox_state.inject_fault("/api/lti/courses/sbx-course-bio1", 429, count=2, retry_after=3)
    for _ in range(2):
        response = sandbox_client.get(URL, headers=headers)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3"
        assert response.get_json()["error"] == "injected_fault"
    # Other paths are unaffected, and the third request recovers.
    assert sandbox_client.get("/jwks").status_code == 200
    assert sandbox_client.get(URL, headers=headers).status_code == 200
    log = [entry for entry in sandbox_state.request_log if entry.path == URL]
    assert [e.status for e in log] == [429, 429, 200]
    assert log[0] == LoggedRequest("GET", URL, 429)


def test_fault_http_controls(sandbox_client: FlaskClient, sandbox_state: SandboxState) -> None:
    response = sandbox_client.post(
        "/_sandbox/faults", json={"path_prefix": "/token", "status": 503}
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "path_prefix": "/token",
        "status": 503,
        "count": 1,
        "retry_after": None,
    }
    assert sandbox_client.get("/_sandbox/faults").get_json()["faults"][0]["status"] == 503
    response = sandbox_client.post("/token", data={})
    assert response.status_code == 503
    assert "Retry-After" not in response.headers
    assert sandbox_client.post("/token", data={}).status_code == 400  # fault used up

    sandbox_client.post(
        "/_sandbox/faults", json={"path_prefix": "/jwks", "status": 500, "count": 5}
    )
    assert sandbox_client.delete("/_sandbox/faults").status_code == 204
    assert sandbox_client.get("/jwks").status_code == 200
    assert sandbox_state.faults == []

    assert (
        sandbox_client.post(
            "/_sandbox/faults", json={"path_prefix": "jwks", "status": 500}
        ).status_code
        == 400
    )
    assert (
        sandbox_client.post(
            "/_sandbox/faults", json={"path_prefix": "/jwks", "status": 200}
        ).status_code
        == 400
    )
    assert sandbox_client.post("/_sandbox/faults", data="nope").status_code == 400

    recent = sandbox_client.get("/_sandbox/requests?limit=2").get_json()["requests"]
    assert recent[-1] == {"method": "POST", "path": "/_sandbox/faults", "status": 400}


def test_request_log_is_bounded(sandbox_state: SandboxState) -> None:
    for i in range(REQUEST_LOG_SIZE + 5):
        sandbox_state.log_request("GET", f"/{i}", 200)
    assert len(sandbox_state.request_log) == REQUEST_LOG_SIZE
    assert sandbox_state.request_log[0].path == "/5"


def test_errors_are_clean(
    sandbox_client: FlaskClient, sandbox_app: object, monkeypatch: object
) -> None:
    import pytest

    from lti_tool.sandbox import views

    assert isinstance(monkeypatch, pytest.MonkeyPatch)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(views, "render_template", boom)
    sandbox_app.logger.disabled = True  # type: ignore[attr-defined]
    response = sandbox_client.get("/")
    assert response.status_code == 500
    assert "kaboom" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)

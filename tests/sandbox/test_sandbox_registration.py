"""The sandbox's Dynamic Registration endpoint answering like the sandbox, Canvas and Moodle."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from lti_tool.sandbox import SandboxState, vocab
from lti_tool.sandbox.registration import (
    PLATFORM_CONFIGURATION,
    TOOL_CONFIGURATION,
    issue_registration_token,
)

LAUNCH = "http://localhost:5000/lti/launch"
CANVAS = "https://canvas.instructure.com/lti/"


def _payload(**tool: Any) -> dict[str, Any]:
    """A tool's registration request, with tool configuration members overridden."""
    config: dict[str, Any] = {
        "domain": "localhost:5000",
        "target_link_uri": LAUNCH,
        "claims": ["iss", "sub", "name", "email"],
        "custom_parameters": {"lms_user_id": "$Canvas.user.id"},
        "messages": [
            {
                "type": vocab.MESSAGE_RESOURCE_LINK,
                "target_link_uri": LAUNCH,
                "label": "ILP",
                "placements": ["course_navigation"],
                CANVAS + "course_navigation/default_enabled": True,
            },
            {
                "type": vocab.MESSAGE_RESOURCE_LINK,
                "target_link_uri": LAUNCH,
                "label": "My Learning Plan",
                "placements": [CANVAS + "user_navigation"],
            },
            {
                "type": vocab.MESSAGE_DEEP_LINKING,
                "target_link_uri": LAUNCH,
                "label": "Reflection",
                "placements": ["assignment_selection", "link_selection", "ContentArea"],
            },
        ],
        CANVAS + "privacy_level": "public",
    }
    config.update(tool)
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": "http://localhost:5000/lti/login",
        "redirect_uris": [LAUNCH],
        "client_name": "Lodestar ILP",
        "jwks_uri": "http://localhost:5000/lti/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{vocab.SCOPE_NRPS} {vocab.SCOPE_SCORE}",
        TOOL_CONFIGURATION: config,
    }


def _post(client: FlaskClient, state: SandboxState, body: dict[str, Any]) -> Any:
    token = issue_registration_token(state)
    return client.post("/register", json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    ("style", "family"),
    [
        ("sandbox", "lodestar-sandbox"),
        ("canvas", "canvas"),
        ("canvas-no-deployment", "canvas"),
        ("moodle", "moodle"),
    ],
)
def test_openid_configuration_names_the_lms(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, style: str, family: str
) -> None:
    sandbox_state.registration_style = style
    config = sandbox_client.get("/.well-known/openid-configuration").get_json()
    assert config[PLATFORM_CONFIGURATION]["product_family_code"] == family
    assert config["registration_endpoint"].endswith("/register")


def test_moodle_advertises_content_area_for_deep_linking(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "moodle"
    messages = sandbox_client.get("/.well-known/openid-configuration").get_json()[
        PLATFORM_CONFIGURATION
    ]["messages_supported"]
    assert {"type": vocab.MESSAGE_DEEP_LINKING, "placements": ["ContentArea"]} in messages


def test_sandbox_style_puts_deployment_in_tool_configuration(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    answer = _post(sandbox_client, sandbox_state, _payload()).get_json()
    assert answer["client_id"] == sandbox_state.client_id
    assert answer[TOOL_CONFIGURATION]["deployment_id"] == sandbox_state.deployment_id
    assert "deployment_id" not in answer


def test_canvas_style_answers_with_top_level_deployment(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "canvas"
    response = _post(sandbox_client, sandbox_state, _payload())
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["deployment_id"] == sandbox_state.deployment_id
    assert "deployment_id" not in answer[TOOL_CONFIGURATION]
    assert answer["scope"].split()[-1] == "openid"
    assert answer["registration_client_uri"].startswith(sandbox_state.base_url)
    made = sandbox_state.registration_results[-1]
    assert [p["placement"] for p in made["placements"]] == [
        "course_navigation",
        "user_navigation",
        "assignment_selection",
        "link_selection",
    ]
    assert made["custom_fields"] == {"lms_user_id": "$Canvas.user.id"}
    assert made["privacy_level"] == "public"


def test_canvas_without_root_deployment_sends_none(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "canvas-no-deployment"
    answer = _post(sandbox_client, sandbox_state, _payload()).get_json()
    assert "deployment_id" not in answer
    assert "deployment_id" not in answer[TOOL_CONFIGURATION]
    assert answer["client_id"] == sandbox_state.client_id


def test_canvas_derives_only_link_selection_without_placements(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "canvas"
    body = _payload(
        messages=[
            {"type": vocab.MESSAGE_RESOURCE_LINK, "label": "ILP"},
            {"type": vocab.MESSAGE_DEEP_LINKING, "label": "Reflection"},
        ]
    )
    assert _post(sandbox_client, sandbox_state, body).status_code == 200
    made = sandbox_state.registration_results[-1]["placements"]
    assert [(p["placement"], p["message_type"]) for p in made] == [
        ("link_selection", vocab.MESSAGE_RESOURCE_LINK)
    ]


def test_canvas_course_navigation_can_start_hidden(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "canvas"
    body = _payload()
    body[TOOL_CONFIGURATION]["messages"][0][CANVAS + "course_navigation/default_enabled"] = False
    assert _post(sandbox_client, sandbox_state, body).status_code == 200
    course_nav = sandbox_state.registration_results[-1]["placements"][0]
    assert course_nav == {**course_nav, "placement": "course_navigation", "default": "disabled"}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"claims": None}, "missing claims"),
        ({"domain": "https://localhost:5000"}, "domain"),
        ({"custom_parameters": {"n": 1}}, "custom_parameters"),
        ({CANVAS + "privacy_level": "everything"}, "privacy level"),
        (
            {"messages": [{"type": vocab.MESSAGE_RESOURCE_LINK, "placements": ["sidebar"]}]},
            "unknown placement",
        ),
    ],
)
def test_canvas_refuses_what_its_schema_refuses(
    sandbox_client: FlaskClient, sandbox_state: SandboxState, change: dict[str, Any], error: str
) -> None:
    sandbox_state.registration_style = "canvas"
    body = _payload(**change)
    body[TOOL_CONFIGURATION] = {k: v for k, v in body[TOOL_CONFIGURATION].items() if v is not None}
    response = _post(sandbox_client, sandbox_state, body)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert sandbox_state.registrations == []


def test_moodle_style_answers_with_its_own_configuration(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "moodle"
    response = _post(sandbox_client, sandbox_state, _payload(custom_parameters={"a": "1"}))
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    tool = answer[TOOL_CONFIGURATION]
    assert tool["deployment_id"] == sandbox_state.deployment_id
    assert "deployment_id" not in answer
    # Moodle keeps only the Deep Linking message and echoes no placements.
    assert tool["messages"] == [{"type": vocab.MESSAGE_DEEP_LINKING, "target_link_uri": LAUNCH}]
    assert tool["custom_parameters"] == {"a": "1"}
    made = sandbox_state.registration_results[-1]
    assert made["state"] == "pending"
    assert made["tooldomain"] == "localhost:5000"
    assert made["customparameters"] == "a=1"
    assert made["sendname"] == made["sendemailaddr"] == "always"


def test_moodle_refuses_a_domain_other_than_the_launch_host(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "moodle"
    response = _post(sandbox_client, sandbox_state, _payload(domain="localhost"))
    assert response.status_code == 400
    assert "domain_targetlinkuri_mismatch" in response.get_data(as_text=True)


def test_moodle_ignores_www_in_the_domain(
    sandbox_client: FlaskClient, sandbox_state: SandboxState
) -> None:
    sandbox_state.registration_style = "moodle"
    body = _payload(domain="www.localhost:5000")
    assert _post(sandbox_client, sandbox_state, body).status_code == 200

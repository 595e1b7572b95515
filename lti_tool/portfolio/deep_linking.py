"""Deep Linking: a teacher places a "plan reflection" activity in their course.

The platform opens Lodestar with an ``LtiDeepLinkingRequest``; the teacher picks the
activity; we answer with a signed ``LtiDeepLinkingResponse`` holding one ``ltiResourceLink``
(custom ``activity=reflection``, with a line item so the LMS creates a gradebook column that
the student's reflection is scored into through AGS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem

from lti_tool import hygiene
from lti_tool.actor import Actor
from lti_tool.errors import LaunchError, NotAuthorized
from lti_tool.launch import services
from lti_tool.launch.lti import restore_launch
from lti_tool.lti_vocab import DEEP_LINKING_CLAIM, LAUNCH_PRESENTATION_CLAIM
from lti_tool.urls import public_url


@dataclass(frozen=True)
class Activity:
    """An activity Lodestar can place in a course."""

    key: str
    title: str
    description: str
    score_maximum: float


ACTIVITIES = (
    Activity(
        "reflection",
        "Plan reflection",
        "Students link a piece of this class's work to one of their goals and write a "
        "short reflection. Submitting it records full credit in your gradebook.",
        10.0,
    ),
)


def _launch(actor: Actor):  # type: ignore[no-untyped-def]
    if not actor.launch_id:
        raise LaunchError("Open this from your course's activity picker.", status_code=400)
    launch = restore_launch(actor.launch_id)
    if not launch.is_deep_link_launch():
        raise NotAuthorized("This launch was not an activity picker.")
    return launch


def return_url_hosts(launch: Any) -> set[str]:
    """Hosts a Deep Linking response may be posted to: the platform's (issuer, login URL,
    Canvas REST URL) and that of the launch's own ``launch_presentation.return_url``.

    Canvas cloud signs with the issuer ``canvas.instructure.com`` and logs in at
    ``sso.canvaslms.com`` while ``deep_link_return_url`` is on the district's own domain
    (``https://<district>/courses/6/deep_linking_response?data=...``), as is the
    ``return_url`` of its launches, so that host counts as the platform's too.
    """
    body = launch.get_launch_data()
    platform = services.launch_platform(body)
    candidates = [
        platform.issuer,
        platform.auth_login_url,
        (platform.settings or {}).get("canvas_api_url"),
    ]
    presentation = body.get(LAUNCH_PRESENTATION_CLAIM)
    if isinstance(presentation, dict):
        candidates.append(presentation.get("return_url"))
    return {
        parts.hostname.lower()
        for c in candidates
        if (parts := hygiene.http_url(c)) is not None and parts.hostname
    }


def checked_return_url(launch: Any) -> str:
    """The launch's ``deep_link_return_url``, if it is http(s) on one of the platform's hosts.

    :raises LaunchError: (400) for anything else (``javascript:``, markup, another host).
    """
    settings = launch.get_launch_data().get(DEEP_LINKING_CLAIM)
    value = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
    parts = hygiene.http_url(value)
    if (
        parts is None
        or not parts.hostname
        or parts.hostname.lower() not in return_url_hosts(launch)
    ):
        raise LaunchError(
            "The learning platform gave a return address that does not belong "
            "to it, so the activity was not sent. Ask your LMS administrator.",
            status_code=400,
            detail="deep_link_return_url refused",
        )
    return str(value)


def response_form(actor: Actor, activity_key: str) -> str:
    """The auto-submitting HTML form that returns the chosen activity to the platform.

    Rendered by our own template (pylti1p3 2.0.0 writes the return URL into its form
    unescaped); the URL must be http(s) on the platform's host.

    :raises LaunchError: when the launch expired or was not a deep-linking request, or its
        return URL is not the platform's.
    """
    activity = next((a for a in ACTIVITIES if a.key == activity_key), None)
    if activity is None:
        raise LaunchError("Unknown activity.", status_code=400)
    launch = _launch(actor)
    return_url = checked_return_url(launch)
    line_item = (
        LineItem()
        .set_label(activity.title)
        .set_score_maximum(activity.score_maximum)
        .set_tag("lodestar-" + activity.key)
        .set_resource_id("lodestar-" + activity.key)
    )
    resource = (
        DeepLinkResource()
        .set_url(public_url("launch.launch"))
        .set_title(activity.title)
        .set_custom_params({"activity": activity.key})
        .set_lineitem(line_item)
    )
    try:
        jwt_value = launch.get_deep_link().get_response_jwt([resource])
    except LtiException as err:
        raise LaunchError(f"Could not build the activity response: {err}") from err
    return render_template(
        "portfolio/deep_link_response.html", return_url=return_url, jwt=jwt_value, activity=activity
    )

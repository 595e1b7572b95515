"""Deep Linking: a teacher places a "plan reflection" activity in their course.

The platform opens Lodestar with an ``LtiDeepLinkingRequest``; the teacher picks the
activity; we answer with a signed ``LtiDeepLinkingResponse`` holding one ``ltiResourceLink``
(custom ``activity=reflection`` and ``activity_id``, the teacher's settings; with a line
item of the activity's points and ``resourceId`` so the LMS creates a gradebook column that
the student's reflection is scored into through AGS, and the due date as
``submission.endDateTime``, LTI Deep Linking 2.0 section 3.4.1 "ltiResourceLink").
"""

from __future__ import annotations

import datetime as dt
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
from lti_tool.portfolio.models import ReflectionSetup
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
        "short reflection. You choose its title, instructions, points and due date, and "
        "whether it is scored on completion or by you with a rubric.",
        10.0,
    ),
)


class ActivityResource(DeepLinkResource):
    """An ``ltiResourceLink`` content item with the parts pylti1p3 2.0.0 does not write:
    ``text`` (a description) and ``submission.endDateTime`` (the due date; Canvas makes it
    the assignment's due date)."""

    def __init__(self, *, text: str = "", due: dt.datetime | None = None) -> None:
        super().__init__()
        self._text = text
        self._due = due

    def to_dict(self) -> dict[str, object]:
        """The content item, with ``text`` and ``submission`` when set."""
        item: dict[str, object] = super().to_dict()
        if self._text:
            item["text"] = self._text
        if self._due is not None:
            item["submission"] = {
                "endDateTime": self._due.astimezone(dt.UTC).isoformat(timespec="seconds")
            }
        return item


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


def response_form(actor: Actor, activity_key: str, setup: ReflectionSetup | None = None) -> str:
    """The auto-submitting HTML form that returns the chosen activity to the platform, with
    the teacher's settings (``setup``) when given.

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
    title, points = activity.title, activity.score_maximum
    custom = {"activity": activity.key}
    resource_id = "lodestar-" + activity.key
    if setup is not None:
        title, points = setup.title, setup.points
        custom["activity_id"] = str(setup.id)
        resource_id = f"lodestar-{activity.key}-{setup.id}"
    line_item = (
        LineItem()
        .set_label(title)
        .set_score_maximum(points)
        .set_tag("lodestar-" + activity.key)
        .set_resource_id(resource_id)
    )
    resource = (
        ActivityResource(
            text=setup.instructions[:1000] if setup is not None else "",
            due=setup.due_at if setup is not None else None,
        )
        .set_url(public_url("launch.launch"))
        .set_title(title)
        .set_custom_params(custom)
        .set_lineitem(line_item)
    )
    try:
        jwt_value = launch.get_deep_link().get_response_jwt([resource])
    except LtiException as err:
        raise LaunchError(f"Could not build the activity response: {err}") from err
    return render_template(
        "portfolio/deep_link_response.html", return_url=return_url, jwt=jwt_value, activity=activity
    )

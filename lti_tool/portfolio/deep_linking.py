"""Deep Linking: a teacher places a "plan reflection" activity in their course.

The platform opens Lodestar with an ``LtiDeepLinkingRequest``; the teacher picks the
activity; we answer with a signed ``LtiDeepLinkingResponse`` holding one ``ltiResourceLink``
(custom ``activity=reflection``, with a line item so the LMS creates a gradebook column that
the student's reflection is scored into through AGS).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem

from lti_tool.errors import LaunchError, NotAuthorized
from lti_tool.launch.lti import restore_launch
from lti_tool.launch.session import Actor


@dataclass(frozen=True)
class Activity:
    """An activity Lodestar can place in a course."""

    key: str
    title: str
    description: str
    score_maximum: float


ACTIVITIES = (
    Activity("reflection", "Plan reflection",
             "Students link a piece of this class's work to one of their goals and write a "
             "short reflection. Submitting it records full credit in your gradebook.", 10.0),
)


def _launch(actor: Actor):  # type: ignore[no-untyped-def]
    if not actor.launch_id:
        raise LaunchError("Open this from your course's activity picker.", status_code=400)
    launch = restore_launch(actor.launch_id)
    if not launch.is_deep_link_launch():
        raise NotAuthorized("This launch was not an activity picker.")
    return launch


def response_form(actor: Actor, activity_key: str) -> str:
    """The auto-submitting HTML form that returns the chosen activity to the platform.

    :raises LaunchError: when the launch expired or was not a deep-linking request.
    """
    activity = next((a for a in ACTIVITIES if a.key == activity_key), None)
    if activity is None:
        raise LaunchError("Unknown activity.", status_code=400)
    launch = _launch(actor)
    base = current_app.config.get("ILP_BASE_URL") or request.url_root.rstrip("/")
    line_item = (LineItem().set_label(activity.title).set_score_maximum(activity.score_maximum)
                 .set_tag("lodestar-" + activity.key).set_resource_id("lodestar-" + activity.key))
    resource = (DeepLinkResource().set_url(base + url_for("launch.launch"))
                .set_title(activity.title).set_custom_params({"activity": activity.key})
                .set_lineitem(line_item))
    try:
        return str(launch.get_deep_link().output_response_form([resource]))
    except LtiException as err:
        raise LaunchError(f"Could not build the activity response: {err}") from err

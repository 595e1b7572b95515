"""Where Lodestar appears in the LMS, and what it asks for: one source for both ways of
installing it.

Canvas's manual developer key JSON (``/lti/config/canvas.json``) and the LTI Dynamic
Registration payload (:mod:`lti_tool.launch.registration`) are built from these values, so
a key made either way has the same placements, custom fields, scopes and privacy level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lti_tool.lti_vocab import CANVAS_EXT, DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST

DESCRIPTION = (
    "Individual Learning Plans: goals, career clusters, course plan and a "
    "portfolio of class work linked to each student's goals."
)

#: Identity claims Lodestar needs (Moodle turns name and email claims into its "Share
#: launcher's name/email with the tool: Always" settings).
CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email")

#: Canvas sends names and email only at the "public" privacy level.
CANVAS_PRIVACY_LEVEL = "public"
CANVAS_TOOL_ID = "lodestar-ilp"
#: Canvas variable substitutions: the Canvas user and course ids, which the Canvas REST API
#: (submissions, "Connect Canvas") needs and the LTI ``sub`` and context id are not.
CANVAS_CUSTOM_FIELDS = {
    "lms_user_id": "$Canvas.user.id",
    "lms_course_id": "$Canvas.course.id",
}
#: The custom field that carries the person's time zone. Canvas expands
#: ``$Person.address.timezone`` to the user's IANA zone (``America/Denver``, the account's
#: default when the user chose none); Moodle to the user's ``timezone`` field: an IANA name,
#: or ``99`` for "the site's default". An LMS that does not know it sends it unexpanded.
TIMEZONE_FIELD = "timezone"
PERSON_CUSTOM_FIELDS = {TIMEZONE_FIELD: "$Person.address.timezone"}
CANVAS_CUSTOM_FIELDS.update(PERSON_CUSTOM_FIELDS)

#: Canvas extension keys of the Dynamic Registration tool configuration (Canvas's
#: Lti::IMS::Registration and its LtiToolConfiguration schema).
CANVAS_PRIVACY_LEVEL_EXT = CANVAS_EXT + "privacy_level"
CANVAS_TOOL_ID_EXT = CANVAS_EXT + "tool_id"
CANVAS_COURSE_NAV_DEFAULT_ENABLED_EXT = CANVAS_EXT + "course_navigation/default_enabled"

#: The Dynamic Registration spec's own name for "add content" menus; Moodle advertises it
#: for Deep Linking and Canvas maps it to link_selection.
CONTENT_AREA = "ContentArea"


@dataclass(frozen=True)
class Placement:
    """One Canvas placement: where a link appears and which message it launches."""

    name: str
    message_type: str
    #: The link text; ``None`` uses the tool's title.
    label: str | None = None
    #: course_navigation only: shown in every course's navigation unless a teacher hides it.
    default_enabled: bool = False


PLACEMENTS = (
    Placement("course_navigation", RESOURCE_LINK_REQUEST, default_enabled=True),
    Placement("user_navigation", RESOURCE_LINK_REQUEST, "My Learning Plan"),
    Placement("assignment_selection", DEEP_LINKING_REQUEST, "Plan reflection"),
    Placement("link_selection", DEEP_LINKING_REQUEST, "Plan reflection"),
)


def canvas_extension_placements(title: str, launch_url: str) -> list[dict[str, Any]]:
    """The ``extensions[0].settings.placements`` list of the manual developer key JSON."""
    placements = []
    for placement in PLACEMENTS:
        item: dict[str, Any] = {
            "placement": placement.name,
            "message_type": placement.message_type,
            "target_link_uri": launch_url,
            "text": placement.label or title,
        }
        if placement.default_enabled:
            item["default"] = "enabled"
        placements.append(item)
    return placements


def registration_messages(title: str, launch_url: str) -> list[dict[str, Any]]:
    """The ``messages`` of the Dynamic Registration tool configuration.

    One message per link text, listing its Canvas placements (Canvas derives only
    link_selection from a message without ``placements``). The Deep Linking message also
    names the spec's ``ContentArea``, the placement Moodle advertises; Moodle reads only the
    Deep Linking message's type and ``target_link_uri``.
    """
    messages: list[dict[str, Any]] = []
    for placement in PLACEMENTS:
        label = placement.label or title
        message = next(
            (m for m in messages if m["type"] == placement.message_type and m["label"] == label),
            None,
        )
        if message is None:
            message = {
                "type": placement.message_type,
                "target_link_uri": launch_url,
                "label": label,
                "placements": [],
            }
            messages.append(message)
        message["placements"].append(placement.name)
        if placement.default_enabled:
            message[CANVAS_COURSE_NAV_DEFAULT_ENABLED_EXT] = True
    for message in messages:
        if message["type"] == DEEP_LINKING_REQUEST:
            message["placements"].append(CONTENT_AREA)
    return messages

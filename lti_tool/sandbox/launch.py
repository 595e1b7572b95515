"""Building LTI 1.3 launch messages (id_token bodies) and opaque launch hints.

:func:`build_launch_claims` produces a complete, spec-shaped id_token body for
``LtiResourceLinkRequest`` and ``LtiDeepLinkingRequest`` messages.  The
``lti_message_hint`` and the Deep Linking ``data`` value are opaque strings
signed with the sandbox secret (:func:`encode_hint` / :func:`decode_hint`).
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer

from . import vocab
from .data import Course, User
from .state import SandboxError, SandboxState

ID_TOKEN_TTL = 300
HINT_MAX_AGE = 3600
PLATFORM_NAME = "Lodestar Sandbox LMS"
PLATFORM_VERSION = "1.0"
PRODUCT_FAMILY_CODE = "lodestar-sandbox"


def _serializer(state: SandboxState, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(state.secret_key, salt=f"lodestar-sandbox-{purpose}")


def encode_hint(
    state: SandboxState, payload: dict[str, Any], *, purpose: str = "message-hint"
) -> str:
    """Sign ``payload`` into an opaque URL-safe string."""
    return _serializer(state, purpose).dumps(payload)


def decode_hint(
    state: SandboxState, token: str, *, purpose: str = "message-hint", max_age: int = HINT_MAX_AGE
) -> dict[str, Any]:
    """Verify and decode a string made by :func:`encode_hint`; raise :class:`SandboxError`."""
    try:
        payload = _serializer(state, purpose).loads(token, max_age=max_age)
    except BadSignature as exc:
        raise SandboxError(f"invalid or expired {purpose}") from exc
    if not isinstance(payload, dict):
        raise SandboxError(f"invalid {purpose}")
    return payload


def context_roles(state: SandboxState, user: User, course: Course | None) -> list[str]:
    """Return the context role URIs of ``user`` in ``course`` (empty if not an active member)."""
    if course is None:
        return []
    enrollment = state.enrollment(course.context_id, user.sub)
    if enrollment is None or enrollment.status != "Active":
        return []
    return list(enrollment.roles)


def login_initiation_url(
    state: SandboxState,
    user: User,
    course: Course,
    *,
    message_type: str = vocab.MESSAGE_RESOURCE_LINK,
    resource_link_id: str | None = None,
    storage_target: str | None = None,
) -> str:
    """Return the tool's OIDC login initiation URL for a launch of ``user`` in ``course``.

    ``storage_target`` adds ``lti_storage_target`` (LTI client-side postMessage storage):
    the name of the frame that answers ``lti.put_data``/``lti.get_data``, or ``_parent``.
    """
    link_id = resource_link_id or course.default_resource_link_id
    target = state.tool_launch_url
    if message_type == vocab.MESSAGE_RESOURCE_LINK:
        link = state.get_resource_link(course.context_id, link_id)
        target = link.url or target
    # ``n`` names this one launch: like Moodle (``unset($SESSION->$launchid)`` in
    # mod/lti/auth.php) and Canvas (``fetch_and_delete_launch``), the sandbox accepts each
    # lti_message_hint at its authorization endpoint only once.
    hint = encode_hint(
        state,
        {
            "sub": user.sub,
            "ctx": course.context_id,
            "rl": link_id,
            "msg": message_type,
            "n": secrets.token_urlsafe(12),
        },
    )
    query = {
        "iss": state.issuer,
        "login_hint": user.sub,
        "target_link_uri": target,
        "lti_message_hint": hint,
        "client_id": state.client_id,
        "lti_deployment_id": state.deployment_id,
    }
    if storage_target:
        query["lti_storage_target"] = storage_target
    return f"{state.tool_login_url}?{urlencode(query)}"


def _epoch(now: datetime | float | None) -> int:
    if now is None:
        return int(time.time())
    if isinstance(now, datetime):
        return int(now.timestamp())
    return int(now)


def build_launch_claims(
    state: SandboxState,
    user: User,
    course: Course | None,
    *,
    message_type: str = vocab.MESSAGE_RESOURCE_LINK,
    nonce: str,
    resource_link_id: str | None = None,
    target_link_uri: str | None = None,
    deep_link_return_url: str | None = None,
    now: datetime | float | None = None,
) -> dict[str, Any]:
    """Return a complete LTI 1.3 id_token body for ``user`` launching from ``course``.

    ``message_type`` is ``LtiResourceLinkRequest`` (default) or
    ``LtiDeepLinkingRequest``.  ``course`` may be ``None`` for a launch without
    a context (then no context, NRPS or AGS claims are included).  ``roles``
    always holds at least the user's institution roles.
    """
    if message_type not in vocab.MESSAGE_TYPES:
        raise SandboxError(f"unsupported message type {message_type!r}")
    issued_at = _epoch(now)
    roles = [*context_roles(state, user, course), *user.institution_roles]
    claims: dict[str, Any] = {
        "iss": state.issuer,
        "aud": state.client_id,
        "azp": state.client_id,
        "sub": user.sub,
        "exp": issued_at + ID_TOKEN_TTL,
        "iat": issued_at,
        "nonce": nonce,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        vocab.CLAIM_MESSAGE_TYPE: message_type,
        vocab.CLAIM_VERSION: vocab.LTI_VERSION,
        vocab.CLAIM_DEPLOYMENT_ID: state.deployment_id,
        vocab.CLAIM_TARGET_LINK_URI: target_link_uri or state.tool_launch_url,
        vocab.CLAIM_ROLES: roles,
        vocab.CLAIM_TOOL_PLATFORM: {
            "guid": state.district.guid,
            "name": PLATFORM_NAME,
            "description": state.district.name,
            "product_family_code": PRODUCT_FAMILY_CODE,
            "version": PLATFORM_VERSION,
            "url": state.base_url + "/",
        },
        vocab.CLAIM_LIS: {"person_sourcedid": f"sis-{user.id:06d}"},
    }
    custom: dict[str, str] = {"lms_user_id": str(user.id)}

    if user.kind == "parent":
        claims[vocab.CLAIM_ROLE_SCOPE_MENTOR] = state.mentees(
            user.sub, course.context_id if course is not None else None
        )

    if course is not None:
        custom["lms_course_id"] = str(course.id)
        claims[vocab.CLAIM_CONTEXT] = {
            "id": course.context_id,
            "label": course.label,
            "title": course.title,
            "type": [vocab.CONTEXT_TYPE_COURSE_OFFERING],
        }
        claims[vocab.CLAIM_LIS]["course_offering_sourcedid"] = f"sis-course-{course.id}"
        claims[vocab.CLAIM_LAUNCH_PRESENTATION] = {
            "document_target": "iframe",
            "return_url": state.url(f"/courses/{course.context_id}/return"),
            "locale": "en-US",
        }
        claims[vocab.CLAIM_NRPS] = {
            "context_memberships_url": state.memberships_url(course.context_id),
            "service_versions": ["2.0"],
        }
        ags: dict[str, Any] = {
            "scope": list(vocab.AGS_SCOPES),
            "lineitems": state.line_items_url(course.context_id),
        }
        claims[vocab.CLAIM_AGS] = ags

        if message_type == vocab.MESSAGE_RESOURCE_LINK:
            link = state.get_resource_link(
                course.context_id, resource_link_id or course.default_resource_link_id
            )
            resource_link: dict[str, Any] = {"id": link.id, "title": link.title}
            if link.text:
                resource_link["description"] = link.text
            claims[vocab.CLAIM_RESOURCE_LINK] = resource_link
            custom.update(link.custom)
            if link.line_item_id is not None:
                ags["lineitem"] = state.line_item_url(course.context_id, link.line_item_id)
    else:
        claims[vocab.CLAIM_LAUNCH_PRESENTATION] = {
            "document_target": "iframe",
            "return_url": state.url("/"),
            "locale": "en-US",
        }
        if message_type == vocab.MESSAGE_RESOURCE_LINK:
            claims[vocab.CLAIM_RESOURCE_LINK] = {
                "id": resource_link_id or "sbx-rl-global",
                "title": "Lodestar ILP",
            }

    claims[vocab.CLAIM_CUSTOM] = custom

    if message_type == vocab.MESSAGE_DEEP_LINKING:
        data = encode_hint(
            state,
            {"ctx": course.context_id if course is not None else None, "sub": user.sub},
            purpose="deep-link-data",
        )
        return_url = deep_link_return_url or state.url("/deep_linking/return")
        if deep_link_return_url is None and course is not None:
            # Fallback for tools that do not echo the ``data`` claim back.
            return_url += "?" + urlencode({"context_id": course.context_id})
        claims[vocab.CLAIM_DL_SETTINGS] = {
            "deep_link_return_url": return_url,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": True,
            "title": "Add a plan reflection activity",
            "data": data,
        }
    return claims

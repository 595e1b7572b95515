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

from . import flavours, vocab
from .data import Course, ResourceLink, User
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


def _core_claims(
    state: SandboxState,
    user: User,
    *,
    message_type: str,
    nonce: str,
    issued_at: int,
    target_link_uri: str | None,
    roles: list[str],
) -> dict[str, Any]:
    """The claims every launch carries, whatever LMS the sandbox imitates."""
    return {
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
    }


def context_roles(state: SandboxState, user: User, course: Course | None) -> list[str]:
    """Return the context role URIs of ``user`` in ``course`` (empty if not an active member)."""
    if course is None:
        return []
    enrollment = state.enrollment(course.context_id, user.sub)
    if enrollment is None or enrollment.status != "Active":
        return []
    return list(enrollment.roles)


def _check_launch_options(
    course: Course | None,
    message_type: str,
    placement: str | None,
    flavour: str | None,
    custom: dict[str, str] | None,
) -> None:
    """Raise :class:`SandboxError` for a placement, flavour or custom override that cannot be."""
    try:
        if placement is not None:
            flavours.check_placement(placement)
        if flavour is not None:
            flavours.check_flavour(flavour)
    except flavours.FlavourError as exc:
        raise SandboxError(str(exc)) from exc
    if placement == flavours.USER_NAVIGATION:
        if course is not None:
            raise SandboxError("a user_navigation launch has an Account context, not a course")
        if message_type != vocab.MESSAGE_RESOURCE_LINK:
            raise SandboxError("user_navigation sends LtiResourceLinkRequest messages only")
    if custom is not None and not all(
        isinstance(k, str) and isinstance(v, str) for k, v in custom.items()
    ):
        raise SandboxError("custom overrides must map strings to strings")


def login_initiation_url(
    state: SandboxState,
    user: User,
    course: Course | None,
    *,
    message_type: str = vocab.MESSAGE_RESOURCE_LINK,
    resource_link_id: str | None = None,
    storage_target: str | None = None,
    placement: str | None = None,
    flavour: str | None = None,
    custom: dict[str, str] | None = None,
) -> str:
    """Return the tool's OIDC login initiation URL for a launch of ``user`` in ``course``.

    ``storage_target`` adds ``lti_storage_target`` (LTI client-side postMessage storage):
    the name of the frame that answers ``lti.put_data``/``lti.get_data``, or ``_parent``.

    ``placement``, ``flavour`` and ``custom`` travel in the signed ``lti_message_hint`` to the
    authorization endpoint and shape the id_token (see :func:`build_launch_claims`);
    ``placement="user_navigation"`` needs ``course=None``.
    """
    _check_launch_options(course, message_type, placement, flavour, custom)
    if course is None:
        if placement != flavours.USER_NAVIGATION:
            raise SandboxError("a course is required unless the placement is user_navigation")
        payload: dict[str, Any] = {"sub": user.sub, "ctx": None, "rl": None, "msg": message_type}
        target = state.tool_launch_url
    else:
        link_id = resource_link_id or course.default_resource_link_id
        target = state.tool_launch_url
        if message_type == vocab.MESSAGE_RESOURCE_LINK:
            link = state.get_resource_link(course.context_id, link_id)
            target = link.url or target
        payload = {"sub": user.sub, "ctx": course.context_id, "rl": link_id, "msg": message_type}
    # ``n`` names this one launch: like Moodle (``unset($SESSION->$launchid)`` in
    # mod/lti/auth.php) and Canvas (``fetch_and_delete_launch``), the sandbox accepts each
    # lti_message_hint at its authorization endpoint only once.
    payload["n"] = secrets.token_urlsafe(12)
    for key, value in (("pl", placement), ("fl", flavour), ("cu", custom)):
        if value is not None:
            payload[key] = value
    hint = encode_hint(state, payload)
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
    placement: str | None = None,
    flavour: str | None = None,
    custom: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return a complete LTI 1.3 id_token body for ``user`` launching from ``course``.

    ``message_type`` is ``LtiResourceLinkRequest`` (default) or
    ``LtiDeepLinkingRequest``.  ``course`` may be ``None`` for a launch without
    a context (then no context, NRPS or AGS claims are included).  ``roles``
    always holds at least the user's institution roles.

    Real-LMS shapes (see :mod:`.flavours`): ``flavour`` (``sandbox``, ``canvas``, ``moodle``)
    overrides the course's and the platform's; ``placement="user_navigation"`` (with
    ``course=None``) is Canvas's account-menu launch: an ``Account`` context, no course
    roles, no NRPS/AGS, ``$Canvas.course.id`` left unexpanded.  ``custom`` entries are added
    to the custom claim verbatim, after every expansion.
    """
    if message_type not in vocab.MESSAGE_TYPES:
        raise SandboxError(f"unsupported message type {message_type!r}")
    _check_launch_options(course, message_type, placement, flavour, custom)
    flavour_name = state.flavour_for(course, flavour, placement)
    if flavour_name != "sandbox" or placement is not None:
        return _flavoured_claims(
            state,
            user,
            course,
            flavour=flavour_name,
            placement=placement,
            message_type=message_type,
            nonce=nonce,
            resource_link_id=resource_link_id,
            target_link_uri=target_link_uri,
            deep_link_return_url=deep_link_return_url,
            now=now,
            custom=custom,
        )
    claims = _sandbox_claims(
        state,
        user,
        course,
        message_type=message_type,
        nonce=nonce,
        resource_link_id=resource_link_id,
        target_link_uri=target_link_uri,
        now=now,
    )
    if custom:
        claims[vocab.CLAIM_CUSTOM].update(custom)
    if message_type == vocab.MESSAGE_DEEP_LINKING:
        _add_deep_linking(state, user, course, claims, deep_link_return_url)
    return claims


def _sandbox_claims(
    state: SandboxState,
    user: User,
    course: Course | None,
    *,
    message_type: str,
    nonce: str,
    resource_link_id: str | None,
    target_link_uri: str | None,
    now: datetime | float | None,
) -> dict[str, Any]:
    """The sandbox's own (idealised) launch, unchanged since before flavours existed."""
    issued_at = _epoch(now)
    roles = [*context_roles(state, user, course), *user.institution_roles]
    claims: dict[str, Any] = {
        **_core_claims(
            state,
            user,
            message_type=message_type,
            nonce=nonce,
            issued_at=issued_at,
            target_link_uri=target_link_uri,
            roles=roles,
        ),
        vocab.CLAIM_TOOL_PLATFORM: {
            "guid": state.district.guid,
            "name": PLATFORM_NAME,
            "description": state.district.name,
            "product_family_code": PRODUCT_FAMILY_CODE,
            "version": PLATFORM_VERSION,
            "url": state.base_url + "/",
        },
        vocab.CLAIM_LIS: _sandbox_lis(user),
    }
    # Like Canvas: the person's own time zone, else the account's default.
    custom: dict[str, str] = {
        "lms_user_id": str(user.id),
        "timezone": user.timezone or state.district.timezone,
        **student_fields(state, user),
    }

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
        # As Canvas's JWT message builder: the service claims follow the registration's
        # scopes (NRPS only with its scope; AGS with the granted AGS scopes, if any).
        granted = state.granted_scopes
        if vocab.SCOPE_NRPS in granted:
            claims[vocab.CLAIM_NRPS] = {
                "context_memberships_url": state.memberships_url(course.context_id),
                "service_versions": ["2.0"],
            }
        ags: dict[str, Any] = {
            "scope": [s for s in vocab.AGS_SCOPES if s in granted],
            "lineitems": state.line_items_url(course.context_id),
        }
        if ags["scope"]:
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
    return claims


def _add_deep_linking(
    state: SandboxState,
    user: User,
    course: Course | None,
    claims: dict[str, Any],
    deep_link_return_url: str | None,
) -> None:
    """Add the Deep Linking settings claim (with its signed ``data``) to ``claims``."""
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


def _flavoured_claims(
    state: SandboxState,
    user: User,
    course: Course | None,
    *,
    flavour: str,
    placement: str | None,
    message_type: str,
    nonce: str,
    resource_link_id: str | None,
    target_link_uri: str | None,
    deep_link_return_url: str | None,
    now: datetime | float | None,
    custom: dict[str, str] | None,
) -> dict[str, Any]:
    """A launch shaped like ``flavour`` (``canvas``/``moodle``; ``sandbox`` with a placement)."""
    issued_at = _epoch(now)
    district = state.district
    enrollment = state.enrollment(course.context_id, user.sub) if course is not None else None
    link = None
    if course is not None and message_type == vocab.MESSAGE_RESOURCE_LINK:
        link = state.get_resource_link(
            course.context_id, resource_link_id or course.default_resource_link_id
        )
    account_context = flavour == "canvas" and course is None

    if flavour == "canvas":
        roles = flavours.canvas_launch_roles(district, user, course)
    elif flavour == "moodle":
        roles = flavours.moodle_launch_roles(user, enrollment)
    else:
        roles = [*context_roles(state, user, course), *user.institution_roles]

    claims: dict[str, Any] = {
        **_core_claims(
            state,
            user,
            message_type=message_type,
            nonce=nonce,
            issued_at=issued_at,
            target_link_uri=target_link_uri,
            roles=roles,
        ),
        # The guid stays the district's in every flavour, so one registration is one platform.
        vocab.CLAIM_TOOL_PLATFORM: _tool_platform(state, flavour),
    }

    if flavour == "canvas":
        claims[vocab.CLAIM_LIS] = flavours.canvas_lis(user, course)
        # Canvas adds role_scope_mentor only when the user observes someone in this course.
        observees = flavours.canvas_observees(district, user, course)
        if observees:
            claims[vocab.CLAIM_ROLE_SCOPE_MENTOR] = observees
    elif flavour == "moodle":
        claims[vocab.CLAIM_LIS] = flavours.moodle_lis(user, course)
        # ext_lms from lti_build_standard_message, under the "ext" claim (lti_sign_jwt).
        claims["https://purl.imsglobal.org/spec/lti/claim/ext"] = {"lms": "moodle-2"}
    else:
        claims[vocab.CLAIM_LIS] = _sandbox_lis(user)
        if user.kind == "parent":
            claims[vocab.CLAIM_ROLE_SCOPE_MENTOR] = state.mentees(
                user.sub, course.context_id if course is not None else None
            )
        if course is not None:
            claims[vocab.CLAIM_LIS]["course_offering_sourcedid"] = f"sis-course-{course.id}"

    if course is not None:
        claims[vocab.CLAIM_CONTEXT] = {
            "id": course.context_id,
            "label": course.label,
            "title": course.title,
            "type": [vocab.CONTEXT_TYPE_COURSE_OFFERING],
        }
        return_url = state.url(f"/courses/{course.context_id}/return")
    elif account_context:
        # JwtMessage#add_context_claims! for an Account: its opaque id, its name, no label,
        # and the class name as type (LIS_V2_ROLE_MAP has no Account entry).
        claims[vocab.CLAIM_CONTEXT] = {
            "id": district.account_context_id,
            "title": district.name,
            "type": [vocab.CONTEXT_TYPE_ACCOUNT],
        }
        return_url = state.url("/")
    else:
        return_url = state.url("/")
    claims[vocab.CLAIM_LAUNCH_PRESENTATION] = {
        "document_target": "iframe",
        "return_url": return_url,
        "locale": "en-US",
    }

    if course is not None:
        # Canvas adds NRPS and AGS claims for Course (and Group) contexts only.
        claims[vocab.CLAIM_NRPS] = {
            "context_memberships_url": state.memberships_url(course.context_id),
            "service_versions": ["2.0"],
        }
        ags: dict[str, Any] = {
            "scope": list(vocab.AGS_SCOPES),
            "lineitems": state.line_items_url(course.context_id),
        }
        claims[vocab.CLAIM_AGS] = ags
        if link is not None:
            resource_link: dict[str, Any] = {"id": link.id, "title": link.title}
            if link.text:
                resource_link["description"] = link.text
            claims[vocab.CLAIM_RESOURCE_LINK] = resource_link
            if link.line_item_id is not None:
                ags["lineitem"] = state.line_item_url(course.context_id, link.line_item_id)
    elif message_type == vocab.MESSAGE_RESOURCE_LINK:
        # ResourceLinkRequest#context_resource_link_id: the context's own opaque id.
        link_id = district.account_context_id if account_context else "sbx-rl-global"
        claims[vocab.CLAIM_RESOURCE_LINK] = {"id": resource_link_id or link_id}
        if not account_context:
            claims[vocab.CLAIM_RESOURCE_LINK]["title"] = "Lodestar ILP"

    fields = _custom_claim(state, user, course, link, flavour)
    fields.update(custom or {})
    if fields or flavour != "moodle":
        # Moodle only sends the custom claim when the tool has custom parameters.
        claims[vocab.CLAIM_CUSTOM] = fields
    if flavour == "canvas" and placement is not None:
        claims[vocab.CLAIM_CANVAS_PLACEMENT] = placement

    if message_type == vocab.MESSAGE_DEEP_LINKING:
        _add_deep_linking(state, user, course, claims, deep_link_return_url)
    return claims


def _tool_platform(state: SandboxState, flavour: str) -> dict[str, str]:
    """The ``tool_platform`` claim of a flavour."""
    if flavour == "canvas":
        # JwtMessage#add_tool_platform_claims!: root account name, "cloud", "canvas".
        return {
            "guid": state.district.guid,
            "name": state.district.name,
            "version": "cloud",
            "product_family_code": "canvas",
        }
    if flavour == "moodle":
        return {
            "guid": state.district.guid,
            "name": state.district.school,
            "description": state.district.name,
            "product_family_code": "moodle",
            "version": flavours.MOODLE_VERSION,
        }
    return {
        "guid": state.district.guid,
        "name": PLATFORM_NAME,
        "description": state.district.name,
        "product_family_code": PRODUCT_FAMILY_CODE,
        "version": PLATFORM_VERSION,
        "url": state.base_url + "/",
    }


def _sandbox_lis(user: User) -> dict[str, str]:
    """The sandbox's ``lis`` claim: the person's SIS id, as its roster (NRPS) sends it."""
    return {"person_sourcedid": user.sis_id} if user.sis_id else {}


def student_fields(state: SandboxState, user: User) -> dict[str, str]:
    """What the sandbox's SIS-fed custom fields say of a student: ``grade_level``,
    ``graduation_year`` and ``school`` (nothing for other people)."""
    if user.kind != "student" or user.grade_level is None:
        return {}
    fields = {"grade_level": str(user.grade_level), "school": state.district.school}
    if user.graduation_year is not None:
        fields["graduation_year"] = str(user.graduation_year)
    return fields


def _custom_claim(
    state: SandboxState, user: User, course: Course | None, link: ResourceLink | None, flavour: str
) -> dict[str, str]:
    """The tool's custom fields, then the placement's, expanded the flavour's way.

    A placement with ``expand_custom=False`` keeps its values verbatim (``$Canvas...`` and all).
    """
    fields: dict[str, str] = {}
    if flavour == "sandbox":
        fields["lms_user_id"] = str(user.id)
        fields["timezone"] = user.timezone or state.district.timezone
        fields.update(student_fields(state, user))
        if course is not None:
            fields["lms_course_id"] = str(course.id)
        if link is not None:
            fields.update(link.custom)
        return fields
    default = (
        flavours.CANVAS_CUSTOM_FIELDS if flavour == "canvas" else flavours.MOODLE_CUSTOM_FIELDS
    )
    template = dict(default if state.custom_fields is None else state.custom_fields)
    if link is not None and link.expand_custom:
        template.update(link.custom)
    for name, value in template.items():
        if flavour == "canvas":
            expanded = flavours.canvas_expand(value, state.district, user, course, state.base_url)
        else:
            expanded = flavours.moodle_expand(value, user, course)
        if expanded is not None:
            fields[name] = expanded
    if link is not None and not link.expand_custom:
        fields.update(link.custom)
    return fields

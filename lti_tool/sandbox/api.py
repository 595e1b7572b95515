"""Service endpoints of the sandbox platform: OAuth2 token, NRPS and AGS.

* ``POST /token`` — client_credentials grant with a JWT client assertion,
* ``GET /api/lti/courses/<context_id>/memberships`` — NRPS 2.0,
* ``GET|POST /api/lti/courses/<context_id>/line_items`` — AGS line item container,
* ``GET|PUT|DELETE /api/lti/courses/<context_id>/line_items/<item_id>``,
* ``GET /api/lti/courses/<context_id>/line_items/<item_id>/results``,
* ``POST /api/lti/courses/<context_id>/line_items/<item_id>/scores``.

Errors are JSON ``{"error", "error_description"}`` with a 4xx status.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request

from . import vocab
from .client_auth import verify_tool_jwt
from .data import LineItem, Score
from .paging import link_header, paginate
from .state import ACCESS_TOKEN_TTL, AccessToken, SandboxError, SandboxState

api = Blueprint("sandbox_api", __name__)

_LINE_ITEM_TYPES = {vocab.MT_LINEITEM, "application/json"}
_SCORE_TYPES = {vocab.MT_SCORE}


def state() -> SandboxState:
    """Return the sandbox state of the current app."""
    return current_app.extensions["sandbox"]  # type: ignore[no-any-return]


def json_response(
    body: Any, *, status: int = 200, content_type: str = "application/json"
) -> Response:
    """Serialise ``body`` as JSON with an explicit media type."""
    return Response(json.dumps(body), status=status, content_type=content_type)


# --- OAuth2 token endpoint -----------------------------------------------------------


@api.post("/token")
def token() -> Response:
    """Exchange a tool-signed client assertion for a bearer access token."""
    current = state()
    form = request.form
    if form.get("grant_type") != "client_credentials":
        raise SandboxError("grant_type must be client_credentials", error="unsupported_grant_type")
    if form.get("client_assertion_type") != vocab.CLIENT_ASSERTION_TYPE_JWT:
        raise SandboxError(f"client_assertion_type must be {vocab.CLIENT_ASSERTION_TYPE_JWT}")
    assertion = form.get("client_assertion", "")
    if not assertion:
        raise SandboxError("client_assertion is required")

    claims = verify_tool_jwt(
        current,
        assertion,
        audience=current.token_url,
        required=("iss", "sub", "aud", "exp", "iat", "jti"),
    )
    if claims.get("iss") != current.client_id or claims.get("sub") != current.client_id:
        raise SandboxError(
            "client assertion iss and sub must equal the client_id",
            status=401,
            error="invalid_client",
        )
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise SandboxError(
            "client assertion jti must be a non-empty string", status=401, error="invalid_client"
        )
    if not current.remember_jti(jti, float(claims["exp"])):
        raise SandboxError(
            "client assertion jti was already used", status=401, error="invalid_client"
        )

    requested = list(dict.fromkeys(form.get("scope", "").split()))
    if not requested:
        raise SandboxError("scope is required", error="invalid_scope")
    unsupported = sorted(set(requested) - vocab.SUPPORTED_SCOPES)
    if unsupported:
        raise SandboxError(f"unsupported scope(s): {' '.join(unsupported)}", error="invalid_scope")
    scopes = _granted(current, requested)

    granted = current.issue_access_token(scopes)
    response = json_response(
        {
            "access_token": granted.token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL,
            "scope": " ".join(scopes),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _granted(current: SandboxState, requested: list[str]) -> list[str]:
    """The requested scopes the registration has, or 400 ``invalid_scope``.

    ``canvas`` policy: any missing scope refuses the whole request, with Canvas's wording
    (``Canvas::OAuth::InvalidScopeError``: 400 ``{"error": "invalid_scope",
    "error_description": ...}``). ``moodle`` policy: the permitted ones are granted and
    named in the answer's ``scope``; ``invalid_scope`` only when none is permitted.
    """
    with current.lock:
        allowed, policy = current.granted_scopes, current.scope_policy
    missing = [s for s in requested if s not in allowed]
    if missing and (policy == "canvas" or len(missing) == len(requested)):
        raise SandboxError(
            "A requested scope is invalid, unknown, malformed, or exceeds the scope granted "
            "by the resource owner. The following scopes were requested, but not granted: "
            + _sentence(missing),
            error="invalid_scope",
        )
    return [s for s in requested if s in allowed]


def _sentence(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b, and c`` (Rails' ``to_sentence``)."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def require_scope(any_of: Sequence[str]) -> AccessToken:
    """Authenticate the bearer token and require one of ``any_of`` scopes.

    Missing or unknown tokens give 401 ``invalid_token``; a valid token
    without a suitable scope gives 403 ``insufficient_scope``.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise SandboxError("a Bearer access token is required", status=401, error="invalid_token")
    found = state().lookup_access_token(value.strip())
    if found is None:
        raise SandboxError(
            "the access token is unknown or expired", status=401, error="invalid_token"
        )
    if not found.scopes.intersection(any_of):
        raise SandboxError(
            f"the access token lacks the scope {' or '.join(any_of)}",
            status=403,
            error="insufficient_scope",
        )
    return found


def _paged(
    items: Sequence[Any], base_url: str, body: dict[str, Any], key: str | None, content_type: str
) -> Response:
    page, next_url = paginate(
        items, base_url=base_url, args=request.args.to_dict(), default_limit=state().page_size
    )
    payload: Any = list(page) if key is None else {**body, key: list(page)}
    response = json_response(payload, content_type=content_type)
    if next_url is not None:
        response.headers["Link"] = link_header(next_url)
    return response


# --- NRPS -------------------------------------------------------------------------


@api.get("/api/lti/courses/<context_id>/memberships")
def memberships(context_id: str) -> Response:
    """NRPS 2.0 context membership container, paged with ``limit``/``cursor``."""
    require_scope([vocab.SCOPE_NRPS])
    current = state()
    course = current.get_course(context_id)
    members: Sequence[dict[str, Any]] = current.members(context_id)
    role = request.args.get("role")
    if role:
        wanted = (
            role if "://" in role else f"http://purl.imsglobal.org/vocab/lis/v2/membership#{role}"
        )
        if current.flavour_for(course) == "moodle":
            members = _moodle_role_filter(members, wanted)
        else:
            members = [m for m in members if wanted in m["roles"]]
    base = current.memberships_url(context_id)
    query = request.query_string.decode("ascii", "replace")
    body = {
        "id": f"{base}?{query}" if query else base,
        "context": {"id": course.context_id, "label": course.label, "title": course.title},
    }
    return _paged(members, base, body, "members", vocab.MT_MEMBERSHIP_CONTAINER)


def _moodle_role_filter(members: Sequence[dict[str, Any]], wanted: str) -> list[dict[str, Any]]:
    """Moodle's ``role`` filter (``memberships::get_members_json``): Instructor keeps those
    with ``moodle/course:manageactivities``, Learner drops them; any other role filters
    nothing."""
    if wanted == vocab.ROLE_INSTRUCTOR:
        return [m for m in members if "Instructor" in m["roles"]]
    if wanted == vocab.ROLE_LEARNER:
        return [m for m in members if "Instructor" not in m["roles"]]
    return list(members)


# --- AGS --------------------------------------------------------------------------


def _number(value: Any, name: str, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SandboxError(f"{name} must be a number")
    if positive and value <= 0:
        raise SandboxError(f"{name} must be greater than 0")
    if value < 0:
        raise SandboxError(f"{name} must not be negative")
    return float(value)


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SandboxError(f"{name} must be a string")
    return value


def _iso8601(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise SandboxError(f"{name} must be an ISO 8601 string")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SandboxError(f"{name} must be an ISO 8601 date-time") from exc
    return value


def _json_body(allowed_types: set[str]) -> dict[str, Any]:
    if request.mimetype not in allowed_types:
        raise SandboxError(
            f"Content-Type must be {' or '.join(sorted(allowed_types))}",
            status=415,
            error="unsupported_media_type",
        )
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise SandboxError("the request body must be a JSON object")
    return body


def _line_item_fields(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "label" in body or not partial:
        label = body.get("label")
        if not isinstance(label, str) or not label.strip():
            raise SandboxError("label must be a non-empty string")
        fields["label"] = label
    if "scoreMaximum" in body or not partial:
        fields["score_maximum"] = _number(body.get("scoreMaximum"), "scoreMaximum", positive=True)
    for json_name, attr in (("resourceId", "resource_id"), ("tag", "tag")):
        if json_name in body or not partial:
            fields[attr] = _optional_text(body, json_name)
    for json_name, attr in (("startDateTime", "start_date_time"), ("endDateTime", "end_date_time")):
        if body.get(json_name) is not None:
            fields[attr] = _iso8601(body[json_name], json_name)
        elif json_name in body or not partial:
            fields[attr] = None
    if not partial:
        fields["resource_link_id"] = _optional_text(body, "resourceLinkId")
    return fields


def _line_item_response(item: LineItem, *, status: int = 200) -> Response:
    url = state().line_item_url(item.context_id, item.id)
    return json_response(item.to_json(url), status=status, content_type=vocab.MT_LINEITEM)


@api.get("/api/lti/courses/<context_id>/line_items")
def list_line_items(context_id: str) -> Response:
    """AGS line item container (filters ``resource_link_id``, ``resource_id``, ``tag``)."""
    require_scope([vocab.SCOPE_LINEITEM, vocab.SCOPE_LINEITEM_READONLY])
    current = state()
    items = current.line_items(
        context_id,
        resource_link_id=request.args.get("resource_link_id"),
        resource_id=request.args.get("resource_id"),
        tag=request.args.get("tag"),
    )
    serialised = [i.to_json(current.line_item_url(context_id, i.id)) for i in items]
    return _paged(
        serialised, current.line_items_url(context_id), {}, None, vocab.MT_LINEITEM_CONTAINER
    )


@api.post("/api/lti/courses/<context_id>/line_items")
def create_line_item(context_id: str) -> Response:
    """Create a line item (scope ``lineitem``); answers 201 with the new item."""
    require_scope([vocab.SCOPE_LINEITEM])
    state().get_course(context_id)
    fields = _line_item_fields(_json_body(_LINE_ITEM_TYPES), partial=False)
    item = state().create_line_item(context_id, **fields)
    return _line_item_response(item, status=201)


@api.get("/api/lti/courses/<context_id>/line_items/<item_id>")
def get_line_item(context_id: str, item_id: str) -> Response:
    """One line item."""
    require_scope([vocab.SCOPE_LINEITEM, vocab.SCOPE_LINEITEM_READONLY])
    return _line_item_response(state().get_line_item(context_id, item_id))


@api.put("/api/lti/courses/<context_id>/line_items/<item_id>")
def update_line_item(context_id: str, item_id: str) -> Response:
    """Update a line item (scope ``lineitem``); ``resourceLinkId`` cannot change."""
    require_scope([vocab.SCOPE_LINEITEM])
    state().get_line_item(context_id, item_id)
    fields = _line_item_fields(_json_body(_LINE_ITEM_TYPES), partial=True)
    return _line_item_response(state().update_line_item(context_id, item_id, **fields))


@api.delete("/api/lti/courses/<context_id>/line_items/<item_id>")
def delete_line_item(context_id: str, item_id: str) -> Response:
    """Delete a line item with its results (scope ``lineitem``)."""
    require_scope([vocab.SCOPE_LINEITEM])
    state().delete_line_item(context_id, item_id)
    return Response(status=204)


@api.get("/api/lti/courses/<context_id>/line_items/<item_id>/results")
def list_results(context_id: str, item_id: str) -> Response:
    """AGS result container of a line item (filter ``user_id``)."""
    require_scope([vocab.SCOPE_RESULT_READONLY])
    current = state()
    item = current.get_line_item(context_id, item_id)
    item_url = current.line_item_url(context_id, item_id)
    results = current.results(item, user_id=request.args.get("user_id"))
    serialised = []
    for result in results:
        entry: dict[str, Any] = {
            "id": f"{item_url}/results/{result.user_id}",
            "scoreOf": item_url,
            "userId": result.user_id,
            "resultScore": result.result_score,
            "resultMaximum": result.result_maximum,
        }
        if result.comment is not None:
            entry["comment"] = result.comment
        serialised.append(entry)
    return _paged(serialised, f"{item_url}/results", {}, None, vocab.MT_RESULT_CONTAINER)


_TRUE = {True, "1", "true", "t", "True", "TRUE", "on", "yes"}  # True == 1
_FALSE = {False, "0", "false", "f", "False", "FALSE", "off", "no"}  # False == 0
#: How far in the future Canvas tolerates ``submitted_at`` (``1.minute.from_now``).
SUBMITTED_AT_FUTURE_SECONDS = 60


def _canvas_submission(body: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """Canvas's submission extension of a score, and whether the score makes a new attempt.

    As Canvas's ``Lti::IMS::ScoresController``: ``new_submission`` defaults to true unless
    ``submission_type`` is ``none``; ``submitted_at`` (or the standard
    ``submission.submittedAt``) must be an ISO 8601 time no more than a minute ahead (else
    400). Booleans are cast the way ActiveRecord does (``"false"``, ``0`` are false).
    """
    raw = body.get(vocab.CANVAS_SUBMISSION_EXT)
    if raw is not None and not isinstance(raw, dict):
        raise SandboxError(f"{vocab.CANVAS_SUBMISSION_EXT} must be an object")
    extension = dict(raw) if raw is not None else None
    ext = extension or {}
    flag = ext.get("new_submission")
    if flag is not None and (
        not isinstance(flag, bool | int | str) or (flag not in _TRUE and flag not in _FALSE)
    ):
        raise SandboxError("new_submission must be a boolean")
    kind = ext.get("submission_type", "external_tool")
    if not isinstance(kind, str) or kind not in vocab.CANVAS_SUBMISSION_TYPES:
        raise SandboxError(
            f"submission_type must be one of {sorted(vocab.CANVAS_SUBMISSION_TYPES)}"
        )
    standard = body.get("submission")
    submitted_at = ext.get("submitted_at")
    if isinstance(standard, dict) and standard.get("submittedAt") is not None:
        submitted_at = standard["submittedAt"]
    if submitted_at is not None:
        stamp = _iso8601(submitted_at, "submitted_at")
        if _epoch(stamp) > time.time() + SUBMITTED_AT_FUTURE_SECONDS:
            raise SandboxError(f"Provided submitted_at timestamp of {stamp} in the future")
    new_submission = (flag is None or flag in _TRUE) and kind != "none"
    return extension, new_submission


def _epoch(value: str) -> float:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


@api.post("/api/lti/courses/<context_id>/line_items/<item_id>/scores")
def post_score(context_id: str, item_id: str) -> Response:
    """Publish a score (scope ``score``); updates the user's result.

    Canvas's submission extension is read (:func:`_canvas_submission`); on a line item with
    ``allowed_attempts`` a score that would make one attempt too many answers 422.
    """
    require_scope([vocab.SCOPE_SCORE])
    current = state()
    item = current.get_line_item(context_id, item_id)
    body = _json_body(_SCORE_TYPES)
    user_id = body.get("userId")
    if not isinstance(user_id, str) or not user_id:
        raise SandboxError("userId is required")
    activity, grading = body.get("activityProgress"), body.get("gradingProgress")
    if activity not in vocab.ACTIVITY_PROGRESS:
        raise SandboxError(f"activityProgress must be one of {sorted(vocab.ACTIVITY_PROGRESS)}")
    if grading not in vocab.GRADING_PROGRESS:
        raise SandboxError(f"gradingProgress must be one of {sorted(vocab.GRADING_PROGRESS)}")
    timestamp = _iso8601(body.get("timestamp"), "timestamp")
    score_given = score_maximum = None
    if body.get("scoreGiven") is not None:
        score_given = _number(body["scoreGiven"], "scoreGiven", positive=False)
        score_maximum = _number(body.get("scoreMaximum"), "scoreMaximum", positive=True)
    elif body.get("scoreMaximum") is not None:
        score_maximum = _number(body["scoreMaximum"], "scoreMaximum", positive=True)
    extension, new_submission = _canvas_submission(body)
    score = Score(
        line_item_id=item.id,
        user_id=user_id,
        score_given=score_given,
        score_maximum=score_maximum,
        activity_progress=str(activity),
        grading_progress=str(grading),
        timestamp=timestamp,
        comment=_optional_text(body, "comment"),
        submission=extension,
        new_submission=new_submission,
    )
    current.record_score(item, score)
    item_url = current.line_item_url(context_id, item_id)
    return json_response({"resultUrl": f"{item_url}/results/{user_id}"})

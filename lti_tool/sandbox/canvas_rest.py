"""A slice of Canvas's REST API, as Lodestar reads it for a student's course plan.

Canvas answers REST calls with a person's OAuth2 token (``/login/oauth2/auth`` then
``/login/oauth2/token``, Canvas's "developer key" flow), and lists what that person may see:

* ``GET /api/v1/users/:id`` (``self`` or the person's own numeric id),
* ``GET /api/v1/users/:id/enrollments`` with ``grades`` (``current_score``,
  ``final_score``, ``current_grade``, ``final_grade``); ``enrollment_state`` is
  ``completed`` in a concluded course, else ``active``; ``state[]`` filters,
* ``GET /api/v1/users/:id/courses`` with ``include[]=term``,
* ``GET /api/v1/courses/:id`` with ``include[]=term``,
* ``POST /api/v1/conversations`` (``recipients[]`` of user ids, ``subject``, ``body``,
  ``group_conversation``, ``force_new``): an Inbox message from the caller; Canvas reuses the
  private conversation of the same two people unless ``force_new``; an unknown recipient is
  a 400 with ``errors``,
* ``GET /api/v1/conversations``: the caller's conversations, newest first.

Course scores are the person's AGS results in the course (sum of scores over sum of
maximums, in percent, rounded to 2 places); ``current_score`` counts graded items only,
``final_score`` counts ungraded items as zero, as Canvas does. Letter grades are null (a
course without a grading scheme). The sign-in page lists the district's people; picking one
stands for Canvas's login. Nothing here knows Lodestar.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, request
from markupsafe import escape

from .data import Course, User
from .state import SandboxError, SandboxState
from .vocab import ROLE_LEARNER

canvas_rest = Blueprint("sandbox_canvas_rest", __name__)


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]  # type: ignore[no-any-return]


def _json(body: Any, status: int = 200) -> Response:
    import json

    return Response(json.dumps(body), status=status, content_type="application/json")


# --- OAuth2 for a person -----------------------------------------------------------------


@canvas_rest.get("/login/oauth2/auth")
def authorize() -> Response:
    """Canvas's sign-in and consent page: here, a list of people to sign in as."""
    redirect_uri = request.args.get("redirect_uri", "")
    if request.args.get("response_type") != "code" or not redirect_uri:
        raise SandboxError("response_type=code and redirect_uri are required")
    state = request.args.get("state", "")
    links = []
    for user in _state().district.users.values():
        query = urlencode({"redirect_uri": redirect_uri, "state": state, "sub": user.sub})
        links.append(
            f'<li><a href="/login/oauth2/approve?{escape(query)}">'
            f"Sign in as {escape(user.name)}</a></li>"
        )
    page = (
        "<!doctype html><html lang=en><title>Sign in to Canvas</title>"
        "<h1>Sign in to Canvas (sandbox)</h1><p>Lodestar asks to read your Canvas data.</p>"
        f"<ul>{''.join(links)}</ul></html>"
    )
    return Response(page, content_type="text/html")


@canvas_rest.get("/login/oauth2/approve")
def approve() -> Response:
    """The person signed in and allowed access: back to the tool with a one-time code."""
    current = _state()
    sub = request.args.get("sub", "")
    if sub not in current.district.users:
        raise SandboxError("no such person", status=404)
    code = secrets.token_urlsafe(16)
    with current.lock:
        current.canvas_codes[code] = sub
    target = request.args.get("redirect_uri", "")
    separator = "&" if "?" in target else "?"
    query = urlencode({"code": code, "state": request.args.get("state", "")})
    return redirect(f"{target}{separator}{query}")  # type: ignore[return-value]


@canvas_rest.post("/login/oauth2/token")
def token() -> Response:
    """Trade a code (or a refresh token) for an access token, with the Canvas user."""
    current = _state()
    grant = request.form.get("grant_type")
    with current.lock:
        if grant == "authorization_code":
            sub = current.canvas_codes.pop(request.form.get("code", ""), None)
        elif grant == "refresh_token":
            sub = current.canvas_tokens.get(request.form.get("refresh_token", ""))
        else:
            return _json({"error": "unsupported_grant_type"}, 400)
        if sub is None:
            return _json({"error": "invalid_grant", "error_description": "bad code"}, 400)
        access = "sbx~" + secrets.token_urlsafe(24)
        current.canvas_tokens[access] = sub
        refresh = request.form.get("refresh_token") or "sbx-refresh~" + secrets.token_urlsafe(24)
        current.canvas_tokens[refresh] = sub
    user = current.district.users[sub]
    return _json(
        {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": 3600,
            "user": {"id": user.id, "name": user.name},
        }
    )


# --- the API -------------------------------------------------------------------------------


def _caller() -> User:
    header = request.headers.get("Authorization", "")
    sub = _state().canvas_tokens.get(header.removeprefix("Bearer ").strip())
    if not header.startswith("Bearer ") or sub is None:
        raise SandboxError("Invalid access token.", status=401, error="invalid_token")
    return _state().district.users[sub]


def _user(user_id: str) -> User:
    caller = _caller()
    if user_id not in ("self", str(caller.id)):
        raise SandboxError("user not authorized to perform that action", status=401)
    return caller


def _course_json(course: Course) -> dict[str, Any]:
    body: dict[str, Any] = {"id": course.id, "name": course.title, "course_code": course.label}
    if "term" in request.args.getlist("include[]"):
        body["term"] = {"name": course.term or "Default Term"}
    return body


def _scores(course: Course, sub: str) -> tuple[float | None, float | None]:
    """``current_score`` (graded items) and ``final_score`` (ungraded count as 0)."""
    district = _state().district
    graded = maximum_graded = maximum_all = 0.0
    for item in district.line_items.get(course.context_id, {}).values():
        maximum_all += item.score_maximum
        result = district.results.get(item.id, {}).get(sub)
        if result is not None and result.result_score is not None:
            graded += result.result_score / (result.result_maximum or 1) * item.score_maximum
            maximum_graded += item.score_maximum
    current = round(graded / maximum_graded * 100, 2) if maximum_graded else None
    final = round(graded / maximum_all * 100, 2) if maximum_all else None
    return current, final


@canvas_rest.get("/api/v1/users/<user_id>")
def get_user(user_id: str) -> Response:
    """The signed-in person."""
    user = _user(user_id)
    return _json({"id": user.id, "name": user.name, "sortable_name": user.family_name})


@canvas_rest.get("/api/v1/users/<user_id>/enrollments")
def user_enrollments(user_id: str) -> Response:
    """The person's student enrollments with course grades."""
    user = _user(user_id)
    states = set(request.args.getlist("state[]")) or {"active"}
    body = []
    for course in _state().district.courses_of(user.sub):
        enrollment = _state().district.enrollments[course.context_id][user.sub]
        if ROLE_LEARNER not in enrollment.roles:
            continue
        state = "completed" if course.concluded else "active"
        if state not in states:
            continue
        current, final = _scores(course, user.sub)
        body.append(
            {
                "id": course.id * 1000 + user.id,
                "course_id": course.id,
                "user_id": user.id,
                "type": "StudentEnrollment",
                "role": "StudentEnrollment",
                "enrollment_state": state,
                "grades": {
                    "current_score": current,
                    "final_score": final,
                    "current_grade": None,
                    "final_grade": None,
                },
            }
        )
    return _json(body)


@canvas_rest.get("/api/v1/users/<user_id>/courses")
def user_courses(user_id: str) -> Response:
    """The person's courses (with their terms on ``include[]=term``)."""
    user = _user(user_id)
    return _json([_course_json(c) for c in _state().district.courses_of(user.sub)])


@canvas_rest.get("/api/v1/courses/<int:course_id>")
def get_course(course_id: int) -> Response:
    """One course the person is enrolled in."""
    user = _caller()
    for course in _state().district.courses_of(user.sub):
        if course.id == course_id:
            return _json(_course_json(course))
    raise SandboxError("The specified resource does not exist.", status=404, error="not_found")


# --- Inbox (conversations) -----------------------------------------------------------------


def _conversation_json(conversation: dict[str, Any]) -> dict[str, Any]:
    district = _state().district
    people = [conversation["sender"], *conversation["recipients"]]
    return {
        "id": conversation["id"],
        "subject": conversation["subject"],
        "workflow_state": "unread",
        "last_message": conversation["messages"][-1]["body"],
        "message_count": len(conversation["messages"]),
        "private": len(conversation["recipients"]) == 1,
        "audience": [district.users[s].id for s in conversation["recipients"]],
        "participants": [
            {"id": district.users[s].id, "name": district.users[s].name} for s in people
        ],
        "messages": conversation["messages"],
    }


@canvas_rest.post("/api/v1/conversations")
def create_conversation() -> Response:
    """Send an Inbox message from the caller to the ``recipients[]`` (user ids)."""
    caller = _caller()
    district = _state().district
    by_id = {str(u.id): u for u in district.users.values()}
    wanted = request.form.getlist("recipients[]") or request.form.getlist("recipients")
    body = (request.form.get("body") or "").strip()
    unknown = [r for r in wanted if r not in by_id]
    if not wanted or unknown:
        return _json({"errors": [{"attribute": "recipients", "message": "invalid"}]}, 400)
    if not body:
        return _json({"errors": [{"attribute": "body", "message": "blank"}]}, 400)
    recipients = [by_id[r].sub for r in wanted]
    force_new = (request.form.get("force_new") or "").lower() == "true"
    group = (request.form.get("group_conversation") or "").lower() == "true"
    current = _state()
    with current.lock:
        targets = [recipients] if group or len(recipients) == 1 else [[r] for r in recipients]
        made = []
        for audience in targets:
            existing = None
            if not force_new and len(audience) == 1:
                existing = next(
                    (
                        c
                        for c in current.canvas_conversations
                        if {c["sender"], *c["recipients"]} == {caller.sub, audience[0]}
                        and len(c["recipients"]) == 1
                    ),
                    None,
                )
            message = {"author_id": caller.id, "body": body}
            if existing is not None:
                existing["messages"].append(message)
                existing["subject"] = request.form.get("subject") or existing["subject"]
                made.append(existing)
                continue
            conversation = {
                "id": len(current.canvas_conversations) + 1,
                "sender": caller.sub,
                "recipients": audience,
                "subject": request.form.get("subject") or "",
                "messages": [message],
            }
            current.canvas_conversations.append(conversation)
            made.append(conversation)
    return _json([_conversation_json(c) for c in made], 201)


@canvas_rest.get("/api/v1/conversations")
def list_conversations() -> Response:
    """The caller's conversations (sent or received), newest first."""
    caller = _caller()
    mine = [
        c
        for c in _state().canvas_conversations
        if caller.sub == c["sender"] or caller.sub in c["recipients"]
    ]
    return _json([_conversation_json(c) for c in reversed(mine)])

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

and for a Canvas account admin (``AccountAdmin``; anyone else gets Canvas's 401 "user not
authorized to perform that action"), the district's course list:

* ``GET /api/v1/accounts`` (the accounts the person administers), ``GET /api/v1/accounts/:id``,
* ``GET /api/v1/accounts/:id/courses`` (``with_enrollments``, ``enrollment_type[]``,
  ``state[]`` filters; every course is ``available`` unless concluded),
* ``GET /api/v1/courses/:id/enrollments`` (``type[]``, ``state[]``; each with its ``user``:
  ``id``, ``name``, ``sortable_name``, ``short_name``, ``sis_user_id``, ``integration_id``,
  ``login_id``, and ``email`` with ``include[]=email``),

paginated as Canvas does: ``page`` and ``per_page`` (default 10, at most 100) and a ``Link``
header with ``current``, ``next``, ``first`` and ``last``.

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
from .vocab import ROLE_INSTRUCTOR, ROLE_LEARNER, ROLE_MENTOR

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


# --- the district's course list (account admins) ---------------------------------------------

ACCOUNT_ADMIN = "AccountAdmin"


def _account_admin() -> User:
    caller = _caller()
    if ACCOUNT_ADMIN not in caller.account_roles:
        raise SandboxError("user not authorized to perform that action", status=401)
    return caller


def _account(account_id: str) -> dict[str, Any]:
    district = _state().district
    if account_id not in ("self", str(district.account_id)):
        raise SandboxError("The specified resource does not exist.", status=404, error="not_found")
    return {
        "id": district.account_id,
        "name": district.name,
        "parent_account_id": None,
        "root_account_id": None,
        "workflow_state": "active",
    }


def _paged(items: list[Any]) -> Response:
    """One page of ``items`` with Canvas's ``Link`` header."""
    try:
        page = max(1, int(request.args.get("page", "1")))
        per_page = min(100, max(1, int(request.args.get("per_page", "10"))))
    except ValueError as exc:
        raise SandboxError("page and per_page must be numbers") from exc
    last = max(1, -(-len(items) // per_page))
    response = _json(items[(page - 1) * per_page : page * per_page])
    base = _state().url(request.path)
    others = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "per_page")]

    def link(number: int, rel: str) -> str:
        query = urlencode([*others, ("page", str(number)), ("per_page", str(per_page))])
        return f'<{base}?{query}>; rel="{rel}"'

    links = [link(page, "current")]
    if page < last:
        links.append(link(page + 1, "next"))
    links += [link(1, "first"), link(last, "last")]
    response.headers["Link"] = ",".join(links)
    return response


@canvas_rest.get("/api/v1/accounts")
def accounts() -> Response:
    """The accounts the person administers: the district's root account, for its admins."""
    caller = _caller()
    if ACCOUNT_ADMIN not in caller.account_roles:
        return _paged([])
    return _paged([_account("self")])


@canvas_rest.get("/api/v1/accounts/<account_id>")
def get_account(account_id: str) -> Response:
    """One account."""
    _account_admin()
    return _json(_account(account_id))


def _account_course_json(course: Course) -> dict[str, Any]:
    body = _course_json(course)
    body.update(
        {
            "account_id": _state().district.account_id,
            "sis_course_id": course.sis_id,
            "workflow_state": "completed" if course.concluded else "available",
        }
    )
    return body


@canvas_rest.get("/api/v1/accounts/<account_id>/courses")
def account_courses(account_id: str) -> Response:
    """The account's courses, filtered as Canvas filters them."""
    _account_admin()
    _account(account_id)
    district = _state().district
    states = set(request.args.getlist("state[]"))
    with_enrollments = request.args.get("with_enrollments") in ("true", "1", "True")
    types = set(request.args.getlist("enrollment_type[]"))
    wanted = {
        "student": ROLE_LEARNER,
        "teacher": ROLE_INSTRUCTOR,
    }
    body = []
    for course in district.courses.values():
        state = "completed" if course.concluded else "available"
        if states and state not in states and "all" not in states:
            continue
        roster = district.enrollments.get(course.context_id, {}).values()
        if with_enrollments and not roster:
            continue
        if types and not any(
            wanted.get(t) in e.roles for e in roster for t in types if t in wanted
        ):
            continue
        body.append(_account_course_json(course))
    return _paged(body)


_ENROLLMENT_TYPES = {
    ROLE_LEARNER: "StudentEnrollment",
    ROLE_INSTRUCTOR: "TeacherEnrollment",
    ROLE_MENTOR: "ObserverEnrollment",
}


@canvas_rest.get("/api/v1/courses/<int:course_id>/enrollments")
def course_enrollments(course_id: int) -> Response:
    """A course's enrollments (one per person and type), with their users."""
    _account_admin()
    district = _state().district
    course = next((c for c in district.courses.values() if c.id == course_id), None)
    if course is None:
        raise SandboxError("The specified resource does not exist.", status=404, error="not_found")
    types = set(request.args.getlist("type[]"))
    states = set(request.args.getlist("state[]")) or {"active", "invited"}
    with_email = "email" in request.args.getlist("include[]")
    body = []
    for enrollment in district.enrollments.get(course.context_id, {}).values():
        state = {"Active": "active", "Inactive": "inactive"}.get(enrollment.status, "deleted")
        if course.concluded and state == "active":
            state = "completed"
        if state not in states:
            continue
        user = district.users[enrollment.sub]
        for number, (role, kind) in enumerate(_ENROLLMENT_TYPES.items()):
            if role not in enrollment.roles or (types and kind not in types):
                continue
            person: dict[str, Any] = {
                "id": user.id,
                "name": user.name,
                "sortable_name": f"{user.family_name}, {user.given_name}",
                "short_name": user.name,
                "sis_user_id": user.sis_id,
                "integration_id": None,
                "login_id": user.email.split("@", 1)[0],
            }
            if with_email:
                person["email"] = user.email
            body.append(
                {
                    "id": (course.id * 10_000 + user.id) * 10 + number,
                    "course_id": course.id,
                    "user_id": user.id,
                    "type": kind,
                    "role": kind,
                    "enrollment_state": state,
                    "sis_course_id": course.sis_id,
                    "sis_user_id": user.sis_id,
                    "user": person,
                }
            )
    return _paged(body)


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

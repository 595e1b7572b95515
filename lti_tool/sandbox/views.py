"""Browser-facing endpoints of the sandbox LMS.

* ``GET /`` — demo home page listing the district's people with launch links,
* ``GET /courses/<context_id>/view`` — course page embedding the tool in an iframe,
* ``GET /courses/<context_id>/return`` — ``launch_presentation.return_url`` target,
* ``GET|POST /auth`` — OIDC authorization endpoint answering with an auto-posting form,
* ``GET /jwks`` — the platform's public keys,
* ``GET /platform_storage/forwarding`` — a Canvas-like postMessage forwarding frame,
* ``POST /deep_linking/return`` — receives the tool's Deep Linking response,
* ``GET|POST|DELETE /_sandbox/faults``, ``GET|PUT /_sandbox/scopes`` and
  ``GET /_sandbox/requests`` — test controls.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, NamedTuple, TypeGuard

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from . import vocab
from .client_auth import verify_tool_jwt
from .data import Course, User
from .flavours import USER_NAVIGATION
from .launch import HINT_MAX_AGE, build_launch_claims, decode_hint, login_initiation_url
from .state import SandboxError, SandboxState

bp = Blueprint("sandbox", __name__)


def state() -> SandboxState:
    """Return the sandbox state of the current app."""
    return current_app.extensions["sandbox"]  # type: ignore[no-any-return]


@bp.app_context_processor
def _inject_globals() -> dict[str, Any]:
    current = state()
    return {"state": current, "district": current.district}


# --- Access rules ---------------------------------------------------------------


def check_launch_allowed(
    current: SandboxState, user: User, course: Course, message_type: str
) -> None:
    """Raise a 403 :class:`SandboxError` unless ``user`` may launch from ``course``.

    Counselors and admins may launch from any course; everyone else needs an
    active enrollment.  Deep Linking is offered to the course's instructors and
    to admins only.
    """
    enrollment = current.enrollment(course.context_id, user.sub)
    if user.kind not in {"counselor", "admin"} and (
        enrollment is None or enrollment.status != "Active"
    ):
        raise SandboxError(
            f"{user.name} has no active enrollment in {course.title}", status=403, error="forbidden"
        )
    if message_type == vocab.MESSAGE_DEEP_LINKING:
        is_instructor = enrollment is not None and vocab.ROLE_INSTRUCTOR in enrollment.roles
        if not (is_instructor or user.kind == "admin"):
            raise SandboxError(
                "Deep Linking is only offered to the course's instructors",
                status=403,
                error="forbidden",
            )


class StorageMode(NamedTuple):
    """How the course page offers LTI platform storage to the framed tool."""

    label: str
    #: The ``lti_storage_target`` login parameter (None: the parameter is not sent).
    target: str | None
    #: Whether the page listens for ``lti.*`` storage messages at all.
    listens: bool
    #: Whether a sibling frame with the target's name relays them (Canvas's forwarder).
    forwarding_frame: bool


FORWARDING_FRAME = "post_message_forwarding"

#: ``parent``: the page answers (``lti_storage_target=_parent``, as Sakai sends). ``canvas``: Canvas's web app, which names its hidden forwarding frame.
#: ``canvas-rce``: inside Canvas's Rich Content Editor the tool's parent is the editor, whose
#: frames hold no forwarding frame; the parent window still answers. ``moodle``: Moodle 4.5
#: sends no ``lti_storage_target`` and listens for no storage messages.
STORAGE_MODES: dict[str, StorageMode] = {
    "parent": StorageMode("Course page answers (_parent)", "_parent", True, False),
    "canvas": StorageMode("Like Canvas (forwarding frame)", FORWARDING_FRAME, True, True),
    "canvas-rce": StorageMode(
        "Like Canvas's editor (frame missing)", FORWARDING_FRAME, True, False
    ),
    "moodle": StorageMode("Like Moodle 4.5 (no platform storage)", None, False, False),
}


_ROLE_LABELS = {
    "teacher": "Teacher",
    "student": "Student",
    "counselor": "Counselor",
    "parent": "Parent",
    "admin": "District administrator",
}


# --- Pages --------------------------------------------------------------------


@bp.get("/")
def home() -> str:
    """Demo home page: every course and person with "Open Lodestar as ..." links."""
    current = state()
    district = current.district
    courses = []
    for c in district.courses.values():
        teacher = district.teacher_of(c.context_id)
        students = district.students_of(c.context_id)
        shown = {u.sub for u in students} | ({teacher.sub} if teacher else set())
        # Co-teachers and other staff (not the parents: they have their own cards).
        staff = [
            district.users[e.sub]
            for e in district.enrollments.get(c.context_id, {}).values()
            if e.sub not in shown and vocab.ROLE_MENTOR not in e.roles
        ]
        courses.append({"course": c, "teacher": teacher, "students": students, "staff": staff})
    first_course = next(iter(district.courses.values()), None)
    others: list[dict[str, Any]] = []
    for user in district.users_of_kind("counselor"):
        others.append(
            {
                "user": user,
                "heading": "Counselor",
                "note": user.note or "school counselor, institution role Staff",
                "course": first_course,
            }
        )
    for user in district.users_of_kind("parent"):
        children = [district.users[s] for s in district.mentor_links.get(user.sub, [])]
        child_courses = district.courses_of(children[0].sub) if children else []
        note = "parent of " + ", ".join(c.name for c in children) if children else None
        note = user.note or note
        others.append(
            {
                "user": user,
                "heading": "Parent",
                "note": note,
                "course": child_courses[0] if child_courses else None,
            }
        )
    for user in district.users_of_kind("admin"):
        others.append(
            {
                "user": user,
                "heading": "District administrator",
                "note": user.note or "institution role Administrator",
                "course": first_course,
            }
        )
    return render_template("home.html", courses=courses, others=others)


@bp.get("/courses/<context_id>/view")
def course_view(context_id: str) -> str:
    """Course page embedding the tool; the iframe starts at the tool's OIDC login URL.

    ``storage`` picks how the page offers LTI platform storage (see ``STORAGE_MODES``).
    """
    current = state()
    sub = request.args.get("user")
    if not sub:
        raise SandboxError("the user query parameter is required")
    course = current.get_course(context_id)
    user = current.get_user(sub)
    message = request.args.get("message", "resource_link")
    if message not in {"resource_link", "deep_link"}:
        raise SandboxError("message must be resource_link or deep_link")
    message_type = (
        vocab.MESSAGE_DEEP_LINKING if message == "deep_link" else vocab.MESSAGE_RESOURCE_LINK
    )
    check_launch_allowed(current, user, course, message_type)
    link_id = request.args.get("resource_link") or course.default_resource_link_id
    current.get_resource_link(context_id, link_id)
    # ``?flavour=canvas|moodle|sandbox`` shapes this one launch like that LMS.
    flavour = request.args.get("flavour") or None
    storage = request.args.get("storage", "parent")
    if storage not in STORAGE_MODES:
        raise SandboxError("storage must be one of " + ", ".join(STORAGE_MODES))
    launch_url = login_initiation_url(
        current,
        user,
        course,
        message_type=message_type,
        resource_link_id=link_id,
        storage_target=STORAGE_MODES[storage].target,
        flavour=flavour,
    )
    heading = "Add a plan reflection activity" if message == "deep_link" else "Lodestar ILP"
    if message == "resource_link":
        heading = current.get_resource_link(context_id, link_id).title
    links = list(current.district.resource_links.get(context_id, {}).values())
    new_window_url = url_for(
        "sandbox.new_window_launch",
        context_id=context_id,
        user=user.sub,
        resource_link=link_id,
        flavour=flavour,
    )
    return render_template(
        "course.html",
        course=course,
        user=user,
        role_label=_ROLE_LABELS[user.kind],
        launch_url=launch_url,
        new_window_url=new_window_url,
        heading=heading,
        links=links,
        active_link_id=link_id if message == "resource_link" else None,
        storage=storage,
        storage_mode=STORAGE_MODES[storage],
        storage_modes=STORAGE_MODES,
        message=message,
    )


@bp.get("/courses/<context_id>/new_window")
def new_window_launch(context_id: str) -> WerkzeugResponse:
    """ "Open in new window": a fresh launch in a tab of its own, as an LMS makes one (each
    launch has its own ``lti_message_hint``; the iframe's was used already)."""
    current = state()
    sub = request.args.get("user")
    if not sub:
        raise SandboxError("the user query parameter is required")
    course = current.get_course(context_id)
    user = current.get_user(sub)
    check_launch_allowed(current, user, course, vocab.MESSAGE_RESOURCE_LINK)
    link_id = request.args.get("resource_link") or course.default_resource_link_id
    current.get_resource_link(context_id, link_id)
    return redirect(
        login_initiation_url(
            current,
            user,
            course,
            message_type=vocab.MESSAGE_RESOURCE_LINK,
            resource_link_id=link_id,
            flavour=request.args.get("flavour") or None,
        )
    )


@bp.get("/platform_storage/forwarding")
def forwarding_frame() -> str:
    """Canvas's ``post_message_forwarding`` frame: relays storage messages between the tool
    and the course page (``app/views/lti/platform_storage/post_message_forwarding``)."""
    return render_template("forwarding.html")


@bp.get("/courses/<context_id>/return")
def course_return(context_id: str) -> str:
    """Landing page for ``launch_presentation.return_url`` (shows ``lti_msg``/``lti_errormsg``)."""
    course = state().district.courses.get(context_id)
    return render_template(
        "returned.html",
        course=course,
        message=request.args.get("lti_msg"),
        error_message=request.args.get("lti_errormsg"),
    )


# --- OIDC authorization ----------------------------------------------------------


def _require(params: dict[str, str], name: str, expected: str | None = None) -> str:
    value = params.get(name, "")
    if not value:
        raise SandboxError(f"{name} is required")
    if expected is not None and value != expected:
        raise SandboxError(f"{name} must be {expected!r}, got {value!r}")
    return value


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> Response:
    """OIDC authorization endpoint of the LTI 1.3 launch (implicit flow, form_post)."""
    current = state()
    params = {k: v for k, v in request.values.items()}
    scopes = params.get("scope", "").split()
    if "openid" not in scopes:
        raise SandboxError("scope must be openid")
    _require(params, "response_type", "id_token")
    _require(params, "response_mode", "form_post")
    _require(params, "prompt", "none")
    client_id = _require(params, "client_id")
    if client_id != current.client_id:
        raise SandboxError(f"unknown client_id {client_id!r}")
    redirect_uri = _require(params, "redirect_uri")
    if redirect_uri != current.tool_launch_url:
        raise SandboxError(
            f"redirect_uri {redirect_uri!r} is not registered; use {current.tool_launch_url!r}"
        )
    nonce = _require(params, "nonce")
    state_value = _require(params, "state")
    login_hint = _require(params, "login_hint")
    user = current.district.users.get(login_hint)
    if user is None:
        raise SandboxError("login_hint is not a known user")
    hint = decode_hint(current, _require(params, "lti_message_hint"))
    if hint.get("sub") != user.sub:
        raise SandboxError("lti_message_hint was issued for another user")

    message_type = str(hint.get("msg"))
    options = _launch_options(hint)
    target = current.tool_launch_url
    course: Course | None = None
    link_id: str | None = None
    # Everyone has Canvas's account menu: a user_navigation launch has no course to check.
    if options["placement"] != USER_NAVIGATION:
        course = current.get_course(str(hint.get("ctx")))
        check_launch_allowed(current, user, course, message_type)
        link_id = str(hint.get("rl") or course.default_resource_link_id)
        if message_type == vocab.MESSAGE_RESOURCE_LINK:
            target = current.get_resource_link(course.context_id, link_id).url or target
    claims = build_launch_claims(
        current,
        user,
        course,
        message_type=message_type,
        nonce=nonce,
        resource_link_id=link_id,
        target_link_uri=target,
        **options,
    )
    # Each launch is authorized once (Moodle unsets the launch from its session, Canvas
    # answers "launch_no_longer_valid"): a second login with the same hint is refused.
    if not current.remember_jti(f"message-hint:{hint.get('n')}", time.time() + HINT_MAX_AGE):
        raise SandboxError(
            "this lti_message_hint was already used: the launch has either expired or "
            "already been consumed; open the tool again from the course",
            error="launch_no_longer_valid",
        )
    id_token = current.sign_jwt(claims)
    response = make_response(
        render_template(
            "auth_post.html", redirect_uri=redirect_uri, id_token=id_token, state_value=state_value
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _launch_options(hint: dict[str, Any]) -> dict[str, Any]:
    """The per-launch ``placement``, ``flavour`` and ``custom`` carried by a message hint."""
    placement, flavour, custom = hint.get("pl"), hint.get("fl"), hint.get("cu")
    if placement is not None and not isinstance(placement, str):
        raise SandboxError("invalid lti_message_hint")
    if flavour is not None and not isinstance(flavour, str):
        raise SandboxError("invalid lti_message_hint")
    if custom is not None and not isinstance(custom, dict):
        raise SandboxError("invalid lti_message_hint")
    return {"placement": placement, "flavour": flavour, "custom": custom}


@bp.get("/jwks")
def jwks() -> Response:
    """The platform's JSON Web Key Set."""
    return jsonify(state().key.jwks())


# --- Deep Linking return ----------------------------------------------------------


def _as_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@bp.post("/deep_linking/return")
def deep_linking_return() -> str:
    """Receive an ``LtiDeepLinkingResponse`` and store its ``ltiResourceLink`` items."""
    current = state()
    token = request.form.get("JWT", "")
    if not token:
        raise SandboxError("the JWT form field is required")
    try:
        claims = verify_tool_jwt(
            current, token, audience=current.issuer, required=("iss", "aud", "exp", "iat", "nonce")
        )
    except SandboxError as exc:
        raise SandboxError(f"Deep Linking response rejected: {exc.message}") from exc
    if claims.get("iss") != current.client_id:
        raise SandboxError("Deep Linking response iss must be the tool's client_id")
    if claims.get(vocab.CLAIM_MESSAGE_TYPE) != vocab.MESSAGE_DEEP_LINKING_RESPONSE:
        raise SandboxError(f"message_type must be {vocab.MESSAGE_DEEP_LINKING_RESPONSE}")
    if claims.get(vocab.CLAIM_VERSION) != vocab.LTI_VERSION:
        raise SandboxError(f"version must be {vocab.LTI_VERSION}")
    if claims.get(vocab.CLAIM_DEPLOYMENT_ID) != current.deployment_id:
        raise SandboxError("deployment_id does not match this deployment")
    if not current.remember_jti("dl-nonce:" + str(claims["nonce"]), float(claims["exp"])):
        raise SandboxError("this Deep Linking response was already received")

    data = claims.get(vocab.CLAIM_DL_DATA)
    if isinstance(data, str) and data:
        payload = decode_hint(current, data, purpose="deep-link-data", max_age=24 * 3600)
        context_id, sub = payload.get("ctx"), payload.get("sub")
    else:
        context_id, sub = request.args.get("context_id"), None
    if not context_id:
        raise SandboxError("cannot tell which course this Deep Linking response is for")
    course = current.get_course(str(context_id))

    items = claims.get(vocab.CLAIM_DL_CONTENT_ITEMS, [])
    if not isinstance(items, list):
        raise SandboxError("content_items must be a list")
    titles: list[str] = []
    skipped: list[str] = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
            skipped.append(str(item.get("type")) if isinstance(item, dict) else "?")
            continue
        titles.append(_store_content_item(current, course, item))

    back_url = url_for("sandbox.home")
    if sub and sub in current.district.users:
        back_url = url_for("sandbox.course_view", context_id=course.context_id, user=sub)
    return render_template(
        "deep_link_done.html",
        course=course,
        titles=titles,
        skipped=skipped,
        back_url=back_url,
        message=_as_text(claims.get(vocab.CLAIM_DL_MSG)),
        error_message=_as_text(claims.get(vocab.CLAIM_DL_ERRORMSG)),
    )


def _store_content_item(current: SandboxState, course: Course, item: dict[str, Any]) -> str:
    """Create the resource link (and line item) described by one content item."""
    title = _as_text(item.get("title")) or "Untitled activity"
    custom_raw = item.get("custom") or {}
    if not isinstance(custom_raw, dict):
        raise SandboxError("content item custom must be an object")
    line_item_raw = item.get("lineItem")
    if line_item_raw is not None:
        if not isinstance(line_item_raw, dict):
            raise SandboxError("content item lineItem must be an object")
        maximum = line_item_raw.get("scoreMaximum")
        if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
            raise SandboxError("lineItem.scoreMaximum must be a positive number")
    # LTI Deep Linking 2.0 section 3.4.1: ``submission.endDateTime`` is when submissions
    # close; Canvas makes it the assignment's due date (the line item's endDateTime here).
    submission = item.get("submission")
    if submission is not None and not isinstance(submission, dict):
        raise SandboxError("content item submission must be an object")
    due = _as_text((submission or {}).get("endDateTime"))
    if due is not None:
        _check_iso8601(due, "submission.endDateTime")
    with current.lock:
        link = current.add_resource_link(
            course.context_id,
            title=title,
            url=_as_text(item.get("url")),
            text=_as_text(item.get("text")),
            custom={str(k): str(v) for k, v in custom_raw.items()},
        )
        if line_item_raw is not None:
            line_item = current.create_line_item(
                course.context_id,
                label=_as_text(line_item_raw.get("label")) or title,
                score_maximum=float(line_item_raw["scoreMaximum"]),
                resource_id=_as_text(line_item_raw.get("resourceId")),
                tag=_as_text(line_item_raw.get("tag")),
                resource_link_id=link.id,
                end_date_time=due,
            )
            link.line_item_id = line_item.id
    return title


def _check_iso8601(value: str, name: str) -> None:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SandboxError(f"{name} must be an ISO 8601 date and time") from exc


@bp.get("/courses/<context_id>/gradebook")
def gradebook(context_id: str) -> str:
    """The course's gradebook as its teacher sees it: every column (line item), its due
    date, and each student's current result and comment as the tool last sent them."""
    current = state()
    course = current.get_course(context_id)
    items = list(current.district.line_items.get(context_id, {}).values())
    students = list(current.district.students_of(context_id))
    results = {item.id: {r.user_id: r for r in current.results(item)} for item in items}
    return render_template(
        "gradebook.html", course=course, items=items, students=students, results=results
    )


# --- Test controls -------------------------------------------------------------------


@bp.get("/_sandbox/faults")
def list_faults() -> Response:
    """List pending injected faults."""
    current = state()
    with current.lock:
        return jsonify({"faults": [f.to_json() for f in current.faults]})


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@bp.post("/_sandbox/faults")
def add_fault() -> tuple[Response, int]:
    """Inject a fault: JSON ``{path_prefix, status, count=1, retry_after=null}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise SandboxError("expected a JSON object")
    prefix, status = body.get("path_prefix"), body.get("status")
    count, retry_after = body.get("count", 1), body.get("retry_after")
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise SandboxError("path_prefix must be a path starting with /")
    if not _is_int(status) or not _is_int(count):
        raise SandboxError("status and count must be integers")
    if retry_after is not None and not _is_int(retry_after):
        raise SandboxError("retry_after must be an integer or null")
    fault = state().inject_fault(prefix, status, count, retry_after)
    return jsonify(fault.to_json()), 201


@bp.delete("/_sandbox/faults")
def clear_faults() -> tuple[str, int]:
    """Remove every pending fault."""
    state().clear_faults()
    return "", 204


@bp.get("/_sandbox/scopes")
def get_scopes() -> Response:
    """The service scopes the tool's registration has and the token endpoint's policy."""
    current = state()
    with current.lock:
        return jsonify({"scopes": sorted(current.granted_scopes), "policy": current.scope_policy})


@bp.put("/_sandbox/scopes")
def put_scopes() -> Response:
    """Set the registration's scopes: JSON ``{scopes: [...], policy: "canvas"|"moodle"}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise SandboxError("expected a JSON object")
    scopes, policy = body.get("scopes"), body.get("policy")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise SandboxError("scopes must be a list of strings")
    if policy is not None and not isinstance(policy, str):
        raise SandboxError("policy must be a string")
    state().set_granted_scopes(scopes, policy)
    return get_scopes()


@bp.get("/_sandbox/requests")
def recent_requests() -> Response:
    """The last ``limit`` (default 100) entries of the request log."""
    current = state()
    limit = request.args.get("limit", "100")
    count = int(limit) if limit.isascii() and limit.isdigit() else 100
    with current.lock:
        entries = list(current.request_log)[-count:] if count else []
    return jsonify({"requests": [e._asdict() for e in entries]})

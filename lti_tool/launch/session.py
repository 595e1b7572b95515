"""Who is making this request: the Lodestar session a launch opened.

Every session is a server-side record (``lti_tool/session_records.py``) that ends on
"Sign out", after ``ILP_SESSION_IDLE_MINUTES`` idle minutes, ``ILP_LAUNCH_TOKEN_TTL`` seconds
after the launch, and when the person's roles or enrollments change. A browser carries it in
one of two ways, chosen at the launch:

* **Cookie** (``SessionMode.COOKIE``): the launch's state cookie came back, so the browser
  keeps Lodestar's partitioned cookie in the LMS frame. The cookie holds the session's handle
  and secret; no link or URL carries anything of the session. Forms carry a CSRF token
  derived from the session (``csrf``).
* **Frame** (``SessionMode.FRAME``): the browser blocks the cookie (Safari in an LMS iframe)
  and the launch came through the platform's postMessage storage, by ``launch.js``. Links
  and forms name the session (``lt`` = its handle), which opens nothing by itself: every
  request must also prove it comes from the frame that launched, with the secret that frame
  keeps in its ``sessionStorage``. ``pages.js`` sends it as a header with its own requests,
  as a form field (``fs``) with posts, and trades it for a one-time *hop* code (valid
  ``HOP_TTL`` seconds, used once) before each navigation. A URL copied from the history of a
  shared school computer therefore holds a used hop code and a handle, and opens nothing in
  another browser: it gets a page that says so.

A request naming one person's session (``lt``) in a browser whose cookie belongs to another
person is refused (409): Lodestar never silently swaps whose plan a page writes to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestEntityTooLarge

from lti_tool import session_records as records
from lti_tool.actor import Actor
from lti_tool.errors import LaunchRequired, ToolError
from lti_tool.extensions import db
from lti_tool.launch.services import LaunchResult
from lti_tool.models import Person, SessionMode, UserSession
from lti_tool.tenants import in_service

#: A frame-mode session's handle in links and forms (names the session, proves nothing).
TOKEN_PARAM = "lt"  # noqa: S105 - a parameter name
TOKEN_HEADER = "X-Lodestar-Launch"  # noqa: S105 - a header name
#: The frame's secret, in a header (its script's own requests) or a posted form field.
PROOF_HEADER = "X-Lodestar-Frame"
PROOF_FIELD = "fs"
#: A one-time code that lets one navigation join a session.
HOP_PARAM = "hop"
#: Requests that only read; a hop code is good for these alone.
SAFE_METHODS = frozenset({"GET", "HEAD"})
#: The cookie session's CSRF token, in a posted form field or a header.
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-Lodestar-CSRF"

ENDED_MESSAGES = {
    records.SIGNED_OUT: "You signed out of Lodestar. To come back, open Lodestar again from "
    "your course.",
    records.IDLE: "You were signed out of Lodestar after a while without activity, to keep "
    "your plan private. Open Lodestar again from your course.",
    records.EXPIRED: "Your Lodestar session has ended. Open Lodestar again from your course.",
    records.ACCESS_CHANGED: "Your classes or roles changed, so you were signed out of "
    "Lodestar. Open Lodestar again from your course.",
    records.ERASED: "Your Lodestar session has ended. Open Lodestar again from your course.",
}


class SessionConflict(ToolError):
    """A link names another person's session than the one this browser is signed in to."""

    status_code = 409
    title = "This link belongs to someone else's session"
    message = (
        "This link opens another person's Lodestar session, and this browser is "
        "signed in as someone else. Nothing was opened or changed. Open Lodestar "
        "again from your own course."
    )


class FrameProofNeeded(LaunchRequired):
    """A link names a frame session but the request does not come from that frame (yet):
    the page asks the frame's script to prove it, or says the link does not open here."""

    title = "This link does not open here"
    message = (
        "This Lodestar link only works in the window where it was opened. To keep "
        "plans private, it opens nothing here. Open Lodestar again from your course."
    )

    def __init__(self, handle: str) -> None:
        super().__init__(detail="frame session without its frame's proof")
        self.handle = handle


@dataclass(frozen=True)
class LiveSession:
    """What a request needs of its session record, copied out of the ORM row (which a
    commit during the request would expire)."""

    id: int
    handle: str
    mode: SessionMode
    last_seen_at: dt.datetime


def csrf_token(record: LiveSession) -> str:
    """The CSRF token of a cookie session: derived from its handle (never in a URL) with
    the app's secret, so a cross-site page cannot know it."""
    return csrf_for_handle(record.handle)


def csrf_for_handle(handle: str) -> str:
    """The CSRF token of the cookie session ``handle``."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"csrf:{handle}".encode(), hashlib.sha256).hexdigest()


def start_session(
    result: LaunchResult, launch_id: str | None, *, mode: SessionMode = SessionMode.COOKIE
) -> Actor:
    """Open the session for an accepted launch and return its actor. In cookie mode the
    cookie gets the session; in frame mode ``g.frame_secret`` holds the secret for the
    launch page's script, which keeps it in the frame."""
    record, secret = records.open_session(
        tenant_id=result.tenant_id,
        person_id=result.person_id,
        course_id=result.course_id,
        roles=result.roles,
        launch_id=launch_id,
        mode=mode,
    )
    proof = "cookie" if mode == SessionMode.COOKIE else "secret"
    if mode == SessionMode.COOKIE:
        session.clear()
        session.permanent = True
        session["sid"], session["sk"] = record.handle, secret
    else:
        if session:
            session.clear()  # a cookie this browser no longer sends in the frame
        g.frame_secret = secret
    _use(record, proof)
    return Actor.of(record)


def end_session() -> None:
    """Sign out: end this request's session and forget the cookie."""
    record: LiveSession | None = g.get("session_record")
    if record is not None:
        records.end_by_id(record.id, records.SIGNED_OUT)
    actor: Actor | None = g.get("actor")
    if actor is not None:
        g.session_tenant_id = actor.tenant_id  # the "signed out" page shows in the frame
    session.clear()
    g.actor, g.session_record = None, None


def _named(record: UserSession) -> None:
    """Note the tenant of a session this request names (live or not): its pages, even the
    ones that say it ended, may show in that tenant's LMS frame."""
    g.session_tenant_id = record.tenant_id


def _use(record: UserSession, proof: str) -> None:
    g.session_proof = proof
    g.session_record = LiveSession(
        id=record.id,
        handle=record.handle,
        mode=SessionMode(record.mode),
        last_seen_at=record.last_seen_at,
    )
    g.actor = Actor.of(record)
    g.session_person = record.person  # loaded with the session, in the same query


def _ended(reason: str) -> LaunchRequired:
    return LaunchRequired(ENDED_MESSAGES.get(reason), detail=f"session ended: {reason}")


def _cookie_session() -> UserSession | None:
    """The live session of this browser's cookie, or None (a dead one is forgotten; why it
    ended is kept in ``g.session_problem`` for the page)."""
    handle, secret = session.get("sid"), session.get("sk")
    if not handle:
        return None
    record = records.find(str(handle))
    if record is None or not records.secret_matches(record, str(secret or "")):
        session.clear()
        return None
    _named(record)
    g.cookie_person_id = record.person_id  # whose browser this is, even once it ended
    reason = records.check_alive(record)
    if reason:
        session.clear()
        g.session_problem = _ended(reason)
        return None
    return record


def _posted(name: str) -> str | None:
    """A posted form field, or None when the body was refused unread (over the request cap):
    the cookie still says who is asking, so the 413 page can be their own form again."""
    try:
        return request.form.get(name)
    except RequestEntityTooLarge:
        return None


def _frame_proof(record: UserSession) -> bool:
    """Whether the request carries the frame's secret (header, or posted ``fs`` field)."""
    secret = request.headers.get(PROOF_HEADER)
    if not secret and request.method not in SAFE_METHODS:
        secret = _posted(PROOF_FIELD)
    return records.secret_matches(record, secret)


def _load_actor() -> None:
    g.actor, g.session_record, g.session_problem, g.session_proof = None, None, None, None
    g.cookie_person_id = None
    cookie_record = _cookie_session()
    handle = (
        request.args.get(TOKEN_PARAM)
        or request.headers.get(TOKEN_HEADER)
        or (_posted(TOKEN_PARAM) if request.method not in SAFE_METHODS else None)
    )
    proof = None
    hop = request.args.get(HOP_PARAM)
    # A hop code opens one page (a navigation); it never stands in for the frame's secret
    # on a request that changes something, nor buys another hop code.
    if hop and request.method in SAFE_METHODS:
        hop_handle = records.take_hop(hop)
        if hop_handle and (not handle or hop_handle == handle):
            handle, proof = hop_handle, "hop"
    if not handle:
        if cookie_record is not None:
            _use(cookie_record, "cookie")
        return
    record = records.find(handle)
    if record is None:
        g.session_problem = LaunchRequired(detail="unknown session handle")
        return
    cookie_person = g.get("cookie_person_id")
    if cookie_person is not None and cookie_person != record.person_id:
        g.session_problem = SessionConflict(detail="URL session names another person")
        return
    _named(record)
    if proof is None and _frame_proof(record):
        proof = "secret"
    if proof is None:
        if cookie_record is not None:
            _use(cookie_record, "cookie")  # the same person's own cookie
        else:
            # Without the frame's proof nothing about the session is told, not even why
            # it ended.
            g.session_problem = FrameProofNeeded(handle)
        return
    reason = records.check_alive(record)
    if reason:
        g.session_problem = _ended(reason)
        return
    _use(record, proof)


def current_actor() -> Actor:
    """The actor of this request.

    :raises LaunchRequired: when there is no live session (with why it ended, when known),
        or the person or the tenant was removed since the launch.
    :raises SessionConflict: when a link names another person's session.
    """
    actor: Actor | None = g.get("actor")
    if actor is None:
        problem = g.get("session_problem")
        raise problem if problem is not None else LaunchRequired()
    if "actor_checked" not in g:
        person = g.get("session_person") or db.session.get(Person, actor.person_id)
        if person is None or person.tenant_id != actor.tenant_id or not in_service(actor.tenant_id):
            raise LaunchRequired(detail="person or tenant no longer exists")
        g.actor_checked = True
        g.actor_person = person
        live: LiveSession | None = g.get("session_record")
        if live is not None:
            records.touch(live.id, live.last_seen_at)
    return actor


def current_person() -> Person:
    """The ``Person`` row of the current actor."""
    current_actor()
    person: Person = g.actor_person
    return person


def frame_handle() -> str | None:
    """This request's frame session handle (None for cookie sessions and no session)."""
    record: LiveSession | None = g.get("session_record")
    if record is not None and record.mode == SessionMode.FRAME:
        return record.handle
    return None


def lurl(endpoint: str, **values: Any) -> str:
    """``url_for`` for links inside the tool: in a frame session it names the session
    (``lt``); with a cookie it adds nothing."""
    handle = frame_handle()
    if handle:
        values.setdefault(TOKEN_PARAM, handle)
    return url_for(endpoint, **values)


def flash_undo(text: str, what: str, undo_url: str) -> None:
    """Flash ``text`` after a deletion that can be taken back: ``base.html`` shows it with an
    "Undo" button that posts to ``undo_url`` (``what`` names the thing for screen readers).

    Flask keeps any value its session serializer can tag, although ``flash`` is typed for
    text; the page tells this mapping from plain messages by its category ``"undo"``."""
    message = {"text": text, "what": what, "undo": undo_url}
    flash(cast(str, message), "undo")


def with_hop(url: str) -> str:
    """``url`` with a fresh one-time hop code of this request's session."""
    record: LiveSession | None = g.get("session_record")
    if record is None:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != HOP_PARAM]
    query.append((HOP_PARAM, records.issue_hop(record.handle)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def new_hop() -> str:
    """A fresh one-time hop code of this request's session."""
    record: LiveSession = g.session_record
    return records.issue_hop(record.handle)


def session_field() -> Markup:
    """The hidden field of a GET form (a filter): the session's handle in a frame, nothing
    with a cookie (a GET form's fields end up in the URL, and the CSRF token must not)."""
    handle = frame_handle()
    if handle is None:
        return Markup("")
    return Markup(f'<input type="hidden" name="{TOKEN_PARAM}" value="{escape(handle)}">')  # noqa: S704 - the value is escaped


def token_field() -> Markup:
    """The hidden form field of this session: its handle in a frame (``pages.js`` adds the
    frame's secret when the form is sent), its CSRF token with a cookie."""
    record: LiveSession | None = g.get("session_record")
    if record is None:
        return Markup("")
    if record.mode == SessionMode.FRAME:
        return _hidden(TOKEN_PARAM, record.handle)
    return _hidden(CSRF_FIELD, csrf_token(record))


def _hidden(name: str, value: str) -> Markup:
    """A hidden input; the value is escaped."""
    return Markup(f'<input type="hidden" name="{name}" value="{escape(value)}">')  # noqa: S704


def page_session() -> dict[str, str]:
    """What ``pages.js`` needs to know of this page's session (no secret)."""
    record: LiveSession | None = g.get("session_record")
    if record is None:
        return {}
    if record.mode == SessionMode.FRAME:
        return {"handle": record.handle, "hop_url": url_for("launch.session_hop")}
    return {"csrf": csrf_token(record), "hop_url": url_for("launch.session_hop")}


def _csrf_ok() -> bool:
    """Whether a state-changing request proves it comes from one of our own pages: the
    frame's secret for a frame session, the session's CSRF token for a cookie session."""
    record: LiveSession | None = g.get("session_record")
    if record is None:
        return True  # no session: the view itself refuses (LaunchRequired)
    proof = g.get("session_proof")
    if proof == "secret":
        return True  # only our own script in the frame holds it
    if proof != "cookie":
        return False  # a hop code opens a page; it never changes anything
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return hmac.compare_digest(sent.encode(), csrf_token(record).encode())


def _hop_redirect(response: Response) -> Response:
    """A redirect within a frame session gets a hop code, so the next page opens without a
    round trip through the frame's script."""
    handle = frame_handle()
    location = response.headers.get("Location")
    if not handle or not location or response.status_code not in {301, 302, 303, 307, 308}:
        return response
    if g.get("session_proof") != "secret":
        return response  # a page opened by a hop code hands out no new one (resume page)
    parts = urlsplit(location)
    own = not parts.netloc or parts.netloc == request.host
    query = dict(parse_qsl(parts.query))
    if own and query.get(TOKEN_PARAM) == handle and HOP_PARAM not in query:
        response.headers["Location"] = with_hop(location)
    return response


def init_session(app: Flask) -> None:
    """Load the actor before each request and expose link helpers to templates."""

    @app.before_request
    def load_actor() -> None:
        _load_actor()

    @app.before_request
    def csrf_guard() -> None:
        if (
            request.method in {"POST", "PUT", "PATCH", "DELETE"}
            and g.get("actor") is not None
            and request.endpoint not in app.config.get("ILP_CSRF_EXEMPT", set())
            and not _csrf_ok()
        ):
            raise LaunchRequired(
                "This form has expired. Reload the page and try again.",
                detail="missing or wrong CSRF token",
            )

    @app.after_request
    def hop_redirects(response: Response) -> Response:
        return _hop_redirect(response)

    @app.errorhandler(FrameProofNeeded)
    def resume_in_frame(err: FrameProofNeeded) -> Any:
        current_app.logger.info(
            "%s %s -> 401 frame session without proof", request.method, request.path
        )
        if request.method != "GET":
            return render_template(
                "errors/error.html", status=401, title=err.title, message=err.message
            ), 401
        query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != HOP_PARAM])
        path = request.script_root + request.path
        config = {
            "handle": err.handle,
            "hop_url": url_for("launch.session_hop"),
            "target": path + (f"?{query}" if query else ""),
        }
        return render_template(
            "launch/resume.html", config=config, title=err.title, message=err.message
        ), 401

    app.jinja_env.globals.update(
        lurl=lurl, token_field=token_field, session_field=session_field, page_session=page_session
    )
    app.config.setdefault(
        "ILP_CSRF_EXEMPT",
        {
            "launch.launch",
            "launch.login",
            "launch.check_login",
            # guarded by its own short-lived signed token, re-checked
            "launch.approve_deployment",
        },
    )

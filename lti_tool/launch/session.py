"""Who is making this request: the Lodestar session after an LTI launch.

A launch opens a session in two forms at once:

* the Flask session cookie (``SameSite=None; Secure; Partitioned``), and
* a short-lived signed *launch token* carried in every link and form (``lt`` parameter or
  ``X-Lodestar-Launch`` header), for browsers that block cookies in the LMS iframe and for
  several tabs open on different courses.

A token in the request wins over the cookie. Either way ``g.actor`` holds an ``Actor``; the
rights it carries are re-checked by ``lti_tool.policy`` on every request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Flask, current_app, g, request, session, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup, escape

from lti_tool.errors import LaunchRequired
from lti_tool.extensions import db
from lti_tool.launch.services import LaunchResult
from lti_tool.models import Person, Role
from lti_tool.tenants import active_tenant, tenant_platform

TOKEN_PARAM = "lt"
TOKEN_HEADER = "X-Lodestar-Launch"


@dataclass(frozen=True)
class Actor:
    """The person behind the current request, as established by their latest launch."""

    tenant_id: int
    person_id: int
    course_id: int | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    launch_id: str | None = None

    def has(self, role: Role) -> bool:
        """Whether the launch granted ``role``."""
        return role in self.roles

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["roles"] = sorted(self.roles)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        return cls(tenant_id=int(data["tenant_id"]), person_id=int(data["person_id"]),
                   course_id=data.get("course_id"),
                   roles=frozenset(Role(r) for r in data.get("roles", [])),
                   launch_id=data.get("launch_id"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lodestar-launch-token")


def issue_token(actor: Actor) -> str:
    """A signed, expiring token that stands in for the session cookie."""
    return _serializer().dumps(actor.to_dict())


def read_token(token: str) -> Actor:
    """Verify a launch token.

    :raises LaunchRequired: when it is forged, malformed or expired.
    """
    try:
        data = _serializer().loads(token, max_age=current_app.config["ILP_LAUNCH_TOKEN_TTL"])
    except SignatureExpired as err:
        raise LaunchRequired("Your Lodestar session has expired. Open Lodestar again from "
                             "your course.") from err
    except BadSignature as err:
        raise LaunchRequired(detail="bad launch token signature") from err
    try:
        return Actor.from_dict(data)
    except (KeyError, TypeError, ValueError) as err:
        raise LaunchRequired(detail="malformed launch token") from err


def start_session(result: LaunchResult, launch_id: str | None) -> Actor:
    """Open the session for an accepted launch and return its actor."""
    actor = Actor(tenant_id=result.tenant_id, person_id=result.person_id,
                  course_id=result.course_id, roles=result.roles, launch_id=launch_id)
    session.clear()
    session.permanent = True
    session["actor"] = actor.to_dict()
    session["token"] = issue_token(actor)
    g.actor = actor
    g.launch_token = session["token"]
    return actor


def _load_actor() -> None:
    g.actor = None
    g.launch_token = None
    token = (request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
             or (request.form.get(TOKEN_PARAM) if request.method == "POST" else None))
    if token:
        g.actor = read_token(token)
        g.launch_token = token
        return
    data = session.get("actor")
    if data:
        try:
            g.actor = read_token(session.get("token", ""))
            g.launch_token = session["token"]
        except LaunchRequired:
            session.clear()


def current_actor() -> Actor:
    """The actor of this request.

    :raises LaunchRequired: when there is no valid session or token, or the person or the
        tenant was removed since the launch.
    """
    actor: Actor | None = g.get("actor")
    if actor is None:
        raise LaunchRequired()
    if "actor_checked" not in g:
        person = db.session.get(Person, actor.person_id)
        if person is None or person.tenant_id != actor.tenant_id \
                or active_tenant(actor.tenant_id) is None \
                or tenant_platform(actor.tenant_id) is None:
            raise LaunchRequired(detail="person or tenant no longer exists")
        g.actor_checked = True
        g.actor_person = person
    return actor


def current_person() -> Person:
    """The ``Person`` row of the current actor."""
    current_actor()
    person: Person = g.actor_person
    return person


def lurl(endpoint: str, **values: Any) -> str:
    """``url_for`` that carries the launch token, for links inside the tool."""
    token = g.get("launch_token")
    if token:
        values.setdefault(TOKEN_PARAM, token)
    return url_for(endpoint, **values)


def token_field() -> Markup:
    """A hidden form field carrying the launch token (doubles as the CSRF token)."""
    token = g.get("launch_token") or ""
    return Markup(f'<input type="hidden" name="{TOKEN_PARAM}" value="{escape(token)}">')


def require_post_token() -> None:
    """Reject a state-changing request that does not carry the launch token explicitly.

    The token is never in a cookie, so a cross-site form cannot know it: requiring it on
    every POST is our CSRF protection, and it works where cookies are blocked.

    :raises LaunchRequired: when the token is missing from the form or header.
    """
    if not (request.form.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)):
        raise LaunchRequired("This form has expired. Reload the page and try again.")


def init_session(app: Flask) -> None:
    """Load the actor before each request and expose link helpers to templates."""

    @app.before_request
    def load_actor() -> None:
        try:
            _load_actor()
        except LaunchRequired:
            g.actor = None
            g.launch_token = None
            g.bad_token = True

    @app.before_request
    def csrf_guard() -> None:
        if request.method in {"POST", "PUT", "PATCH", "DELETE"} and g.get("actor") is not None \
                and request.endpoint not in app.config.get("ILP_CSRF_EXEMPT", set()):
            require_post_token()

    app.jinja_env.globals.update(lurl=lurl, token_field=token_field)
    app.config.setdefault("ILP_CSRF_EXEMPT",
                          {"launch.launch", "launch.login", "launch.check_login",
                           # guarded by its own short-lived signed token, re-checked
                           "launch.approve_deployment"})

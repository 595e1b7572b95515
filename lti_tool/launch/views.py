"""HTTP endpoints of the LTI handshake. Thin: parse, call a service, render or redirect."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from pylti1p3.exception import LtiException, OIDCException

from lti_tool import audit, hygiene, security_headers
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, LaunchError, LaunchRequired, NotFound
from lti_tool.extensions import db
from lti_tool.launch import (
    access,
    bp,
    cookieless,
    grants,
    keys,
    placements,
    platform_storage,
    registration,
    services,
)
from lti_tool.launch.access import requires
from lti_tool.launch.lti import (
    DeploymentNotFound,
    classify,
    make_message_launch,
    make_oidc_login,
)
from lti_tool.launch.ratelimit import limited
from lti_tool.launch.session import (
    current_actor,
    end_session,
    frame_handle,
    lurl,
    new_hop,
    start_session,
    with_hop,
)
from lti_tool.launch.signals import launch_recorded
from lti_tool.lti_vocab import DEEP_LINKING_REQUEST, DEPLOYMENT_ID_CLAIM, SCOPES
from lti_tool.models import Platform, Role, SessionMode
from lti_tool.policy import Action
from lti_tool.tenants import find_platform
from lti_tool.urls import base_url, public_url


def _same_origin(url: str, base: str) -> bool:
    """Same scheme and host[:port] (a prefix test would accept ``tool.org.evil.com``)."""
    a = hygiene.origin(url)
    return a is not None and a == hygiene.origin(base)


@bp.get("/")
def index() -> str:
    """A landing page for people who open the tool outside their LMS."""
    return render_template("launch/index.html")


@bp.route("/lti/login", methods=["GET", "POST"])
@limited("login")
def login() -> Any:
    """OIDC third-party initiated login: redirect the browser to the platform's auth URL."""
    params = request.values
    if not params.get("iss") or not params.get("login_hint"):
        raise LaunchError("The login request is missing iss or login_hint.", status_code=400)
    _check_login_sizes(params)
    target = params.get("target_link_uri")
    if target and not _same_origin(target, base_url()):
        raise LaunchError("The target_link_uri does not belong to this tool.", status_code=400)
    response = oidc_redirect()
    cookieless.remember_login(cookieless.state_of(response), params)
    target = params.get("lti_storage_target")
    if target or not cookieless.top_level():
        return _login_in_frame(response, target)
    return response


def _check_login_sizes(params: Any) -> None:
    """Refuse, before anything is stored, a login whose recorded parameters are oversized or
    whose ``lti_storage_target`` is not a short frame name."""
    if not platform_storage.valid_target(params.get("lti_storage_target")):
        raise LaunchError(
            "The login request's lti_storage_target is not a frame name.", status_code=400
        )
    if any(
        len(params.get(name) or "") > cookieless.MAX_PARAM_LENGTH
        for name in cookieless.LOGIN_PARAMS
    ):
        raise LaunchError("The login request is too large.", status_code=400)


def oidc_redirect(params: dict[str, str] | None = None) -> Any:
    """pylti1p3's redirect to the platform's auth URL (state cookie set), for this request's
    login parameters or recorded ones.

    :raises LaunchError: for an unknown platform or a malformed login request.
    """
    try:
        return make_oidc_login(params).redirect(public_url("launch.launch"))
    except LtiException as err:
        raise classify(err) from err
    except OIDCException as err:
        raise classify(LtiException(str(err))) from err


def _login_in_frame(redirect_response: Any, target: str | None) -> Any:
    """A login in the LMS frame: a page that keeps the state in platform storage when the
    platform offers it (``lti_storage_target``), checks that the state cookie sticks, and
    offers a window of its own when neither works (see ``cookieless``)."""
    auth_url = redirect_response.headers["Location"]
    state = cookieless.state_of(redirect_response)
    storage = None
    if target:
        platform = find_platform(request.values["iss"], request.values.get("client_id"))
        assert platform is not None  # the login above found it
        origin = platform_storage.platform_origin(platform.auth_login_url)
        platform_storage.remember(state, target=target, origin=origin, issuer=platform.issuer)
        storage = {"target": target, "origin": origin}
    config = {
        "auth_url": auth_url,
        "state": state,
        "storage": storage,
        "key": platform_storage.KEY_PREFIX + state,
        "check_url": url_for("launch.check_login"),
        "check_header": cookieless.CHECK_HEADER,
    }
    page = make_response(
        render_template("launch/login_frame.html", auth_url=auth_url, config=config)
    )
    page.headers["Cache-Control"] = "no-store"
    for cookie in redirect_response.headers.getlist("Set-Cookie"):
        page.headers.add("Set-Cookie", cookie)
    return page


@bp.post("/lti/launch")
@limited("launch")
def launch() -> Any:
    """Validate the platform's id_token, record the launch, open the session, go home."""
    if not request.form.get("id_token"):
        raise LaunchError("The launch is missing its id_token.", status_code=400)
    state = request.form.get("state")
    verified = platform_storage.verified_state()
    if verified:
        g.platform_storage_state = verified
    elif not platform_storage.state_cookie_present(state):
        storage = platform_storage.pending(state)
        if storage:
            return _launch_with_platform_storage(storage, str(state))
        ticket = cookieless.ticket_at_launch(state)
        if ticket:
            return _offer_new_window(ticket)
    message_launch = make_message_launch()
    try:
        body = message_launch.get_launch_data()
    except DeploymentNotFound as err:
        # Raised only after the signature and the nonce were checked: a known registration
        # launched from a deployment nobody enabled yet.
        return _deployment_not_enabled(message_launch.get_signed_body(), err)
    except LtiException as err:
        current_app.logger.warning("Launch rejected: %s", err)
        raise classify(err) from err
    result = services.record_launch(body)
    security_headers.learn_launch_origin(services.launch_platform(body), body)
    # The state came back as a cookie: the browser keeps Lodestar's cookie in this frame.
    # Through platform storage it does not, and the frame's script keeps the session.
    start_session(
        result,
        message_launch.get_launch_id(),
        mode=SessionMode.FRAME if verified else SessionMode.COOKIE,
    )
    # Grades refreshes a stale roster after a teacher's launch (it subscribes to this).
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    launch_recorded.send(app, result=result)
    if result.message_type == DEEP_LINKING_REQUEST:
        destination = lurl("portfolio.deep_link_picker")
    elif (
        result.activity == "reflection"
        and Role.STUDENT in result.roles
        and result.course_id is not None
    ):
        destination = lurl(
            "portfolio.reflect", course_id=result.course_id, link=result.resource_link_id
        )
    elif (
        result.activity == "reflection"
        and Role.TEACHER in result.roles
        and result.course_id is not None
        and result.resource_link_id is not None
    ):
        # The teacher of a placed reflection activity lands on the activity's own page.
        destination = lurl(
            "portfolio.reflection_activity_page",
            course_id=result.course_id,
            link_id=result.resource_link_id,
        )
    else:
        destination = landing_url(result.landing, result.course_id)
    if verified:
        return jsonify(
            {
                "redirect": with_hop(destination),
                "session": {"handle": frame_handle(), "secret": g.frame_secret},
            }
        )
    return redirect(destination)


def _deployment_not_enabled(body: dict[str, Any], err: LtiException) -> Any:
    """A Lodestar admin may enable the deployment now; everyone else is told to wait."""
    platform = services.launch_platform(body)
    deployment_id = str(body.get(DEPLOYMENT_ID_CLAIM) or "")
    pending = services.record_pending_deployment(platform, deployment_id)
    current_app.logger.info("Launch from deployment not enabled yet (platform %s)", platform.id)
    who = services.approver_of(body)
    if pending is not None and services.may_approve(platform, who):
        token = services.approval_token(platform, pending.deployment_id, who)
        return render_template(
            "launch/approve_deployment.html", platform=platform, deployment=pending, token=token
        )
    return render_template("launch/not_enabled.html", platform=platform), 403


@bp.post("/lti/deployments/approve")
def approve_deployment() -> Any:
    """The admin's answer on the "enable this deployment" page shown at their launch."""
    platform, deployment = services.approve_with_token(request.form.get("token", ""))
    return render_template(
        "launch/deployment_enabled.html", platform=platform, deployment=deployment
    )


def _launch_with_platform_storage(storage: dict[str, Any], state: str) -> Any:
    """No state cookie came back (blocked in the iframe): check the state the login stored
    in the platform's window instead, from our own page; offer a window of its own if the
    platform does not answer."""
    id_token = request.form["id_token"]
    config = {
        "storage": {
            "target": storage["target"],
            "origin": storage["origin"],
            "accept": platform_storage.answer_origins(
                storage["origin"], storage.get("issuer", ""), id_token
            ),
        },
        "id_token": id_token,
        "state": state,
        "key": platform_storage.KEY_PREFIX + state,
        "launch_url": url_for("launch.launch"),
        "header": platform_storage.HEADER,
        "window_url": _window_url(cookieless.ticket_at_launch(state)),
    }
    response = make_response(
        render_template(
            "launch/storage_launch.html", config=config, window_url=config["window_url"]
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _offer_new_window(ticket: str) -> Any:
    """The launch came back without the state cookie and no platform storage was offered:
    offer Lodestar in a window of its own instead of a dead end."""
    response = make_response(
        render_template("launch/new_window.html", window_url=_window_url(ticket))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _window_url(ticket: str | None) -> str | None:
    return url_for("launch.open_window", ticket=ticket) if ticket else None


def landing_url(role: Role | None, course_id: int | None) -> str:
    """Where a launch with this role lands."""
    if role == Role.TEACHER and course_id is not None:
        return lurl("grades.class_page", course_id=course_id)
    if role == Role.STUDENT:
        return lurl("plans.my_plan")
    if role == Role.GUARDIAN:
        return lurl("plans.guardian_home")
    if role == Role.COUNSELOR:
        return lurl("caseload.caseload")
    if role == Role.ADMIN:
        return lurl("launch.admin")
    return lurl("launch.no_role")


@bp.get("/lti/register")
def register() -> str:
    """LTI Dynamic Registration: the platform admin's browser lands here."""
    result = registration.register(
        request.args.get("openid_configuration", ""),
        request.args.get("registration_token"),
        request.args.get("link"),
    )
    return render_template("launch/registered.html", result=result)


@bp.get("/lti/jwks/<key_set>")
def registration_jwks(key_set: str) -> Any:
    """The public keys of one Dynamic Registration's own key set."""
    if not keys.key_set_exists(key_set):
        raise NotFound()
    response = jsonify(keys.jwks(key_set))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/lti/jwks")
def jwks() -> Any:
    """The tool's public keys (active and recently rotated-out)."""
    response = jsonify(keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/lti/config/canvas.json")
def canvas_config() -> Any:
    """The Canvas developer key JSON (Admin > Developer Keys > + LTI Key > Paste JSON)."""
    # The tool's own host (ILP_BASE_URL when set), not whichever host the admin's browser used.
    host = urlsplit(base_url()).hostname or request.host.split(":")[0]
    title = current_app.config["ILP_TOOL_TITLE"]
    launch_url = public_url("launch.launch")
    return jsonify(
        {
            "title": title,
            "description": placements.DESCRIPTION,
            "oidc_initiation_url": public_url("launch.login"),
            "target_link_uri": launch_url,
            "public_jwk_url": public_url("launch.jwks"),
            "scopes": list(SCOPES),
            "extensions": [
                {
                    "platform": "canvas.instructure.com",
                    "domain": host,
                    "tool_id": placements.CANVAS_TOOL_ID,
                    "privacy_level": placements.CANVAS_PRIVACY_LEVEL,
                    "settings": {
                        "text": title,
                        "placements": placements.canvas_extension_placements(title, launch_url),
                    },
                }
            ],
            "custom_fields": dict(placements.CANVAS_CUSTOM_FIELDS),
        }
    )


@bp.get("/admin")
@requires(Action.ADMIN_TENANT)
def admin(actor: Actor) -> str:
    """Tenant settings for a Lodestar admin: registrations, deployments, grants, keys."""
    return render_template(
        "launch/admin.html",
        **services.admin_overview(actor.tenant_id),
        keys=keys.published_keys(),
        form={},
    )


@bp.post("/admin/grants")
@requires(Action.ADMIN_TENANT)
def admin_grant(actor: Actor) -> Any:
    """Grant admin or counselor rights (by email or LTI sub, before or after a launch)."""
    email, sub = request.form.get("email", ""), request.form.get("sub", "")
    try:
        grants.grant(
            actor.tenant_id,
            request.form.get("role", ""),
            email=email,
            sub=sub,
            granted_by=actor.person_id,
        )
    except InvalidInput as err:
        # Shown again with what was typed (never put in a URL: it names a person).
        flash(err.message, "error")
        return render_template(
            "launch/admin.html",
            **services.admin_overview(actor.tenant_id),
            keys=keys.published_keys(),
            form=request.form,
            grant_error=err.message,
        ), 422
    flash("Granted. It applies on their next page (or at their first launch).", "success")
    return redirect(lurl("launch.admin"))


@bp.post("/admin/timezone")
@requires(Action.ADMIN_TENANT)
def admin_timezone(actor: Actor) -> Any:
    """Set the district's time zone (empty: follow the zone the LMS sends)."""
    try:
        zone = services.set_time_zone(
            actor.tenant_id, request.form.get("timezone", ""), actor_id=actor.person_id
        )
    except InvalidInput as err:
        flash(err.message, "error")
        return render_template(
            "launch/admin.html",
            **services.admin_overview(actor.tenant_id),
            keys=keys.published_keys(),
            form=request.form,
            zone_error=err.message,
        ), 400
    flash(
        f"Times now show in {zone}." if zone else "Times follow the zone your LMS sends.",
        "success",
    )
    return redirect(lurl("launch.admin", _anchor="timezone-h"))


@bp.post("/admin/registration-link")
@requires(Action.ADMIN_TENANT)
def admin_registration_link(actor: Actor) -> Any:
    """Make a one-time Dynamic Registration link for this tenant (shown once)."""
    url = registration.link_url(registration.create_link(tenant_id=actor.tenant_id))
    audit.record("registration_link.created", tenant_id=actor.tenant_id, actor_id=actor.person_id)
    db.session.commit()
    return render_template(
        "launch/admin.html",
        **services.admin_overview(actor.tenant_id),
        keys=keys.published_keys(),
        form={},
        registration_link=url,
    )


@bp.post("/admin/grants/<int:grant_id>/revoke")
@requires(Action.ADMIN_TENANT)
def admin_revoke(actor: Actor, grant_id: int) -> Any:
    """Take a grant back."""
    grants.revoke(actor.tenant_id, grant_id, revoked_by=actor.person_id)
    flash("Revoked.", "success")
    return redirect(lurl("launch.admin"))


@bp.post("/admin/deployments/<int:platform_id>/approve")
@requires(Action.ADMIN_TENANT, platform=Platform)
def admin_approve_deployment(actor: Actor, platform: Platform) -> Any:
    """Enable a deployment that waits for approval."""
    services.approve_deployment(
        platform.id, request.form.get("deployment_id", ""), approved_by=actor.person_id
    )
    flash("Deployment enabled: launches from it now open Lodestar.", "success")
    return redirect(lurl("launch.admin"))


@bp.get("/welcome")
def no_role() -> str:
    """A launch without any role Lodestar knows (a designer, a guest, or a teacher who opened
    Lodestar outside a course)."""
    actor = current_actor()
    return render_template("launch/no_role.html", courses=services.taught_courses(actor))


@bp.post("/lti/session/hop")
def session_hop() -> Any:
    """A one-time code for the next navigation of this session (``pages.js`` asks for it
    with the frame's secret, or the cookie session's CSRF token, before it follows a link
    or opens a new tab)."""
    current_actor()
    if g.get("session_proof") not in {"secret", "cookie"}:
        # A hop code never buys another one: only the frame's secret (or the cookie with
        # its CSRF token, checked before this view) does.
        raise LaunchRequired(detail="hop code asked for without the frame's secret")
    response = jsonify({"hop": new_hop()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/lti/session/end")
def sign_out() -> Any:
    """ "Sign out": end this session (the cookie is forgotten, the frame's links die)."""
    actor = current_actor()
    audit.record("session.signed_out", tenant_id=actor.tenant_id, actor_id=actor.person_id)
    end_session()
    db.session.commit()
    return render_template("launch/signed_out.html")


@bp.app_context_processor
def inject_actor() -> dict[str, Any]:
    return {
        "actor": g.get("actor"),
        "can": access.can,
        "can_each": access.can_each,
        "launch_course": access.launch_course,
    }

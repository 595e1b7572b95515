"""HTTP endpoints for browsers that block Lodestar's cookies in the LMS frame (see
``cookieless``): the login page's cookie check and the new window's fresh login."""

from __future__ import annotations

from typing import Any

from flask import jsonify, redirect, request, url_for

from lti_tool.errors import LaunchError
from lti_tool.launch import bp, cookieless, platform_storage
from lti_tool.launch.ratelimit import limited
from lti_tool.launch.views import oidc_redirect


@bp.post("/lti/login/check")
@limited("login-check")
def check_login() -> Any:
    """Whether the state cookie of a login came back; if not, the link for a new window.

    Exempt from the session's CSRF token (a login page has none): it answers only requests
    carrying ``CHECK_HEADER``, which a cross-site page cannot send.
    """
    if not cookieless.same_origin_request(cookieless.CHECK_HEADER):
        raise LaunchError(
            "This check is only answered to Lodestar's own login page.", status_code=403
        )
    state = request.form.get("state")
    answer = cookieless.check_login(state, platform_storage.state_cookie_present(state))
    ticket = answer.pop("ticket", None)
    if ticket:
        answer["window_url"] = url_for("launch.open_window", ticket=ticket)
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/lti/window/<ticket>")
def open_window(ticket: str) -> Any:
    """The new window: run the recorded login again, first party (or, for a spent Moodle
    launch, start a new one from Moodle's launch page)."""
    record = cookieless.take(ticket)
    if record is None:
        raise LaunchError(
            "This link to open Lodestar has expired or was already used. Open "
            "Lodestar again from your course.",
            status_code=410,
        )
    destination = cookieless.window_destination(record)
    if destination:
        return redirect(destination)
    params = dict(record["params"])
    response = oidc_redirect(params)
    cookieless.remember_login(cookieless.state_of(response), params, in_window=True)
    return response

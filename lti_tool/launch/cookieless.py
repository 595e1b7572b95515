"""Launches where the browser keeps no cookie in the LMS frame and no platform storage helps:
open Lodestar in a window of its own.

Moodle 4.5 sends no ``lti_storage_target``. Safari, and any browser set to block third-party
cookies, drops the OIDC state cookie inside Moodle's iframe, so the launch cannot prove it
came from the login this browser started. In a top-level window Lodestar is first party and
its cookies work, so the login runs again there; the launch in that window is checked like any
other (state cookie, nonce, signature, deployment). Nothing here relaxes a check.

Every login is recorded for a few minutes under its ``state``: the parameters the platform sent
(``LOGIN_PARAMS``). The window link carries only a random single-use ticket; the parameters
(the ``login_hint`` names a person) stay in the shared store, never in a URL.

The window is offered at two points:

* **At login, in the frame** (any login not known to be top-level), before the browser goes
  on to the platform: the login page asks Lodestar whether the state cookie came back
  (``check_login``). If not, the page offers "Open
  Lodestar in a new window" instead of going on. This is the path that works with real
  platforms, because they accept an ``lti_message_hint`` only once: Moodle unsets the launch
  from its session (``unset($SESSION->$launchid)`` in mod/lti/auth.php) and Canvas deletes it
  (``fetch_and_delete_launch``, "launch_no_longer_valid"). The window must therefore run the
  login before the frame has used the hint.
* **At launch**, when an id_token arrives without the cookie anyway (a page without
  JavaScript, or a platform-storage check that failed): the hint is spent, so
  for Moodle the window opens Moodle's own launch page for the activity
  (``mod/lti/launch.php?id=<cmid>``; Moodle puts the cmid in its lti_message_hint), which
  starts a fresh launch; elsewhere it runs the recorded login again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import request

from lti_tool import hygiene
from lti_tool.store import get_store

#: The login initiation parameters a window needs to run the login again (LTI 1.3 core 4.1).
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "lti_message_hint",
    "target_link_uri",
    "client_id",
    "lti_deployment_id",
)
#: Header the login page sends with its cookie check. A cross-site page cannot send a custom
#: header without a CORS preflight, which Lodestar never grants.
CHECK_HEADER = "X-Lodestar-Login-Check"
TTL = 600
#: Longest login parameter recorded. Real ones are far shorter: Moodle's lti_message_hint is
#: a small JSON object, Canvas's a signed token of a few hundred characters.
MAX_PARAM_LENGTH = 4096


def state_of(redirect_response: Any) -> str:
    """The OIDC ``state`` pylti1p3 chose, read from its redirect to the platform."""
    location: str = redirect_response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    return query["state"][0]


def remember_login(state: str, params: Mapping[str, str], *, in_window: bool = False) -> None:
    """Record a login's parameters under its state (``in_window``: the login already runs in
    a window of its own, where offering another window would not help)."""
    kept = {name: str(params[name])[:MAX_PARAM_LENGTH] for name in LOGIN_PARAMS if params.get(name)}
    get_store().set(f"lti-login:{state}", {"params": kept, "in_window": in_window}, TTL)


def top_level() -> bool:
    """Whether the browser says this request loads a window of its own (``Sec-Fetch-Dest:
    document``). Browsers without Fetch Metadata (Safari before 16.4, for one)
    say nothing, and are treated as if in a frame: their login page checks the cookie."""
    return request.headers.get("Sec-Fetch-Dest") == "document"


def _ticket(state: str | None, *, hint_used: bool, consume: bool) -> str | None:
    """A single-use window ticket for a recorded login (None: no such login, or one that
    already runs in its own window). ``consume`` ends the login record (its launch came)."""
    if not state:
        return None
    key = f"lti-login:{state}"
    record = get_store().pop(key) if consume else get_store().get(key)
    if not record or record.get("in_window"):
        return None
    ticket = secrets.token_urlsafe(32)
    get_store().set(
        f"lti-window:{ticket}", {"params": record["params"], "hint_used": hint_used}, TTL
    )
    return ticket


def same_origin_request(header: str) -> bool:
    """Whether this request comes from Lodestar's own page: it carries ``header`` and, where
    the browser says where a request comes from, ``Sec-Fetch-Site`` is ``same-origin``."""
    if not request.headers.get(header):
        return False
    site = request.headers.get("Sec-Fetch-Site")
    return site is None or site == "same-origin"


def check_login(state: str | None, cookie_present: bool) -> dict[str, Any]:
    """The answer to the login page's cookie check.

    ``{"cookies": true}`` when the state cookie came back (go on to the platform); otherwise
    ``{"cookies": false, "ticket": ...}`` with a window ticket for a login whose
    ``lti_message_hint`` has not been used yet, or no ticket when the login is unknown. The
    login stays recorded: the page may still go on through platform storage.
    """
    if cookie_present:
        return {"cookies": True}
    return {"cookies": False, "ticket": _ticket(state, hint_used=False, consume=False)}


def ticket_at_launch(state: str | None) -> str | None:
    """A window ticket for a launch that came back without the state cookie (the platform
    has used its lti_message_hint by now)."""
    return _ticket(state, hint_used=True, consume=True)


def take(ticket: str) -> dict[str, Any] | None:
    """The login behind a window ticket, consumed (None when unknown, used or expired)."""
    record = get_store().pop(f"lti-window:{ticket}")
    return dict(record) if record else None


def moodle_relaunch_url(params: Mapping[str, str]) -> str | None:
    """Moodle's launch page for the activity of a Moodle login, or None.

    Moodle 4.5 sends ``iss`` = the site's wwwroot and, for an activity, ``lti_message_hint`` =
    ``{"cmid": ..., "launchid": "ltilaunch..."}`` (``lti_build_login_request`` in
    mod/lti/locallib.php); ``mod/lti/launch.php?id=<cmid>`` starts a new launch of it.
    """
    iss, hint = params.get("iss", ""), params.get("lti_message_hint", "")
    if hygiene.http_url(iss) is None:
        return None
    try:
        data = json.loads(hint)
    except ValueError:
        return None
    if not isinstance(data, dict) or not str(data.get("launchid", "")).startswith("ltilaunch"):
        return None
    cmid = str(data.get("cmid", ""))
    if not cmid.isdigit():
        return None
    return f"{iss.rstrip('/')}/mod/lti/launch.php?{urlencode({'id': cmid})}"


def window_destination(record: Mapping[str, Any]) -> str | None:
    """Where a window opened from a spent launch should go instead of running the recorded
    login again (whose lti_message_hint the platform would refuse), or None."""
    if not record.get("hint_used"):
        return None
    return moodle_relaunch_url(record["params"])

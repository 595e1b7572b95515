"""Rate limits on the anonymous LTI endpoints (``/lti/login``, ``/lti/login/check``,
``/lti/launch``): fixed-window counters in the shared store, per client address and per
platform registration.

Anyone can reach these endpoints, and each login writes a nonce and a login record, so they
are limited before they do any work. The counters live in the shared store (``incr``), so the
limits hold across every worker and host. Two limits apply:

* **per client address** (``ILP_LOGIN_RATE``): ``request.remote_addr``, which is the browser's
  address behind ``ILP_PROXY_COUNT`` proxies (ProxyFix). A whole school often reaches the
  internet through one NAT address, so the default leaves room for several classes
  launching at the bell. IPv6 clients are counted per /64, the block one client is given.
* **per platform** (``ILP_LOGIN_RATE_PER_ISSUER``): the ``iss`` (and ``client_id`` when sent)
  of the login, or of the launch's id_token (read unverified: the count grants nothing).
  Keyed on the registration, not the issuer alone, because every Canvas cloud district
  shares the issuer ``https://canvas.instructure.com``.

Each endpoint counts in its own bucket. Over a limit the browser gets a 429 page with
``Retry-After``; the log says which limit, never the address, the person or the issuer.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import jwt
from flask import current_app, jsonify, make_response, render_template, request

from lti_tool.errors import ToolError
from lti_tool.settings import parse_rate
from lti_tool.store import get_store

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class RateLimited(ToolError):
    """Too many requests from one network or for one platform in the current window."""

    status_code = 429
    title = "Too many sign-ins right now"
    message = (
        "Lodestar is receiving more sign-in requests than it can accept at the moment. "
        "Wait a minute, then open Lodestar again from your course."
    )

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def client_address() -> str:
    """The client's address as counted: IPv4 as is, IPv6 as its /64."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _platform_of_request() -> str | None:
    """``iss`` and ``client_id`` of a login's parameters or of a launch's (unverified) id_token."""
    iss, client_id = request.values.get("iss"), request.values.get("client_id")
    id_token = request.form.get("id_token") if request.method == "POST" else None
    if not iss and id_token:
        try:
            body = jwt.decode(id_token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("iss"), str):
            return None
        iss = body["iss"]
        aud = body.get("azp") or body.get("aud")
        first = aud[0] if isinstance(aud, list) and aud else aud
        client_id = first if isinstance(first, str) else None
    if not iss:
        return None
    return f"{iss}\n{client_id if isinstance(client_id, str) else ''}"


def _count(bucket: str, scope: str, subject: str, rate: str) -> int | None:
    """Count this request; the seconds until the window ends when over the limit, else None."""
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    retry_after = max(1, int(period - now % period))
    count = get_store().incr(f"rate:{bucket}:{scope}:{_digest(subject)}:{window}", period + 1)
    if count <= limit:
        return None
    if count == limit + 1:  # once per window, not once per refused request
        log.warning("Rate limit reached on %s: per-%s limit of %s", bucket, scope, rate)
    return retry_after


def check(bucket: str) -> None:
    """Count the current request against the limits of ``bucket``.

    :raises RateLimited: when a limit is exceeded.
    """
    config = current_app.config
    retry = _count(bucket, "address", client_address(), config["ILP_LOGIN_RATE"])
    if retry is None:
        platform = _platform_of_request()
        if platform is not None:
            retry = _count(bucket, "platform", platform, config["ILP_LOGIN_RATE_PER_ISSUER"])
    if retry is not None:
        raise RateLimited(retry)


def limited(bucket: str) -> Callable[[F], F]:
    """Decorate a view: its requests are counted in ``bucket`` before it runs."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check(bucket)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def too_many_requests(err: RateLimited) -> Any:
    """The 429 page (JSON for the login page's own check), with ``Retry-After``."""
    if request.endpoint == "launch.check_login":  # answered to our own script
        response = make_response(
            jsonify({"error": err.title, "message": err.message, "status": 429}), 429
        )
    else:
        response = make_response(
            render_template("errors/error.html", status=429, title=err.title, message=err.message),
            429,
        )
    response.headers["Retry-After"] = str(err.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response

"""The one outbound HTTP session: a timeout, the retry policy, a User-Agent, the guard.

``init_http`` (called by ``create_app``) makes one session per app and every call to an LMS
goes through it (``get_session()``): JWKS, Dynamic Registration, service tokens, NRPS and
AGS, Canvas (canvasapi's requester is pointed at it) and Schoology. Idempotent requests
follow :mod:`lti_tool.retry` on their own; an AGS score POST is not retried by the transport,
because a blind re-send is the caller's decision (a token request retries itself, signing a
new assertion for each attempt). With ``ILP_OUTBOUND_GUARD`` on, every request is first
checked against loopback, link-local and private addresses (:func:`check_outbound`).
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any

import requests
from flask import Flask, current_app, has_app_context
from requests.adapters import HTTPAdapter

from lti_tool import __version__, hygiene
from lti_tool.retry import IDEMPOTENT_METHODS, RetryPolicy

USER_AGENT = f"Lodestar-ILP/{__version__} (+LTI 1.3 tool)"


#: A range of addresses, as ``ipaddress.ip_network`` returns it.
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundRefused(requests.RequestException):
    """A server-side fetch to an address the outbound guard does not allow."""


def check_outbound(url: str, *, allowed: list[Network]) -> None:
    """Refuse loopback, link-local, private and other non-public addresses (after DNS)
    unless a range is allowed (a district's own Moodle on its intranet).

    :raises OutboundRefused: for a refused or unresolvable host.
    """
    parts = hygiene.split_url(url)
    if parts is None:
        raise OutboundRefused("malformed URL")
    host = parts.hostname
    if not host:
        raise OutboundRefused("URL without a host")
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as err:
        raise OutboundRefused(f"cannot resolve {host}") from err
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address.is_global:
            continue
        if any(address in net for net in allowed):
            continue
        raise OutboundRefused(f"{host} resolves to a non-public address")


class GuardedAdapter(HTTPAdapter):
    """An adapter that asks :func:`check_outbound` before every request it sends."""

    def __init__(self, *args: Any, allowed: list[Network], **kwargs: Any) -> None:
        self._allowed = allowed
        super().__init__(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        check_outbound(str(request.url), allowed=self._allowed)
        return super().send(request, *args, **kwargs)


def outbound_allowed(spec: str) -> list[Network]:
    """``ILP_OUTBOUND_ALLOW``: comma-separated CIDR ranges."""
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    ]


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Keep no cookie: the app's one session serves every person and tenant, so a cookie one
    LMS set for one person's request must never ride along on another's."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


_USE_SESSION_POLICY: Any = object()


class OutboundSession(requests.Session):
    """A ``requests.Session`` with a default timeout, the retry policy for idempotent
    requests, our User-Agent and no cookie jar.

    ``request(..., retry=policy)`` uses another policy for one call (a client with its own
    answer rule or recorder), ``retry=None`` none. Every attempt is prepared afresh, so a
    signed request (OAuth 1.0a) carries a new nonce each time.
    """

    def __init__(self, timeout: float, retry: RetryPolicy) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.retry = retry
        self.cookies.set_policy(_NoCookies())

    def request(
        self,
        method: str | bytes,
        url: str | bytes,
        *args: Any,
        retry: RetryPolicy | None = _USE_SESSION_POLICY,
        **kwargs: Any,
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        policy = self.retry if retry is _USE_SESSION_POLICY else retry
        verb = (method.decode() if isinstance(method, bytes) else method).upper()
        target = url.decode() if isinstance(url, bytes) else url
        if policy is None or verb not in IDEMPOTENT_METHODS:
            return super().request(verb, target, *args, **kwargs)
        parts = hygiene.split_url(target)
        # The host only: paths and queries may name people.
        what = f"{verb} {parts.hostname if parts else 'a malformed URL'}"
        return policy.send(
            lambda: super(OutboundSession, self).request(verb, target, *args, **kwargs), what=what
        )


def make_session(
    timeout: float = 10.0,
    retries: int = 3,
    backoff_factor: float = 0.5,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> OutboundSession:
    """Build a session with the retry policy, a timeout and our User-Agent; in the app, with
    the outbound guard when ``ILP_OUTBOUND_GUARD`` is on."""
    session = OutboundSession(
        timeout, RetryPolicy(retries=retries, backoff=backoff_factor, sleep=sleep)
    )
    adapter: HTTPAdapter
    if has_app_context() and current_app.config.get("ILP_OUTBOUND_GUARD"):
        # Every server-side fetch (registration, JWKS, tokens, NRPS/AGS, LMS REST) goes
        # through a session made here, so this one guard serves them all.
        adapter = GuardedAdapter(
            pool_connections=10,
            pool_maxsize=20,
            allowed=outbound_allowed(str(current_app.config.get("ILP_OUTBOUND_ALLOW", ""))),
        )
    else:
        adapter = HTTPAdapter(pool_connections=10, pool_maxsize=20)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def init_http(app: Flask) -> None:
    """Create the app's one outbound session from ``ILP_HTTP_TIMEOUT`` and
    ``ILP_HTTP_RETRIES``."""
    with app.app_context():
        app.extensions["lodestar_http"] = make_session(
            timeout=float(app.config.get("ILP_HTTP_TIMEOUT", 10.0)),
            retries=int(app.config.get("ILP_HTTP_RETRIES", 3)),
        )


def get_session() -> OutboundSession:
    """The app's one outbound session (every LMS call, every worker thread)."""
    session: OutboundSession = current_app.extensions["lodestar_http"]
    return session

"""Canvas OAuth2 with a developer API key: sign a person in to get their Canvas REST token.

The flow (https://canvas.instructure.com/doc/api/file.oauth.html):

1. send the person to ``authorize_url(...)``; Canvas asks them to authorize Lodestar;
2. Canvas redirects to ``redirect_uri?code=...&state=...``; check ``state``, then
   ``exchange_code(...)`` returns a ``CanvasToken``;
3. access tokens last about an hour: ``refresh_token(...)`` before ``expires_at``.

Every call takes the outbound session explicitly (``lti_tool.http.get_session()`` in the app)
and a timeout is always set. Token endpoint POSTs are not retried here: an authorization code
is single-use. Tokens are never logged and are hidden from ``repr``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests

from lti_tool.errors import LmsApiError
from lti_tool.parse import finite_float

log = logging.getLogger(__name__)

#: Timeout for sessions that have no default of their own (plain ``requests.Session``).
DEFAULT_TIMEOUT = 10.0

RECONNECT_MESSAGE = "Canvas did not accept the sign-in; connect Canvas again."
CLIENT_REJECTED_MESSAGE = (
    "Canvas did not recognise Lodestar's developer key. Ask your Canvas administrator to "
    "check the developer key settings."
)
UNAVAILABLE_MESSAGE = "Canvas could not complete the sign-in right now. Please try again shortly."


@dataclass(frozen=True)
class CanvasOAuthConfig:
    """A Canvas developer key: the Canvas root URL and the key's id and secret."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)

    @property
    def root(self) -> str:
        """``base_url`` without a trailing slash."""
        return self.base_url.strip().rstrip("/")


@dataclass(frozen=True)
class CanvasToken:
    """A person's Canvas OAuth2 tokens."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    #: When the access token stops working (aware, UTC); None if Canvas gave no expiry.
    expires_at: dt.datetime | None = None
    #: The Canvas user id of the person who signed in.
    canvas_user_id: str | None = None

    def expires_within(self, seconds: float = 300, *, now: dt.datetime | None = None) -> bool:
        """Whether the access token expires within ``seconds`` (False if no expiry)."""
        if self.expires_at is None:
            return False
        now = now or dt.datetime.now(dt.UTC)
        return self.expires_at - now <= dt.timedelta(seconds=seconds)


def authorize_url(
    config: CanvasOAuthConfig, *, redirect_uri: str, state: str, scopes: list[str] | None = None
) -> str:
    """Where to send the person to authorize Lodestar.

    :calls: ``GET /login/oauth2/auth`` (in the person's browser)
    :param state: an unguessable value tied to the person's session; check it on return.
    :param scopes: Canvas scopes (``url:GET|/api/v1/courses``), when the key enforces them.
    """
    params = {
        "client_id": config.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if scopes:
        params["scope"] = " ".join(scopes)
    return f"{config.root}/login/oauth2/auth?{urlencode(params, quote_via=quote)}"


def exchange_code(
    config: CanvasOAuthConfig, code: str, *, redirect_uri: str, session: requests.Session
) -> CanvasToken:
    """Trade the authorization code from the redirect for tokens.

    :calls: ``POST /login/oauth2/token`` with ``grant_type=authorization_code``
    :raises LmsApiError: not retryable when Canvas rejects the code or the key.
    """
    body = _token_request(
        config,
        session,
        {
            "grant_type": "authorization_code",
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )
    return _token_from(body, previous=None)


def refresh_token(
    config: CanvasOAuthConfig, token: CanvasToken, *, session: requests.Session
) -> CanvasToken:
    """A fresh access token. Canvas returns no new refresh token, so the old one is kept.

    :calls: ``POST /login/oauth2/token`` with ``grant_type=refresh_token``
    :raises LmsApiError: not retryable (reconnect) when Canvas rejects the refresh token.
    """
    if not token.refresh_token:
        raise LmsApiError(
            RECONNECT_MESSAGE,
            retryable=False,
            detail="no refresh token stored for this Canvas connection",
        )
    body = _token_request(
        config,
        session,
        {
            "grant_type": "refresh_token",
            "client_id": config.client_id,
            "client_secret": config.client_secret,
            "refresh_token": token.refresh_token,
        },
    )
    return _token_from(body, previous=token)


def _timeout(session: requests.Session) -> float:
    return float(getattr(session, "default_timeout", DEFAULT_TIMEOUT))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _token_request(
    config: CanvasOAuthConfig, session: requests.Session, data: dict[str, str]
) -> dict[str, Any]:
    url = f"{config.root}/login/oauth2/token"
    try:
        response = session.post(
            url, data=data, headers={"Accept": "application/json"}, timeout=_timeout(session)
        )
    except requests.RequestException as exc:
        raise _network_error(exc, url) from exc
    body = _json(response)
    if response.status_code >= 400:
        raise _status_error(response, body)
    if not body.get("access_token"):
        raise LmsApiError(
            "Canvas sent a sign-in answer Lodestar could not read.",
            upstream_status=response.status_code,
            retryable=False,
            url=url,
            detail="token response without access_token",
        )
    return body


def _token_from(body: dict[str, Any], previous: CanvasToken | None) -> CanvasToken:
    expires_at = None
    expires_in = body.get("expires_in")
    seconds = finite_float(expires_in)
    if seconds is not None and abs(seconds) < 10**9:
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    elif expires_in is not None:
        log.warning("Canvas sent an unreadable expires_in %r", str(expires_in)[:40])
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    user_id = user.get("id") if user else None
    return CanvasToken(
        access_token=str(body["access_token"]),
        refresh_token=body.get("refresh_token") or (previous.refresh_token if previous else None),
        expires_at=expires_at,
        canvas_user_id=str(user_id)
        if user_id is not None
        else (previous.canvas_user_id if previous else None),
    )


def _network_error(exc: requests.RequestException, url: str) -> LmsApiError:
    return LmsApiError(
        UNAVAILABLE_MESSAGE, retryable=True, url=url, detail=f"{type(exc).__name__}: {exc}"
    )


def _status_error(response: requests.Response, body: dict[str, Any]) -> LmsApiError:
    status = response.status_code
    code = str(body.get("error") or "")
    # error_description carries no secrets; the request body (with them) is never logged.
    detail = f"{status} {code}: {body.get('error_description') or response.text[:200]}"
    if status == 429 or status >= 500:
        return LmsApiError(
            UNAVAILABLE_MESSAGE,
            upstream_status=status,
            retryable=True,
            url=response.url,
            detail=detail,
        )
    if code == "invalid_grant":
        message = RECONNECT_MESSAGE
    elif code in ("invalid_client", "unauthorized_client"):
        message = CLIENT_REJECTED_MESSAGE
    else:
        message = f"Canvas did not accept the sign-in request ({status}); connect Canvas again."
    return LmsApiError(
        message, upstream_status=status, retryable=False, url=response.url, detail=detail
    )

"""LTI Advantage service tokens: OAuth2 client_credentials with a signed JWT assertion.

(https://www.imsglobal.org/spec/security/v1p0/#using-json-web-tokens-with-oauth-2-0-client-credentials-grant)
A token is cached in the shared store per platform and scope set until shortly before it
expires, so every worker reuses it. Each attempt signs a fresh assertion (new ``jti``): a
platform rejects a reused one, so the transport must not blindly re-send the POST: the
retry policy (:mod:`lti_tool.retry`) runs around the whole attempt instead.

Platforms grant scopes differently. Canvas refuses a whole request with 400
``invalid_scope`` when any requested scope is not on the developer key
(``Canvas::OAuth::Provider#valid_scopes?`` requires all of them), so a key with
``lineitem.readonly`` but not ``lineitem`` refuses a request naming both. Moodle grants the
permitted part and names it in the answer's ``scope`` (``mod/lti/token.php``). So: when a
request for several scopes is refused with ``invalid_scope``, the scopes are asked for one
by one, the granted ones are kept (and asked for together when there are several), the
answer is remembered for :data:`GRANT_TTL` seconds, and tokens are cached per granted scope
set. Callers get a :class:`ServiceToken` that says which scopes it carries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import jwt
import requests

from lti_tool.errors import LmsApiError
from lti_tool.http import get_session
from lti_tool.launch import keys
from lti_tool.lti_vocab import CLIENT_ASSERTION_TYPE
from lti_tool.models import Platform
from lti_tool.retry import retryable_status
from lti_tool.store import get_store

#: Drop a cached token this many seconds before the platform says it expires.
EXPIRY_MARGIN = 60
#: How long the answer "of these scopes, the platform grants those" is remembered; after
#: that the full set is asked for again (an admin may have ticked the missing scope).
GRANT_TTL = 900


@dataclass(frozen=True)
class ServiceToken:
    """A bearer token and the scopes the platform granted it."""

    token: str
    scopes: frozenset[str]


class ScopeRefused(LmsApiError):
    """The platform answered 400 ``invalid_scope`` for the requested scopes."""


def _digest(scopes: Iterable[str]) -> str:
    return hashlib.sha256(" ".join(sorted(set(scopes))).encode()).hexdigest()[:24]


def _cache_key(platform: Platform, scopes: Iterable[str]) -> str:
    return f"svc-token:{platform.id}:{_digest(scopes)}"


def _grant_key(platform: Platform, scopes: Sequence[str]) -> str:
    return f"svc-grant:{platform.id}:{_digest(scopes)}"


def client_assertion(platform: Platform) -> str:
    """A short-lived JWT proving we are the tool registered as ``platform.client_id``."""
    key = keys.active_key(platform.key_set)
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.auth_audience or platform.auth_token_url,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, keys.private_pem(key), algorithm="RS256", headers={"kid": key.kid})


def service_token(
    platform: Platform, scopes: Sequence[str], *, sleep: Callable[[float], None] | None = None
) -> str:
    """A bearer token for (the granted part of) ``scopes``; see :func:`service_grant`."""
    return service_grant(platform, scopes, sleep=sleep).token


def service_grant(
    platform: Platform, scopes: Sequence[str], *, sleep: Callable[[float], None] | None = None
) -> ServiceToken:
    """A token for as many of ``scopes`` as the platform grants, from cache or requested.

    :raises LmsApiError: when the platform grants none of them (not retryable), refuses
        otherwise, or keeps failing.
    """
    wanted = tuple(dict.fromkeys(scopes))
    if not wanted:
        raise ValueError("at least one scope is required")
    store = get_store()
    remembered = store.get(_grant_key(platform, wanted))
    if remembered is not None:
        granted = tuple(s for s in wanted if s in str(remembered).split())
        if not granted:
            raise _none_granted(platform, wanted)
        try:
            return _token_for(platform, granted, sleep)
        except ScopeRefused:
            store.delete(_grant_key(platform, wanted))  # the grant shrank since: ask afresh
    try:
        return _token_for(platform, wanted, sleep)
    except ScopeRefused as refused:
        if len(wanted) == 1:
            raise _none_granted(platform, wanted, refused) from refused
    # Canvas refuses the whole set for one missing scope: find out which ones it grants.
    singles: dict[str, ServiceToken] = {}
    for scope in wanted:
        try:
            singles[scope] = _token_for(platform, (scope,), sleep)
        except ScopeRefused:
            continue
    granted = tuple(s for s in wanted if s in singles)
    store.set(_grant_key(platform, wanted), " ".join(granted), GRANT_TTL)
    if not granted:
        raise _none_granted(platform, wanted)
    if len(granted) == 1:
        return singles[granted[0]]
    return _token_for(platform, granted, sleep)


def _none_granted(
    platform: Platform, scopes: Sequence[str], cause: LmsApiError | None = None
) -> LmsApiError:
    names = ", ".join(s.rsplit("/", 1)[-1] for s in scopes)
    return LmsApiError(
        f"{platform.name} does not let Lodestar use {names}. Ask the LMS administrator to "
        "enable it on Lodestar's registration (in Canvas: the LTI developer key's scopes).",
        upstream_status=400,
        retryable=False,
        url=platform.auth_token_url,
        detail=cause.detail if cause else "invalid_scope",
    )


def _token_for(
    platform: Platform, scopes: Sequence[str], sleep: Callable[[float], None] | None
) -> ServiceToken:
    """The cached token for exactly ``scopes``, or a new one (which may carry fewer)."""
    store = get_store()
    cached = store.get(_cache_key(platform, scopes))
    if cached:
        return ServiceToken(str(cached), frozenset(scopes))
    token, expires_in, answered = _request(platform, scopes, sleep)
    # RFC 6749 5.1: ``scope`` is sent when the grant differs from the request (Moodle).
    granted = tuple(s for s in scopes if s in answered) if answered else tuple(scopes)
    if not granted:
        granted = tuple(scopes)  # a platform naming scopes its own way: trust the request
    ttl = max(expires_in - EXPIRY_MARGIN, 30)
    store.set(_cache_key(platform, granted), token, ttl)
    if granted != tuple(scopes):
        store.set(_grant_key(platform, scopes), " ".join(granted), GRANT_TTL)
    return ServiceToken(token, frozenset(granted))


def _request(
    platform: Platform, scopes: Sequence[str], sleep: Callable[[float], None] | None
) -> tuple[str, int, set[str]]:
    """POST to the token endpoint, retried by the retry policy with a freshly signed
    assertion each time; (token, expires_in, scopes answered).

    :raises ScopeRefused: on 400 ``invalid_scope``.
    """
    session = get_session()

    def attempt() -> requests.Response:
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": client_assertion(platform),
            "scope": " ".join(scopes),
        }
        return session.post(
            platform.auth_token_url, data=data, headers={"Accept": "application/json"}
        )

    policy = session.retry if sleep is None else dataclasses.replace(session.retry, sleep=sleep)
    try:
        response = policy.send(attempt, what=f"a service token from {platform.name}")
    except requests.RequestException as err:
        raise LmsApiError(
            f"Could not reach {platform.name} for a service token.",
            retryable=True,
            url=platform.auth_token_url,
            detail=str(err),
        ) from err
    if response.status_code == 200:
        try:
            body = response.json()
            token = str(body["access_token"])
            expires_in = int(body.get("expires_in", 3600))
            answered = set(str(body.get("scope") or "").split())
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise LmsApiError(
                f"{platform.name} sent an unreadable token answer.",
                upstream_status=200,
                url=platform.auth_token_url,
            ) from err
        return token, expires_in, answered
    if response.status_code == 400 and _error_code(response) == "invalid_scope":
        raise ScopeRefused(
            f"{platform.name} refused the service scopes Lodestar asked for.",
            upstream_status=400,
            url=platform.auth_token_url,
            detail=response.text[:500],
        )
    raise LmsApiError(
        f"{platform.name} refused a service token ({response.status_code}).",
        upstream_status=response.status_code,
        retryable=retryable_status(response.status_code),
        url=platform.auth_token_url,
        detail=response.text[:500],
    )


def _error_code(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("error")) if isinstance(body, dict) else None


def forget_token(platform: Platform, scopes: Iterable[str]) -> None:
    """Drop a cached token (after the platform answered 401 with it); pass the scopes the
    token was granted (:attr:`ServiceToken.scopes`)."""
    get_store().delete(_cache_key(platform, tuple(scopes)))

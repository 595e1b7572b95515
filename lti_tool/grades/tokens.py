"""LTI Advantage service tokens: OAuth2 client_credentials with a signed JWT assertion.

(https://www.imsglobal.org/spec/security/v1p0/#using-json-web-tokens-with-oauth-2-0-client-credentials-grant)
A token is cached in the shared store per platform and scope set until shortly before it
expires, so every worker reuses it. Each attempt signs a fresh assertion (new ``jti``): a
platform rejects a reused one, so the transport must not blindly re-send the POST.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Sequence

import jwt
import requests

from lti_tool.errors import LmsApiError
from lti_tool.http import MAX_RETRY_AFTER, get_session, retry_after_seconds
from lti_tool.launch import keys
from lti_tool.models import Platform
from lti_tool.store import get_store

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Drop a cached token this many seconds before the platform says it expires.
EXPIRY_MARGIN = 60
ATTEMPTS = 3


def _cache_key(platform: Platform, scopes: Sequence[str]) -> str:
    digest = hashlib.sha256(" ".join(sorted(set(scopes))).encode()).hexdigest()[:24]
    return f"svc-token:{platform.id}:{digest}"


def client_assertion(platform: Platform) -> str:
    """A short-lived JWT proving we are the tool registered as ``platform.client_id``."""
    key = keys.active_key()
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.auth_audience or platform.auth_token_url,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, keys.private_pem(key), algorithm="RS256",
                      headers={"kid": key.kid})


def service_token(platform: Platform, scopes: Sequence[str], *,
                  sleep: Callable[[float], None] = time.sleep) -> str:
    """A bearer token for ``scopes`` at ``platform``, from cache or freshly requested.

    :raises LmsApiError: when the platform refuses (not retryable) or keeps failing.
    """
    store = get_store()
    cache_key = _cache_key(platform, scopes)
    cached = store.get(cache_key)
    if cached:
        return str(cached)
    last_error: LmsApiError | None = None
    for attempt in range(ATTEMPTS):
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(platform),
            "scope": " ".join(scopes),
        }
        try:
            response = get_session().post(platform.auth_token_url, data=data,
                                          headers={"Accept": "application/json"})
        except requests.RequestException as err:
            last_error = LmsApiError(f"Could not reach {platform.name} for a service token.",
                                     retryable=True, url=platform.auth_token_url,
                                     detail=str(err))
        else:
            if response.status_code == 200:
                try:
                    body = response.json()
                    token = str(body["access_token"])
                    expires_in = int(body.get("expires_in", 3600))
                except (ValueError, KeyError, TypeError) as err:
                    raise LmsApiError(f"{platform.name} sent an unreadable token answer.",
                                      upstream_status=200, url=platform.auth_token_url) from err
                store.set(cache_key, token, max(expires_in - EXPIRY_MARGIN, 30))
                return token
            retryable = response.status_code == 429 or response.status_code >= 500
            last_error = LmsApiError(
                f"{platform.name} refused a service token ({response.status_code}).",
                upstream_status=response.status_code, retryable=retryable,
                url=platform.auth_token_url, detail=response.text[:500])
            if not retryable:
                raise last_error
            wait = _retry_after(response) or 0.5 * 2 ** attempt
            if wait > MAX_RETRY_AFTER:
                raise last_error  # the platform wants a long pause: let the caller decide
            if attempt + 1 < ATTEMPTS:
                sleep(min(wait, MAX_RETRY_AFTER))
                continue
        if attempt + 1 < ATTEMPTS:
            sleep(0.5 * 2 ** attempt)
    assert last_error is not None
    raise last_error


def _retry_after(response: requests.Response) -> float | None:
    return retry_after_seconds(response.headers.get("Retry-After"))


def forget_token(platform: Platform, scopes: Sequence[str]) -> None:
    """Drop a cached token (after the platform answered 401 with it)."""
    get_store().delete(_cache_key(platform, scopes))

"""Verification of JWTs signed by the tool (client assertions, Deep Linking responses).

The tool's public keys come from ``state.tool_jwks`` when a test registered
them directly; otherwise they are fetched from ``{tool}/lti/jwks`` with
``requests`` (5 s timeout), cached on the state and re-fetched once when a
token names an unknown ``kid``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jwt
import requests

from .state import SandboxError, SandboxState

JWKS_TIMEOUT = 5
ALLOWED_ALGORITHMS = ("RS256",)
CLOCK_LEEWAY = 5


def _auth_error(message: str) -> SandboxError:
    return SandboxError(message, status=401, error="invalid_client")


def fetch_tool_jwks(state: SandboxState) -> dict[str, Any]:
    """Fetch the tool's JWKS over HTTP and cache it on the state."""
    try:
        response = requests.get(state.tool_jwks_url, timeout=JWKS_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _auth_error(f"could not fetch the tool JWKS from {state.tool_jwks_url}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise _auth_error("the tool JWKS is not a JWK Set")
    with state.lock:
        state.fetched_tool_jwks = document
    return document


def _candidates(document: dict[str, Any] | None, kid: str | None) -> list[dict[str, Any]]:
    if not document:
        return []
    keys = [k for k in document.get("keys", []) if isinstance(k, dict) and k.get("kty") == "RSA"]
    if kid is None:
        return keys
    return [k for k in keys if k.get("kid") == kid]


def tool_keys_for(state: SandboxState, kid: str | None) -> list[dict[str, Any]]:
    """Return the tool's candidate public JWKs for ``kid`` (fetching when needed)."""
    if state.tool_jwks is not None:
        return _candidates(state.tool_jwks, kid)
    found = _candidates(state.fetched_tool_jwks, kid)
    if not found:
        found = _candidates(fetch_tool_jwks(state), kid)
    return found


def verify_tool_jwt(
    state: SandboxState,
    token: str,
    *,
    audience: str,
    required: Sequence[str] = ("iss", "exp", "iat"),
) -> dict[str, Any]:
    """Verify a JWT signed by the tool and return its claims.

    Checks the algorithm (RS256 only), the signature against the tool JWKS,
    ``exp``/``iat`` (5 s leeway), that ``aud`` is or contains ``audience`` and
    that the ``required`` claims are present.  Raises a 401 ``invalid_client``
    :class:`SandboxError` on any failure.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise _auth_error("the JWT is malformed") from exc
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise _auth_error(f"JWT alg {alg!r} is not accepted; use RS256")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise _auth_error("JWT kid must be a string")

    candidates = tool_keys_for(state, kid)
    if not candidates:
        raise _auth_error(f"no tool key matches kid {kid!r}")

    last_error: jwt.InvalidTokenError | None = None
    for jwk in candidates:
        try:
            key = jwt.PyJWK(jwk, algorithm="RS256").key
        except (jwt.PyJWKError, ValueError, TypeError):
            continue
        try:
            return jwt.decode(
                token,
                key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=audience,
                leeway=CLOCK_LEEWAY,
                options={"require": list(required)},
            )
        except jwt.InvalidSignatureError as exc:
            last_error = exc
            continue
        except jwt.ExpiredSignatureError as exc:
            raise _auth_error("the JWT has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise _auth_error("the JWT is not valid yet (iat/nbf in the future)") from exc
        except jwt.InvalidAudienceError as exc:
            raise _auth_error(f"the JWT aud must be {audience!r}") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise _auth_error(f"the JWT lacks the {exc.claim!r} claim") from exc
        except jwt.InvalidTokenError as exc:
            raise _auth_error(f"the JWT is invalid: {exc}") from exc
    if last_error is not None:
        raise _auth_error("the JWT signature does not verify against the tool JWKS")
    raise _auth_error("no usable tool key")

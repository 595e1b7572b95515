"""The platform's signing key, its JWKS and a permissive JWT signing helper.

The key pair is generated in memory when the sandbox app starts.  Its ``kid``
is the RFC 7638 thumbprint of the public key.  :func:`sign_jwt` is deliberately
permissive so tests can forge bad tokens too: foreign keys, unknown ``kid``,
``alg: none`` (unsigned) and HMAC tokens signed with any secret (including a
public key PEM, for algorithm-confusion tests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm, get_default_algorithms

_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data: bytes) -> str:
    """Base64url-encode without padding (JOSE style)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public_key: rsa.RSAPublicKey, *, kid: str | None = None) -> dict[str, str]:
    """Return the public JWK (``kty``, ``n``, ``e``, ``kid``, ``alg``, ``use``) of an RSA key."""
    jwk: dict[str, str] = json.loads(RSAAlgorithm.to_jwk(public_key))
    core = {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}
    return {**core, "kid": kid or thumbprint(core), "alg": "RS256", "use": "sig"}


def thumbprint(jwk: dict[str, Any]) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of an RSA JWK."""
    canonical = json.dumps(
        {k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True
    )
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass
class PlatformKey:
    """An RSA private key with its derived ``kid`` and public JWK."""

    private_key: rsa.RSAPrivateKey
    kid: str = ""
    public_jwk: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        jwk = public_jwk(self.private_key.public_key(), kid=self.kid or None)
        self.kid = jwk["kid"]
        self.public_jwk = jwk

    @classmethod
    def generate(cls, bits: int = 2048) -> PlatformKey:
        """Generate a fresh RSA key pair."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> PlatformKey:
        """Load an unencrypted RSA private key PEM."""
        data = pem.encode("utf-8") if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("SANDBOX_PRIVATE_KEY must be an RSA private key")
        return cls(key)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Return the JWKS document publishing this key."""
        return {"keys": [dict(self.public_jwk)]}

    def public_pem(self) -> bytes:
        """Return the public key as PEM (handy for algorithm-confusion tests)."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def jwks(key: PlatformKey) -> dict[str, list[dict[str, str]]]:
    """Return the JWKS document for ``key``."""
    return key.jwks()


def _default_key() -> PlatformKey:
    from flask import current_app, has_app_context

    if has_app_context():
        state = current_app.extensions.get("sandbox")
        if state is not None:
            return state.key  # type: ignore[no-any-return]
    raise ValueError("sign_jwt needs key= outside a sandbox app context")


def sign_jwt(
    claims: dict[str, Any],
    *,
    kid: str | None = None,
    alg: str = "RS256",
    key: PlatformKey | rsa.RSAPrivateKey | str | bytes | None = None,
    headers: dict[str, Any] | None = None,
) -> str:
    """Encode and sign ``claims`` as a compact JWS.

    ``key`` may be a :class:`PlatformKey`, a cryptography private key, a PEM
    string, or (for ``HS*``) any secret string/bytes.  Without ``key`` the
    current sandbox app's platform key is used.  ``kid`` defaults to the
    platform key's kid (or the thumbprint of a raw RSA key); pass
    ``headers={"kid": None}`` to drop it.  ``alg="none"`` yields the unsigned
    form ``header.payload.``.
    """
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if alg != "none" and not alg.startswith("HS"):
        if key is None:
            key = _default_key()
        if isinstance(key, PlatformKey):
            header["kid"] = key.kid
            key = key.private_key
        elif isinstance(key, rsa.RSAPrivateKey):
            header["kid"] = public_jwk(key.public_key())["kid"]
    if kid is not None:
        header["kid"] = kid
    for name, value in (headers or {}).items():
        if value is None:
            header.pop(name, None)
        else:
            header[name] = value

    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode("utf-8"))
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    )
    if alg == "none":
        return signing_input + "."
    if alg in _HMAC_HASHES:
        if key is None:
            raise ValueError(f"{alg} needs a secret passed as key=")
        if isinstance(key, PlatformKey):
            key = key.public_pem()
        if not isinstance(key, str | bytes):
            raise TypeError(f"{alg} needs a str or bytes secret")
        secret = key.encode("utf-8") if isinstance(key, str) else key
        digest = hmac.new(secret, signing_input.encode("ascii"), _HMAC_HASHES[alg]).digest()
        return signing_input + "." + b64url(digest)

    algorithm = get_default_algorithms().get(alg)
    if algorithm is None:
        raise ValueError(f"unsupported alg {alg!r}")
    prepared = algorithm.prepare_key(key)
    signature = algorithm.sign(signing_input.encode("ascii"), prepared)
    return signing_input + "." + b64url(signature)

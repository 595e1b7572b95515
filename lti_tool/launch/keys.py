"""The tool's RSA signing keys: create, rotate, retire, publish.

Keys live in the database (``tool_keys``), never in files. The private half is encrypted
with a Fernet key derived from ``ILP_SECRET_KEY``. Rotation is two-phase so no LMS ever sees
a token signed by a key it cannot fetch: ``rotate`` makes a new key active and keeps the old
one published as ``previous``; ``retire`` removes a previous key from the JWKS later.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select

from lti_tool import crypto
from lti_tool.db import utcnow
from lti_tool.errors import ConfigurationError, NotFound, ToolError
from lti_tool.extensions import db
from lti_tool.launch.models import KeyStatus, ToolKey

#: HKDF purpose for the tool's private keys (kept from the first release: changing it would
#: make stored keys unreadable).
KEY_PURPOSE = "private-key-encryption"


def public_jwk_for(public_pem: str) -> dict[str, Any]:
    """The JWK (with RFC 7638 thumbprint ``kid``, ``alg`` RS256, ``use`` sig) of a PEM key."""
    jwk = JWK.from_pem(public_pem.encode())
    data: dict[str, Any] = json.loads(jwk.export_public())
    data["kid"] = jwk.thumbprint()
    data["alg"] = "RS256"
    data["use"] = "sig"
    return data


def create_key(status: KeyStatus = KeyStatus.ACTIVE, key_set: str | None = None) -> ToolKey:
    """Generate a 2048-bit RSA key pair and store it (not committed). A key of a
    registration's own set carries the set in its ``kid``."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    jwk = public_jwk_for(public_pem)
    if key_set:
        jwk["kid"] = f"{key_set}.{jwk['kid']}"
    key = ToolKey(
        kid=jwk["kid"],
        public_jwk=jwk,
        public_pem=public_pem,
        status=status,
        private_key_encrypted=crypto.encrypt(private_pem, KEY_PURPOSE),
        key_set=key_set,
    )
    db.session.add(key)
    return key


def _in_set(key_set: str | None) -> Any:
    return ToolKey.key_set.is_(None) if key_set is None else ToolKey.key_set == key_set


def active_key(key_set: str | None = None) -> ToolKey:
    """The key of a set that signs now; creates one on first use."""
    key = (
        db.session.execute(
            select(ToolKey)
            .where(ToolKey.status == KeyStatus.ACTIVE, _in_set(key_set))
            .order_by(ToolKey.id.desc())
        )
        .scalars()
        .first()
    )
    if key is None:
        key = create_key(key_set=key_set)
        db.session.commit()
    return key


def private_pem(key: ToolKey) -> str:
    """Decrypt a key's private PEM.

    :raises ToolError: when ILP_SECRET_KEY changed since the key was made.
    """
    try:
        return crypto.decrypt(key.private_key_encrypted, KEY_PURPOSE)
    except ConfigurationError as err:
        raise ToolError(
            "The tool's signing key cannot be read: ILP_SECRET_KEY changed. "
            "Run `ilp keys rotate` to make a new key."
        ) from err


def published_keys(key_set: str | None = None) -> list[ToolKey]:
    """Keys in a set's JWKS: the active one and those kept from before a rotation."""
    return list(
        db.session.execute(
            select(ToolKey)
            .where(ToolKey.status.in_([KeyStatus.ACTIVE, KeyStatus.PREVIOUS]), _in_set(key_set))
            .order_by(ToolKey.id.desc())
        ).scalars()
    )


def jwks(key_set: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """A set's public JWKS document (the shared set when ``key_set`` is None)."""
    if not published_keys(key_set):
        active_key(key_set)
    return {"keys": [k.public_jwk for k in published_keys(key_set)]}


def key_set_exists(key_set: str) -> bool:
    """Whether a registration's own key set has any key."""
    return (
        db.session.execute(select(ToolKey.id).where(ToolKey.key_set == key_set).limit(1)).first()
        is not None
    )


def rotate() -> ToolKey:
    """Make a new active key; the old active key stays published as ``previous``."""
    now = utcnow()
    sets = set(
        db.session.execute(
            select(ToolKey.key_set).where(ToolKey.status == KeyStatus.ACTIVE)
        ).scalars()
    ) | {None}
    for key in db.session.execute(
        select(ToolKey).where(ToolKey.status == KeyStatus.ACTIVE)
    ).scalars():
        key.status = KeyStatus.PREVIOUS
        key.rotated_at = now
    # Every set rotates together; the shared set's new key is returned.
    for key_set in sets - {None}:
        create_key(key_set=key_set)
    new = create_key()
    db.session.commit()
    return new


def retire(kid: str | None = None) -> list[ToolKey]:
    """Remove previous keys from the JWKS (one by ``kid``, or all previous ones).

    :raises NotFound: when ``kid`` names no previous key.
    """
    query = select(ToolKey).where(ToolKey.status == KeyStatus.PREVIOUS)
    if kid:
        query = query.where(ToolKey.kid == kid)
    keys = list(db.session.execute(query).scalars())
    if kid and not keys:
        raise NotFound(f"No previous (rotated-out) key with kid {kid}")
    for key in keys:
        key.status = KeyStatus.RETIRED
        key.retired_at = utcnow()
    db.session.commit()
    return keys

"""The tool's own signing keys (published at the JWKS URL, rotated without downtime)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import created_at, enum_string, intpk
from lti_tool.extensions import Model


class KeyStatus(enum.StrEnum):
    """Lifecycle of a signing key.

    ``active`` signs; ``previous`` no longer signs but stays in the JWKS so tokens signed
    just before a rotation still verify; ``retired`` is gone from the JWKS.
    """

    ACTIVE = "active"
    PREVIOUS = "previous"
    RETIRED = "retired"


class ToolKey(Model):
    """An RSA key pair of the tool. The private half is encrypted at rest."""

    __tablename__ = "tool_keys"

    id: Mapped[intpk]
    #: JWK thumbprint (RFC 7638) of the public key, sent as ``kid``.
    kid: Mapped[str] = mapped_column(String(128), unique=True)
    #: PEM private key, Fernet-encrypted with a key derived from ILP_SECRET_KEY.
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    public_pem: Mapped[str] = mapped_column(Text)
    status: Mapped[KeyStatus] = mapped_column(
        enum_string(KeyStatus, "status"), default=KeyStatus.ACTIVE
    )
    #: The key set it belongs to: None for the shared set (manual registrations, published
    #: at ``/lti/jwks``); a random id for a Dynamic Registration's own set, published at
    #: ``/lti/jwks/<key_set>``, so no registration can get service tokens in another's name.
    key_set: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[created_at]
    rotated_at: Mapped[dt.datetime | None]
    retired_at: Mapped[dt.datetime | None]

"""Encryption at rest for secrets we must keep: signing keys, LMS API tokens and secrets.

Fernet (AES-128-CBC + HMAC) with keys derived from ``ILP_SECRET_KEY`` by HKDF, one derived
key per purpose so a value encrypted for one use cannot be decrypted as another.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from lti_tool.errors import ConfigurationError


def _fernet(purpose: str) -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"lodestar-tool-keys", info=purpose.encode()
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(value: str, purpose: str) -> str:
    """Encrypt ``value`` for ``purpose``."""
    return _fernet(purpose).encrypt(value.encode()).decode()


def decrypt(token: str, purpose: str) -> str:
    """Decrypt a value encrypted for ``purpose``.

    :raises ConfigurationError: when ILP_SECRET_KEY changed since it was encrypted.
    """
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken as err:
        raise ConfigurationError(
            "A stored secret cannot be read: ILP_SECRET_KEY changed since it was saved."
        ) from err

"""Settings: defaults in code, deployment values from ``ILP_*`` environment variables.

Nothing secret lives in the repository. ``load_settings`` turns the environment into a plain
mapping for ``app.config``; invalid values raise ``ConfigurationError`` at start-up, not on
the first request. See ``config/production.env.example`` for every variable.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lti_tool.errors import ConfigurationError

#: Seconds of clock difference tolerated between the LMS and us for ``iat``/``exp``.
DEFAULT_JWT_LEEWAY = 30


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigurationError(f"Expected a boolean, got {value!r}")


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as err:
        raise ConfigurationError(f"{name} must be a whole number, got {value!r}") from err


_PERIODS = {"second": 1, "minute": 60, "hour": 3600}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour)\s*$")


def parse_rate(value: str) -> tuple[int, int]:
    """``"60/minute"`` -> ``(60, 60)``: how many requests per how many seconds.

    :raises ValueError: for anything else.
    """
    match = _RATE.match(value)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"Expected a rate like 60/minute, got {value!r}")
    return int(match.group(1)), _PERIODS[match.group(2)]


def _rate(name: str, value: str) -> str:
    try:
        parse_rate(value)
    except ValueError as err:
        raise ConfigurationError(f"{name} must be a rate like 60/minute, got {value!r}") from err
    return value


#: The command that makes a good ``ILP_SECRET_KEY`` (64 characters, 384 random bits).
SECRET_KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105 - a shell command that makes a key

#: Shortest ``ILP_SECRET_KEY`` accepted in production, in characters.
MIN_SECRET_LENGTH = 32

#: Least estimated entropy of ``ILP_SECRET_KEY`` accepted in production, in bits.
MIN_SECRET_BITS = 128

#: Values the example configuration has ever shipped; refused in production.
EXAMPLE_SECRET_KEYS = frozenset(
    {
        "change-me-to-64-random-characters",
        "REPLACE_ME_with_the_output_of_the_command_above",
    }
)

#: Words that mark a value someone forgot to replace. All are six letters or more, so a
#: random key contains one by chance about once in ten million keys.
PLACEHOLDER_WORDS = (
    "change",
    "replace",
    "example",
    "placeholder",
    "secret",
    "password",
    "random",
    "generate",
    "insert",
)


def secret_entropy_bits(key: str) -> float:
    """Estimate the entropy of ``key`` in bits: its length times its Shannon entropy per
    character, taken from the frequency of each character in the key itself.

    The estimate is generous to random keys and stingy with words and repeats: a
    ``secrets.token_urlsafe(48)`` key scores about 340 bits, the old example value
    ``change-me-to-64-random-characters`` about 123.
    """
    if not key:
        return 0.0
    n = len(key)
    per_char = -sum(c / n * math.log2(c / n) for c in Counter(key).values())
    return per_char * n


def _is_repetition(key: str) -> bool:
    """Whether ``key`` is a shorter string repeated (``abcdabcd...``), which Shannon misses."""
    n = len(key)
    return any(key == (key[:period] * (n // period + 1))[:n] for period in range(1, n // 2 + 1))


def check_production_secret(key: str) -> None:
    """Refuse an ``ILP_SECRET_KEY`` anyone could guess.

    The rule: at least ``MIN_SECRET_LENGTH`` characters, an estimated entropy
    (``secret_entropy_bits``) of at least ``MIN_SECRET_BITS``, not a short pattern repeated,
    not a value the example configuration ships and without a placeholder word
    (``PLACEHOLDER_WORDS``). Anyone who knows the key can mint launch tokens.

    :raises ConfigurationError: naming the setting and the command that makes a good key.
    """
    how = f"Generate one with: {SECRET_KEY_COMMAND}"
    lowered = key.lower()
    if key in EXAMPLE_SECRET_KEYS or any(word in lowered for word in PLACEHOLDER_WORDS):
        raise ConfigurationError(f"ILP_SECRET_KEY is the example or a placeholder value. {how}")
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"ILP_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters. {how}"
        )
    if _is_repetition(key) or secret_entropy_bits(key) < MIN_SECRET_BITS:
        raise ConfigurationError(
            f"ILP_SECRET_KEY is too predictable (less than {MIN_SECRET_BITS} bits of "
            f"estimated entropy). {how}"
        )


def check_production_settings(settings: Mapping[str, Any]) -> None:
    """Refuse production settings that leave sessions or redirects open to others.

    ``ILP_COOKIE_SECURE`` must stay on (the session cookie would otherwise travel over
    plain HTTP and lose ``SameSite=None``), and ``ILP_BASE_URL`` must be an ``https`` URL:
    without it the request's Host header would decide the OIDC ``redirect_uri``.

    :raises ConfigurationError: naming the setting to fix.
    """
    if not settings["SESSION_COOKIE_SECURE"]:
        raise ConfigurationError("ILP_COOKIE_SECURE must not be false in production")
    base_url = settings["ILP_BASE_URL"]
    if not base_url:
        raise ConfigurationError(
            "ILP_BASE_URL must be set in production (the tool's public https URL, e.g. "
            "https://ilp.district.example)"
        )
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigurationError(
            f"ILP_BASE_URL must be an https URL in production, got {base_url!r}"
        )


def _secret_key(env: Mapping[str, str], instance_path: Path, environment: str) -> str:
    key = env.get("ILP_SECRET_KEY")
    if key:
        if environment == "production":
            check_production_secret(key)
        return key
    if environment == "production":
        raise ConfigurationError(
            f"ILP_SECRET_KEY must be set in production. Generate one with: {SECRET_KEY_COMMAND}"
        )
    # Development and the demo: keep one random key per instance folder so sessions and
    # encrypted signing keys survive restarts.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(instance_path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from ``ILP_*`` environment variables.

    :param instance_path: the app's instance folder (SQLite file and dev secret live there).
    :param env: the environment to read (``os.environ`` by default).
    :raises ConfigurationError: for missing or malformed values.
    """
    env = os.environ if env is None else env
    environment = env.get("ILP_ENV", "development")
    if environment not in {"development", "production", "testing"}:
        raise ConfigurationError("ILP_ENV must be development, production or testing")

    database_url = env.get("ILP_DATABASE_URL") or f"sqlite:///{instance_path / 'lodestar.sqlite'}"
    cookie_secure = _bool(env.get("ILP_COOKIE_SECURE", "true"))
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        # Several threads (demo server, browser tests) share one SQLite file.
        engine_options = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    # Statement errors never carry row values (a student's plan text) into messages or logs.
    engine_options["hide_parameters"] = True

    settings: dict[str, Any] = {
        "ILP_ENV": environment,
        "TESTING": environment == "testing",
        "SECRET_KEY": _secret_key(env, instance_path, environment),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "ILP_REDIS_URL": env.get("ILP_REDIS_URL") or None,
        # Public base URL of the tool when it cannot be derived from the request
        # (for example in background jobs and the CLI). No trailing slash.
        "ILP_BASE_URL": (env.get("ILP_BASE_URL") or "").rstrip("/") or None,
        "ILP_PROXY_COUNT": _int("ILP_PROXY_COUNT", env.get("ILP_PROXY_COUNT", "0")),
        "ILP_JWT_LEEWAY": _int(
            "ILP_JWT_LEEWAY", env.get("ILP_JWT_LEEWAY", str(DEFAULT_JWT_LEEWAY))
        ),
        "ILP_LAUNCH_TOKEN_TTL": _int(
            "ILP_LAUNCH_TOKEN_TTL", env.get("ILP_LAUNCH_TOKEN_TTL", "7200")
        ),
        # A session ends after this many minutes without a request (and, whatever happens,
        # ILP_LAUNCH_TOKEN_TTL seconds after its launch).
        "ILP_SESSION_IDLE_MINUTES": _int(
            "ILP_SESSION_IDLE_MINUTES", env.get("ILP_SESSION_IDLE_MINUTES", "60")
        ),
        # Lifetime of an OIDC login's nonce and state: one round trip to the LMS and back.
        "ILP_OIDC_TTL": _int("ILP_OIDC_TTL", env.get("ILP_OIDC_TTL", "600")),
        # Rate limits of /lti/login, /lti/login/check and /lti/launch (each its own bucket):
        # per client address (a school's NAT is one address) and per platform registration.
        "ILP_LOGIN_RATE": _rate("ILP_LOGIN_RATE", env.get("ILP_LOGIN_RATE", "300/minute")),
        "ILP_LOGIN_RATE_PER_ISSUER": _rate(
            "ILP_LOGIN_RATE_PER_ISSUER", env.get("ILP_LOGIN_RATE_PER_ISSUER", "3000/minute")
        ),
        "ILP_JWKS_CACHE_SECONDS": _int(
            "ILP_JWKS_CACHE_SECONDS", env.get("ILP_JWKS_CACHE_SECONDS", "3600")
        ),
        "ILP_HTTP_TIMEOUT": float(env.get("ILP_HTTP_TIMEOUT", "10")),
        "ILP_HTTP_RETRIES": _int("ILP_HTTP_RETRIES", env.get("ILP_HTTP_RETRIES", "3")),
        "ILP_TOOL_TITLE": env.get("ILP_TOOL_TITLE", "Lodestar ILP"),
        # A teacher's launch syncs roster and grades when the last sync is older than this.
        "ILP_SYNC_ON_LAUNCH": _bool(env.get("ILP_SYNC_ON_LAUNCH", "true")),
        # LTI Dynamic Registration at /lti/register (on by default except in production).
        "ILP_DYNAMIC_REGISTRATION": _bool(
            env.get("ILP_DYNAMIC_REGISTRATION", "false" if environment == "production" else "true")
        ),
        # Refuse server-side fetches to loopback, link-local and private addresses (on by
        # default in production); ILP_OUTBOUND_ALLOW lists CIDR ranges that are fine (a
        # district's own Moodle on its intranet, e.g. "10.20.0.0/16").
        "ILP_OUTBOUND_GUARD": _bool(
            env.get("ILP_OUTBOUND_GUARD", "true" if environment == "production" else "false")
        ),
        "ILP_OUTBOUND_ALLOW": env.get("ILP_OUTBOUND_ALLOW", ""),
        # Run syncs in the request even when Redis is configured (tests, single host).
        "ILP_SYNC_INLINE": _bool(env.get("ILP_SYNC_INLINE", "false")),
        "ILP_SYNC_MAX_AGE_MINUTES": _int(
            "ILP_SYNC_MAX_AGE_MINUTES", env.get("ILP_SYNC_MAX_AGE_MINUTES", "60")
        ),
        # Cookies must cross the LMS iframe boundary: SameSite=None requires Secure, and
        # Partitioned (CHIPS) keeps them working where third-party cookies are blocked.
        "SESSION_COOKIE_NAME": "lodestar_session",
        "SESSION_COOKIE_SECURE": cookie_secure,
        "SESSION_COOKIE_SAMESITE": "None" if cookie_secure else "Lax",
        "SESSION_COOKIE_PARTITIONED": cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # Email of "What's new" notices through the district's SMTP relay: off unless
        # ILP_SMTP_HOST is set (Canvas conversations go first where Canvas is connected).
        "ILP_SMTP_HOST": env.get("ILP_SMTP_HOST") or None,
        "ILP_SMTP_PORT": _int("ILP_SMTP_PORT", env.get("ILP_SMTP_PORT", "587")),
        "ILP_SMTP_USERNAME": env.get("ILP_SMTP_USERNAME") or None,
        "ILP_SMTP_PASSWORD": env.get("ILP_SMTP_PASSWORD") or None,
        "ILP_SMTP_FROM": env.get("ILP_SMTP_FROM") or None,
        "ILP_SMTP_STARTTLS": _bool(env.get("ILP_SMTP_STARTTLS", "true")),
        # Largest request body accepted anywhere (uploads are capped lower, per file).
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    }
    if environment == "production":
        check_production_settings(settings)
    return settings

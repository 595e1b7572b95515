"""The anonymous OIDC login cannot grow the store: the storage target is a short frame name,
login parameters are bounded, nonce and state live minutes, and logins and launches are rate
limited per client address and per platform (on whichever shared store is configured)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.db import utcnow
from lti_tool.errors import ConfigurationError
from lti_tool.extensions import db
from lti_tool.models import ShortLivedValue
from lti_tool.sandbox.launch import login_initiation_url
from lti_tool.settings import load_settings
from tests.conftest import _make_app
from tests.lti_driver import LtiDriver

FRAME = {"Sec-Fetch-Dest": "iframe"}


def _redis(app: Flask) -> Any:
    import redis

    return redis.Redis.from_url(app.config["ILP_REDIS_URL"])


def _stored_bytes(app: Flask) -> int:
    """Everything the shared store holds, in bytes (keys and values)."""
    if app.config.get("ILP_REDIS_URL"):
        r = _redis(app)
        return sum(len(k) + (r.strlen(k) or 0) for k in r.scan_iter("lodestar:*"))
    with app.app_context():
        total = db.session.execute(
            select(
                func.coalesce(
                    func.sum(func.length(ShortLivedValue.key) + func.length(ShortLivedValue.value)),
                    0,
                )
            )
        ).scalar_one()
        return int(total)


def _seconds_left(app: Flask, key: str) -> float | None:
    """How long the store keeps ``key`` (None: not stored)."""
    if app.config.get("ILP_REDIS_URL"):
        ttl = _redis(app).ttl("lodestar:" + key)
        return None if ttl < 0 else float(ttl)
    with app.app_context():
        expires = db.session.execute(
            select(ShortLivedValue.expires_at).where(ShortLivedValue.key == key)
        ).scalar_one_or_none()
        return None if expires is None else (expires - utcnow()).total_seconds()


def _login_query(lti: LtiDriver, **query: Any) -> str:
    student = lti.person("student")
    url = urlsplit(login_initiation_url(lti.state, student, lti.course_of(student), **query))
    return f"{url.path}?{url.query}"


@pytest.mark.parametrize("target", ["post_message_forwarding", "_parent", "a-Z_0"])
def test_real_storage_targets_are_accepted(lti: LtiDriver, target: str) -> None:
    page = lti.client.get(_login_query(lti, storage_target=target), headers=FRAME)
    assert page.status_code == 200, page.get_data(as_text=True)


@pytest.mark.parametrize("target", ["x" * 65, "<script>", "a b", "parent.frames[0]", "é"])
def test_other_storage_targets_are_a_400_and_store_nothing(lti: LtiDriver, target: str) -> None:
    before = _stored_bytes(lti.app)
    page = lti.client.get(_login_query(lti, storage_target=target), headers=FRAME)
    assert page.status_code == 400
    assert "lti_storage_target" in page.get_data(as_text=True)
    assert _stored_bytes(lti.app) - before < 200  # the rate counters only


def test_ten_anonymous_posts_with_a_huge_storage_target_store_nothing_big(lti: LtiDriver) -> None:
    query = {k: v[0] for k, v in parse_qs(urlsplit(_login_query(lti)).query).items()}
    before = _stored_bytes(lti.app)
    for i in range(10):
        huge = (
            {"lti_storage_target": "x" * 1_000_000}
            if i % 2
            else {"lti_storage_target": "_parent", "lti_message_hint": "h" * 1_000_000}
        )
        answer = lti.client.post("/lti/login", data={**query, **huge}, headers=FRAME)
        assert answer.status_code == 400
    assert _stored_bytes(lti.app) - before < 1000


def test_nonce_and_state_live_minutes_while_the_launch_keeps_its_lifetime(lti: LtiDriver) -> None:
    student = lti.person("student")
    login = lti.login(student)
    query = parse_qs(urlsplit(login.headers["Location"]).query)
    state, nonce = query["state"][0], query["nonce"][0]
    nonce_left = _seconds_left(lti.app, f"lti:lti1p3-nonce-{nonce}")
    assert nonce_left is not None and 0 < nonce_left <= 600
    login_left = _seconds_left(lti.app, f"lti-login:{state}")
    assert login_left is not None and login_left <= 600
    home = lti.post_launch(lti.authorize(login))
    assert home.status_code == 302
    assert _seconds_left(lti.app, f"lti:lti1p3-nonce-{nonce}") is None  # used up
    with lti.app.app_context():
        if lti.app.config.get("ILP_REDIS_URL"):
            keys = [
                k.decode()[len("lodestar:") :]
                for k in _redis(lti.app).scan_iter("lodestar:lti:lti1p3-launch-*")
            ]
        else:
            keys = list(
                db.session.execute(
                    select(ShortLivedValue.key).where(
                        ShortLivedValue.key.like("lti:lti1p3-launch-%")
                    )
                ).scalars()
            )
    assert len(keys) == 1
    launch_left = _seconds_left(lti.app, keys[0])
    assert launch_left is not None and launch_left > 3600  # ILP_LAUNCH_TOKEN_TTL


def test_oidc_lifetime_is_a_setting(lti: LtiDriver) -> None:
    lti.app.config["ILP_OIDC_TTL"] = 120
    _state, nonce = lti.begin(lti.person("student"))
    left = _seconds_left(lti.app, f"lti:lti1p3-nonce-{nonce}")
    assert left is not None and left <= 120


def test_logins_over_the_address_limit_get_a_429_page(
    lti: LtiDriver, caplog: pytest.LogCaptureFixture
) -> None:
    lti.app.config["ILP_LOGIN_RATE"] = "3/minute"
    student = lti.person("student")
    for _ in range(3):
        assert lti.login(student).status_code == 302
    before = _stored_bytes(lti.app)
    with caplog.at_level(logging.INFO):
        refused = lti.login(student)
        assert lti.login(student).status_code == 429
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store, private"
    assert "Too many sign-ins" in refused.get_data(as_text=True)
    assert "Location" not in refused.headers
    assert _stored_bytes(lti.app) - before < 50  # no nonce, no login record
    # Logged once, with no address, person or issuer.
    messages = [r.getMessage() for r in caplog.records if "Rate limit" in r.getMessage()]
    assert len(messages) == 1
    for secret in ("127.0.0.1", student.sub, lti.state.issuer):
        assert all(secret not in m for m in caplog.messages)
    # The launch and the login page's check count in their own buckets.
    assert lti.client.post("/lti/launch", data={}).status_code == 400


def test_login_check_over_the_limit_answers_json(lti: LtiDriver) -> None:
    lti.app.config["ILP_LOGIN_RATE"] = "1/minute"
    headers = {"X-Lodestar-Login-Check": "1", "Sec-Fetch-Site": "same-origin"}
    lti.client.post("/lti/login/check", data={"state": "s"}, headers=headers)
    answer = lti.client.post("/lti/login/check", data={"state": "s"}, headers=headers)
    assert answer.status_code == 429
    assert answer.get_json()["status"] == 429
    assert answer.headers["Retry-After"]


@pytest.fixture
def proxied(database_url: str, tmp_path: Path, app: Flask) -> Iterator[FlaskClient]:
    """The tool behind one reverse proxy (ProxyFix), limits low."""
    proxied_app = _make_app(
        database_url,
        tmp_path,
        ILP_PROXY_COUNT="1",
        ILP_LOGIN_RATE="2/minute",
        ILP_LOGIN_RATE_PER_ISSUER="3/minute",
    )
    yield proxied_app.test_client()
    with proxied_app.app_context():  # close its pool: a collected open connection warns
        db.session.remove()
        db.engine.dispose()


def test_the_address_is_the_client_behind_the_proxy(
    proxied: FlaskClient, client: FlaskClient
) -> None:
    def login(c: FlaskClient, address: str, iss: str) -> int:
        return c.get(f"/lti/login?iss={iss}", headers={"X-Forwarded-For": address}).status_code

    # Behind the proxy: each client has its own count (the login itself is a 400: no hint).
    assert [login(proxied, "203.0.113.5", "https://a.example") for _ in range(3)] == [400, 400, 429]
    assert login(proxied, "203.0.113.6", "https://b.example") == 400
    # IPv6 clients count per /64.
    assert login(proxied, "2001:db8:1:2::1", "https://c.example") == 400
    assert login(proxied, "2001:db8:1:2::2", "https://d.example") == 400
    assert login(proxied, "2001:db8:1:2::3", "https://e.example") == 429
    # Without a configured proxy the header is not believed.
    client.application.config["ILP_LOGIN_RATE"] = "2/minute"
    assert [login(client, f"203.0.113.{i}", "https://f.example") for i in range(3)] == [
        400,
        400,
        429,
    ]


def test_per_platform_limit_across_addresses(proxied: FlaskClient) -> None:
    def login(address: str, iss: str, client_id: str = "c1") -> int:
        return proxied.get(
            f"/lti/login?iss={iss}&client_id={client_id}", headers={"X-Forwarded-For": address}
        ).status_code

    assert [login(f"198.51.100.{i}", "https://lms.example") for i in range(4)] == [
        400,
        400,
        400,
        429,
    ]
    # Another registration on the same issuer (a second Canvas cloud district) is separate.
    assert login("198.51.100.9", "https://lms.example", "c2") == 400
    # A launch counts on the platform named in its id_token.
    token = jwt.encode(
        {
            "iss": "https://lms2.example",
            "aud": "c1",
            "exp": dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        },
        "k" * 32,
        algorithm="HS256",
    )
    codes = [
        proxied.post(
            "/lti/launch",
            data={"id_token": token, "state": "s"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert codes[:3] != [429] * 3 and codes[3] == 429


def test_rates_are_validated_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_settings(tmp_path, {"ILP_LOGIN_RATE": "lots"})
    with pytest.raises(ConfigurationError):
        load_settings(tmp_path, {"ILP_LOGIN_RATE_PER_ISSUER": "0/minute"})
    assert load_settings(tmp_path, {"ILP_LOGIN_RATE": "5 per second"})["ILP_LOGIN_RATE"]

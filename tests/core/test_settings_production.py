"""Production settings refuse what would let others in, ``ilp demo`` refuses production, and
database errors never carry a student's text into the log (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import event, func, select, text

from lti_tool import create_app
from lti_tool.cli import make_cli
from lti_tool.demo import prepare_demo
from lti_tool.errors import ConfigurationError
from lti_tool.extensions import db
from lti_tool.models import Platform, Tenant
from lti_tool.plans.models import Plan
from lti_tool.settings import check_production_secret, load_settings, secret_entropy_bits
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import SECRET_NEED, launch, post

EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "config" / "production.env.example"
GOOD_KEY = secrets.token_urlsafe(48)


def production_env(database_url: str, **changes: str) -> dict[str, str]:
    """Settings production accepts; ``changes`` replace or (with "") blank single values."""
    env = {
        "ILP_ENV": "production",
        "ILP_SECRET_KEY": GOOD_KEY,
        "ILP_BASE_URL": "https://ilp.district.example",
        "ILP_DATABASE_URL": database_url,
        "ILP_SYNC_ON_LAUNCH": "false",
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v != ""}


def example_secret() -> str:
    match = re.search(r"^ILP_SECRET_KEY=(.*)$", EXAMPLE_FILE.read_text(), flags=re.M)
    assert match
    return match.group(1).strip()


# -- the secret ------------------------------------------------------------------------------


def test_the_example_files_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(tmp_path, production_env("sqlite://", ILP_SECRET_KEY=example_secret()))
    assert "ILP_SECRET_KEY" in err.value.message
    assert "secrets.token_urlsafe(48)" in err.value.message


def test_the_example_file_says_how_to_make_a_secret() -> None:
    assert (
        'python -c "import secrets; print(secrets.token_urlsafe(48))"' in EXAMPLE_FILE.read_text()
    )


@pytest.mark.parametrize(
    "key",
    [
        "change-me-to-64-random-characters",  # the value the example shipped (33 chars)
        "my-super-secret-key-for-lodestar-production",  # a placeholder word
        "a" * 64,  # no entropy at all
        "0123456789abcdef0123456789abcdef",  # a pattern repeated (Shannon says 128)
        "Lodestar2024!" * 4,  # a word repeated
        "Kq7#xP2m" * 4,  # 32 chars, but only 8 distinct
        "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7",  # 27 random-looking characters: too short
        "abababababababababababababababcd",  # 32 chars, about 40 bits
    ],
)
def test_guessable_secrets_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(tmp_path, production_env("sqlite://", ILP_SECRET_KEY=key))
    assert "ILP_SECRET_KEY" in err.value.message


def test_a_missing_secret_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="token_urlsafe"):
        load_settings(tmp_path, production_env("sqlite://", ILP_SECRET_KEY=""))


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32),
    ],
)
def test_generated_secrets_are_accepted(make: Any) -> None:
    for _ in range(200):
        key = make()
        check_production_secret(key)
        assert secret_entropy_bits(key) >= 128


def test_weak_secrets_are_fine_outside_production(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path, {"ILP_ENV": "development", "ILP_SECRET_KEY": example_secret()}
    )
    assert settings["SECRET_KEY"] == example_secret()


# -- cookies and the base URL ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"ILP_COOKIE_SECURE": "false"}, "ILP_COOKIE_SECURE"),
        ({"ILP_COOKIE_SECURE": "0"}, "ILP_COOKIE_SECURE"),
        ({"ILP_BASE_URL": ""}, "ILP_BASE_URL"),
        ({"ILP_BASE_URL": "http://ilp.district.example"}, "ILP_BASE_URL"),
        ({"ILP_BASE_URL": "ilp.district.example"}, "ILP_BASE_URL"),
        ({"ILP_BASE_URL": "https://"}, "ILP_BASE_URL"),
    ],
)
def test_insecure_production_settings_are_refused(
    tmp_path: Path, changes: dict[str, str], setting: str
) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(tmp_path, production_env("sqlite://", **changes))
    assert setting in err.value.message


def test_create_app_refuses_insecure_production(database_url: str) -> None:
    with pytest.raises(ConfigurationError, match="ILP_COOKIE_SECURE"):
        create_app(production_env(database_url, ILP_COOKIE_SECURE="false"))
    with pytest.raises(ConfigurationError, match="ILP_BASE_URL"):
        create_app(production_env(database_url, ILP_BASE_URL=""))
    # Flask-level overrides cannot switch the checks off either.
    with pytest.raises(ConfigurationError, match="ILP_COOKIE_SECURE"):
        create_app({**production_env(database_url), "SESSION_COOKIE_SECURE": False})


def test_create_app_accepts_good_production_settings(database_url: str) -> None:
    app = create_app(production_env(database_url))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["ILP_BASE_URL"] == "https://ilp.district.example"
    with app.app_context():
        db.engine.dispose()


def test_the_cli_prints_the_setting_without_a_traceback(database_url: str) -> None:
    result = CliRunner().invoke(
        make_cli(),
        ["platforms", "list"],
        env=production_env(database_url, ILP_SECRET_KEY=example_secret()),
    )
    assert result.exit_code == 2
    assert "Error: ILP_SECRET_KEY" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(
        make_cli(),
        ["platforms", "list"],
        env=production_env(database_url, ILP_COOKIE_SECURE="false"),
    )
    assert result.exit_code == 2 and "ILP_COOKIE_SECURE" in result.output


# -- ilp demo ----------------------------------------------------------------------------------


@pytest.fixture
def production_app(database_url: str, app: Flask) -> Iterator[Flask]:
    """A production app over the (emptied) test database; ``app`` empties it."""
    production = create_app(production_env(database_url))
    yield production
    with production.app_context():
        db.session.remove()
        db.engine.dispose()


def _count_statements(app: Flask) -> list[str]:
    statements: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: statements.append(statement),
        )
    return statements


def test_demo_refuses_production_before_touching_the_database(production_app: Flask) -> None:
    statements = _count_statements(production_app)
    result = production_app.test_cli_runner().invoke(args=["demo", "--once"])
    assert result.exit_code == 2
    assert "ILP_ENV=production" in result.output and "Traceback" not in result.output
    assert statements == []
    with production_app.app_context():
        assert db.session.execute(select(func.count()).select_from(Platform)).scalar() == 0
        assert db.session.execute(select(func.count()).select_from(Tenant)).scalar() == 0


def test_demo_refuses_production_from_the_ilp_command(database_url: str, app: Flask) -> None:
    result = CliRunner().invoke(make_cli(), ["demo", "--once"], env=production_env(database_url))
    assert result.exit_code == 2 and "ILP_ENV=production" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Platform)).scalar() == 0


def test_prepare_demo_refuses_production(production_app: Flask) -> None:
    with pytest.raises(ConfigurationError, match="ILP_ENV=production"):
        prepare_demo(
            production_app, tool_url="http://localhost:5000", lms_url="http://127.0.0.1:5001"
        )


# -- database errors in the log ------------------------------------------------------------------


def test_engine_hides_parameters(app: Flask, production_app: Flask) -> None:
    for each in (
        app,
        production_app,
        create_app(
            {
                "ILP_ENV": "testing",
                "ILP_DATABASE_URL": "sqlite://",
                "ILP_SECRET_KEY": GOOD_KEY,
                "SQLALCHEMY_ENGINE_OPTIONS": {},
            }
        ),
    ):
        assert each.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
        with each.app_context():
            assert db.engine.hide_parameters is True


def _is_postgres(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.fixture
def plans_refuse_accommodations(app: Flask) -> Iterator[None]:
    """The database itself refuses any plan row with accommodations: PostgreSQL with a CHECK
    constraint (whose error quotes the whole failing row), SQLite with triggers."""
    if _is_postgres(app):
        setup = [
            "ALTER TABLE plans ADD CONSTRAINT no_accommodations "
            "CHECK (accommodations = '') NOT VALID"
        ]
        teardown = ["ALTER TABLE plans DROP CONSTRAINT IF EXISTS no_accommodations"]
    else:
        setup = [
            f"CREATE TRIGGER no_accommodations_{op} BEFORE {op} ON plans "
            "WHEN NEW.accommodations <> '' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            for op in ("INSERT", "UPDATE")
        ]
        teardown = [f"DROP TRIGGER IF EXISTS no_accommodations_{op}" for op in ("INSERT", "UPDATE")]
    with app.app_context():
        for sql in setup:
            db.session.execute(text(sql))
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            db.session.rollback()
            for sql in teardown:
                db.session.execute(text(sql))
            db.session.commit()


def _assert_not_logged(caplog: pytest.LogCaptureFixture, *values: str) -> None:
    for record in caplog.records:
        logged = record.getMessage() + (caplog.handler.format(record) if record.exc_info else "")
        for value in values:
            assert value not in logged, record.name


def test_a_database_error_logs_no_row_values(
    lti: LtiDriver, app: Flask, plans_refuse_accommodations: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    token = launch(lti, lti.person("student", 0))
    response = post(
        lti,
        token,
        "/plans/me/profile",
        {
            "about": "Private about text",
            "grade_level": "10",
            "graduation_year": "2029",
            "accommodations": SECRET_NEED,
        },
    )
    assert response.status_code == 500
    assert SECRET_NEED not in response.get_data(as_text=True)
    _assert_not_logged(caplog, SECRET_NEED, "Private about text")
    # What is logged still lets an operator find the fault: class and statement.
    errors = [r.getMessage() for r in caplog.records if r.name == "lti_tool.errors"]
    assert any(
        "IntegrityError" in m and "plans" in m and "values not logged" in m for m in errors
    ), errors
    with app.app_context():
        assert db.session.execute(select(Plan.accommodations)).scalars().all() in ([], [""])


def test_a_value_the_database_refuses_is_a_400(
    lti: LtiDriver, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    if not _is_postgres(app):
        pytest.skip("PostgreSQL raises data exceptions from a trigger")
    # A trigger that refuses the value and quotes it in its message, as PostgreSQL's own
    # errors do ("invalid input syntax for type ...: <value>").
    with app.app_context():
        db.session.execute(
            text(
                "CREATE FUNCTION refuse_accommodations() RETURNS trigger AS $$ BEGIN "
                "IF NEW.accommodations <> '' THEN RAISE EXCEPTION 'refused: %', "
                "NEW.accommodations USING ERRCODE = 'data_exception'; END IF; RETURN NEW; END "
                "$$ LANGUAGE plpgsql"
            )
        )
        db.session.execute(
            text(
                "CREATE TRIGGER refuse_accommodations BEFORE INSERT OR UPDATE ON plans "
                "FOR EACH ROW EXECUTE FUNCTION refuse_accommodations()"
            )
        )
        db.session.commit()
    try:
        caplog.set_level(logging.INFO)
        token = launch(lti, lti.person("student", 0))
        response = post(
            lti,
            token,
            "/plans/me/profile",
            {"grade_level": "10", "graduation_year": "2029", "accommodations": SECRET_NEED},
        )
        assert response.status_code == 400
        assert "could not be stored" in response.get_data(as_text=True)
        _assert_not_logged(caplog, SECRET_NEED)
        assert any("DataError" in r.getMessage() for r in caplog.records)
    finally:
        with app.app_context():
            db.session.rollback()
            db.session.execute(text("DROP TRIGGER IF EXISTS refuse_accommodations ON plans"))
            db.session.execute(text("DROP FUNCTION IF EXISTS refuse_accommodations()"))
            db.session.commit()


def test_a_nul_byte_in_a_plan_form_is_never_a_500_nor_logged(
    lti: LtiDriver, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    token = launch(lti, lti.person("student", 0))
    typed = SECRET_NEED + "\x00"
    response = post(
        lti,
        token,
        "/plans/me/profile",
        {"grade_level": "10", "graduation_year": "2029", "accommodations": typed},
    )
    # PostgreSQL text cannot hold NUL: a 400 unless the input is cleaned before it gets
    # there (then saved without the NUL); SQLite stores it as typed.
    assert response.status_code in (302, 400)
    _assert_not_logged(caplog, SECRET_NEED)
    with app.app_context():
        stored = db.session.execute(select(Plan.accommodations)).scalars().all()
    if response.status_code == 400:
        assert stored in ([], [""])


def test_log_exception_drops_values_of_a_chained_database_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Jobs (syncs) log with ``log_exception`` too: a database error wrapped in another
    exception still logs no values, even from an engine that shows its parameters."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import IntegrityError

    from lti_tool.errors import log_exception

    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people (email TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO people VALUES (:e)"), {"e": "kid@school.example"})
    logger = logging.getLogger("tests.sync")
    caplog.set_level(logging.INFO)
    try:
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO people VALUES (:e)"), {"e": "kid@school.example"})
        except IntegrityError as err:
            raise RuntimeError("roster sync failed") from err
    except RuntimeError:
        log_exception(logger, "Sync %s failed", "roster")
    engine.dispose()
    _assert_not_logged(caplog, "kid@school.example")
    [record] = caplog.records
    assert "IntegrityError" in record.getMessage() and "INSERT INTO people" in record.getMessage()
    assert "test_settings_production.py" in record.getMessage()  # the frames are kept

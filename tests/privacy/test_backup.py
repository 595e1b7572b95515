"""``ilp backup`` / ``ilp restore`` on a SQLite install: a backup taken while the app runs
brings the data (files included) back after later changes, keeps a copy of what it replaced,
and refuses files that are not backups, damaged ones and ones from a newer schema. On
PostgreSQL both commands point to pg_dump / pg_restore instead."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.portfolio.models import StoredFile
from lti_tool.privacy import backup
from tests import factories
from tests.conftest import _make_app

ESSAY = b"My essay about bridges.\n"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to the current schema once for the module."""
    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("backup-db") / "template.sqlite"
    app = _make_app(f"sqlite:///{path}", tmp_path_factory.mktemp("backup-instance"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def install(migrated: Path, tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """A SQLite install of its own (whatever database the suite runs on)."""
    path = tmp_path / "lodestar.sqlite"
    shutil.copy(migrated, path)
    app = _make_app(f"sqlite:///{path}", tmp_path)
    yield app, path
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _ilp(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def _names(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(db.session.execute(select(Person.name)).scalars())


def _rewrite(source: Path, target: Path, **manifest: Any) -> None:
    """A copy of the backup ``source`` with manifest fields changed."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        data = json.loads(archive.read(backup.MANIFEST)) | manifest
        out.writestr(backup.MANIFEST, json.dumps(data))
        out.writestr(backup.DATABASE, archive.read(backup.DATABASE))


def test_backup_then_changes_then_restore_brings_the_data_back(
    install: tuple[Flask, Path], tmp_path: Path
) -> None:
    app, path = install
    with app.app_context():
        tenant = factories.tenant()
        student = factories.person(tenant, name="Ana Before")
        factories.stored_file(student, content=ESSAY)
        db.session.commit()
        # A session stays open on the database while the backup runs (the app is live).
        db.session.execute(select(Person)).all()
        file = tmp_path / "nightly.ilpbak"
        made = _ilp(app, "backup", str(file))
    assert made.exit_code == 0, made.output
    assert "Backed up to" in made.output and "keep it safe" in made.output
    with zipfile.ZipFile(file) as archive:
        manifest = json.loads(archive.read(backup.MANIFEST))
    assert manifest["format"] == backup.FORMAT and manifest["tool_version"]
    assert manifest["schema_revision"] and manifest["created_at"]

    with app.app_context():
        person = db.session.execute(select(Person)).scalar_one()
        person.name = "Ana After"
        factories.person(person_tenant := db.session.get(type(tenant), person.tenant_id))
        assert person_tenant is not None
        db.session.execute(StoredFile.__table__.delete())
        db.session.commit()
    assert len(_names(app)) == 2

    done = _ilp(app, "restore", str(file), "--yes")
    assert done.exit_code == 0, done.output
    assert "kept in" in done.output and "ilp db upgrade" not in done.output
    assert _names(app) == ["Ana Before"]
    with app.app_context():
        assert db.session.execute(select(StoredFile.content)).scalar_one() == ESSAY
    # The database as it was before the restore is kept beside it.
    (kept,) = path.parent.glob("lodestar.sqlite.before-restore-*.sqlite")
    con = sqlite3.connect(kept)
    assert sorted(n for (n,) in con.execute("SELECT name FROM people")) != ["Ana Before"]
    con.close()


def test_restore_asks_before_replacing(install: tuple[Flask, Path], tmp_path: Path) -> None:
    app, _path = install
    file = tmp_path / "b.ilpbak"
    with app.app_context():
        assert _ilp(app, "backup", str(file)).exit_code == 0
        factories.person(factories.tenant(), name="Made after the backup")
        db.session.commit()
    answer = _ilp(app, "restore", str(file))  # no input: the confirmation aborts
    assert answer.exit_code == 1 and "Replace the current database" in answer.output
    assert _names(app) == ["Made after the backup"]


def test_restore_refuses_what_is_not_a_good_backup(
    install: tuple[Flask, Path], tmp_path: Path
) -> None:
    app, _path = install
    good = tmp_path / "good.ilpbak"
    assert _ilp(app, "backup", str(good)).exit_code == 0
    with app.app_context():
        factories.person(factories.tenant(), name="Still here")
        db.session.commit()

    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    no_manifest = tmp_path / "other.zip"
    with zipfile.ZipFile(no_manifest, "w") as archive:
        archive.writestr("readme.txt", "hello")
    newer = tmp_path / "newer.ilpbak"
    _rewrite(good, newer, schema_revision="9999_from_the_future", tool_version="9.0.0")
    damaged = tmp_path / "damaged.ilpbak"
    _rewrite(good, damaged, sha256="0" * 64)
    foreign = tmp_path / "foreign.ilpbak"
    _rewrite(good, foreign, format="something-else")

    cases = {
        text: "is not a Lodestar backup (not a backup file)",
        no_manifest: "not a Lodestar backup (no manifest)",
        newer: "newer than this Lodestar knows (made by Lodestar 9.0.0)",
        damaged: "This backup is damaged",
        foreign: "This file is not a Lodestar backup.",
    }
    for file, message in cases.items():
        for args in (("restore", str(file), "--yes"), ("restore", str(file))):
            result = _ilp(app, *args)
            assert result.exit_code == 2, (file.name, result.output)
            assert message in result.output, (file.name, result.output)
    assert _names(app) == ["Still here"]
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_a_backup_from_an_older_schema_is_restored_and_asks_for_an_upgrade(
    install: tuple[Flask, Path], tmp_path: Path
) -> None:
    from alembic.script import ScriptDirectory

    app, _path = install
    with app.app_context():
        script = ScriptDirectory(app.extensions["migrate"].directory)
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    file = tmp_path / "old.ilpbak"
    assert _ilp(app, "backup", str(file)).exit_code == 0
    # Pretend the backup was taken before the latest migration.
    work = tmp_path / "work.sqlite"
    with zipfile.ZipFile(file) as archive:
        work.write_bytes(archive.read(backup.DATABASE))
    con = sqlite3.connect(work)
    con.execute("UPDATE alembic_version SET version_num = ?", (previous,))
    con.commit()
    con.close()
    older = tmp_path / "older.ilpbak"
    with zipfile.ZipFile(file) as archive, zipfile.ZipFile(older, "w") as out:
        data = json.loads(archive.read(backup.MANIFEST))
        data.update(schema_revision=previous, sha256=backup._sha256(work))
        out.writestr(backup.MANIFEST, json.dumps(data))
        out.write(work, backup.DATABASE)
    result = _ilp(app, "restore", str(older), "--yes")
    assert result.exit_code == 0, result.output
    assert "run `ilp db upgrade` now" in result.output


def test_on_postgresql_the_commands_name_pg_dump_and_pg_restore(
    app: Flask, runner: Any, tmp_path: Path
) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the suite runs on SQLite; the PostgreSQL run checks this")
    file = tmp_path / "never-written.ilpbak"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 2
    assert "pg_dump -Fc" in result.output and "pg_restore --clean" in result.output
    assert "+psycopg" not in result.output
    assert not file.exists()
    file.write_text("anything")
    refused = runner.invoke(args=["restore", str(file), "--yes"])
    assert refused.exit_code == 2 and "pg_restore" in refused.output


def test_backup_and_kept_copy_are_readable_by_their_owner_only(
    install: tuple[Flask, Path], tmp_path: Path
) -> None:
    """Both hold every plan and file: mode 0600 whatever the umask, even over an old file."""
    app, path = install
    file = tmp_path / "nightly.ilpbak"
    file.write_bytes(b"")
    file.chmod(0o644)
    old = os.umask(0o022)
    try:
        made = _ilp(app, "backup", str(file))
        assert made.exit_code == 0, made.output
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        done = _ilp(app, "restore", str(file), "--yes")
        assert done.exit_code == 0, done.output
    finally:
        os.umask(old)
    (kept,) = path.parent.glob("lodestar.sqlite.before-restore-*.sqlite")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    con = sqlite3.connect(kept)  # a real copy of the database, not an empty file
    assert con.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    con.close()

"""``ilp backup FILE`` and ``ilp restore FILE`` for SQLite installs.

A backup is a zip file holding ``manifest.json`` (what it is, the schema revision, when,
which Lodestar made it, the database's SHA-256) and ``lodestar.sqlite``, a copy taken with
SQLite's online backup API: consistent while the app runs and writes. Uploaded files live in
the database (``stored_files``), so the backup holds them too.

Restore refuses anything that is not a Lodestar backup, a damaged one, and one from a newer
schema than this Lodestar knows; it first keeps a copy of the current database next to it
(``<database>.before-restore-<time>.sqlite``), then copies the backup into the live file
with the same online API. Both the backup and the kept copy hold every plan and file, so
they are created readable by their owner only (mode 0600, whatever the umask). A backup from
an older schema is restored as it is, and the
operator is told to run ``ilp db upgrade``.

PostgreSQL installs use ``pg_dump``/``pg_restore`` (see :func:`postgres_advice`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app

from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db

FORMAT = "lodestar-ilp-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "lodestar.sqlite"


def postgres_advice(url: str) -> str:
    """What to run instead on PostgreSQL, for the database at ``url`` (password hidden)."""
    return (
        "This install runs on PostgreSQL: use pg_dump and pg_restore instead. Uploaded files "
        "live in the stored_files table, so the dump includes them.\n"
        f"  Back up:  pg_dump -Fc -f lodestar.dump {url}\n"
        f"  Restore:  pg_restore --clean --if-exists --no-owner -d {url} lodestar.dump\n"
        "Then run `ilp db upgrade` if the dump came from an older Lodestar."
    )


class BackupError(InvalidInput):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """What a backup file says about itself."""

    schema_revision: str
    created_at: str
    tool_version: str
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        """The manifest as stored in the file."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "database": "sqlite",
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "tool_version": self.tool_version,
            "sha256": self.sha256,
        }


def _database_path() -> Path:
    """The live SQLite file, or a BackupError naming what to do instead."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        plain = url.set(drivername="postgresql").render_as_string(hide_password=True)
        raise BackupError(postgres_advice(plain))
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"ilp backup works on SQLite only, not {url.get_backend_name()}.")
    if not url.database or url.database == ":memory:":
        raise BackupError("This install keeps its database in memory: there is nothing to back up.")
    return Path(url.database)


#: Backups and kept copies hold everyone's data: readable and writable by their owner only.
PRIVATE_MODE = 0o600


def _private_file(path: Path) -> int:
    """Create (or empty) ``path`` with mode 0600 before any data goes in; its descriptor."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    os.chmod(path, PRIVATE_MODE)  # an existing file keeps its mode through os.open
    return fd


def _copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another with the online backup API."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _revision(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as err:
        raise BackupError("The database has no schema revision; is it Lodestar's?") from err
    finally:
        con.close()
    if row is None:
        raise BackupError("The database has no schema revision; run `ilp db upgrade` first.")
    return str(row[0])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lodestar-ilp")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def backup(target: Path) -> Manifest:
    """Write a backup of the live SQLite database to ``target`` (a zip file)."""
    source = _database_path()
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / DATABASE
        _copy(source, copy)
        manifest = Manifest(
            schema_revision=_revision(copy),
            created_at=utcnow().isoformat(timespec="seconds"),
            tool_version=_tool_version(),
            sha256=_sha256(copy),
        )
        partial = target.with_name(target.name + ".partial")
        with (
            os.fdopen(_private_file(partial), "wb") as handle,
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            archive.writestr(MANIFEST, json.dumps(manifest.as_dict(), indent=2))
            archive.write(copy, DATABASE)
        partial.replace(target)
    return manifest


def read_manifest(archive: zipfile.ZipFile) -> Manifest:
    """The backup's manifest, or a BackupError when the file is not a Lodestar backup."""
    try:
        data = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as err:
        raise BackupError("This file is not a Lodestar backup (no manifest).") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("This file is not a Lodestar backup.")
    if data.get("format_version") != FORMAT_VERSION or data.get("database") != "sqlite":
        raise BackupError("This backup was made in a format this Lodestar cannot read.")
    try:
        return Manifest(
            schema_revision=str(data["schema_revision"]),
            created_at=str(data["created_at"]),
            tool_version=str(data["tool_version"]),
            sha256=str(data["sha256"]),
        )
    except KeyError as err:
        raise BackupError("This backup's manifest is incomplete.") from err


def _known_revisions() -> tuple[set[str], set[str]]:
    """Every schema revision this Lodestar's migrations know, and the current heads."""
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return {s.revision for s in script.walk_revisions()}, set(script.get_heads())


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    manifest: Manifest
    kept_copy: Path
    needs_upgrade: bool


def _unpack(source: Path, work: Path) -> tuple[Manifest, Path]:
    """The backup's manifest and its database unpacked into ``work``, once every check
    passed: a Lodestar backup, of a schema this Lodestar knows, undamaged."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as err:
        raise BackupError(f"{source.name} is not a Lodestar backup (not a backup file).") from err
    with archive:
        manifest = read_manifest(archive)
        known, _heads = _known_revisions()
        if manifest.schema_revision not in known:
            raise BackupError(
                f"This backup has schema revision {manifest.schema_revision}, newer than this "
                f"Lodestar knows (made by Lodestar {manifest.tool_version}). Install that "
                "version or a later one, then restore."
            )
        copy = work / DATABASE
        try:
            with archive.open(DATABASE) as packed, copy.open("wb") as unpacked:
                shutil.copyfileobj(packed, unpacked)
        except KeyError as err:
            raise BackupError("This backup holds no database.") from err
    if _sha256(copy) != manifest.sha256:
        raise BackupError("This backup is damaged (its database does not match its digest).")
    if _revision(copy) != manifest.schema_revision:
        raise BackupError("This backup is damaged (its schema does not match its manifest).")
    return manifest, copy


def check(source: Path) -> Manifest:
    """The manifest of a backup that ``restore`` would accept (else a BackupError)."""
    _database_path()
    with tempfile.TemporaryDirectory() as work:
        return _unpack(source, Path(work))[0]


def restore(source: Path) -> Restored:
    """Replace the live SQLite database with the backup in ``source``."""
    target = _database_path()
    with tempfile.TemporaryDirectory() as work:
        manifest, copy = _unpack(source, Path(work))
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}.sqlite")
        db.session.remove()
        db.engine.dispose()
        if target.exists():
            os.close(_private_file(kept))  # an empty file is an empty SQLite database
            _copy(target, kept)
        _copy(copy, target)
    _known, heads = _known_revisions()
    return Restored(manifest, kept, manifest.schema_revision not in heads)

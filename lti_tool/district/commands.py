"""``ilp rollover`` and ``ilp purge-archived``: the year-end rollover and the deletion of
archived graduates after the district's retention period, for cron or an operator."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select


@click.command("rollover")
@click.option("--tenant", "tenant_id", type=int, required=True, help="The tenant (district LMS)")
@click.option("--yes", is_flag=True, help="Do it without asking (otherwise: show and ask)")
@with_appcontext
def rollover_command(tenant_id: int, yes: bool) -> None:
    """End the school year and start the next: snapshots of every plan, grade levels up one,
    graduates archived; then delete archived graduates past the retention period.

    Running it again for the same school year does nothing."""
    from lti_tool.district import rollover
    from lti_tool.extensions import db
    from lti_tool.models import Tenant

    if db.session.get(Tenant, tenant_id) is None:
        click.echo(f"Error: no tenant with id {tenant_id}", err=True)
        sys.exit(2)
    plan = rollover.preview(tenant_id)
    if plan.done:
        click.echo(f"Nothing to do: {plan.starting} was started already.")
        return
    if not plan.open:
        click.echo(f"Nothing to do yet: the rollover to {plan.starting} opens on {plan.opens}.")
        return
    click.echo(
        f"This will start {plan.starting}: take {plan.snapshots} snapshot(s) of "
        f"{plan.ending}, move {plan.advancing} student(s) up a grade and archive "
        f"{plan.graduating} graduate(s)."
    )
    if not yes and not click.confirm("Go ahead?", default=False):
        click.echo("Nothing changed.")
        return
    done = rollover.run(tenant_id, expected=plan.starting)
    if not done.ran:
        click.echo("Nothing to do: another rollover ran meanwhile.")
        return
    click.echo(
        f"Started {done.starting}: {done.snapshots} snapshot(s), {done.advanced} student(s) "
        f"moved up, {done.archived} graduate(s) archived, {done.purged} archived "
        "graduate(s) deleted after the retention period."
    )


@click.command("purge-archived")
@click.option("--tenant", "tenant_id", type=int, default=None, help="Only this tenant")
@with_appcontext
def purge_archived_command(tenant_id: int | None) -> None:
    """Delete archived graduates kept longer than their district's retention period (as a
    deletion on request does: everything they owned goes, a tombstone stays)."""
    from lti_tool.district import rollover
    from lti_tool.extensions import db
    from lti_tool.models import Tenant

    ids = [tenant_id] if tenant_id is not None else list(db.session.scalars(select(Tenant.id)))
    total = sum(rollover.purge_archived(t) for t in ids)
    click.echo(f"Deleted {total} archived graduate(s) past the retention period.")

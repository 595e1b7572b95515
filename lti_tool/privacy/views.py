"""The privacy page: what Lodestar keeps, where it comes from, who sees it, how long it is
kept, and how to ask for a copy or for deletion. Anyone of the tenant with a session reads
it; an admin also sees the operations part (backups, retention commands, deletion)."""

from __future__ import annotations

from flask import render_template

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.launch.access import requires
from lti_tool.privacy import bp, inventory, notice

Action = policy.Action


@bp.get("/privacy")
@requires(Action.READ_PRIVACY_NOTICE)
def page(actor: Actor) -> str:
    """The privacy page for everyone of the tenant, with the admin's part for admins."""
    admin = policy.allowed(actor, Action.ADMIN_TENANT)
    return render_template(
        "privacy/page.html",
        tables=inventory.personal_tables(),
        retention=notice.retention(actor.tenant_id),
        operations=notice.operations(actor.tenant_id) if admin else None,
    )

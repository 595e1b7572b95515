"""The ``ilp`` command: ``ilp db upgrade``, ``ilp demo``, ``ilp platforms ...``,
``ilp keys ...`` and the rest of an operator's commands, bound to ``create_app``.

It is Flask's CLI group with Flask's developer side put away: ``ilp --version`` names
Lodestar's version, and Flask's options (``-A``, ``--debug``, ``-e``), its ``run``, ``shell``
and ``routes`` commands and the Flask-Migrate commands that write or rewind migrations
(``ilp db migrate``, ``revision``, ``downgrade``, ``stamp``, ...) are there only with
``ILP_ENV=development`` in the environment.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, run_command, shell_command, with_appcontext

from lti_tool import __version__
from lti_tool.careers.commands import reference_cli
from lti_tool.district.commands import purge_archived_command, rollover_command
from lti_tool.errors import ToolError

#: Flask's options of the group and its development commands: for developers.
FLASK_OPTIONS = frozenset({"env_file", "app", "debug"})
FLASK_COMMANDS = (run_command, shell_command, routes_command)
#: The ``ilp db`` commands an operator needs; the others write or rewind migrations.
OPERATOR_DB_COMMANDS = ("upgrade", "current", "history")


def developer_mode() -> bool:
    """Whether ``ILP_ENV=development`` is set, which adds Flask's developer commands."""
    return os.environ.get("ILP_ENV") == "development"


def _create_app() -> Flask:
    from lti_tool import create_app
    from lti_tool.errors import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as err:
        # A setting to fix, not a bug: the operator gets the message, not a traceback.
        _fail(err)
        raise  # unreachable: _fail exits


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"Lodestar ILP {__version__}")
        ctx.exit()


class IlpGroup(FlaskGroup):
    """Flask's CLI group that shows an operator only the operator's commands.

    Whether the developer side is there is decided when the command runs (not when the group
    is built), from ``developer_mode()``.
    """

    def __init__(self) -> None:
        super().__init__(
            create_app=_create_app,
            add_default_commands=False,
            add_version_option=False,
            help="Lodestar ILP administration.",
        )
        self.params.append(
            click.Option(
                ["--version"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_print_version,
                help="Show Lodestar's version and exit.",
            )
        )

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        if developer_mode():
            return params
        return [p for p in params if p.name not in FLASK_OPTIONS]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if developer_mode():
            return super().parse_args(ctx, args)
        # Skip Flask's early reading of FLASK_APP and env files: the app is always ours.
        return click.Group.parse_args(self, ctx, args)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        developer = developer_mode()
        # FLASK_DEBUG switches the debugger on only for developers.
        self.set_debug_flag = developer
        for command in FLASK_COMMANDS:
            if developer:
                self.add_command(command)
            else:
                self.commands.pop(command.name or "", None)
        return super().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        if developer_mode():
            return names
        allowed = _operator_command_names()
        return [name for name in names if name in allowed]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        developer = developer_mode()
        if not developer and name not in _operator_command_names():
            return None
        command = super().get_command(ctx, name)
        if developer or name != "db" or not isinstance(command, click.Group):
            return command
        return _operator_db(command)


def _operator_command_names() -> frozenset[str]:
    return frozenset(c.name for c in OPERATOR_COMMANDS if c.name) | {"db"}


def _operator_db(full: click.Group) -> click.Group:
    """Flask-Migrate's ``db`` group with the operator's commands only."""
    return click.Group(
        full.name,
        callback=full.callback,
        params=full.params,
        help=full.help,
        commands={
            name: full.commands[name] for name in OPERATOR_DB_COMMANDS if name in full.commands
        },
    )


def make_cli() -> FlaskGroup:
    """The ``ilp`` command group (``main`` runs it; tests invoke it with a runner)."""
    return IlpGroup()


def main() -> None:
    """Entry point of the ``ilp`` console script."""
    make_cli().main(prog_name="ilp")


def _fail(err: ToolError) -> None:
    click.echo(f"Error: {err.message}", err=True)
    sys.exit(2)


@click.group("platforms", help="Register learning platforms (tenants).")
def platforms_cli() -> None:
    """Manage platform registrations."""


@platforms_cli.command("add")
@click.option(
    "--issuer", required=True, help="The platform's iss, e.g. https://canvas.instructure.com"
)
@click.option("--client-id", required=True, help="The client id the LMS issued to Lodestar")
@click.option(
    "--deployment-id",
    "deployment_ids",
    multiple=True,
    required=True,
    help="A deployment id (repeat for several)",
)
@click.option(
    "--tenant",
    default=None,
    help="Tenant (id or name) this registration joins: one tenant per district "
    "LMS. A new name creates the tenant. Default: the tenant that already "
    "has this site's issuer, else a new one (never for the shared Canvas "
    "cloud or Schoology issuers).",
)
@click.option("--auth-login-url", required=True, help="Platform OIDC authorization URL")
@click.option("--auth-token-url", required=True, help="Platform OAuth2 token URL")
@click.option("--key-set-url", required=True, help="Platform JWKS URL")
@click.option("--name", default=None, help="A human name, e.g. 'Springfield USD Canvas'")
@click.option(
    "--lms",
    type=click.Choice(["canvas", "schoology", "moodle", "generic"]),
    default="generic",
    show_default=True,
)
@click.option("--district", default=None, help="District that owns this registration")
@click.option("--audience", default=None, help="Token audience if not the token URL")
@with_appcontext
def platforms_add(
    issuer: str,
    client_id: str,
    deployment_ids: tuple[str, ...],
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    tenant: str | None,
    name: str | None,
    lms: str,
    district: str | None,
    audience: str | None,
) -> None:
    """Register a platform, or add deployments to an existing registration."""
    from lti_tool.launch import services

    try:
        platform = services.add_platform(
            issuer=issuer,
            client_id=client_id,
            deployment_ids=list(deployment_ids),
            auth_login_url=auth_login_url,
            auth_token_url=auth_token_url,
            key_set_url=key_set_url,
            name=name,
            lms=lms,
            district=district,
            auth_audience=audience,
            tenant=tenant,
        )
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"Registered platform {platform.id}: {platform.name} "
        f"({platform.issuer}, client {platform.client_id}) in tenant "
        f"{platform.tenant_id} ({platform.tenant.name}); deployments: "
        + ", ".join(d.deployment_id for d in platform.deployments)
    )


@platforms_cli.command("list")
@with_appcontext
def platforms_list() -> None:
    """List registered platforms."""
    from lti_tool.launch import services

    rows = services.list_platforms()
    if not rows:
        click.echo("No platforms registered. Add one with `ilp platforms add`.")
    for p in rows:
        state = "active" if p.active else "inactive"
        click.echo(
            f"{p.id}\ttenant {p.tenant_id}\t{p.name}\t{p.lms}\t{p.issuer}\t"
            f"{p.client_id}\t{state}\t"
            + ",".join(
                d.deployment_id + ("" if d.approved else " (pending)") for d in p.deployments
            )
        )


@platforms_cli.command("tenants")
@with_appcontext
def platforms_tenants() -> None:
    """List tenants (one per district LMS) and their registrations."""
    _echo_tenants()


def _echo_tenants() -> None:
    from lti_tool.launch import tenancy

    for t in tenancy.list_tenants():
        click.echo(
            f"{t.id}\t{t.name}\t{'active' if t.active else 'inactive'}\t"
            + ", ".join(f"platform {p.id} ({p.client_id})" for p in t.platforms)
        )


def _duration(text: str) -> int:
    units = {"m": 60, "h": 3600, "d": 86400}
    try:
        return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)
    except (ValueError, IndexError) as err:
        raise click.BadParameter("use e.g. 30m, 24h or 7d") from err


@platforms_cli.command("registration-link")
@click.option("--tenant", type=int, default=None, help="Tenant id the registration joins")
@click.option("--issuer", default=None, help="Only this issuer may register with the link")
@click.option(
    "--update",
    "update",
    type=int,
    default=None,
    help="Platform id this link may update (Moodle's re-registration)",
)
@click.option(
    "--host",
    "hosts",
    multiple=True,
    help="An extra host the platform's endpoints may sit on (repeatable)",
)
@click.option("--expires", default="24h", show_default=True, help="e.g. 30m, 24h, 7d")
@with_appcontext
def platforms_registration_link(
    tenant: int | None, issuer: str | None, update: int | None, hosts: tuple[str, ...], expires: str
) -> None:
    """Print a one-time Dynamic Registration URL to give the LMS admin."""
    from flask import current_app

    from lti_tool.launch import registration

    try:
        token = registration.create_link(
            tenant_id=tenant,
            issuer=issuer,
            update_platform_id=update,
            ttl=_duration(expires),
            hosts=hosts,
        )
    except ToolError as err:
        _fail(err)
        return
    base = current_app.config.get("ILP_BASE_URL") or "https://<your Lodestar host>"
    click.echo(f"{base}/lti/register?link={token}")
    click.echo(
        f"Single use, valid for {expires}. Paste it in the LMS's Dynamic "
        "Registration (tool URL) field.",
        err=True,
    )


@platforms_cli.command("merge")
@click.argument("source_tenant", type=int)
@click.argument("target_tenant", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@with_appcontext
def platforms_merge(source_tenant: int, target_tenant: int, yes: bool) -> None:
    """Join SOURCE_TENANT into TARGET_TENANT: registrations, people (by sub), courses,
    plans, goals and evidence move; duplicates are merged; nothing is lost."""
    from lti_tool.launch import tenancy

    if not yes:
        click.confirm(f"Merge tenant {source_tenant} into tenant {target_tenant}?", abort=True)
    try:
        counts = tenancy.merge_tenants(source_tenant, target_tenant)
    except ToolError as err:
        _fail(err)
        return
    moved = ", ".join(f"{n} {table}" for table, n in sorted(counts.items()) if n)
    click.echo(f"Merged tenant {source_tenant} into {target_tenant}: moved {moved or 'nothing'}.")


@platforms_cli.command("rule")
@click.argument("platform_id", type=int)
@click.option(
    "--institution-admins-are-admins/--no-institution-admins-are-admins",
    required=True,
    help="Whether this LMS's institution/system Administrators are Lodestar admins "
    "(off by default: Canvas gives every help-desk and sub-account admin that "
    "role)",
)
@with_appcontext
def platforms_rule(platform_id: int, institution_admins_are_admins: bool) -> None:
    """Set the operator's rule for one registration."""
    from lti_tool.launch import services

    try:
        platform = services.set_admin_rule(platform_id, institution_admins_are_admins)
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"Platform {platform.id}: institution admins are Lodestar admins = "
        f"{platform.institution_admins_are_admins} (applies from their next launch)."
    )


@platforms_cli.command("deployments")
@click.argument("platform_id", type=int)
@click.option("--approve", "approve", default=None, help="Enable this pending deployment id")
@with_appcontext
def platforms_deployments(platform_id: int, approve: str | None) -> None:
    """List a registration's deployments, or enable one first seen in a launch."""
    from lti_tool.launch import services

    try:
        if approve:
            services.approve_deployment(platform_id, approve)
            click.echo(f"Deployment {approve} of platform {platform_id} is enabled.")
            return
        platform = services.get_platform(platform_id)
    except ToolError as err:
        _fail(err)
        return
    for d in platform.deployments:
        click.echo(f"{d.deployment_id}\t{'enabled' if d.approved else 'pending'}")


@platforms_cli.command("remove")
@click.argument("platform_id", type=int)
@click.option(
    "--purge",
    is_flag=True,
    help="Delete the registration AND all of its tenant's data (irreversible).",
)
@with_appcontext
def platforms_remove(platform_id: int, purge: bool) -> None:
    """Deactivate a platform (launches stop; data is kept unless --purge)."""
    from lti_tool.launch import services

    if purge:
        click.confirm(
            "This deletes every plan, person and course of this tenant. Continue?", abort=True
        )
    try:
        platform = services.remove_platform(platform_id, purge=purge)
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        ("Deleted" if purge else "Deactivated") + f" platform {platform_id} ({platform.name})."
    )


@platforms_cli.command("canvas-api")
@click.option("--platform", "platform_id", type=int, required=True)
@click.option("--base-url", required=True, help="e.g. https://district.instructure.com")
@click.option("--client-id", required=True, help="Canvas API developer key id")
@click.option(
    "--client-secret",
    required=True,
    prompt=True,
    hide_input=True,
    help="Canvas API developer key secret (prompted if omitted)",
)
@with_appcontext
def platforms_canvas_api(
    platform_id: int, base_url: str, client_id: str, client_secret: str
) -> None:
    """Let teachers and students connect their Canvas accounts (REST API)."""
    from lti_tool.extensions import db
    from lti_tool.grades import lms_rest
    from lti_tool.models import Platform

    platform = db.session.get(Platform, platform_id)
    if platform is None:
        _fail(ToolError(f"No platform with id {platform_id}"))
        return
    try:
        lms_rest.configure_canvas(
            platform, base_url=base_url, client_id=client_id, client_secret=client_secret
        )
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"Canvas API configured for platform {platform_id}. Redirect URI to enter in "
        "the Canvas API developer key: <tool base URL>/lms/canvas/callback"
    )


@platforms_cli.command("schoology-api")
@click.option("--platform", "platform_id", type=int, required=True)
@click.option("--consumer-key", required=True)
@click.option("--consumer-secret", required=True, prompt=True, hide_input=True)
@click.option("--timezone", default=None, help="School time zone, e.g. America/Chicago")
@click.option(
    "--user-match",
    type=click.Choice(["uid", "sub", "school_uid"]),
    default=None,
    help="How Schoology users are matched to people (default uid; see README)",
)
@with_appcontext
def platforms_schoology_api(
    platform_id: int,
    consumer_key: str,
    consumer_secret: str,
    timezone: str | None,
    user_match: str | None,
) -> None:
    """Let Lodestar read sections, assignments and grades through Schoology's REST API."""
    from lti_tool.extensions import db
    from lti_tool.grades import lms_rest, schoology
    from lti_tool.models import Platform

    platform = db.session.get(Platform, platform_id)
    if platform is None:
        _fail(ToolError(f"No platform with id {platform_id}"))
        return
    lms_rest.configure_schoology(
        platform,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        timezone=timezone,
        user_match=user_match,
    )
    click.echo(
        f"Schoology API configured for platform {platform_id}; user mapping: "
        f"{schoology.user_match(platform.settings)}."
    )


@click.group("tenants", help="Districts (tenants) and all of their data.")
def tenants_cli() -> None:
    """``ilp tenants ...``."""


@tenants_cli.command("list")
@with_appcontext
def tenants_list() -> None:
    """List tenants (one per district LMS) with their numbers and registrations."""
    _echo_tenants()


@tenants_cli.command("delete")
@click.argument("tenant_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@with_appcontext
def tenants_delete(tenant_id: int, yes: bool) -> None:
    """Delete the district TENANT_ID and ALL of its data: registrations, people, courses,
    plans, files, grades and audit log (irreversible; other tenants are untouched)."""
    from lti_tool.privacy import district_deletion

    try:
        tenant, counts = district_deletion.tenant_summary(tenant_id)
        if not yes:
            click.confirm(
                f"Delete tenant {tenant_id} ({tenant.name}) with {counts['people']} people, "
                f"{counts['plans']} plans and {counts['files']} files, for good?",
                abort=True,
            )
        counts = district_deletion.delete_tenant(tenant_id)
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"Deleted tenant {tenant_id}: {counts['people']} people, {counts['courses']} courses, "
        f"{counts['plans']} plans, {counts['files']} files and everything attached to them."
    )


@click.group("people", help="People of a tenant.")
def people_cli() -> None:
    """Manage people."""


def _tenant_of(tenant: int | None, platform_id: int | None) -> int:
    from lti_tool.launch import services

    if tenant is not None:
        return tenant
    if platform_id is not None:
        return services.get_platform(platform_id).tenant_id
    raise ToolError("Name the tenant with --tenant (or --platform, for its tenant)")


@people_cli.command("grant")
@click.option("--role", type=click.Choice(["admin", "counselor"]), required=True)
@click.option("--tenant", type=int, default=None, help="Tenant id (see `ilp platforms tenants`)")
@click.option(
    "--platform", "platform_id", type=int, default=None, help="A platform id, meaning its tenant"
)
@click.option("--sub", default=None, help="The person's LTI user id (sub)")
@click.option("--email", default=None, help="The person's email; works before their first launch")
@with_appcontext
def people_grant(
    role: str, tenant: int | None, platform_id: int | None, sub: str | None, email: str | None
) -> None:
    """Give someone Lodestar admin or counselor rights (LMS roles never do by themselves)."""
    from lti_tool.launch import grants

    try:
        row = grants.grant(_tenant_of(tenant, platform_id), role, sub=sub, email=email)
    except ToolError as err:
        _fail(err)
        return
    who = sub or email
    state = "" if row.person_id else " (applies at their first launch)"
    click.echo(f"{who}: {role} granted{state}.")


@people_cli.command("revoke")
@click.option("--role", type=click.Choice(["admin", "counselor"]), required=True)
@click.option("--tenant", type=int, default=None)
@click.option("--platform", "platform_id", type=int, default=None)
@click.option("--sub", default=None)
@click.option("--email", default=None)
@with_appcontext
def people_revoke(
    role: str, tenant: int | None, platform_id: int | None, sub: str | None, email: str | None
) -> None:
    """Take admin or counselor rights back."""
    from lti_tool.launch import grants

    try:
        n = grants.revoke_matching(_tenant_of(tenant, platform_id), role, sub=sub, email=email)
    except ToolError as err:
        _fail(err)
        return
    click.echo(f"Revoked {n} {role} grant(s).")


@people_cli.command("grants")
@click.option("--tenant", type=int, default=None)
@click.option("--platform", "platform_id", type=int, default=None)
@with_appcontext
def people_grants(tenant: int | None, platform_id: int | None) -> None:
    """List a tenant's admin and counselor grants."""
    from lti_tool.launch import grants

    try:
        rows = grants.list_grants(_tenant_of(tenant, platform_id))
    except ToolError as err:
        _fail(err)
        return
    for row, person in rows:
        who = person.display_name if person else f"{row.sub or row.email} (not launched yet)"
        click.echo(f"{row.id}\t{row.role}\t{row.source}\t{who}")


@people_cli.command("mark-counselor")
@click.option("--platform", "platform_id", type=int, required=True, help="Platform id (its tenant)")
@click.option("--sub", default=None, help="The person's LTI user id (sub)")
@click.option("--email", default=None, help="The person's email (once they have launched)")
@click.option("--revoke", is_flag=True, help="Take counselor rights away instead")
@with_appcontext
def people_mark_counselor(
    platform_id: int, sub: str | None, email: str | None, revoke: bool
) -> None:
    """Same as `ilp people grant --role counselor` (kept for existing scripts)."""
    from lti_tool.launch import services

    try:
        services.mark_counselor(platform_id, sub=sub, email=email, counselor=not revoke)
    except ToolError as err:
        _fail(err)
        return
    click.echo(f"{sub or email}: counselor = {not revoke}")


@click.group("keys", help="The tool's signing keys.")
def keys_cli() -> None:
    """Manage signing keys."""


@keys_cli.command("list")
@with_appcontext
def keys_list() -> None:
    """Show keys and their status."""
    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.launch.models import ToolKey

    for key in db.session.execute(select(ToolKey).order_by(ToolKey.id)).scalars():
        click.echo(f"{key.kid}\t{key.status}\t{key.created_at:%Y-%m-%d %H:%M}")


@keys_cli.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Make a new signing key; the old one stays published until `ilp keys retire`."""
    from lti_tool.launch import keys

    new = keys.rotate()
    click.echo(
        f"New active key {new.kid}. The previous key stays in the JWKS; retire it with "
        "`ilp keys retire` once platforms have refreshed (a day is plenty)."
    )


@keys_cli.command("retire")
@click.option("--kid", default=None, help="Retire only this key (default: all previous keys)")
@with_appcontext
def keys_retire(kid: str | None) -> None:
    """Remove rotated-out keys from the JWKS."""
    from lti_tool.launch import keys

    try:
        retired = keys.retire(kid)
    except ToolError as err:
        _fail(err)
        return
    click.echo(f"Retired {len(retired)} key(s).")


@click.command("sync")
@click.argument("what", type=click.Choice(["roster", "grades", "all", "district"]))
@click.option("--course", "course_id", type=int, default=None, help="Lodestar course id")
@click.option("--context-id", default=None, help="The LMS context id (with --platform)")
@click.option("--platform", "platform_id", type=int, default=None, help="Platform (tenant) id")
@click.option(
    "--every-course",
    is_flag=True,
    help="Every known course (of --tenant, else of all tenants), after the district's "
    "course list where the Canvas API is connected; goes on past a failing course",
)
@click.option("--tenant", "tenant_id", type=int, default=None, help="Only this tenant")
@click.option(
    "--every",
    "every",
    default=None,
    help="With --every-course or district: repeat every e.g. 30m, 6h, 1d until stopped",
)
@with_appcontext
def sync_command(
    what: str,
    course_id: int | None,
    context_id: str | None,
    platform_id: int | None,
    every_course: bool,
    tenant_id: int | None,
    every: str | None,
) -> None:
    """Pull roster and/or grades of a course from its LMS, with a progress bar; or of every
    course (--every-course); or the district's course list from Canvas REST (district)."""
    if every_course or what == "district" or every:
        _sync_population(what, tenant_id=tenant_id, every=every, every_course=every_course)
        return
    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.grades import sync
    from lti_tool.grades.models import SyncKind, SyncStatus
    from lti_tool.models import Course

    course = None
    if course_id is not None:
        course = db.session.get(Course, course_id)
    elif context_id and platform_id:
        course = db.session.execute(
            select(Course).where(Course.tenant_id == platform_id, Course.context_id == context_id)
        ).scalar_one_or_none()
    if course is None:
        click.echo(
            "Error: name a known course with --course, or --platform and --context-id.", err=True
        )
        sys.exit(2)
    kinds = [SyncKind.ROSTER, SyncKind.GRADES] if what == "all" else [SyncKind(what)]
    failed = False
    for kind in kinds:
        run = sync.create_run(course, kind, requested_by=None)
        with click.progressbar(
            length=0, label=f"{kind} sync of {course.display_title}", show_pos=True
        ) as bar:
            run = sync.execute_run(run.id, progress=bar.update)
        if run.status == SyncStatus.SUCCEEDED:
            click.echo(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in run.counts.items()))
        else:
            failed = True
            click.echo(f"{kind}: {run.status}: {run.error}", err=True)
    if failed:
        sys.exit(1)


# -- population: every course, the district's course list, student information ------------


def _sync_population(
    what: str, *, tenant_id: int | None, every: str | None, every_course: bool
) -> None:
    """``ilp sync ... --every-course`` and ``ilp sync district``: one round, or a round every
    ``--every`` (a scheduler of its own; with ILP_REDIS_URL the work goes to RQ workers)."""
    from lti_tool.grades import every_course as rounds
    from lti_tool.grades.models import SyncKind

    if what != "district" and not every_course:
        click.echo("Error: --every works with --every-course or `ilp sync district`.", err=True)
        sys.exit(2)
    interval = _duration(every) if every else None
    if interval is not None and interval < 60:
        click.echo("Error: --every must be at least 1m.", err=True)
        sys.exit(2)
    kinds = {
        "roster": [SyncKind.ROSTER],
        "grades": [SyncKind.GRADES],
        "all": [SyncKind.ROSTER, SyncKind.GRADES],
        "district": [],
    }[what]

    def report(outcome: rounds.Outcome) -> None:
        line = f"tenant {outcome.tenant_id}\t{outcome.what}: {outcome.status}"
        if outcome.message:
            line += f" ({outcome.message})"
        click.echo(line, err=outcome.status in ("failed", "partial"))

    while True:
        try:
            summary = rounds.run_round(
                kinds, tenant_id=tenant_id, with_district=what in ("all", "district"), report=report
            )
        except ToolError as err:
            _fail(err)
            return
        click.echo(summary.line())
        if interval is None:
            if summary.failed:
                sys.exit(1)
            return
        click.echo(f"Next round in {every}.")
        time.sleep(interval)


@people_cli.command("import-students")
@click.argument("file", type=click.File("rb"))
@click.option("--tenant", type=int, default=None, help="Tenant id (see `ilp platforms tenants`)")
@click.option(
    "--platform", "platform_id", type=int, default=None, help="A platform id, meaning its tenant"
)
@with_appcontext
def people_import_students(file: Any, tenant: int | None, platform_id: int | None) -> None:
    """Import students' grade level, graduation year and school from the district's CSV
    (header row; match columns sis_id, email or lms_user_id; value columns grade_level,
    graduation_year, school). Rows naming nobody known are reported, never created."""
    from lti_tool.launch import student_info

    data = file.read(student_info.MAX_FILE_BYTES + 1)
    try:
        report = student_info.import_students(_tenant_of(tenant, platform_id), data, actor_id=None)
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"{report.rows} row(s): {report.updated} student(s) updated, {report.unchanged} unchanged, "
        f"{len(report.unmatched)} unmatched, {len(report.invalid)} invalid."
    )
    for kind, problems in (("unmatched", report.unmatched), ("invalid", report.invalid)):
        for problem in problems:
            click.echo(f"line {problem.line}: {kind}: {problem.reason}", err=True)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run a background job worker (needs ILP_REDIS_URL)."""
    from flask import current_app
    from redis import Redis
    from rq import Worker

    from lti_tool.jobs import QUEUE

    url = current_app.config.get("ILP_REDIS_URL")
    if not url:
        click.echo("Error: ILP_REDIS_URL is not set; without it jobs run inline.", err=True)
        sys.exit(2)
    Worker([QUEUE], connection=Redis.from_url(url)).work(burst=burst)


@click.command("demo")
@click.option("--tool-port", default=5000, show_default=True)
@click.option("--lms-port", default=5001, show_default=True)
@click.option("--once", is_flag=True, help="Set everything up, print the URL and exit.")
@with_appcontext
def demo(tool_port: int, lms_port: int, once: bool) -> None:
    """Run Lodestar and the sandbox LMS with a seeded district, and print where to start.

    The tool answers on http://localhost:<tool-port> and the sandbox LMS on
    http://127.0.0.1:<lms-port>: two different sites, so the tool really runs in a
    cross-site iframe as it does inside Canvas or Schoology.
    """
    from flask import current_app

    from lti_tool.demo import prepare_demo, refuse_in_production, serve_demo

    # The application itself, not the proxy (which mypy types as a Flask instance).
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        # Before anything touches the database: the demo writes an active sandbox tenant.
        refuse_in_production(app)
    except ToolError as err:
        _fail(err)

    tool_url = f"http://localhost:{tool_port}"
    lms_url = f"http://127.0.0.1:{lms_port}"
    sandbox_app = prepare_demo(
        app,
        tool_url=tool_url,
        lms_url=lms_url,
    )
    click.echo("")
    click.echo("Lodestar ILP demo")
    click.echo(f"  Sandbox LMS (start here): {lms_url}/")
    click.echo(f"  Lodestar tool:            {tool_url}/")
    click.echo("Open the first URL and choose a person to open Lodestar inside the course page.")
    if once:
        return
    servers = serve_demo(
        app,
        sandbox_app,
        tool_port=tool_port,
        lms_port=lms_port,
    )
    click.echo("Press Ctrl+C to stop.")
    stop = threading.Event()
    try:
        while not stop.is_set():
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("Stopping.")
    finally:
        for server in servers:
            server.shutdown()


@click.command("purge-deleted")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Remove what was deleted at least this many days ago (default: the undo period, 30 days).",
)
@with_appcontext
def purge_deleted_command(days: int | None) -> None:
    """Remove for good the goals, courses and evidence students deleted (and could still
    undo) more than --days days ago. Run it daily, e.g. from cron."""
    import datetime as dt

    from lti_tool.db import PURGE_AFTER_DAYS, utcnow
    from lti_tool.plans.course_planning import purge_deleted_courses
    from lti_tool.plans.goals_and_milestones import purge_deleted_goals
    from lti_tool.portfolio.evidence import purge_deleted_evidence

    before = utcnow() - dt.timedelta(days=PURGE_AFTER_DAYS if days is None else days)
    evidence = purge_deleted_evidence(before)
    goals = purge_deleted_goals(before)
    courses = purge_deleted_courses(before)
    click.echo(
        f"Removed for good: {goals} goal(s), {courses} course(s), {evidence} piece(s) of "
        f"evidence deleted before {before:%Y-%m-%d %H:%M} UTC."
    )


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Back up a SQLite install to FILE (safe while Lodestar runs; includes uploaded files).
    On PostgreSQL it prints the pg_dump command to use instead."""
    from lti_tool.privacy import backup

    try:
        manifest = backup.backup(file)
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"Backed up to {file} (schema {manifest.schema_revision}, {manifest.created_at} UTC, "
        f"Lodestar {manifest.tool_version}). It holds every plan and file: keep it safe."
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace this SQLite install's database with the backup FILE (a copy of the current
    database is kept first). Stop Lodestar's web and worker processes before restoring."""
    from lti_tool.privacy import backup

    try:
        made = backup.check(file).created_at
        if not yes:
            click.confirm(
                f"Replace the current database with the backup of {made} UTC?", abort=True
            )
        restored = backup.restore(file)
    except ToolError as err:
        _fail(err)
        return
    click.echo(
        f"Restored the backup of {restored.manifest.created_at} UTC. The database as it was "
        f"before is kept in {restored.kept_copy}."
    )
    if restored.needs_upgrade:
        click.echo("The backup comes from an older Lodestar: run `ilp db upgrade` now.")


#: Lodestar's own commands (with Flask-Migrate's ``db``, what an operator sees).
OPERATOR_COMMANDS: tuple[click.Command, ...] = (
    platforms_cli,
    tenants_cli,
    keys_cli,
    people_cli,
    reference_cli,
    demo,
    sync_command,
    worker_command,
    purge_deleted_command,
    backup_command,
    restore_command,
    rollover_command,
    purge_archived_command,
)


def register(app: Flask) -> None:
    """Attach our command groups to the app's CLI."""
    for command in OPERATOR_COMMANDS:
        app.cli.add_command(command)

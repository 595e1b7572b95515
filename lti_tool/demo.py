"""Wiring for ``ilp demo`` and the browser tests: the tool next to the sandbox LMS.

``prepare_demo`` brings the database up to date, builds the sandbox LMS with its seeded
district and registers it as a platform of the tool, exactly as a district admin would with
``ilp platforms add``. ``serve_demo`` serves both apps on threads.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer

from lti_tool.extensions import db
from lti_tool.launch import grants, keys, services
from lti_tool.plans.programs import ensure_default_programs
from lti_tool.sandbox import create_sandbox_app, get_state, run_in_thread

SANDBOX_NAME = "Sandbox LMS (demo district)"


def register_sandbox(tool_app: Flask, sandbox_app: Flask) -> int:
    """Register the sandbox as a platform of the tool; returns the platform id."""
    state = get_state(sandbox_app)
    with tool_app.app_context():
        platform = services.add_platform(
            issuer=state.issuer,
            client_id=state.client_id,
            deployment_ids=[state.deployment_id],
            auth_login_url=state.base_url + "/auth",
            auth_token_url=state.base_url + "/token",
            key_set_url=state.base_url + "/jwks",
            name=SANDBOX_NAME,
            lms="generic",
            district=state.district.name,
        )
        # What the district's operator does once: name the admin and the counselors
        # (``ilp people grant``); the LMS's institution roles grant nothing by themselves.
        # Only the district's own admin: the help-desk account admin gets nothing from
        # the LMS's institution Administrator role.
        for admin in state.district.users_of_kind("admin"):
            if "AccountAdmin" in admin.account_roles:
                grants.grant(platform.tenant_id, "admin", sub=admin.sub)
        for counselor in state.district.users_of_kind("counselor"):
            grants.grant(platform.tenant_id, "counselor", sub=counselor.sub)
        ensure_default_programs(platform.tenant_id)
        # The sandbox's "register the tool" button re-registers (updates) this platform
        # through Dynamic Registration, with a one-time link as an operator would give.
        from lti_tool.launch import registration

        token = registration.create_link(update_platform_id=platform.id, ttl=7 * 24 * 3600)
        state.tool_registration_url = f"{state.tool_url}/lti/register?link={token}"
        keys.active_key()
        return platform.id


def refuse_in_production(tool_app: Flask) -> None:
    """Raise ``ConfigurationError`` when ``ILP_ENV`` is production: the demo would register
    an active sandbox tenant, with its seeded people and grants, in the production database."""
    from lti_tool.errors import ConfigurationError

    if tool_app.config.get("ILP_ENV") == "production":
        raise ConfigurationError(
            "ilp demo does not run with ILP_ENV=production: it would register the sandbox "
            "LMS as an active platform in the production database. Use a development "
            "instance (ILP_ENV=development) with its own database."
        )


def prepare_demo(tool_app: Flask, *, tool_url: str, lms_url: str) -> Flask:
    """Migrate the tool's database, build the seeded sandbox and register it."""
    from flask_migrate import upgrade

    from lti_tool.careers import oews

    refuse_in_production(tool_app)

    with tool_app.app_context():
        upgrade()
        # The occupations and wages the career pages show (BLS OEWS, shipped with Lodestar):
        # loaded once, on the first demo (about 20 s).
        oews.ensure_loaded()
    sandbox_app = create_sandbox_app({"SANDBOX_BASE_URL": lms_url, "SANDBOX_TOOL_URL": tool_url})
    platform_id = register_sandbox(tool_app, sandbox_app)
    with tool_app.app_context():
        # Most seeded students start with a lived-in plan (the tests' sandbox does not).
        from lti_tool.demo_seed import seed_demo_plans, seed_demo_tags
        from lti_tool.models import Platform

        platform = db.session.get(Platform, platform_id)
        if platform is not None:
            state = get_state(sandbox_app)
            seed_demo_plans(platform.tenant_id, state.district)
            # The teachers' tags, so the class view shows who each assignment serves.
            seed_demo_tags(platform.tenant_id, state.district, state.line_item_url)
    return sandbox_app


def serve_demo(
    tool_app: Flask, sandbox_app: Flask, *, tool_port: int, lms_port: int
) -> list[BaseWSGIServer]:
    """Serve the tool on localhost and the sandbox on 127.0.0.1, each on its own thread."""
    tool_server, _ = run_in_thread(tool_app, "localhost", tool_port)
    lms_server, _ = run_in_thread(sandbox_app, "127.0.0.1", lms_port)
    servers: list[Any] = [tool_server, lms_server]
    return servers

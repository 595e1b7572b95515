"""Lodestar ILP: an LTI 1.3 Advantage tool for Individual Learning Plans.

``create_app`` assembles the Flask application: settings from the environment, the database
and migrations, shared short-lived state, the outbound HTTP session, and one blueprint per
feature (launch, grades, plans, careers, portfolio, relevance).
"""

from __future__ import annotations

__version__ = "0.1.0"

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """Where the top-level folder ``name`` (``templates`` or ``migrations``) is.

    The wheel carries it inside the package as ``lti_tool/_<name>`` (see ``pyproject.toml``);
    a checkout, installed editable or not, has it beside the package.
    """
    inside = PACKAGE_DIR / f"_{name}"
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


#: Jinja templates, one folder per blueprint (``templates/`` at the top of the repository).
TEMPLATE_DIR = shipped_dir("templates")
#: Alembic migrations (``migrations/`` at the top of the repository).
MIGRATIONS_DIR = shipped_dir("migrations")
STATIC_DIR = PACKAGE_DIR / "static"


def _enforce_settings(app: Flask) -> None:
    """Re-apply what no override may weaken: hidden SQL parameters, production checks."""
    from lti_tool.settings import check_production_settings

    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["hide_parameters"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["ILP_ENV"] == "production":
        check_production_settings(app.config)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Lodestar application.

    :param config: overrides applied after the environment is read (tests pass
        ``{"ILP_ENV": "testing", ...}`` style values here).
    :raises ConfigurationError: for settings production refuses (see ``lti_tool.settings``).
    """
    from werkzeug.middleware.proxy_fix import ProxyFix
    from werkzeug.routing import IntegerConverter

    from lti_tool import cli, errors, http, pages, security_headers, store
    from lti_tool.extensions import db, migrate
    from lti_tool.settings import load_settings

    class RecordId(IntegerConverter):
        """``<int:...>`` ids no database column can hold are simply not found (404)."""

        def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("max", 2**63 - 1)
            super().__init__(map, *args, **kwargs)

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(TEMPLATE_DIR),
        static_folder=str(STATIC_DIR),
    )
    app.url_map.converters["int"] = RecordId
    from lti_tool.hygiene import CleanRequest

    # Every form and query value is cleaned of control characters as it is parsed.
    app.request_class = CleanRequest
    env_overrides = {k: str(v) for k, v in (config or {}).items() if k.startswith("ILP_")}
    import os

    settings = load_settings(Path(app.instance_path), {**os.environ, **env_overrides})
    app.config.update(settings)
    if config:
        app.config.update({k: v for k, v in config.items() if not k.startswith("ILP_")})
    _enforce_settings(app)

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    if app.config["ILP_PROXY_COUNT"]:
        n = app.config["ILP_PROXY_COUNT"]
        # Flask's documented way to wrap the WSGI app; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=n,
            x_proto=n,
            x_host=n,
            x_port=n,
            x_prefix=n,
        )

    # Import models so SQLAlchemy and Alembic see every table.
    from lti_tool import models  # noqa: F401
    from lti_tool.careers import models as career_models  # noqa: F401
    from lti_tool.grades import models as grade_models  # noqa: F401
    from lti_tool.launch import models as launch_models  # noqa: F401
    from lti_tool.plans import models as plan_models  # noqa: F401
    from lti_tool.plans import (
        notice_models,  # noqa: F401
        postsecondary_models,  # noqa: F401
        resource_models,  # noqa: F401
    )
    from lti_tool.portfolio import models as portfolio_models  # noqa: F401
    from lti_tool.relevance import models as relevance_models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    store.init_store(app)
    http.init_http(app)

    from lti_tool.careers import bp as careers_bp
    from lti_tool.caseload import bp as caseload_bp
    from lti_tool.district import bp as district_bp
    from lti_tool.grades import bp as grades_bp
    from lti_tool.launch import bp as launch_bp
    from lti_tool.launch.session import init_session
    from lti_tool.plans import bp as plans_bp
    from lti_tool.portfolio import bp as portfolio_bp
    from lti_tool.privacy import bp as privacy_bp
    from lti_tool.relevance import bp as relevance_bp

    app.register_blueprint(launch_bp)
    app.register_blueprint(grades_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(careers_bp)
    app.register_blueprint(caseload_bp)
    app.register_blueprint(portfolio_bp)
    app.register_blueprint(relevance_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(district_bp)
    init_session(app)
    errors.register_error_handlers(app)
    cli.register(app)

    security_headers.init_app(app)
    pages.init_app(app)

    return app

"""The privacy page: every person of the tenant reads it (students and parents in plain
words); an admin also sees the operations part. It loads nothing from a third party."""

from __future__ import annotations

import re

from flask import Flask

from lti_tool.privacy import inventory
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import course, get, html, launch

OPERATIONS = "For admins: operations"


def test_a_student_reads_what_is_kept_who_sees_it_and_how_to_ask_for_deletion(
    lti: LtiDriver, app: Flask
) -> None:
    token = launch(lti, lti.person("student", 0), course(lti, "bio1"))
    response = get(lti, token, "/privacy")
    assert response.status_code == 200
    page = html(response)
    for words in (
        "What Lodestar keeps, and why",
        "Who can see it",
        "How long it is kept",
        "brought back for 30 days",
        "Download everything",
        "FERPA",
        "COPPA",
        "No ads, no selling, no profiling.",
        "no third-party scripts",
        "Other companies that handle the data",
        "not</strong> shown to teachers",
    ):
        assert words in page, words
    # The full inventory, from the package's own list.
    for table in inventory.personal_tables():
        assert f"<summary>{table.about}</summary>" in page.replace("&#39;", "'")
    assert OPERATIONS not in page
    assert "ilp tenants delete" not in page
    # Only Lodestar's own scripts, and the header forbids any other.
    assert all(
        src.startswith("/static/") for src in re.findall(r'<script[^>]* src="([^"]+)"', page)
    )
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp


def test_a_parent_reads_it_and_every_page_links_to_it(lti: LtiDriver) -> None:
    token = launch(lti, lti.person("parent"))
    page = html(get(lti, token, "/privacy"))
    assert "Your parents or guardians" in page and OPERATIONS not in page
    home = html(get(lti, token, "/plans/family"))
    assert 'class="site-footer"' in home and "/privacy" in home


def test_an_admin_also_sees_the_operations_part(lti: LtiDriver, app: Flask) -> None:
    from lti_tool.extensions import db
    from lti_tool.models import Tenant

    token = launch(lti, lti.person("admin"))
    page = html(get(lti, token, "/privacy"))
    assert OPERATIONS in page
    with app.app_context():
        tenant_id = db.session.query(Tenant.id).scalar()
    assert f"ilp tenants delete {tenant_id} --yes" in page
    assert "stored_files" in page and "ilp purge-deleted" in page
    backend = (
        "ilp backup" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "pg_dump"
    )
    assert backend in page
    assert "script-src &#39;self&#39;" in page or "script-src 'self'" in page


def test_without_a_session_the_page_is_refused(client: object) -> None:
    response = client.get("/privacy")  # type: ignore[attr-defined]
    assert response.status_code in (401, 403)

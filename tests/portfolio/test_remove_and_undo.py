"""Removing evidence asks first and can be undone; the purge removes it, and its uploaded
file, for good."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update

from lti_tool.db import INCLUDE_DELETED, utcnow
from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.portfolio.models import Evidence, StoredFile
from tests.portfolio.conftest import BIO, Portfolio, text_of
from tests.portfolio.test_my_portfolio import CHILD, OTHER, PDF, REFLECTION, TEACHER, _link


def _count(app: Flask, model: Any, *, everything: bool = False) -> int:
    query = select(func.count()).select_from(model)
    if everything:
        query = query.execution_options(**{INCLUDE_DELETED: True})
    with app.app_context():
        return int(db.session.execute(query).scalar_one())


def test_remove_evidence_asks_first_and_undo_brings_it_back(
    pf: Portfolio, app: Flask, runner: Any
) -> None:
    token = pf.launch(CHILD, BIO)
    [goal] = pf.add_goals(CHILD, "Become a veterinarian")
    linked = _link(
        pf,
        token,
        source="file",
        title="Dissection notes",
        goal=str(goal),
        reflection=REFLECTION,
        file=(BytesIO(PDF), "notes.pdf"),
    )
    assert linked.status_code == 302
    with app.app_context():
        evidence_id, file_id = db.session.execute(select(Evidence.id, Evidence.file_id)).one()
    client = pf.lti.client
    download = f"/portfolio/files/{file_id}"
    teacher = pf.launch(TEACHER, BIO)
    assert client.get(download, query_string={"lt": teacher}).status_code == 200
    page = text_of(client.get("/portfolio/me", query_string={"lt": token}))
    assert f'href="/portfolio/evidence/{evidence_id}/delete' in page
    assert f'action="/portfolio/evidence/{evidence_id}/delete' not in page

    confirm = client.get(f"/portfolio/evidence/{evidence_id}/delete", query_string={"lt": token})
    assert confirm.status_code == 200
    asked = text_of(confirm)
    assert "<h1>Remove this work from your portfolio?</h1>" in asked
    assert "“Dissection notes”" in asked and "The uploaded file goes with it." in asked
    # Another student sees no confirmation page for it.
    other = pf.launch(OTHER, BIO)
    assert (
        client.get(
            f"/portfolio/evidence/{evidence_id}/delete", query_string={"lt": other}
        ).status_code
        == 403
    )

    removed = client.post(f"/portfolio/evidence/{evidence_id}/delete", data={"lt": token})
    assert removed.status_code == 302
    assert _count(app, Evidence) == 0 and _count(app, Evidence, everything=True) == 1
    page = text_of(client.get(removed.headers["Location"]))
    assert "Removed “Dissection notes” from your portfolio." in page
    assert f'action="/portfolio/me/evidence/{evidence_id}/restore' in page
    assert "Nothing is linked to your plan yet." in page
    student_id = pf.person_id(CHILD)
    export = json.loads(
        client.get(
            f"/plans/students/{student_id}/export.json", query_string={"lt": token}
        ).get_data(as_text=True)
    )
    assert "Dissection notes" not in json.dumps(export)
    # Its file is the student's alone while it waits for undo: the teacher gets a 404.
    assert client.get(download, query_string={"lt": teacher}).status_code == 404
    assert client.get(download, query_string={"lt": token}).status_code == 200
    # Once the message is gone, the portfolio still offers to bring it back.
    page = text_of(client.get("/portfolio/me", query_string={"lt": token}))
    removed_list = page.split('id="removed-heading"', 1)[1].split("</section>", 1)[0]
    assert "Dissection notes" in removed_list
    assert f'action="/portfolio/me/evidence/{evidence_id}/restore' in removed_list
    # Nobody else sees it there.
    parent_view = client.get(f"/portfolio/students/{student_id}", query_string={"lt": other})
    assert "Removed work" not in text_of(parent_view)
    # Only the student can bring it back.
    assert (
        client.post(f"/portfolio/me/evidence/{evidence_id}/restore", data={"lt": other}).status_code
        == 404
    )

    restored = client.post(f"/portfolio/me/evidence/{evidence_id}/restore", data={"lt": token})
    assert restored.status_code == 302
    page = text_of(client.get(restored.headers["Location"]))
    assert "“Dissection notes” is back in your portfolio." in page
    assert "Goal: Become a veterinarian" in page and "Download notes.pdf" in page
    assert client.get(download, query_string={"lt": teacher}).status_code == 200
    with app.app_context():
        actions = list(
            db.session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "evidence")
                .order_by(AuditEvent.id)
            ).scalars()
        )
    assert actions == ["evidence.create", "evidence.delete", "evidence.restore"]

    # Removed again and left for more than the undo period: the purge takes it and its file.
    assert (
        client.post(f"/portfolio/evidence/{evidence_id}/delete", data={"lt": token}).status_code
        == 302
    )
    result = runner.invoke(args=["purge-deleted"])
    assert "0 piece(s) of evidence" in result.output
    assert _count(app, StoredFile) == 1
    with app.app_context():
        db.session.execute(
            update(Evidence)
            .where(Evidence.id == evidence_id)
            .values(deleted_at=utcnow() - dt.timedelta(days=31))
        )
        db.session.commit()
    result = runner.invoke(args=["purge-deleted"])
    assert result.exit_code == 0 and "1 piece(s) of evidence" in result.output
    assert _count(app, Evidence, everything=True) == 0
    assert _count(app, StoredFile) == 0
    assert (
        client.post(f"/portfolio/me/evidence/{evidence_id}/restore", data={"lt": token}).status_code
        == 404
    )

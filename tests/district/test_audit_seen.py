"""The audit viewer's "who saw this student's plan" reads list pages too (the caseload page
and CSV record the ids of everyone shown), matching an id exactly in the list (1 is not 11
nor 21); bad numbers in its query never make a 500; its CSV is never cached."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from lti_tool.district import audit_log
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Role
from lti_tool.plans import viewers
from tests.caseload.helpers import sign_in
from tests.caseload.test_page import _district


def _csv(client: FlaskClient, **args: Any) -> list[list[str]]:
    answer = client.get("/admin/audit.csv", query_string=args)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "no-store" in answer.headers["Cache-Control"]
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True))))[1:]


def test_seen_is_every_read_action_of_the_viewers_module() -> None:
    assert set(audit_log.SEEN_ACTIONS) == viewers.READ_ACTIONS


def test_a_counselors_caseload_view_and_export_show_who_saw_the_plan(
    app: Flask, client: FlaskClient
) -> None:
    d = _district(app)
    shown = [pid for pid, _name, grade in d["kids"] if grade in (9, 10)]
    hidden = [pid for pid, _name, grade in d["kids"] if grade == 12]
    sign_in(app, client, d["me"])
    assert client.get("/plans/caseload").status_code == 200
    assert client.get("/plans/caseload.csv").status_code == 200
    sign_in(app, client, d["admin"], Role.ADMIN)

    page = client.get("/admin/audit", query_string={"student_id": shown[0], "action": "seen"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<code>caseload.view</code>" in text and "<code>caseload.export</code>" in text
    assert d["me"].name in text
    rows = _csv(client, student_id=shown[-1], action="seen")
    assert sorted(r[3] for r in rows) == ["caseload.export", "caseload.view"]
    assert {r[2] for r in rows} == {str(d["me"].id)}
    assert {r[7] for r in rows} == {str(shown[-1])}  # the student column names her
    # A student the counselor's page did not list: nobody saw her plan.
    assert _csv(client, student_id=hidden[0], action="seen") == []


def test_a_students_id_matches_only_itself_in_the_list(app: Flask, client: FlaskClient) -> None:
    d = _district(app, n=1, rules=False)
    lists = {
        "only": [1],
        "first": [1, 11, 21],
        "middle": [21, 1, 11],
        "last": [11, 21, 1],
        "others": [11, 21, 111, 211, 10, 12],
        "other_keys": [],
    }
    with app.app_context():
        for mark, students in lists.items():
            detail: dict[str, Any] = {"mark": mark, "students": students}
            if mark == "other_keys":
                detail["student_id"] = 11
            db.session.add(
                AuditEvent(
                    tenant_id=d["tenant"],
                    actor_id=d["me"].id,
                    action="caseload.view",
                    subject_type="caseload",
                    detail=detail,
                )
            )
        db.session.commit()
    sign_in(app, client, d["admin"], Role.ADMIN)

    def marks(student_id: int) -> set[str]:
        found = _csv(client, student_id=student_id, action="seen")
        return {json.loads(r[8])["mark"] for r in found}

    assert marks(1) == {"only", "first", "middle", "last"}
    assert marks(11) == {"first", "middle", "last", "others", "other_keys"}
    assert marks(21) == {"first", "middle", "last", "others"}
    assert marks(111) == {"others"}
    assert marks(2) == set()
    page = client.get("/admin/audit", query_string={"student_id": 1}).get_data(as_text=True)
    assert page.count("<code>caseload.view</code>") == 4


BAD_NUMBERS = ["\N{SUPERSCRIPT TWO}", "\N{FULLWIDTH DIGIT ONE}", "1" * 25, "9" * 10, "-1", "1e3"]


def test_bad_numbers_never_make_a_500(app: Flask, client: FlaskClient) -> None:
    d = _district(app, n=1, rules=False)
    sign_in(app, client, d["admin"], Role.ADMIN)
    for bad in BAD_NUMBERS:
        for name in ("actor_id", "student_id"):
            page = client.get("/admin/audit", query_string={name: bad})
            assert page.status_code == 422, (name, bad)
            assert "a number (a person" in page.get_data(as_text=True)
            assert client.get("/admin/audit.csv", query_string={name: bad}).status_code == 200
        page = client.get("/admin/audit", query_string={"page": bad})
        assert page.status_code == 200, bad
        assert client.get("/admin/audit.csv", query_string={"page": bad}).status_code == 200
    # The largest accepted id is still a fine query on every database.
    assert client.get("/admin/audit", query_string={"actor_id": "9" * 9}).status_code == 200

"""An admin assigns caseloads: by ticked students, grade, letters, school, CSV upload
(good rows, unmatched rows, a malformed file), removing rules; audited; admins only."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, CaseloadRule, GrantRole, Role, RoleGrant
from tests import factories
from tests.caseload.helpers import admin, counselor, sign_in, student


def _setup(app: Flask) -> dict[str, Any]:
    with app.app_context():
        t = factories.tenant()
        factories.platform(t)
        boss = admin(t)
        me, grant = counselor(t)
        pending = RoleGrant(tenant_id=t.id, role=GrantRole.COUNSELOR, email="later@example.org")
        db.session.add(pending)
        kids = {
            name: student(t, name, grade_level=grade, school=school, sis_id=sis, email=email)
            for name, grade, school, sis, email in [
                ("Ann Archer", 9, "North High", "S1", "ann@example.org"),
                ("Bo Brown", 10, "South High", "S2", "bo@example.org"),
                ("Cal Young", 11, "North High", "S3", "cal@example.org"),
                ("Di Zeller", 12, "South High", "S4", "di@example.org"),
            ]
        }
        db.session.commit()
        return {
            "tenant": t.id,
            "admin": (boss.tenant_id, boss.id),
            "me": (me.tenant_id, me.id),
            "grant": grant.id,
            "pending": pending.id,
            "kids": {n: k.id for n, k in kids.items()},
        }


def _login(app: Flask, client: FlaskClient, who: tuple[int, int]) -> str:
    with app.app_context():
        person = db.session.get(factories.Person, who[1])
        assert person is not None
        sign_in(app, client, person)
    page = client.get("/admin/caseloads")
    match = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True))
    return match.group(1) if match else ""


def _text(response: Any) -> str:
    """The page's words, without tags."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _mine(app: Flask, d: dict[str, Any]) -> set[int]:
    with app.app_context():
        actor = Actor(
            tenant_id=d["tenant"], person_id=d["me"][1], course_id=None, roles=frozenset()
        )
        return set(db.session.execute(policy.caseload_student_ids(actor)).scalars())


def test_admin_assigns_by_each_kind_and_removes(app: Flask, client: FlaskClient) -> None:
    d = _setup(app)
    csrf = _login(app, client, d["admin"])
    page = _text(client.get("/admin/caseloads"))
    assert "Casey Counselor" in page and "later@example.org" in page
    assert "4 students on this caseload" in page  # no rule yet: everyone
    url = f"/admin/caseloads/{d['grant']}/rules"
    kids = d["kids"]

    assert (
        client.post(url, data={"csrf": csrf, "kind": "grade", "grade_level": "9"}).status_code
        == 302
    )
    assert _mine(app, d) == {kids["Ann Archer"]}
    assert (
        client.post(
            url, data={"csrf": csrf, "kind": "alpha", "alpha_from": "y", "alpha_to": "z"}
        ).status_code
        == 302
    )
    assert _mine(app, d) == {kids["Ann Archer"], kids["Cal Young"], kids["Di Zeller"]}
    assert (
        client.post(url, data={"csrf": csrf, "kind": "school", "school": "South High"}).status_code
        == 302
    )
    assert _mine(app, d) == set(kids.values())
    # The search is posted: a student's name never goes into a URL.
    found = client.post(
        "/admin/caseloads/find", data={"csrf": csrf, "search_for": str(d["grant"]), "q": "bo"}
    )
    assert found.status_code == 200 and "Bo Brown" in found.get_data(as_text=True)
    assert 'method="get"' not in found.get_data(as_text=True).split("Find students by")[0][-400:]
    odd = client.post(
        "/admin/caseloads/find", data={"csrf": csrf, "search_for": "²", "q": "b\x00o"}
    )
    assert odd.status_code == 200
    assert (
        client.post(
            url, data={"csrf": csrf, "kind": "student", "student": [str(kids["Bo Brown"])]}
        ).status_code
        == 302
    )
    page = _text(client.get("/admin/caseloads"))
    assert "Grade 9" in page and "Family names Y to Z" in page and "School: South High" in page
    assert "Student: Bo Brown" in page and "4 students on this caseload" in page

    # Bad input: 422, what was typed kept, nothing saved.
    bad = client.post(url, data={"csrf": csrf, "kind": "alpha", "alpha_from": "F", "alpha_to": "A"})
    assert bad.status_code == 422 and "swap them" in bad.get_data(as_text=True)
    assert (
        client.post(url, data={"csrf": csrf, "kind": "grade", "grade_level": "99"}).status_code
        == 422
    )
    assert client.post(url, data={"csrf": csrf, "kind": "student"}).status_code == 422
    assert (
        client.post(
            "/admin/caseloads/99999/rules", data={"csrf": csrf, "kind": "grade", "grade_level": "9"}
        ).status_code
        == 404
    )

    with app.app_context():
        rules = db.session.execute(select(CaseloadRule).order_by(CaseloadRule.id)).scalars().all()
        assert len(rules) == 4
        school_rule = rules[2].id
    assert (
        client.post(f"/admin/caseloads/rules/{school_rule}/delete", data={"csrf": csrf}).status_code
        == 302
    )
    assert kids["Di Zeller"] in _mine(app, d)  # still by letter
    assert kids["Bo Brown"] in _mine(app, d)  # still by name
    with app.app_context():
        actions = [
            a
            for (a,) in db.session.execute(
                select(AuditEvent.action).where(AuditEvent.action.like("caseload.rule%"))
            )
        ]
    assert actions.count("caseload.rule_add") == 4 and actions.count("caseload.rule_remove") == 1

    # The district's last rule asks first: without rules every counselor sees every student.
    others = [r.id for r in rules if r.id != school_rule]
    for rule_id in others[:-1]:
        deleted = client.post(f"/admin/caseloads/rules/{rule_id}/delete", data={"csrf": csrf})
        assert deleted.status_code == 302
    last = client.post(f"/admin/caseloads/rules/{others[-1]}/delete", data={"csrf": csrf})
    assert last.status_code == 409
    assert "every counselor sees and reviews every student" in last.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CaseloadRule, others[-1]) is not None
    confirmed = client.post(
        f"/admin/caseloads/rules/{others[-1]}/delete", data={"csrf": csrf, "confirm": "last"}
    )
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.execute(select(CaseloadRule)).first() is None


def _upload(client: FlaskClient, csrf: str, data: bytes) -> Any:
    return client.post(
        "/admin/caseloads/upload",
        data={"csrf": csrf, "file": (io.BytesIO(data), "caseload.csv")},
        content_type="multipart/form-data",
    )


def test_csv_upload_good_unmatched_and_malformed(app: Flask, client: FlaskClient) -> None:
    d = _setup(app)
    csrf = _login(app, client, d["admin"])
    with app.app_context():
        me = db.session.get(factories.Person, d["me"][1])
        assert me is not None
        email = me.email
    text = (
        "counselor_email,student\n"
        f"{email.upper()},S1\n"
        f"{email},bo@example.org\n"
        "later@example.org,S3\n"
        "nobody@example.org,S4\n"
        f"{email},NO-SUCH-ID\n"
    )
    response = _upload(client, csrf, text.encode())
    body = _text(response)
    assert response.status_code == 200
    assert "3 students added" in body
    assert "Row 5: no counselor with this email" in body
    assert "Row 6: no student with this SIS id, email or LMS id" in body
    assert _mine(app, d) == {d["kids"]["Ann Archer"], d["kids"]["Bo Brown"]}
    again = _text(_upload(client, csrf, text.encode()))
    assert "0 students added; 3 already on the caseload" in again

    with app.app_context():
        before = db.session.execute(select(func.count(CaseloadRule.id))).scalar()
    for malformed in (
        b"\xff\xfe not utf-8",
        b"name,grade\nAnn,9\n",
        b"counselor_email,student\n" + email.encode() + b",S2,extra\n",
        b"",
    ):
        bad = _upload(client, csrf, malformed)
        assert bad.status_code == 422, malformed
        assert "Nothing was saved" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(CaseloadRule.id))).scalar() == before
        uploads = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "caseload.upload"))
            .scalars()
            .all()
        )
        assert [len(e.detail["rules"]) for e in uploads][-2:] == [3, 0]


def test_assignment_is_for_admins_only(app: Flask, client: FlaskClient) -> None:
    d = _setup(app)
    _login(app, client, d["me"])
    assert client.get("/admin/caseloads").status_code == 403
    assert Role.COUNSELOR  # the counselor's own page stays open
    assert client.get("/plans/caseload").status_code == 200

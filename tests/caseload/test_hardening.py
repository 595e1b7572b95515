"""The caseload against odd input and at scale: numbers ``int`` refuses or no column holds
(never a 500), the search text kept out of every URL (a token bound to the counselor), and
bulk actions that decide who is on the caseload once, survive one student's failure and stop
at a thousand students."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool.caseload import listing, views
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import Person, RoleGrant
from lti_tool.parse import digits_int
from lti_tool.plans import review_services
from lti_tool.plans.models import Plan, PlanComment
from tests.caseload.helpers import sign_in
from tests.caseload.test_page import _district, _names, search_url
from tests.relevance.helpers import count_queries

SUPER_TWO = "\N{SUPERSCRIPT TWO}"
HUGE = "9" * 25


def _csrf(client: FlaskClient) -> str:
    page = client.get("/plans/caseload").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_digits_int_takes_ascii_digits_within_bounds_only() -> None:
    assert digits_int("12") == 12 and digits_int(" 7 ") == 7
    assert digits_int("13", 0, 13) == 13 and digits_int("14", 0, 13) is None
    for junk in (SUPER_TWO, "\N{ARABIC-INDIC DIGIT THREE}", HUGE, "-1", "+1", "1 2", "", None, 5):
        assert digits_int(junk) is None, junk


def test_odd_numbers_are_refused_never_a_500(app: Flask, client: FlaskClient) -> None:
    d = _district(app, 6)
    sign_in(app, client, d["me"])
    for key in ("grade", "page", "graduation"):
        for junk in (SUPER_TWO, HUGE):
            got = client.get("/plans/caseload", query_string={key: junk})
            assert got.status_code == 400, (key, junk, got.status_code)
    csrf = _csrf(client)
    for junk in (SUPER_TWO, HUGE):
        bulk = client.post(
            "/plans/caseload/bulk",
            data={"csrf": csrf, "action": "comment", "body": "Hi", "student": junk},
        )
        assert bulk.status_code == 422 and "Tick at least one student" in bulk.get_data(
            as_text=True
        )
        # The search form's filters too.
        assert (
            client.post(
                "/plans/caseload/search", data={"csrf": csrf, "q": "kid", "grade": junk}
            ).status_code
            == 400
        )


def test_admin_rules_refuse_odd_numbers(app: Flask, client: FlaskClient) -> None:
    d = _district(app, 4)
    with app.app_context():
        grant_id = db.session.execute(
            select(RoleGrant.id).where(RoleGrant.person_id == d["me"].id)
        ).scalar_one()
    sign_in(app, client, d["admin"])
    page = client.get("/admin/caseloads").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    url = f"/admin/caseloads/{grant_id}/rules"
    for junk in (SUPER_TWO, HUGE):
        got = client.post(url, data={"csrf": csrf, "kind": "student", "student": junk})
        assert got.status_code == 422
        got = client.post(url, data={"csrf": csrf, "kind": "grade", "grade_level": junk})
        assert got.status_code == 422


def test_the_search_text_never_goes_into_a_url(app: Flask, client: FlaskClient) -> None:
    d = _district(app, 12)
    sign_in(app, client, d["me"])
    url = search_url(client, "Kid004", grade="9")
    assert "grade=9" in url and "search=" in url
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert _names(page) == ["Kid004 FamilyE"]
    assert 'value="Kid004"' in html  # the box keeps what was typed
    for href in re.findall(r'(?:href|action)="([^"]*)"', html):
        assert "kid004" not in href.lower() and "q=" not in href, href
    # The CSV link (token and filters) exports the match only.
    csv_href = re.search(r'href="([^"]*caseload\.csv[^"]*)"', html).group(1)  # type: ignore[union-attr]
    csv_text = client.get(csv_href.replace("&amp;", "&")).get_data(as_text=True)
    assert "Kid004 FamilyE" in csv_text and "Kid000 FamilyA" not in csv_text
    # A bulk action's redirect carries the token, not the text.
    token = re.search(r"search=([A-Za-z0-9_-]+)", url).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/plans/caseload/bulk",
        data={
            "csrf": _csrf(client),
            "action": "comment",
            "body": "Hello",
            "scope": "all",
            "f_search": token,
            "f_grade": "9",
        },
    )
    assert done.status_code == 302
    assert "kid004" not in done.headers["Location"].lower()
    assert f"search={token}" in done.headers["Location"]
    with app.app_context():
        got = db.session.execute(select(Plan.person_id).join(PlanComment)).scalars().all()
    assert got == [next(i for i, name, _g in d["kids"] if name == "Kid004 FamilyE")]
    # An empty search box gives no token.
    assert "search=" not in search_url(client, "  ", grade="9")


def test_a_search_token_is_the_counselors_own_and_runs_out_gently(
    app: Flask, client: FlaskClient
) -> None:
    d = _district(app, 12, rules=False)
    sign_in(app, client, d["me"])
    url = search_url(client, "Kid004")
    everyone = 12
    # Another counselor with the link: no search, a gentle word, not an error.
    other = app.test_client()
    sign_in(app, other, d["other"])
    theirs = other.get(url)
    assert theirs.status_code == 200
    assert "Your search ran out" in theirs.get_data(as_text=True)
    assert len(_names(theirs)) == everyone
    # Unknown and malformed tokens: the same.
    for bad in ("x" * 24, "not a token", SUPER_TWO):
        got = client.get("/plans/caseload", query_string={"search": bad})
        assert got.status_code == 200 and "Your search ran out" in got.get_data(as_text=True)
    # Gone from the store (expired): the CSV goes back to the page rather than exporting
    # everyone, and "all matching" refuses rather than reaching everyone.
    token = re.search(r"search=([A-Za-z0-9_-]+)", url).group(1)  # type: ignore[union-attr]
    with app.app_context():
        from lti_tool.store import get_store

        get_store().delete("caseload-search:" + token)
    assert client.get(f"/plans/caseload.csv?search={token}").status_code == 302
    refused = client.post(
        "/plans/caseload/bulk",
        data={
            "csrf": _csrf(client),
            "action": "comment",
            "body": "Hi",
            "scope": "all",
            "f_search": token,
        },
    )
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.execute(select(PlanComment.id)).first() is None
        assert listing.parse_query({"search": token, "q": "Kid004"}).q == ""


def test_bulk_checks_the_caseload_once_and_survives_one_failure(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _district(app, 12)
    sign_in(app, client, d["me"])
    ids = {name: i for i, name, _g in d["kids"]}
    archived = ids["Kid004 FamilyE"]
    failing = ids["Kid008 FamilyI"]
    with app.app_context():
        person = db.session.get(Person, archived)
        assert person is not None
        person.archived_at = utcnow()
        db.session.commit()
    real = review_services.add_comment_to_plan

    def flaky(actor: Any, student: Person, body: str, **kw: Any) -> Any:
        # One student's comment fails (a fault injected around the real service).
        if student.id == failing:
            raise InvalidInput("Something about this one student.")
        return real(actor, student, body, **kw)

    monkeypatch.setattr(review_services, "add_comment_to_plan", flaky)
    csrf = _csrf(client)

    def post(students: list[int]) -> Any:
        return client.post(
            "/plans/caseload/bulk",
            data={
                "csrf": csrf,
                "action": "comment",
                "body": "Meeting Friday.",
                "student": [str(i) for i in students],
            },
        )

    # Students off the caseload (other grades, archived) cost no statement each: who is
    # on it is decided once.
    outsiders = [ids[n] for n in ("Kid002 FamilyC", "Kid003 FamilyD", "Kid006 FamilyG")]
    with count_queries(app) as one:
        assert post(outsiders[:1]).status_code == 302
    with count_queries(app) as many:
        assert post([*outsiders, archived]).status_code == 302
    assert len(many) == len(one)
    client.get("/plans/caseload")  # the messages of those two
    # One student's failure: the others still get the comment, no 500.
    done = post([ids["Kid000 FamilyA"], failing, ids["Kid001 FamilyB"], archived, outsiders[0]])
    assert done.status_code == 302
    flashed = client.get("/plans/caseload").get_data(as_text=True)
    assert "Your comment was added to 2 plans. 3 students could not get it." in flashed
    with app.app_context():
        got = set(db.session.execute(select(Plan.person_id).join(PlanComment)).scalars())
    assert got == {ids["Kid000 FamilyA"], ids["Kid001 FamilyB"]}


def test_all_matching_stops_at_the_limit(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = _district(app, 12, rules=False)
    sign_in(app, client, d["me"])
    monkeypatch.setattr(views, "BULK_LIMIT", 5)
    csrf = _csrf(client)
    form = {"csrf": csrf, "action": "return", "body": "Add a goal.", "scope": "all"}
    refused = client.post("/plans/caseload/bulk", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "narrow the filters" in text and "Add a goal.</textarea>" in text
    with app.app_context():
        assert db.session.execute(select(PlanComment.id)).first() is None
    # Narrowed (grade 9: three students), it runs.
    assert client.post("/plans/caseload/bulk", data={**form, "f_grade": "9"}).status_code == 302
    # The CSV of all matching is one statement and has no limit.
    exported = client.post(
        "/plans/caseload/bulk", data={"csrf": csrf, "action": "export", "scope": "all"}
    )
    assert exported.status_code == 200 and exported.get_data(as_text=True).count("\n") == 13

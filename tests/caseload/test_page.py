"""The caseload page: who is listed, search, sort, each filter, pages, bulk comment, the CSV
(columns and filters), the empty state, and a constant number of SQL statements."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lti_tool.caseload import listing
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, CaseloadRuleKind
from lti_tool.plans import reading
from lti_tool.plans.models import (
    GoalStatus,
    Milestone,
    Plan,
    PlanComment,
    PlanSnapshot,
    ReviewStatus,
)
from tests import factories
from tests.caseload.helpers import admin, counselor, rule, sign_in, student
from tests.relevance.helpers import HEALTH, count_queries, table

CAPTION = "Students and the state of their plans"
DASH = "\N{EN DASH}"


def _district(app: Flask, n: int = 6, *, rules: bool = True) -> dict[str, Any]:
    """``n`` students (grades 9-12) with plans; a counselor of grades 9 and 10 (when
    ``rules``), another of grade 12; an admin."""
    with app.app_context():
        t = factories.tenant()
        factories.platform(t)
        me, grant = counselor(t)
        other, other_grant = counselor(t, "Olu Other")
        boss = admin(t)
        now = utcnow()
        kids = []
        for i in range(n):
            kid = student(
                t,
                f"Kid{i:03d} Family{chr(65 + i % 26)}",
                grade_level=9 + i % 4,
                graduation_year=2030 - i % 4,
                sis_id=f"SIS{i:03d}",
                lms_user_id=f"LMS{i:03d}",
                school="North High",
            )
            plan = factories.plan(
                kid,
                cluster_codes=[HEALTH] if i % 2 == 0 else [],
                created_at=now - dt.timedelta(days=200),
                updated_at=now - dt.timedelta(days=200 if i % 3 == 0 else i),
            )
            if i % 2 == 0:
                goal = factories.goal(plan, status=GoalStatus.ACHIEVED)
                db.session.add_all(
                    [
                        Milestone(goal_id=goal.id, title="One", done=True),
                        Milestone(goal_id=goal.id, title="Two", done=i % 4 == 0),
                    ]
                )
            if i % 5 == 1:
                db.session.add(
                    PlanSnapshot(
                        plan_id=plan.id,
                        school_year=reading.school_year(),
                        data={},
                        status=ReviewStatus.SUBMITTED,
                    )
                )
            kids.append(kid)
        if rules:
            rule(grant, CaseloadRuleKind.GRADE, grade_level=9)
            rule(grant, CaseloadRuleKind.GRADE, grade_level=10)
            rule(other_grant, CaseloadRuleKind.GRADE, grade_level=12)
        db.session.commit()
        for who in (me, other, boss):
            db.session.refresh(who)  # loaded, so usable once the context ends
        return {
            "tenant": t.id,
            "me": me,
            "other": other,
            "admin": boss,
            "kids": [(k.id, k.name, k.grade_level) for k in kids],
        }


def _get(client: FlaskClient, url: str = "/plans/caseload", **args: Any) -> Any:
    response = client.get(url, query_string=args or None)
    assert response.status_code == 200, response.status_code
    return response


def search_url(client: FlaskClient, text: str, **filters: Any) -> str:
    """The search form's way: post the text (with the filters), get the list's URL back.
    The URL carries a token, never the text."""
    page = client.get("/plans/caseload").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    sent = client.post("/plans/caseload/search", data={"csrf": csrf, "q": text, **filters})
    assert sent.status_code == 302, sent.status_code
    location = sent.headers["Location"]
    assert text.lower() not in location.lower() and "q=" not in location
    return location


def _searched(client: FlaskClient, text: str, **filters: Any) -> Any:
    return _get(client, search_url(client, text, **filters))


def _names(response: Any) -> list[str]:
    html = response.get_data(as_text=True)
    if CAPTION not in html:
        return []
    rows = table(html, CAPTION)
    return [r[0].removesuffix(": open plan") for r in rows[1:]]


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_counselor_sees_their_caseload_with_search_sort_and_filters(
    app: Flask, client: FlaskClient
) -> None:
    d = _district(app, 12)
    sign_in(app, client, d["me"])
    mine = sorted(name for _i, name, grade in d["kids"] if grade in (9, 10))
    assert sorted(_names(_get(client))) == mine
    # Search by name, SIS id, LMS id (the email is the factories' own).
    assert _names(_searched(client, "kid004")) == ["Kid004 FamilyE"]
    assert _names(_searched(client, "SIS005")) == ["Kid005 FamilyF"]
    assert _names(_searched(client, "lms008")) == ["Kid008 FamilyI"]
    assert _names(_searched(client, "kid003")) == []  # grade 12: not on this caseload
    # A search typed into a URL (q=) is not one: the list is unsearched.
    assert sorted(_names(_get(client, q="kid004"))) == mine
    # Filters.
    assert sorted(_names(_get(client, grade="10"))) == [
        "Kid001 FamilyB",
        "Kid005 FamilyF",
        "Kid009 FamilyJ",
    ]
    assert _names(_get(client, graduation="2029")) == _names(_get(client, grade="10"))
    assert sorted(_names(_get(client, cluster=HEALTH))) == [
        "Kid000 FamilyA",
        "Kid004 FamilyE",
        "Kid008 FamilyI",
    ]
    assert sorted(_names(_get(client, status="submitted"))) == ["Kid001 FamilyB"]
    assert len(_names(_get(client, status="draft"))) == len(mine) - 1
    assert sorted(_names(_get(client, milestones="all"))) == [
        "Kid000 FamilyA",
        "Kid004 FamilyE",
        "Kid008 FamilyI",
    ]
    assert _names(_get(client, milestones="some")) == []
    assert sorted(_names(_get(client, milestones="no_milestones"))) == [
        "Kid001 FamilyB",
        "Kid005 FamilyF",
        "Kid009 FamilyJ",
    ]
    # Activity: Kid009's plan never changed after it was made and has no goal; Kid000's
    # plan neither, but a goal changed today; the others changed their plan days ago.
    assert _names(_get(client, activity="never")) == ["Kid009 FamilyJ"]
    assert _names(_get(client, activity="30")) == ["Kid009 FamilyJ"]
    # Sort by any column, both ways; missing values last.
    by_grade = _names(_get(client, sort="grade"))
    assert by_grade[:3] == ["Kid000 FamilyA", "Kid004 FamilyE", "Kid008 FamilyI"]
    assert _names(_get(client, sort="grade", dir="desc"))[:3] == [
        "Kid001 FamilyB",
        "Kid005 FamilyF",
        "Kid009 FamilyJ",
    ]
    assert _names(_get(client, sort="name", dir="desc")) == sorted(
        mine, key=lambda n: n.split()[1], reverse=True
    )
    assert _names(_get(client, sort="activity", dir="desc")) == [
        "Kid000 FamilyA",
        "Kid001 FamilyB",
        "Kid004 FamilyE",
        "Kid005 FamilyF",
        "Kid008 FamilyI",
        "Kid009 FamilyJ",
    ]
    for key in listing.SORTS:
        page = _get(client, sort=key, dir="desc").get_data(as_text=True)
        assert 'aria-sort="descending"' in page
    # Unknown values are refused, never a 500.
    for bad in ({"sort": "sis"}, {"grade": "x"}, {"status": "lost"}, {"activity": "7"}):
        assert client.get("/plans/caseload", query_string=bad).status_code == 400


def test_pages_of_fifty_and_the_csv_of_all_pages(app: Flask, client: FlaskClient) -> None:
    d = _district(app, 120, rules=False)
    sign_in(app, client, d["me"])
    first = _get(client).get_data(as_text=True)
    assert f"Students 1{DASH}50 of 120" in first
    assert "every counselor sees every student" in first
    assert len(_names(_get(client))) == 50
    third = _get(client, page="3")
    assert f"Students 101{DASH}120 of 120" in third.get_data(as_text=True)
    everyone = _names(_get(client)) + _names(_get(client, page="2")) + _names(third)
    assert len(set(everyone)) == 120
    assert f"Students 101{DASH}120 of 120" in _get(client, page="9").get_data(as_text=True)
    # The CSV: every page, the filters' rows only, with the ids to join with the SIS.
    rows = _csv(_get(client, "/plans/caseload.csv", grade="9"))
    assert len(rows) == 30
    assert list(rows[0]) == list(listing.CSV_HEADER)
    kid0 = next(r for r in rows if r["Student"] == "Kid000 FamilyA")
    assert (kid0["SIS id"], kid0["LMS id"], kid0["Grade level"], kid0["Graduation year"]) == (
        "SIS000",
        "LMS000",
        "9",
        "2030",
    )
    assert kid0["Email"].endswith("@example.org") and kid0["School"] == "North High"
    assert kid0["Plan status"] == "Draft" and kid0["Milestones done"] == "2"
    assert len(_csv(_get(client, "/plans/caseload.csv"))) == 120


def test_bulk_comment_on_ticked_and_on_all_matching(app: Flask, client: FlaskClient) -> None:
    d = _district(app, 12)
    sign_in(app, client, d["me"])
    page = _get(client).get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    ids = {name: i for i, name, _g in d["kids"]}

    def post(**form: Any) -> Any:
        return client.post("/plans/caseload/bulk", data={"csrf": token, **form})

    outsider = ids["Kid003 FamilyD"]  # grade 12: not mine
    done = post(
        action="comment",
        body="Please add a goal.",
        student=[str(ids["Kid000 FamilyA"]), str(outsider)],
    )
    assert done.status_code == 302
    assert post(action="comment", body="", student=str(ids["Kid000 FamilyA"])).status_code == 422
    assert post(action="comment", body="Hi", scope="ticked").status_code == 422
    all_grade9 = post(action="comment", body="Grade 9 meeting on Friday.", scope="all", f_grade="9")
    assert all_grade9.status_code == 302 and "grade=9" in all_grade9.headers["Location"]
    exported = post(action="export", scope="all", f_grade="10")
    assert {r["Student"] for r in _csv(exported)} == {
        "Kid001 FamilyB",
        "Kid005 FamilyF",
        "Kid009 FamilyJ",
    }
    with app.app_context():
        comments = db.session.execute(
            select(Plan.person_id, PlanComment.body).join(Plan, Plan.id == PlanComment.plan_id)
        ).all()
        plan_of_kid0 = db.session.execute(
            select(Plan).where(Plan.person_id == ids["Kid000 FamilyA"])
        ).scalar_one()
        activity_before = plan_of_kid0.updated_at
    assert (ids["Kid000 FamilyA"], "Please add a goal.") in comments
    assert all(pid != outsider for pid, _b in comments)  # refused by the policy
    assert {pid for pid, body in comments if body.startswith("Grade 9")} == {
        ids[n] for n in ("Kid000 FamilyA", "Kid004 FamilyE", "Kid008 FamilyI")
    }
    # A comment is no activity of the student's: the plan is as old as before.
    assert activity_before < utcnow() - dt.timedelta(days=100)


def test_bulk_return_for_changes(app: Flask, client: FlaskClient) -> None:
    d = _district(app, 12)
    sign_in(app, client, d["me"])
    page = _get(client).get_data(as_text=True)
    assert "Return their plans for changes" in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    ids = {name: i for i, name, _g in d["kids"]}
    outsider = ids["Kid003 FamilyD"]  # grade 12: not mine

    def post(**form: Any) -> Any:
        return client.post("/plans/caseload/bulk", data={"csrf": token, **form})

    # A return needs a note (the student must know what to change): 422, nothing returned.
    refused = post(action="return", body="", scope="all", f_grade="9")
    assert refused.status_code == 422
    assert "Write what the students should change first" in refused.get_data(as_text=True)
    done = post(
        action="return",
        body="Add a course plan for next year.",
        student=[str(ids["Kid001 FamilyB"]), str(outsider)],
    )
    assert done.status_code == 302
    with app.app_context():
        statuses = dict(
            db.session.execute(
                select(Plan.person_id, PlanSnapshot.status)
                .join(Plan, Plan.id == PlanSnapshot.plan_id)
                .where(PlanSnapshot.school_year == reading.school_year())
            ).all()
        )
        notes = db.session.execute(
            select(Plan.person_id, PlanComment.body).join(Plan, Plan.id == PlanComment.plan_id)
        ).all()
    assert statuses[ids["Kid001 FamilyB"]] == ReviewStatus.RETURNED
    assert outsider not in statuses or statuses[outsider] != ReviewStatus.RETURNED
    assert notes == [(ids["Kid001 FamilyB"], "Add a course plan for next year.")]
    # The filtered list shows it at once.
    returned = _get(client, "/plans/caseload", status="returned").get_data(as_text=True)
    assert "Kid001 FamilyB" in returned and "Kid003 FamilyD" not in returned


def test_empty_caseload_admin_and_statement_count(app: Flask, client: FlaskClient) -> None:
    d = _district(app, 8)
    with app.app_context():
        nobody, _grant = counselor(db.session.get(factories.Tenant, d["tenant"]), "Nia Nobody")
        db.session.commit()
        db.session.refresh(nobody)
    sign_in(app, client, nobody)
    page = _get(client).get_data(as_text=True)
    assert "No students on your caseload yet" in page and CAPTION not in page
    admin_client = app.test_client()
    sign_in(app, admin_client, d["admin"])
    assert len(_names(_get(admin_client))) == 8

    sign_in(app, client, d["me"])
    url = search_url(client, "kid", grade="9", sort="activity", dir="desc", milestones="all")
    _get(client, url)  # warm-up

    def measure() -> int:
        with count_queries(app) as statements:
            _get(client, url)
        return len(statements)

    small = measure()
    more = _district_more(app, d["tenant"], 60)
    assert more
    big = measure()
    assert small == big
    with app.app_context():
        shown = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "caseload.view"))
            .scalars()
            .all()
        )
        detail = shown[-1].detail
        assert detail["searched"] is True and detail["filters"]["grade"] == 9
        assert "q" not in detail["filters"] and "search" not in detail["filters"]


def _district_more(app: Flask, tenant_id: int, n: int) -> int:
    with app.app_context():
        t = db.session.get(factories.Tenant, tenant_id)
        for i in range(n):
            kid = student(t, f"More{i:03d} Kidson", grade_level=9)
            plan = factories.plan(kid)
            goal = factories.goal(plan)
            db.session.add(Milestone(goal_id=goal.id, title="Done", done=True))
        db.session.execute(update(Plan).values(show_guide=False))
        db.session.commit()
    return n

"""The counselor caseload: table, filters, CSV export (with the formula guard), its cost."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from lti_tool.caseload import listing
from lti_tool.extensions import db
from lti_tool.models import AuditEvent, Person
from lti_tool.plans import reading, review_services
from tests.lti_driver import LtiDriver
from tests.relevance.helpers import (
    DIGITAL,
    HEALTH,
    count_queries,
    launch,
    person_id,
    row_of,
    set_plan,
    synced_class,
    table,
)

CHILD = "sbx-user-0007"


def _setup(lti: LtiDriver, app: Flask) -> dict[str, Any]:
    cls = synced_class(lti, app)
    child, second, third = cls["students"][:3]
    set_plan(
        app,
        child.sub,
        clusters=[HEALTH, DIGITAL],
        grade_level=10,
        inventory_code="SIA",
        goals=[("Become a nurse", HEALTH), ("Pass biology", None)],
        achieved=1,
    )
    set_plan(app, second.sub, goals=[("Learn to code", DIGITAL)], grade_level=11)
    set_plan(app, third.sub)
    counselor = launch(lti, lti.person("counselor"))
    parent = launch(lti, lti.person("parent"))
    child_id = person_id(app, child.sub)
    assert (
        lti.client.post(f"/plans/students/{child_id}/approve", data={"lt": counselor}).status_code
        == 302
    )
    assert (
        lti.client.post(
            f"/plans/students/{child_id}/sign",
            data={"lt": parent, "reviewed_with_child": "y"},
        ).status_code
        == 302
    )
    assert (
        lti.client.post(
            f"/plans/students/{person_id(app, second.sub)}/approve", data={"lt": counselor}
        ).status_code
        == 302
    )
    return {
        **cls,
        "child": child,
        "second": second,
        "third": third,
        "counselor": counselor,
        "parent": parent,
    }


def _names(rows: list[list[str]]) -> set[str]:
    return {r[0].removesuffix(": open plan") for r in rows[1:]}


def test_caseload_table_and_filters(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    year = reading.school_year()
    page = lti.client.get("/plans/caseload", query_string={"lt": s["counselor"]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = table(html, "Students and the state of their plans")
    everyone = {u.name for u in s["students"]}
    assert _names(rows) == everyone
    child = row_of(rows, s["child"].name)
    assert child["Grade"] == "10"
    assert child["Goals (achieved)"] == "2 (1)"
    assert child["Career clusters"] == "Healthcare & Human Services, Digital Technology"
    # The day in the school's time zone, e.g. "Dec 7, 2026".
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, 20\d\d", child["Last activity"])
    # Approving marks this year's snapshot approved (the migration did so for older ones;
    # the review helpers set the status), and the guardian signed.
    assert child[f"Signed {year}"] == "✓ Yes"
    second = row_of(rows, s["second"].name)
    assert second[f"Signed {year}"] == "No"
    assert row_of(rows, s["students"][5].name)["Last activity"] == "No plan yet"

    def filtered(**args: str) -> set[str]:
        response = lti.client.get("/plans/caseload", query_string={"lt": s["counselor"], **args})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        for value in args.values():
            assert f'<option value="{value}" selected>' in body
        return _names(table(body, "Students and the state of their plans"))

    assert filtered(milestones="no_milestones") == everyone
    assert filtered(cluster=HEALTH) == {s["child"].name}
    assert filtered(grade="11") == {s["second"].name}
    bad = lti.client.get(
        "/plans/caseload", query_string={"lt": s["counselor"], "status": "everything"}
    )
    assert bad.status_code == 400
    assert _audits(app, "caseload.view")


def _audits(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context():
        return [
            dict(e.detail)
            for e in db.session.execute(
                select(AuditEvent).where(AuditEvent.action == action)
            ).scalars()
        ]


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_caseload_csv_and_formula_guard(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)
    evil = {
        s["students"][3].sub: '=HYPERLINK("http://evil.example","x")',
        s["students"][4].sub: "@SUM(1+1)",
        s["students"][5].sub: "+1 Plus",
        s["students"][6].sub: "-2 Minus",
    }
    with app.app_context():
        for sub, name in evil.items():
            db.session.execute(update(Person).where(Person.sub == sub).values(name=name))
        db.session.commit()
    set_plan(app, s["third"].sub, inventory_code="=1+2")

    response = lti.client.get("/plans/caseload.csv", query_string={"lt": s["counselor"]})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"caseload-{reading.school_year()}.csv" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == list(listing.CSV_HEADER)
    assert len(rows) == 1 + len(s["students"])
    by_name = {r[0]: r for r in rows[1:]}
    child = dict(zip(rows[0], by_name[s["child"].name], strict=True))
    assert child["SIS id"] == s["child"].sis_id  # the launch sends the SIS id, as NRPS does
    assert "@" in child["Email"]
    assert [child[k] for k in ("Grade level", "Goals", "Goals achieved")] == ["10", "2", "1"]
    assert child["Career clusters"] == "Healthcare & Human Services; Digital Technology"
    assert (child["Interest inventory code"], child["Signed this school year"]) == ("SIA", "yes")
    for name in evil.values():
        assert "'" + name in by_name, name
        assert name not in by_name
    assert by_name[s["third"].name][rows[0].index("Interest inventory code")] == "'=1+2"
    # No cell starts with a formula character.
    assert not [c for r in rows for c in r if c[:1] in {"=", "+", "-", "@"}]

    filtered = _csv(
        lti.client.get(
            "/plans/caseload.csv", query_string={"lt": s["counselor"], "cluster": HEALTH}
        )
    )
    assert {r[0] for r in filtered[1:]} == {s["child"].name}
    exports = _audits(app, "caseload.export")
    # The events list the ids of the students shown; ``student_count`` keeps the count.
    assert [e["student_count"] for e in exports] == [len(s["students"]), len(filtered) - 1]
    assert [len(e["students"]) for e in exports] == [len(s["students"]), len(filtered) - 1]
    assert exports[1]["filters"] == {"cluster": HEALTH}


def test_csv_cell_guard() -> None:
    assert review_services.csv_cell("=1+1") == "'=1+1"
    assert review_services.csv_cell("\t=1") == "'\t=1"
    assert review_services.csv_cell("Ada Lovelace") == "Ada Lovelace"
    assert review_services.csv_cell(None) == ""
    assert review_services.csv_cell(10) == "10"


def test_caseload_is_for_counselors_only(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    student = launch(lti, cls["students"][0], cls["course"])
    parent = launch(lti, lti.person("parent"))
    for token in (cls["token"], student, parent):
        for url in ("/plans/caseload", "/plans/caseload.csv"):
            assert lti.client.get(url, query_string={"lt": token}).status_code == 403
    assert not _audits(app, "caseload.export")


def test_caseload_query_count_does_not_grow(lti: LtiDriver, app: Flask) -> None:
    s = _setup(lti, app)

    def measure() -> tuple[int, int, int]:
        with count_queries(app) as page:
            response = lti.client.get("/plans/caseload", query_string={"lt": s["counselor"]})
        assert response.status_code == 200
        with count_queries(app) as export:
            assert (
                lti.client.get(
                    "/plans/caseload.csv", query_string={"lt": s["counselor"]}
                ).status_code
                == 200
            )
        return len(page), len(export), response.get_data(as_text=True).count("open plan")

    lti.client.get("/plans/caseload", query_string={"lt": s["counselor"]})  # warm-up
    small_page, small_export, small_rows = measure()
    # Another class joins the caseload, every student gets a plan with goals.
    other = synced_class(lti, app, teacher_index=1)
    for i, student in enumerate(other["students"] + s["students"]):
        set_plan(app, student.sub, clusters=[HEALTH], goals=[(f"Goal {i}", None)] * 2)
    big_page, big_export, big_rows = measure()
    assert big_rows > small_rows
    assert (small_page, small_export) == (big_page, big_export)


def test_caseload_lists_only_students_with_an_active_enrollment(lti: LtiDriver, app: Flask) -> None:
    cls = synced_class(lti, app)
    stays, leaves = cls["students"][:2]
    set_plan(app, leaves.sub, goals=[("Left mid-year", None)])
    counselor = launch(lti, lti.person("counselor"))

    def names() -> set[str]:
        page = lti.client.get("/plans/caseload", query_string={"lt": counselor})
        assert page.status_code == 200
        return _names(table(page.get_data(as_text=True), "Students and the state"))

    assert {stays.name, leaves.name} <= names()
    # The student drops the only class they were synced in; the roster sync deactivates them.
    lti.state.set_enrollment_status(cls["course"].context_id, leaves.sub, "Deleted")
    try:
        assert (
            lti.client.post(
                f"/courses/{cls['course_id']}/sync", data={"lt": cls["token"]}
            ).status_code
            == 302
        )
    finally:  # the sandbox outlives the test
        lti.state.set_enrollment_status(cls["course"].context_id, leaves.sub, "Active")
    after = names()
    assert stays.name in after
    assert leaves.name not in after
    csv_rows = _csv(lti.client.get("/plans/caseload.csv", query_string={"lt": counselor}))
    assert leaves.name not in {r[0] for r in csv_rows}


def test_caseload_orders_missing_family_names_by_name(lti: LtiDriver, app: Flask) -> None:
    """A student the LMS sent no family name for sorts by their name, on every database
    (SQLite would put ``NULL`` first and PostgreSQL last)."""
    cls = synced_class(lti, app)
    counselor = launch(lti, lti.person("counselor"))
    with app.app_context():
        ids = [person_id(app, u.sub) for u in cls["students"][:2]]
        db.session.execute(
            update(Person).where(Person.id == ids[0]).values(family_name=None, name="Zzyzx")
        )
        db.session.execute(
            update(Person)
            .where(Person.id == ids[1])
            .values(family_name=None, name="aardvark Student")
        )
        db.session.commit()
        people = (
            db.session.execute(
                select(Person).where(
                    Person.id.in_([person_id(app, u.sub) for u in cls["students"]])
                )
            )
            .scalars()
            .all()
        )
        expected = [
            p.name
            for p in sorted(
                people,
                key=lambda p: (
                    (p.family_name if p.family_name is not None else p.name).lower(),
                    p.name.lower(),
                    p.id,
                ),
            )
        ]
    page = lti.client.get("/plans/caseload", query_string={"lt": counselor})
    rows = table(page.get_data(as_text=True), "Students and the state")
    listed = [r[0].removesuffix(": open plan") for r in rows[1:]]
    assert listed == expected
    assert listed[0] == "aardvark Student"
    assert listed[-1] == "Zzyzx"

"""Postsecondary and financial planning: the district catalogue (CSV import in our columns and
the College Scorecard's layouts; bad files change nothing), the student's list with its
application tracker, the financial-planning checklist (students tick, counselors adapt), who
may do what, and the new data in the plan's export and deletion."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.plans import financial_checklist, postsecondary, program_catalogue
from lti_tool.plans.models import Goal, Plan
from lti_tool.plans.postsecondary_models import (
    ApplicationTask,
    CatalogueProgram,
    ChecklistAdaptation,
    ChecklistTick,
    PostsecondaryOption,
)
from tests.lti_driver import LtiDriver
from tests.plans.test_erasure import _leftovers
from tests.plans.test_plan_pages import (
    count,
    course,
    get,
    html,
    launch,
    person_id,
    post,
)

OUR_CSV = (
    "kind,name,institution,city,state,url,credential,cip_code,cost_per_year,notes\n"
    "two_year,Nursing (ADN),Riverbend Community College,Salem,OR,https://riverbend.example,"
    "Associate's degree,51.3801,14500,Waitlist: apply early\n"
    "apprenticeship,Inside Wireman,IBEW Local 48,Portland,or,,Journeyworker card,,0,Paid from day one\n"
    "4-year college,Computer Science,Cascade State University,Eugene,OR,cascade.example,"
    'Bachelor\'s degree,11.0701,"$28,900",\n'
    "Military,U.S. Navy,,,,,,,,Talk to a recruiter\n"
)

SCORECARD_INSTITUTIONS = (
    "UNITID,OPEID,OPEID6,INSTNM,CITY,STABBR,ZIP,INSTURL,PREDDEG,HIGHDEG,CONTROL,COSTT4_A,"
    "TUITIONFEE_IN,TUITIONFEE_OUT\n"
    "209542,00320100,003201,Oregon State University,Corvallis,OR,97331,oregonstate.edu,3,4,1,"
    "30075,12975,35688\n"
    "209612,00320900,003209,Portland Community College,Portland,OR,97219,www.pcc.edu,2,2,1,"
    "NULL,4988,PrivacySuppressed\n"
    "999999,00000000,000000,Graduate Only Institute,Portland,OR,97201,example.edu,4,4,2,NULL,NULL,NULL\n"
)

SCORECARD_FIELDS = (
    "UNITID,OPEID6,INSTNM,CONTROL,MAIN,CIPCODE,CIPDESC,CREDLEV,CREDDESC,IPEDSCOUNT1\n"
    '209612,003209,Portland Community College,Public,1,5138,"Registered Nursing, Nursing '
    "Administration, Nursing Research and Clinical Nursing.\",2,Associate's Degree,120\n"
    "209542,003201,Oregon State University,Public,1,1107,Computer Science.,3,Bachelor's Degree,"
    "PrivacySuppressed\n"
    "209542,003201,Oregon State University,Public,1,1107,Computer Science.,5,Master's Degree,40\n"
)


def upload(
    lti: LtiDriver, token: str, data: bytes, *, name: str = "catalogue.csv", release: str = ""
) -> TestResponse:
    return lti.client.post(
        "/plans/admin/programs",
        data={"lt": token, "release": release, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def catalogue_names(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(
                select(CatalogueProgram.name).order_by(CatalogueProgram.name)
            ).scalars()
        )


# -- services ------------------------------------------------------------------------------------


def test_soc_codes_are_checked_by_pattern() -> None:
    assert postsecondary.soc_codes("15-1252, 29-1141\n15-1252") == ["15-1252", "29-1141"]
    assert postsecondary.soc_codes(["47-2111"]) == ["47-2111"]
    assert postsecondary.soc_codes("") == []
    for bad in ("151252", "15-125", "15-1252.00", "ab-cdef", "15-1252;x"):
        with pytest.raises(InvalidInput, match="SOC code"):
            postsecondary.soc_codes(bad)
    with pytest.raises(InvalidInput, match="at most"):
        postsecondary.soc_codes(" ".join(f"11-{n:04d}" for n in range(13)))


def test_parsing_our_columns_and_the_scorecard_layouts() -> None:
    layout, rows, skipped = program_catalogue.parse_catalogue(OUR_CSV)
    assert layout == "district columns" and skipped == 0
    assert [r["kind"] for r in rows] == ["two_year", "apprenticeship", "four_year", "military"]
    assert rows[1]["state"] == "OR" and rows[1]["cost_per_year"] == 0
    assert rows[2]["url"] == "https://cascade.example" and rows[2]["cost_per_year"] == 28900
    assert rows[0]["cip_code"] == "51.3801" and rows[3]["url"] is None

    layout, rows, skipped = program_catalogue.parse_catalogue(SCORECARD_INSTITUTIONS)
    assert layout == "College Scorecard institutions" and skipped == 1
    osu, pcc = rows
    assert (osu["kind"], osu["control"], osu["cost_per_year"]) == ("four_year", "Public", 30075)
    assert (osu["tuition_in_state"], osu["tuition_out_of_state"]) == (12975, 35688)
    assert osu["url"] == "https://oregonstate.edu" and osu["unit_id"] == "209542"
    # NULL and PrivacySuppressed are "not known".
    assert (pcc["kind"], pcc["cost_per_year"], pcc["tuition_out_of_state"]) == (
        "two_year",
        None,
        None,
    )

    layout, rows, skipped = program_catalogue.parse_catalogue(SCORECARD_FIELDS)
    assert layout == "College Scorecard field of study" and skipped == 1  # the master's
    assert rows[0]["name"].startswith("Registered Nursing") and not rows[0]["name"].endswith(".")
    assert (rows[0]["institution"], rows[0]["credential"], rows[0]["cip_code"]) == (
        "Portland Community College",
        "Associate's Degree",
        "5138",
    )
    assert rows[1]["kind"] == "four_year"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"kind,name\ntwo_year,A\x00B\n", "NUL byte"),
        ("kind,name\ntwo_year,Caf\u00e9\n".encode("latin-1"), "not UTF-8"),
        (b"a" * (program_catalogue.MAX_FILE_BYTES + 1), "too large"),
        (b"school,type\nA,B\n", "columns are not ones we know"),
        (b"kind,name\nspaceship,Moon U\n", "Line 2: kind 'spaceship'"),
        (b"kind,name\ntwo_year,\n", "Line 2: the name is empty"),
        (b"kind,name,state\ntwo_year,A,Oregon\n", "Line 2: state 'OREGON'"),
        (b"kind,name,cost_per_year\ntwo_year,A,lots\n", "Line 2: cost_per_year 'lots'"),
        (b"kind,name\ntwo_year,A,extra\n", "more cells than columns"),
        (SCORECARD_INSTITUTIONS.split("\n")[0].encode() + b"\n", "no rows we could use"),
    ],
)
def test_bad_catalogue_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        program_catalogue.parse_catalogue(program_catalogue.decode_upload(data))


def test_shipped_checklist_covers_grades_6_to_12_with_sources() -> None:
    items = financial_checklist.shipped_items()
    assert {i.grade for i in items} == set(range(6, 13))
    assert len({i.key for i in items}) == len(items)
    fafsa = next(i for i in items if i.key == "g12-fafsa-opens")
    assert "October 1" in fafsa.title and fafsa.sources
    assert all(s.url.startswith("https://") for i in items for s in i.sources)


# -- the catalogue import, through the admin page --------------------------------------------------


def test_admin_imports_our_csv_then_the_scorecard_layouts(lti: LtiDriver, app: Flask) -> None:
    admin = launch(lti, lti.person("admin"))
    page = html(get(lti, admin, "/plans/admin/programs"))
    assert "The catalogue is empty" in page and "cost_per_year" in page and "COSTT4_A" in page
    assert "/plans/admin/programs" in html(get(lti, admin, "/admin"))

    response = upload(lti, admin, OUR_CSV.encode("utf-8-sig"), release="District list 2026")
    assert response.status_code == 302
    page = html(get(lti, admin, "/plans/admin/programs"))
    assert "Imported 4 programs (district columns)" in page and "4 schools and programs" in page
    assert catalogue_names(app) == [
        "Computer Science",
        "Inside Wireman",
        "Nursing (ADN)",
        "U.S. Navy",
    ]

    assert (
        upload(lti, admin, SCORECARD_INSTITUTIONS.encode(), release="Scorecard 2026-03").status_code
        == 302
    )
    page = html(get(lti, admin, "/plans/admin/programs"))
    assert "Imported 2 programs (College Scorecard institutions)" in page
    assert "replace the 4 that were" in page and "Skipped 1 rows" in page
    assert catalogue_names(app) == ["Oregon State University", "Portland Community College"]

    assert upload(lti, admin, SCORECARD_FIELDS.encode()).status_code == 302
    assert len(catalogue_names(app)) == 2
    with app.app_context():
        events = (
            db.session.execute(
                select(AuditEvent.detail).where(AuditEvent.action == "catalogue.import")
            )
            .scalars()
            .all()
        )
    assert [e["imported"] for e in events] == [4, 2, 2]


def test_a_bad_file_changes_nothing_and_says_why(
    lti: LtiDriver, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small limit keeps the "too large" upload small (the parser spools big bodies to disk).
    monkeypatch.setattr(program_catalogue, "MAX_FILE_BYTES", 2000)
    admin = launch(lti, lti.person("admin"))
    assert upload(lti, admin, OUR_CSV.encode()).status_code == 302
    before = catalogue_names(app)
    for data, message in (
        (b"kind,name\ntwo_year,Bad\x00Name\n", "NUL byte"),
        ("kind,name\ntwo_year,Caf\u00e9\n".encode("cp1252"), "not UTF-8"),
        (b"UNITID,INSTNAME\n1,A\n", "columns are not ones we know"),
        (OUR_CSV.encode() + b"spaceship,Moon U\n", "Line 6: kind"),
        (b"x" * 2010, "too large"),
    ):
        response = upload(lti, admin, data, name="mine.csv", release="Kept release words")
        page = html(response)
        assert response.status_code == 400, message
        assert message in page and "the catalogue is unchanged" in page
        assert "mine.csv" in page and 'value="Kept release words"' in page
        assert catalogue_names(app) == before
    response = lti.client.post("/plans/admin/programs", data={"lt": admin, "release": "x"})
    assert response.status_code == 400 and "Choose a CSV file" in html(response)
    assert catalogue_names(app) == before


def test_who_may_import_and_adapt(lti: LtiDriver, app: Flask) -> None:
    student = launch(lti, lti.person("student", 0), course(lti, "bio1"))
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    counselor = launch(lti, lti.person("counselor"))
    admin = launch(lti, lti.person("admin"))
    for token in (student, teacher, counselor):
        assert get(lti, token, "/plans/admin/programs").status_code == 403
        assert upload(lti, token, OUR_CSV.encode()).status_code == 403
    assert catalogue_names(app) == []
    for token in (student, teacher):
        assert get(lti, token, "/plans/checklist").status_code == 403
        assert post(lti, token, "/plans/checklist", {"grade": "9", "title": "X"}).status_code == 403
        assert post(lti, token, "/plans/checklist/g9-college-costs/hide").status_code == 403
    assert count(app, ChecklistAdaptation) == 0
    for token in (counselor, admin):
        assert get(lti, token, "/plans/checklist").status_code == 200
    # Teachers, counselors and admins have no list of their own to edit.
    for token in (teacher, counselor):
        assert get(lti, token, "/plans/me/postsecondary").status_code == 403
        assert get(lti, token, "/plans/me/money").status_code == 403


# -- the student's list ---------------------------------------------------------------------------


def _goal(app: Flask, sid: int) -> int:
    with app.app_context():
        return int(
            db.session.execute(
                select(Goal.id).join(Plan).where(Plan.person_id == sid).limit(1)
            ).scalar_one()
        )


def test_student_builds_the_list_and_others_read_it(lti: LtiDriver, app: Flask) -> None:
    admin = launch(lti, lti.person("admin"))
    assert upload(lti, admin, OUR_CSV.encode(), release="District list 2026").status_code == 302
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    sid = person_id(app, student)
    assert "Nothing on your list yet" in html(get(lti, token, "/plans/me/postsecondary"))
    post(
        lti,
        token,
        "/plans/me/goals",
        {"category": "career", "statement": "Become a nurse", "status": "in_progress"},
    )
    goal_id = _goal(app, sid)

    # Search the catalogue: words, kind, state.
    page = html(get(lti, token, "/plans/me/postsecondary/catalogue"))
    assert "4 found" in page and "Inside Wireman" in page
    assert "Cost per year about $14,500" in page and "District list 2026" in page
    page = html(
        lti.client.get(
            "/plans/me/postsecondary/catalogue",
            query_string={"lt": token, "q": "nursing riverbend"},
        )
    )
    assert "1 found" in page and "Nursing (ADN)" in page and "Inside Wireman" not in page
    page = html(
        lti.client.get(
            "/plans/me/postsecondary/catalogue",
            query_string={"lt": token, "kind": "apprenticeship", "state": "OR"},
        )
    )
    assert "1 found" in page and "Inside Wireman" in page
    page = html(
        lti.client.get(
            "/plans/me/postsecondary/catalogue", query_string={"lt": token, "q": "100%_"}
        )
    )
    assert "0 found" in page
    bad = lti.client.get(
        "/plans/me/postsecondary/catalogue", query_string={"lt": token, "kind": "rocket"}
    )
    assert bad.status_code == 400

    with app.app_context():
        nursing = db.session.execute(
            select(CatalogueProgram.id).where(CatalogueProgram.name == "Nursing (ADN)")
        ).scalar_one()
    response = post(lti, token, f"/plans/me/postsecondary/catalogue/{nursing}")
    assert response.status_code == 302
    with app.app_context():
        option = db.session.execute(select(PostsecondaryOption)).scalar_one()
        assert (option.name, option.institution, option.location, option.kind) == (
            "Nursing (ADN)",
            "Riverbend Community College",
            "Salem, OR",
            "two_year",
        )
        option_id = option.id
    assert "On your list." in html(get(lti, token, "/plans/me/postsecondary/catalogue"))

    # Type your own, with a goal and occupations.
    own = {
        "kind": "military",
        "name": "Army ROTC",
        "institution": "",
        "location": "",
        "url": "",
        "status": "planning_to_apply",
        "deadline": "2028-01-15",
        "goal_ids": [str(goal_id)],
        "soc_codes": "29-1141, 55-1019",
        "notes": "Ask about the nursing scholarship",
    }
    assert post(lti, token, "/plans/me/postsecondary", own).status_code == 302
    # Bad input: nothing saved, the page says why, what was typed is kept.
    for field, value, message in (
        ("soc_codes", "nurse", "is not a SOC code like 15-1252"),
        ("name", "", "Name the school or program"),
        ("url", "javascript:alert(1)", "Start the address with https://"),
        ("status", "dreaming", "Not a valid choice"),
        ("deadline", "15/01/2028", "Not a valid date value"),
    ):
        response = post(
            lti, token, "/plans/me/postsecondary", {**own, field: value, "notes": "Kept words"}
        )
        assert response.status_code == 400, field
        assert message in html(response) and "Kept words" in html(response)
    assert count(app, PostsecondaryOption) == 2

    # Another student's goal id is not a goal of this plan.
    other = lti.person("student", 3)
    other_token = launch(lti, other, course(lti, "bio1"))
    post(
        lti,
        other_token,
        "/plans/me/goals",
        {"category": "career", "statement": "Other goal", "status": "not_started"},
    )
    other_goal = _goal(app, person_id(app, other))
    response = post(
        lti,
        token,
        f"/plans/me/postsecondary/{option_id}",
        {**own, "name": "Nursing (ADN)", "goal_ids": [str(other_goal)]},
    )
    assert response.status_code == 400

    # The tracker: status, deadline, essays and letters.
    tracker = {
        **own,
        "kind": "two_year",
        "name": "Nursing (ADN)",
        "institution": "Riverbend Community College",
        "status": "applied",
        "soc_codes": "29-1141",
    }
    assert post(lti, token, f"/plans/me/postsecondary/{option_id}", tracker).status_code == 302
    assert (
        post(
            lti,
            token,
            f"/plans/me/postsecondary/{option_id}/tasks",
            {
                "task-kind": "essay",
                "task-name": "Why nursing? (500 words)",
                "task-status": "in_progress",
            },
        ).status_code
        == 302
    )
    assert (
        post(
            lti,
            token,
            f"/plans/me/postsecondary/{option_id}/tasks",
            {"task-kind": "letter", "task-name": "Ms. Okafor, biology teacher"},
        ).status_code
        == 302
    )
    assert (
        post(
            lti,
            token,
            f"/plans/me/postsecondary/{option_id}/tasks",
            {"task-kind": "letter", "task-name": ""},
        ).status_code
        == 400
    )
    with app.app_context():
        tasks = (
            db.session.execute(select(ApplicationTask).order_by(ApplicationTask.id)).scalars().all()
        )
        assert [(t.kind, t.status) for t in tasks] == [
            ("essay", "in_progress"),
            ("letter", "not_started"),
        ]
        essay, letter = tasks[0].id, tasks[1].id
    assert (
        post(lti, token, f"/plans/me/postsecondary/tasks/{letter}", {"status": "done"}).status_code
        == 302
    )
    assert post(lti, token, f"/plans/me/postsecondary/tasks/{essay}/delete").status_code == 302
    page = html(get(lti, token, f"/plans/me/postsecondary/{option_id}"))
    assert "Ms. Okafor, biology teacher" in page and "Why nursing?" not in page
    assert 'value="29-1141"' in page
    with app.app_context():
        option = db.session.get(PostsecondaryOption, option_id)
        assert option is not None
        assert (option.status, option.goal_ids, option.soc_codes) == (
            "applied",
            [goal_id],
            ["29-1141"],
        )
        assert str(option.deadline) == "2028-01-15"

    # A classmate cannot reach the student's list through their own routes.
    assert get(lti, other_token, f"/plans/me/postsecondary/{option_id}").status_code == 404
    assert post(lti, other_token, f"/plans/me/postsecondary/{option_id}/delete").status_code == 404
    assert (
        post(
            lti, other_token, f"/plans/me/postsecondary/tasks/{letter}", {"status": "not_started"}
        ).status_code
        == 404
    )
    assert count(app, PostsecondaryOption) == 2
    # ...nor read the plan; the teacher of the class reads the list on the plan page.
    assert get(lti, other_token, f"/plans/students/{sid}").status_code == 403
    teacher = launch(lti, lti.person("teacher", 0), course(lti, "bio1"))
    page = html(get(lti, teacher, f"/plans/students/{sid}"))
    assert "Schools and programs I" in page and "Nursing (ADN)" in page and "Army ROTC" in page
    assert "Ms. Okafor, biology teacher" in page and "29-1141" in page
    assert "Edit my list of schools and programs" not in page
    assert post(lti, teacher, f"/plans/me/postsecondary/{option_id}/delete").status_code == 403

    # A new catalogue leaves the student's copy alone.
    assert upload(lti, admin, SCORECARD_INSTITUTIONS.encode()).status_code == 302
    with app.app_context():
        option = db.session.get(PostsecondaryOption, option_id)
        assert option is not None and option.name == "Nursing (ADN)"
        assert option.catalogue_program_id is None

    assert post(lti, token, f"/plans/me/postsecondary/{option_id}/delete").status_code == 302
    assert count(app, PostsecondaryOption) == 1 and count(app, ApplicationTask) == 0
    acts = {
        a
        for a in (e.action for e in _events(app))
        if a.startswith(("postsecondary", "application_task"))
    }
    assert acts == {
        "postsecondary.create",
        "postsecondary.update",
        "postsecondary.delete",
        "application_task.create",
        "application_task.update",
        "application_task.delete",
    }


def _events(app: Flask) -> list[Any]:
    with app.app_context():
        rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


# -- the financial-planning checklist ---------------------------------------------------------------


def test_students_tick_and_counselors_adapt_the_checklist(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    page = html(get(lti, token, "/plans/me/money"))
    assert "Grade 6" in page and "Grade 12" in page and "The FAFSA opens October 1" in page
    assert "FAFSA Deadline Act" in page
    assert post(lti, token, "/plans/me/money/g9-college-costs").status_code == 302
    assert post(lti, token, "/plans/me/money/g12-fafsa-opens").status_code == 302
    assert post(lti, token, "/plans/me/money/g12-fafsa-opens").status_code == 302  # untick
    assert post(lti, token, "/plans/me/money/no-such-item").status_code == 404
    assert count(app, ChecklistTick) == 1

    counselor = launch(lti, lti.person("counselor"))
    assert "Adapt the financial-planning checklist" in html(get(lti, counselor, "/plans/caseload"))
    assert (
        post(
            lti,
            counselor,
            "/plans/checklist",
            {
                "grade": "11",
                "title": "Apply for the Riverbend Rotary scholarship",
                "detail": "Due March 1.",
            },
        ).status_code
        == 302
    )
    response = post(lti, counselor, "/plans/checklist", {"grade": "13", "title": ""})
    assert response.status_code == 400 and "Grades 6 to 12" in html(response)
    assert (
        post(
            lti,
            counselor,
            "/plans/checklist/g9-college-costs",
            {"grade": "9", "title": "Learn what Riverbend and State cost", "detail": ""},
        ).status_code
        == 302
    )
    assert post(lti, counselor, "/plans/checklist/g6-needs-wants/hide").status_code == 302
    assert post(lti, counselor, "/plans/checklist/no-such-item/hide").status_code == 404
    page = html(get(lti, counselor, "/plans/checklist"))
    assert "Lodestar, edited" in page and "Your district" in page and "Hidden" in page

    page = html(get(lti, token, "/plans/me/money"))
    assert "Apply for the Riverbend Rotary scholarship" in page
    assert "Learn what Riverbend and State cost" in page and "Sort needs from wants" not in page
    # The tick survived the edit; a hidden item cannot be ticked.
    assert "Done: untick" in page
    assert post(lti, token, "/plans/me/money/g6-needs-wants").status_code == 404
    # The plan page shows the progress.
    assert "1 of 16 steps done" in html(get(lti, token, "/plans/me"))

    assert post(lti, counselor, "/plans/checklist/g9-college-costs/restore").status_code == 302
    assert post(lti, counselor, "/plans/checklist/g6-needs-wants/hide").status_code == 302  # shown
    assert "Sort needs from wants" in html(get(lti, token, "/plans/me/money"))
    with app.app_context():
        assert db.session.execute(select(ChecklistAdaptation.key)).scalars().all() != []
    actions = [e.action for e in _events(app) if e.action.startswith("checklist.")]
    assert {
        "checklist.tick",
        "checklist.create",
        "checklist.update",
        "checklist.hide",
        "checklist.show",
        "checklist.restore",
    } <= set(actions)


# -- export and deletion ----------------------------------------------------------------------------


def test_export_and_deletion_include_the_new_parts(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student, course(lti, "bio1"))
    sid = person_id(app, student)
    post(
        lti,
        token,
        "/plans/me/goals",
        {"category": "college", "statement": "Get into a program", "status": "in_progress"},
    )
    goal_id = _goal(app, sid)
    secret_school = "Zanzibar Institute of Marine Robotics"
    secret_note = "My cousin Teodora can drive me to the open day"
    secret_letter = "Mr. Quillfeather, robotics coach"
    assert (
        post(
            lti,
            token,
            "/plans/me/postsecondary",
            {
                "kind": "four_year",
                "name": secret_school,
                "status": "researching",
                "goal_ids": [str(goal_id)],
                "soc_codes": "17-2199",
                "notes": secret_note,
            },
        ).status_code
        == 302
    )
    with app.app_context():
        option_id = db.session.execute(select(PostsecondaryOption.id)).scalar_one()
    assert (
        post(
            lti,
            token,
            f"/plans/me/postsecondary/{option_id}/tasks",
            {"task-kind": "letter", "task-name": secret_letter},
        ).status_code
        == 302
    )
    assert post(lti, token, "/plans/me/money/g10-net-price").status_code == 302

    document = json.loads(
        get(lti, token, f"/plans/students/{sid}/export.json").get_data(as_text=True)
    )
    (option,) = document["postsecondary"]
    assert option["name"] == secret_school and option["notes"] == secret_note
    assert option["goal_ids"] == [goal_id] and option["soc_codes"] == ["17-2199"]
    assert option["essays_and_letters"][0]["name"] == secret_letter
    ticked = [i for i in document["financial_checklist"] if i["done"]]
    assert [i["key"] for i in ticked] == ["g10-net-price"] and ticked[0]["done_at"]
    # A deleted goal drops out of the option's links.
    assert post(lti, token, f"/plans/me/goals/{goal_id}/delete").status_code == 302
    document = json.loads(
        get(lti, token, f"/plans/students/{sid}/export.json").get_data(as_text=True)
    )
    assert document["postsecondary"][0]["goal_ids"] == []

    admin = launch(lti, lti.person("admin"))
    page = html(get(lti, admin, f"/plans/students/{sid}/delete"))
    assert "Schools and programs on the postsecondary list" in page
    texts = {secret_school, secret_note, secret_letter}
    assert _leftovers(app, texts, set())
    response = post(lti, admin, f"/plans/students/{sid}/delete", {"confirm_name": student.name})
    assert response.status_code == 302
    assert _leftovers(app, texts, set()) == []
    assert count(app, PostsecondaryOption) == 0 and count(app, ApplicationTask) == 0
    assert count(app, ChecklistTick) == 0
    with app.app_context():
        deleted = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "plan.delete")
        ).scalar_one()
        counts = deleted.detail["counts"]
    assert counts["postsecondary_options"] == 1 and counts["application_tasks"] == 1
    assert counts["checklist_ticks"] == 1

"""Careers pages through real launches: matches, occupation pages with state and metro
figures, saving an occupation and turning it into a goal, in demand here, the counselor's
counts, the district's default place; access, bad input, export and erasure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from lti_tool.careers import oews
from lti_tool.careers.models import CareerAreaDefault, OnetOccupation, OnetRelease, SavedOccupation
from lti_tool.extensions import db
from lti_tool.models import AuditEvent
from lti_tool.plans.models import Goal, GoalCategory
from tests.careers.oews_files import package_database
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import (
    count,
    get,
    html,
    inventory_answers,
    launch,
    person_id,
    plan_of,
    post,
)

NY, NYC_METRO, NJ = "36", "0035620", "34"
SOFTWARE = "15-1252"


@pytest.fixture
def oews_loaded(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        oews.load_file(package_database(tmp_path / "oews-2025.sqlite"))


def student_token(lti: LtiDriver, number: int = 0) -> str:
    return launch(lti, lti.person("student", number))


def test_student_takes_inventory_sees_matches_and_saves_one(
    lti: LtiDriver, app: Flask, oews_loaded: None
) -> None:
    token = student_token(lti)
    # Investigative, then Conventional, then Realistic: "ICR", the computer occupations' code.
    answers = inventory_answers(I=2, C=2, R=1)
    answers.update({f"answer-{k}": "0" for k in ("c5",)})
    assert post(lti, token, "/plans/me/inventory", answers).status_code == 302
    page = html(get(lti, token, "/plans/me/inventory"))
    assert "Careers that fit your interests" in page and "/careers/me/matches" in page

    page = html(get(lti, token, "/careers/me/matches"))
    code = plan_of(app, lti.person("student", 0)).inventory_code
    assert code is not None and code[0] == "I"
    assert page.index("Software Developers") < page.index("Chief Executives")
    assert "Why this match" in page and "Shares your interests" in page
    assert "Lodestar&#39;s estimate" in page
    assert "U.S. Bureau of Labor Statistics" in page and "May 2025" in page

    # The occupation page: nation only until a state and metro are chosen.
    page = html(get(lti, token, f"/careers/occupations/{SOFTWARE}"))
    assert "What the work is" in page and "Software Developers" in page
    assert "Not known yet" in page  # no Job Zone without O*NET
    assert "$132,270" in page and "1,654,440" in page
    assert "retrieved 2026-09-26" in page
    assert "New York" not in page

    # The student chooses New York and its metro.
    response = post(lti, token, "/careers/me/place", {"state_code": NY, "metro_code": NYC_METRO})
    assert response.status_code == 302
    plan = plan_of(app, lti.person("student", 0))
    assert (plan.state_code, plan.metro_code) == (NY, NYC_METRO)
    page = html(get(lti, token, f"/careers/occupations/{SOFTWARE}"))
    assert "New York-Newark-Jersey City, NY-NJ" in page and "$160,160" in page
    assert "$239,200 or more" in page  # the metro's 90th percentile is top-coded
    assert 'class="bar-chart wage-bars"' in page and "<table" in page

    # Save it with a note, then turn it into a goal in one step.
    response = post(
        lti, token, "/careers/me/saved", {"soc_code": SOFTWARE, "note": "I like puzzles"}
    )
    assert response.status_code == 302
    assert "Saved in your plan" in html(get(lti, token, f"/careers/occupations/{SOFTWARE}"))
    page = html(get(lti, token, "/careers/me/saved"))
    assert "Software Developers" in page and "I like puzzles" in page
    page = html(get(lti, token, "/plans/me"))
    assert "Saved occupations" in page and "I like puzzles" in page
    assert "/careers/me/matches" in page and "/careers/me/saved" in page

    response = post(lti, token, f"/careers/me/saved/{SOFTWARE}/goal")
    assert response.status_code == 302 and "/plans/me/goals/" in response.headers["Location"]
    with app.app_context():
        goal = db.session.execute(select(Goal)).scalar_one()
        assert goal.soc_code == SOFTWARE and goal.category == GoalCategory.CAREER
        assert "Software Developers" in goal.statement
        assert goal.cluster_code == "2024.digital-technology"
        details = [e.detail for e in db.session.execute(select(AuditEvent)).scalars()]
        assert not any("I like puzzles" in json.dumps(d) for d in details)
    assert "Open my goal" in html(get(lti, token, "/careers/me/saved"))

    # Saving again changes only the note; removing keeps the goal.
    post(lti, token, "/careers/me/saved", {"soc_code": SOFTWARE, "note": "Still"})
    assert count(app, SavedOccupation) == 1
    assert post(lti, token, f"/careers/me/saved/{SOFTWARE}/delete").status_code == 302
    assert count(app, SavedOccupation) == 0 and count(app, Goal) == 1
    assert post(lti, token, f"/careers/me/saved/{SOFTWARE}/delete").status_code == 404


def test_occupation_page_with_onet_and_programs(
    lti: LtiDriver, app: Flask, oews_loaded: None
) -> None:
    with app.app_context():
        db.session.add(
            OnetRelease(name="O*NET 30.1 Database", source_name="db_30_1", occupation_count=1)
        )
        db.session.add(
            OnetOccupation(
                onet_soc_code="25-2031.00",
                soc_code="25-2031",
                title="Secondary School Teachers",
                description="Teach one or more subjects to students at the secondary level.",
                high_point_code="SAE",
                job_zone=4,
            )
        )
        db.session.commit()
    token = student_token(lti)
    page = html(get(lti, token, "/careers/occupations/25-2031"))
    assert "Teach one or more subjects" in page
    assert "Job Zone 4" in page
    assert "CC BY 4.0" in page and "O*NET 30.1 Database" in page
    # Another occupation: the SOC group stands in for the description.
    page = html(get(lti, token, f"/careers/occupations/{SOFTWARE}"))
    assert "Computer Occupations" in page and "Job Zone" not in page


def test_programs_of_study_that_lead_there(lti: LtiDriver, app: Flask, oews_loaded: None) -> None:
    token = student_token(lti)
    # The district's default programs include Engineering & Technology (advanced
    # manufacturing) and Health Science; the software page lists neither, the page says so.
    get(lti, token, "/plans/me/courses")  # makes the default programs
    page = html(get(lti, token, f"/careers/occupations/{SOFTWARE}"))
    assert "Courses in your district that lead there" in page
    with app.app_context():
        from lti_tool.plans.models import ProgramOfStudy

        tenant_id = db.session.execute(select(ProgramOfStudy.tenant_id)).scalars().first()
        assert tenant_id is not None
        db.session.add(
            ProgramOfStudy(
                tenant_id=tenant_id,
                name="Software Development",
                cluster_code="2024.digital-technology",
                courses=[{"grade": 10, "course": "Intro to Programming", "subject": "cte"}],
                requirements=[],
            )
        )
        db.session.commit()
    page = html(get(lti, token, f"/careers/occupations/{SOFTWARE}"))
    assert "Software Development" in page and "Intro to Programming" in page


def test_in_demand_here_and_district_default(lti: LtiDriver, app: Flask, oews_loaded: None) -> None:
    token = student_token(lti)
    page = html(get(lti, token, "/careers/in-demand"))
    assert "Choose a state first" in page
    # The admin sets the district's default: New York and its metro.
    admin = launch(lti, lti.person("admin"))
    assert "/careers/admin/place" in html(get(lti, admin, "/admin"))
    assert (
        post(
            lti, admin, "/careers/admin/place", {"state_code": NJ, "metro_code": "3600001"}
        ).status_code
        == 400
    )
    assert count(app, CareerAreaDefault) == 0
    response = post(lti, admin, "/careers/admin/place", {"state_code": NY, "metro_code": NYC_METRO})
    assert response.status_code == 302
    assert get(lti, token, "/careers/admin/place").status_code == 403

    page = html(get(lti, token, "/careers/in-demand"))
    assert "(your district's choice)" in page
    assert page.index("Software Developers") < page.index("Secondary School Teachers")
    assert page.index("Secondary School Teachers") < page.index("Software Quality Assurance")
    page = html(get_q(lti, token, "/careers/in-demand", by="location_quotient"))
    assert page.index("Software Quality Assurance") < page.index("Software Developers")
    page = html(get_q(lti, token, "/careers/in-demand", cluster="2024.education"))
    assert "Secondary School Teachers" in page and "Software Developers" not in page
    page = html(get_q(lti, token, "/careers/in-demand", where="state"))
    assert "Occupations in New York" in page
    assert "May 2025" in page
    # Bad filters are refused.
    assert get_q(lti, token, "/careers/in-demand", by="salary").status_code == 400
    assert get_q(lti, token, "/careers/in-demand", cluster="nope").status_code == 400
    assert get_q(lti, token, "/careers/in-demand", zone="9").status_code == 400
    # Teachers browse it too (the district's place).
    teacher = launch(lti, lti.person("teacher", 0))
    assert get(lti, teacher, "/careers/in-demand").status_code == 200
    assert get(lti, teacher, f"/careers/occupations/{SOFTWARE}").status_code == 200
    assert "Save to my plan" not in html(get(lti, teacher, f"/careers/occupations/{SOFTWARE}"))


def get_q(lti: LtiDriver, token: str, path: str, **args: str) -> TestResponse:
    return lti.client.get(path, query_string={"lt": token, **args})


def test_counselor_sees_what_the_caseload_saved(
    lti: LtiDriver, app: Flask, oews_loaded: None
) -> None:
    for number in (0, 1):
        token = student_token(lti, number)
        post(lti, token, "/careers/me/saved", {"soc_code": SOFTWARE})
    post(lti, student_token(lti, 0), "/careers/me/saved", {"soc_code": "25-2031"})
    counselor = launch(lti, lti.person("counselor"))
    assert "/careers/caseload/saved" in html(get(lti, counselor, "/plans/caseload"))
    page = html(get(lti, counselor, "/careers/caseload/saved"))
    assert page.index("Software Developers") < page.index("Secondary School Teachers")
    assert "<td>2</td>" in page and "<td>1</td>" in page
    assert get(lti, student_token(lti), "/careers/caseload/saved").status_code == 403
    teacher = launch(lti, lti.person("teacher", 0))
    assert get(lti, teacher, "/careers/caseload/saved").status_code == 403


def test_access_and_bad_input(lti: LtiDriver, app: Flask, oews_loaded: None) -> None:
    # Without a session, nothing.
    assert lti.client.get(f"/careers/occupations/{SOFTWARE}").status_code in (401, 403)
    token = student_token(lti)
    assert get(lti, token, "/careers/occupations/99-9999").status_code == 404
    assert get(lti, token, "/careers/occupations/not-a-code").status_code == 404
    assert get(lti, token, "/careers/occupations/15-1252%00").status_code == 400
    assert post(lti, token, "/careers/me/saved", {"soc_code": "99-9999"}).status_code == 404
    assert post(lti, token, "/careers/me/saved/15-1252%00/goal").status_code == 400
    assert post(lti, token, f"/careers/me/saved/{SOFTWARE}/goal").status_code == 404
    too_long = post(lti, token, "/careers/me/saved", {"soc_code": SOFTWARE, "note": "x" * 1001})
    assert too_long.status_code == 400
    # A NUL byte in a note is removed on the way in (input hygiene), never stored.
    post(lti, token, "/careers/me/saved", {"soc_code": SOFTWARE, "note": "a\x00b"})
    with app.app_context():
        assert db.session.execute(select(SavedOccupation.note)).scalar_one() == "ab"
    # State and metro are checked against the loaded areas.
    for bad in (
        {"state_code": "99"},
        {"metro_code": "1234567"},
        {"state_code": NJ, "metro_code": "3600001"},  # a New York area
        {"state_code": "3a"},
        {"state_code": "x" * 50},
    ):
        response = post(lti, token, "/careers/me/place", bad)
        assert response.status_code == 400, bad
    plan = plan_of(app, lti.person("student", 0))
    assert (plan.state_code, plan.metro_code) == (None, None)
    assert get_q(lti, token, f"/careers/occupations/{SOFTWARE}", state="99").status_code == 400
    # The metro spans New Jersey too.
    assert (
        post(
            lti, token, "/careers/me/place", {"state_code": NJ, "metro_code": NYC_METRO}
        ).status_code
        == 302
    )
    # Teachers and counselors have no matches or saved list of their own.
    teacher = launch(lti, lti.person("teacher", 0))
    assert get(lti, teacher, "/careers/me/matches").status_code == 403
    assert post(lti, teacher, "/careers/me/saved", {"soc_code": SOFTWARE}).status_code == 403


def test_export_and_erasure_include_saved_occupations(
    lti: LtiDriver, app: Flask, oews_loaded: None
) -> None:
    student = lti.person("student", 0)
    token = student_token(lti)
    post(lti, token, "/careers/me/saved", {"soc_code": SOFTWARE, "note": "My secret reason"})
    sid = person_id(app, student)
    document = json.loads(get(lti, token, f"/plans/students/{sid}/export.json").get_data())
    assert document["saved_occupations"] == [
        {
            "id": document["saved_occupations"][0]["id"],
            "soc_code": SOFTWARE,
            "title": "Software Developers",
            "note": "My secret reason",
            "saved_at": document["saved_occupations"][0]["saved_at"],
        }
    ]
    admin = launch(lti, lti.person("admin"))
    page = html(get(lti, admin, f"/plans/students/{sid}/delete"))
    assert '<th scope="row">Saved occupations</th><td>1</td>' in page
    response = post(lti, admin, f"/plans/students/{sid}/delete", {"confirm_name": student.name})
    assert response.status_code in (200, 302)
    assert count(app, SavedOccupation) == 0
    with app.app_context():
        details = [e.detail for e in db.session.execute(select(AuditEvent)).scalars()]
        assert not any("My secret reason" in json.dumps(d) for d in details)

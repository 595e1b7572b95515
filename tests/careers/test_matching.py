"""Career matchmaking: ranking order, the reasons given, O*NET profiles over Lodestar's
estimates, district crosswalk lines first, and a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from lti_tool.careers import matching, oews
from lti_tool.careers.crosswalk import clusters_for, load_district_crosswalk
from lti_tool.careers.models import OnetOccupation, OnetRelease
from lti_tool.extensions import db
from tests import factories
from tests.careers.oews_files import package_database


@pytest.fixture
def loaded(app: Flask, tmp_path: Path) -> Iterator[None]:
    """The tiny OEWS release: 11-1011, 11-3111, 15-1252, 15-1253 and 25-2031."""
    with app.app_context():
        oews.load_file(package_database(tmp_path / "oews-2025.sqlite"))
        yield


def student(code: str | None = None, **kw: Any) -> matching.Student:
    return matching.Student(holland_code=code, framework_version="2024", **kw)


def codes(result: matching.Matching) -> list[str]:
    return [m.soc_code for m in result.matches]


def test_interest_points() -> None:
    assert matching.interest_points("ICR", "ICR") == 1
    assert matching.interest_points("ICR", "ECI") == 0.5
    assert matching.interest_points("ICR", "SAE") == 0
    assert matching.interest_points("I", "RIC") == pytest.approx(6 / 14)


def test_ranks_by_interests_with_estimates(loaded: None) -> None:
    result = matching.rank(student("ICR"), tenant_id=None)
    # Equal scores go to the occupation with more jobs in the nation.
    assert codes(result) == ["15-1252", "15-1253", "11-3111", "11-1011", "25-2031"]
    assert result.considered == 5
    assert result.interest_sources == ("Lodestar's estimate",)
    top = result.matches[0]
    assert top.score == 1 and top.shared_letters == "ICR"
    assert top.interests is not None and top.interests.source == "estimate"
    assert top.reasons == (
        "Shares your interests: Investigative (I), Conventional (C), Realistic (R) "
        "(its code ICR, Lodestar's estimate)",
    )
    assert result.matches[2].shared_letters == "IC"


def test_clusters_and_skills_add_to_the_score(loaded: None) -> None:
    education = clusters_for("25-2031")
    assert education is not None
    who = student(
        "ICR",
        cluster_codes=(education.cluster_2024,),
        pathway_codes=(education.subcluster_2024,) if education.subcluster_2024 else (),
        skills=("teaching", "spreadsheets"),
    )
    result = matching.rank(who, tenant_id=None)
    assert codes(result)[:3] == ["15-1252", "15-1253", "25-2031"]
    teacher = result.matches[2]
    assert teacher.matched_cluster == education.cluster_2024
    assert teacher.skills == ("teaching",)
    assert any(r.startswith("In your career cluster: Education") for r in teacher.reasons)
    assert "Uses your skills: teaching" in teacher.reasons


def test_nothing_to_match_on_gives_no_matches(loaded: None) -> None:
    result = matching.rank(student(None), tenant_id=None)
    assert result.matches == [] and result.student.empty
    # Only a cluster: only the occupations in it.
    only = matching.rank(student(None, cluster_codes=("2024.digital-technology",)), tenant_id=None)
    assert codes(only) == ["15-1252", "15-1253"]
    assert only.matches[0].reasons == ("In your career cluster: Digital Technology",)


def test_onet_profiles_win_over_estimates(loaded: None) -> None:
    db.session.add(
        OnetRelease(name="O*NET 30.1 Database", source_name="db_30_1_text", occupation_count=1)
    )
    db.session.add(
        OnetOccupation(
            onet_soc_code="25-2031.00",
            soc_code="25-2031",
            title="Secondary School Teachers",
            description="Teach students in one or more subjects at the secondary level.",
            high_point_code="ISC",
            job_zone=4,
        )
    )
    db.session.commit()
    result = matching.rank(student("ICR", skills=("subjects",)), tenant_id=None)
    teacher = next(m for m in result.matches if m.soc_code == "25-2031")
    assert teacher.interests is not None and teacher.interests.source == "onet"
    assert teacher.shared_letters == "IC"
    assert "O*NET 30.1 Database" in teacher.reasons[0]
    assert teacher.skills == ("subjects",)  # found in O*NET's description
    assert result.interest_sources == ("O*NET 30.1 Database", "Lodestar's estimate")


def test_district_crosswalk_lines_come_first(loaded: None) -> None:
    tenant = factories.tenant()
    db.session.commit()
    load_district_crosswalk(
        tenant.id,
        b"soc_code,cluster_2024,subcluster_2024,cluster_2008,pathway_2008,basis\n"
        b"15-1253,2024.education,,2008.education-training,,Our testers teach\n",
    )
    who = student(None, cluster_codes=("2024.education",))
    assert codes(matching.rank(who, tenant_id=tenant.id)) == ["25-2031", "15-1253"]
    assert codes(matching.rank(who, tenant_id=None)) == ["25-2031"]


def test_ranking_takes_a_fixed_number_of_queries(loaded: None) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    who = student("ICR", cluster_codes=("2024.education",), skills=("software",))
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = matching.rank(who, tenant_id=None)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(result.matches) == 5
    # Occupations, O*NET profiles, O*NET release, district lines, descriptions: never one
    # per occupation.
    assert len(statements) <= 5, statements


def test_rank_for_plan_reads_the_plan(loaded: None) -> None:
    plan = factories.plan(
        factories.person(factories.tenant()),
        inventory_code="SAC",
        cluster_codes=["2024.digital-technology"],
        skills="Teaching; first aid\nSOFTWARE",
    )
    db.session.commit()
    got = matching.student_of(plan)
    assert got.skills == ("teaching", "first aid", "software")
    result = matching.rank_for_plan(plan, limit=2)
    assert len(result.matches) == 2
    assert codes(result)[0] in {"15-1252", "25-2031"}

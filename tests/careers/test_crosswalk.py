"""The SOC -> career cluster crosswalk: the project's file, lookups, district overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lti_tool.careers import crosswalk
from lti_tool.careers.crosswalk import COLUMNS, MAJOR_GROUPS, clusters_for, parse_crosswalk
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.plans import reference
from tests import factories

HEADER = ",".join(COLUMNS)
NURSE_LINE = (
    "29-1141,2024.healthcare-human-services,2024.healthcare-human-services.physical-health,"
    "2008.health-science,2008.health-science.therapeutic-services,District: nurses"
)


def test_every_code_of_the_project_crosswalk_is_in_the_frameworks() -> None:
    lines = crosswalk.project_crosswalk()
    assert len(lines) > 100
    for line in lines:
        c24 = reference.cluster(line.cluster_2024)
        c08 = reference.cluster(line.cluster_2008)
        assert (c24.version, c08.version) == ("2024", "2008"), line
        if line.subcluster_2024:
            assert reference.pathway(line.subcluster_2024).cluster_code == c24.code, line
        if line.pathway_2008:
            assert reference.pathway(line.pathway_2008).cluster_code == c08.code, line


def test_the_project_crosswalk_covers_every_soc_major_group() -> None:
    codes = {line.soc_code for line in crosswalk.project_crosswalk()}
    assert len(MAJOR_GROUPS) == 23
    assert set(MAJOR_GROUPS) <= codes
    assert min(MAJOR_GROUPS) == "11-0000" and max(MAJOR_GROUPS) == "55-0000"
    # Major groups that span clusters are split below the major group.
    for split in ("17-1000", "17-3010", "25-2010", "25-4000", "51-3000", "51-5100", "51-8000"):
        assert split in codes


def test_every_line_states_its_basis() -> None:
    for line in crosswalk.project_crosswalk():
        assert line.basis.startswith(f"SOC {line.soc_code} "), line
        assert " -> " in line.basis, line


def test_the_most_specific_line_wins(app: Flask) -> None:
    with app.app_context():
        developer = clusters_for("15-1252")
        assert developer is not None
        assert developer.matched_code == "15-1250"
        assert developer.subcluster_2024 == "2024.digital-technology.software-solutions"
        assert developer.pathway_2008 == (
            "2008.information-technology.programming-software-development"
        )
        assert developer.source == "project"
        web = clusters_for("15-1254.00")
        assert web is not None and (web.soc_code, web.matched_code) == ("15-1254", "15-1254")
        assert web.subcluster_2024 == "2024.digital-technology.web-cloud"
        drafter = clusters_for("17-3011")
        assert drafter is not None and drafter.cluster_2024 == "2024.construction"
        engineer = clusters_for("17-2141")
        assert engineer is not None and engineer.matched_code == "17-0000"
        assert engineer.subcluster_2024 == "2024.advanced-manufacturing.engineering"
        aide = clusters_for("31-1131")
        assert aide is not None and aide.matched_code == "31-0000"
        for major in MAJOR_GROUPS:
            found = clusters_for(major)
            assert found is not None and found.matched_code == major
        with pytest.raises(InvalidInput, match="not a SOC 2018 code"):
            clusters_for("software")


BAD_LINES = {
    "an unknown cluster": ("15-0000,2024.computers,,2008.information-technology,,b", "unknown"),
    "a 2008 cluster in the 2024 column": (
        "15-0000,2008.information-technology,,2008.information-technology,,b",
        "is not a 2024 cluster",
    ),
    "a sub-cluster of another cluster": (
        "15-0000,2024.digital-technology,2024.construction.skilled-trades,"
        "2008.information-technology,,b",
        "is not a sub-cluster of '2024.digital-technology'",
    ),
    "a pathway of another cluster": (
        "15-0000,2024.digital-technology,,2008.information-technology,2008.finance.accounting,b",
        "is not a pathway of '2008.information-technology'",
    ),
    "no basis": ("15-0000,2024.digital-technology,,2008.information-technology,,", "basis"),
    "a bad SOC code": ("15-12,2024.digital-technology,,2008.information-technology,,b", "SOC"),
    "a SOC major group that does not exist": (
        "57-0000,2024.digital-technology,,2008.information-technology,,b",
        "in no SOC 2018 major group",
    ),
    "too few fields": ("15-0000,2024.digital-technology", "2 fields, expected 6"),
    "a line twice": (f"{NURSE_LINE}\n{NURSE_LINE}", "already on line 2"),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_parse_rejects(case: str) -> None:
    line, message = BAD_LINES[case]
    with pytest.raises(InvalidInput) as raised:
        parse_crosswalk(f"{HEADER}\n{line}\n", source="district.csv")
    assert message in raised.value.message
    assert raised.value.message.startswith("district.csv: line ")


def test_parse_rejects_bad_files() -> None:
    with pytest.raises(InvalidInput, match="header"):
        parse_crosswalk("soc,cluster\n15-0000,2024.digital-technology\n")
    with pytest.raises(InvalidInput, match="NUL"):
        parse_crosswalk(f"{HEADER}\n15-0000\x00,x\n")
    with pytest.raises(InvalidInput, match="empty"):
        parse_crosswalk("")
    with pytest.raises(InvalidInput, match="no lines"):
        parse_crosswalk(f"{HEADER}\n")


def _write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_district_overrides(app: Flask, runner: Any, tmp_path: Path) -> None:
    with app.app_context():
        district, other = factories.tenant(), factories.tenant()
        db.session.commit()
        district_id, other_id = district.id, other.id
    good = _write(
        tmp_path / "district.csv",
        "15-0000,2024.digital-technology,,2008.science-technology-engineering-mathematics,,"
        '"District: all computer work is STEM here"',
        NURSE_LINE,
    )
    result = runner.invoke(
        args=["reference", "load-crosswalk", "--tenant", str(district_id), str(good)]
    )
    assert result.exit_code == 0, result.output
    assert "Loaded 2 crosswalk line(s)" in result.output
    with app.app_context():
        # A district line containing the occupation wins over the project's more specific one.
        developer = clusters_for("15-1252", district_id)
        assert developer is not None and developer.source == "district"
        assert (developer.matched_code, developer.subcluster_2024) == ("15-0000", None)
        assert developer.cluster_2008 == "2008.science-technology-engineering-mathematics"
        assert developer.basis == "District: all computer work is STEM here"
        nurse = clusters_for("29-1141.00", district_id)
        assert nurse is not None and (nurse.source, nurse.matched_code) == ("district", "29-1141")
        # Nothing of the district's covers sales: the project's line answers.
        clerk = clusters_for("41-2031", district_id)
        assert clerk is not None and clerk.source == "project"
        # Another tenant sees the project's crosswalk only.
        elsewhere = clusters_for("15-1252", other_id)
        assert elsewhere is not None and elsewhere.source == "project"

    # A bad file changes nothing.
    bad = _write(tmp_path / "bad.csv", NURSE_LINE, "15-0000,2024.nope,,2008.finance,,x")
    result = runner.invoke(
        args=["reference", "load-crosswalk", "--tenant", str(district_id), str(bad)]
    )
    assert result.exit_code == 2
    assert "Error: bad.csv: line 3: unknown career cluster code '2024.nope'" in result.output
    with app.app_context():
        still = clusters_for("15-1252", district_id)
        assert still is not None and still.source == "district"

    # A good file replaces every earlier line of the tenant.
    _write(good, NURSE_LINE)
    result = runner.invoke(
        args=["reference", "load-crosswalk", "--tenant", str(district_id), str(good)]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        developer = clusters_for("15-1252", district_id)
        assert developer is not None and developer.source == "project"

    result = runner.invoke(args=["reference", "load-crosswalk", "--tenant", "999999", str(good)])
    assert result.exit_code == 2 and "there is no tenant 999999" in result.output


def test_load_refuses_non_utf8(app: Flask) -> None:
    with app.app_context():
        tenant = factories.tenant()
        db.session.commit()
        with pytest.raises(InvalidInput, match="UTF-8"):
            crosswalk.load_district_crosswalk(tenant.id, f"{HEADER}\n".encode("utf-16"))

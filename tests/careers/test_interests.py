"""Interest profiles: Lodestar's estimate until O*NET is loaded, O*NET's after."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from lti_tool.careers import interests, onet
from lti_tool.careers.crosswalk import MAJOR_GROUPS
from lti_tool.careers.interests import ESTIMATE_LABEL, interest_profile, parse_estimates
from tests.careers import onet_files


def test_estimates_cover_every_soc_minor_group() -> None:
    table = interests.estimates()
    assert len(table) == 98  # the minor groups of SOC 2018
    assert {code[:2] + "-0000" for code in table} == set(MAJOR_GROUPS)
    for estimate in table.values():
        assert estimate.basis and 1 <= len(estimate.holland_code) <= 3
    assert {"15-1200", "31-1100", "51-5100"} <= set(table)


def test_parse_estimates_rejects_bad_lines() -> None:
    header = "soc_code,holland_code,basis\n"
    for line in ("15-1252,IRC,x", "15-1200,IRX,x", "15-1200,IIC,x", "15-1200,IRC,"):
        with pytest.raises(ValueError, match="line 2"):
            parse_estimates(header + line + "\n")


def test_the_estimate_until_onet_is_loaded(app: Flask) -> None:
    with app.app_context():
        profile = interest_profile("15-1252")
        assert profile is not None
        assert (profile.source, profile.label) == ("estimate", ESTIMATE_LABEL)
        assert (profile.code, profile.group_code) == ("ICR", "15-1200")
        assert profile.basis and profile.basis.startswith("Computer Occupations")
        assert profile.scores is None and profile.attribution is None
        aide = interest_profile("31-1131.00")
        assert aide is not None and aide.group_code == "31-1100"
        assert interest_profile("15-0000") is None  # a major group has no single estimate


def test_onets_profile_once_loaded(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        onet.load_onet(onet_files.text_zip(tmp_path / "db_29_1_text.zip"))
        profile = interest_profile("15-1252")
        assert profile is not None
        assert (profile.source, profile.label, profile.code) == (
            "onet",
            "O*NET 29.1 Database",
            "ICR",
        )
        assert profile.onet_soc_code == "15-1252.00"
        assert profile.scores == {
            "R": 2.31,
            "I": 6.55,
            "A": 3.02,
            "S": 1.64,
            "E": 2.93,
            "C": 5.10,
        }
        assert profile.attribution == onet.attribution("O*NET 29.1 Database")
        nurse = interest_profile("29-1141.00")
        assert nurse is not None and (nurse.source, nurse.code) == ("onet", "SIC")
        # An occupation the release does not have: still the estimate, and said so.
        cook = interest_profile("35-2014")
        assert cook is not None and (cook.source, cook.label) == ("estimate", ESTIMATE_LABEL)

"""Loading an OEWS release (``ilp reference load-oews``, ``ensure_loaded``) replaces the one
before in one transaction; a bad file changes nothing; the query functions read it back."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from lti_tool.careers import oews
from lti_tool.careers.models import (
    AreaKind,
    DataRelease,
    LaborArea,
    Occupation,
    OccupationFigure,
    SocGroup,
)
from lti_tool.careers.oews_extract import OewsFormatError, read_any, write_extract
from lti_tool.errors import ToolError
from lti_tool.extensions import db
from tests.careers.oews_files import CELLS, OCCUPATIONS, package_database


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return package_database(tmp_path / "oews-2025.sqlite")


@pytest.fixture
def extract(database: Path, tmp_path: Path) -> Path:
    out = tmp_path / "oews_2025.jsonl.gz"
    write_extract(read_any(database), out)
    return out


def _counts() -> tuple[int, int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Occupation)) or 0,
        db.session.scalar(select(func.count()).select_from(LaborArea)) or 0,
        db.session.scalar(select(func.count()).select_from(OccupationFigure)) or 0,
        db.session.scalar(select(func.count()).select_from(SocGroup)) or 0,
    )


def test_load_the_package_database_and_read_it(app: Flask, database: Path) -> None:
    with app.app_context():
        result = oews.load_file(database)
        assert result.counts == {"groups": 8, "occupations": 5, "areas": 4, "figures": 12}
        release = oews.current_release()
        assert release is not None
        assert release.source.startswith("U.S. Bureau of Labor Statistics")
        assert (release.release, release.release_code) == ("May 2025", "2025A01")
        assert release.retrieved_on == dt.date(2026, 9, 26)
        assert release.details["annual_wage_cap"] == 239200

        profile = oews.occupation_profile("15-1252", state_code="36", metro_code="0035620")
        assert profile is not None
        assert profile.occupation.title == "Software Developers"
        assert profile.national and profile.national.figures
        assert profile.national.figures.annual_median == 132270
        assert profile.national.figures.location_quotient is None
        assert profile.state and profile.state.area.name == "New York"
        assert profile.state.figures and profile.state.figures.annual_p90 is None
        assert profile.state.figures.top_coded == ["annual_p90"]
        assert profile.metro and profile.metro.figures
        assert profile.metro.figures.hourly_median == 75.0
        assert profile.release is not None and profile.release.release == "May 2025"

        ceo = oews.occupation_profile("11-1011", state_code="34", metro_code="0035620")
        assert ceo is not None and ceo.state and ceo.state.figures is None  # none in NJ
        assert ceo.metro and ceo.metro.figures and ceo.metro.figures.employment is None
        assert oews.occupation_profile("99-9999") is None
        assert oews.occupation_profile("15-1252", metro_code="3600000").metro is None  # a state

        by_jobs = oews.ranked_occupations("0035620")
        assert [r.occupation.soc_code for r in by_jobs] == ["15-1252", "25-2031", "15-1253"]
        by_lq = oews.ranked_occupations("0035620", by="location_quotient")
        assert [r.occupation.soc_code for r in by_lq] == ["15-1253", "15-1252", "25-2031"]
        assert by_lq[0].figures.location_quotient == 2.5
        computing = oews.ranked_occupations("0035620", major_groups=["15-0000"], limit=1)
        assert [r.occupation.soc_code for r in computing] == ["15-1252"]
        second = oews.ranked_occupations("0035620", major_groups=["15-0000"], offset=1)
        assert [r.occupation.soc_code for r in second] == ["15-1253"]
        assert oews.ranked_occupations("0035620", major_groups=[]) == []
        with pytest.raises(ValueError, match="wages"):
            oews.ranked_occupations("0035620", by="wages")

        assert [s.name for s in oews.states()] == ["New Jersey", "New York"]
        assert [m.code for m in oews.metros("34")] == ["0035620"]  # NY-NJ lies in NJ too
        assert [m.code for m in oews.metros("36")] == ["0035620"]
        assert oews.metros("06") == []
        assert {k: [a.code for a in v] for k, v in oews.metros_by_state().items()} == {
            "34": ["0035620"],
            "36": ["0035620"],
        }
        assert [g.code for g in oews.major_groups()] == ["11-0000", "15-0000", "25-0000"]


def test_extract_loads_the_same(app: Flask, database: Path, extract: Path) -> None:
    with app.app_context():
        oews.load_file(extract)
        from_extract = _counts()
        figures = db.session.get(OccupationFigure, ("11-1011", "0000000"))
        assert figures is not None and figures.top_coded == [
            "annual_median",
            "annual_p75",
            "annual_p90",
            "hourly_median",
        ]
        oews.load_file(database)
        assert _counts() == from_extract == (5, 4, 12, 8)
        nonmetro = oews.load_file(database, nonmetro=True)
        assert nonmetro.counts["areas"] == 5
        assert [m.kind for m in oews.metros("36")] == [AreaKind.NONMETRO, AreaKind.METRO]


def test_a_new_release_replaces_the_old(app: Flask, database: Path, tmp_path: Path) -> None:
    newer_cells = {k: v for k, v in CELLS.items() if "113111" not in k}
    (tmp_path / "newer").mkdir()
    newer = package_database(
        tmp_path / "newer" / "oews-2026.sqlite",
        release="May 2026",
        release_code="2026A01",
        cells=newer_cells,
        occupations=[
            (c, "Software Engineers" if c == "151252" else t, level)
            for c, t, level in OCCUPATIONS
            if c not in ("113111", "113110")
        ],
    )
    with app.app_context():
        oews.load_file(database)
        oews.load_file(newer)
        assert db.session.scalar(select(func.count()).select_from(DataRelease)) == 1
        release = oews.current_release()
        assert release is not None and release.release == "May 2026"
        assert db.session.get(Occupation, "11-3111") is None
        developers = db.session.get(Occupation, "15-1252")
        assert developers is not None and developers.title == "Software Engineers"
        assert _counts() == (4, 4, 11, 7)


def test_a_bad_file_changes_nothing(app: Flask, database: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"format":"lodestar-oews-extract","version":1}\n'))
    with app.app_context():
        oews.load_file(database)
        before = _counts()
        with pytest.raises(OewsFormatError):
            oews.load_file(broken)
        with pytest.raises(OewsFormatError):
            oews.load_file(tmp_path / "missing.sqlite")
        assert _counts() == before
        release = oews.current_release()
        assert release is not None and release.release == "May 2025"


def test_a_failure_half_way_rolls_the_whole_load_back(
    app: Flask, database: Path, tmp_path: Path
) -> None:
    """The database refuses the release row, the load's last write (after every area and
    figure row went in): nothing of the newer release stays. PostgreSQL with a CHECK
    constraint, SQLite with a trigger, like the production-settings tests."""
    newer = package_database(tmp_path / "newer.sqlite", release="May 2026", manifest=False)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        setup = [
            "ALTER TABLE reference_releases ADD CONSTRAINT no_2026 "
            "CHECK (release <> 'May 2026') NOT VALID"
        ]
        teardown = ["ALTER TABLE reference_releases DROP CONSTRAINT IF EXISTS no_2026"]
    else:
        setup = [
            "CREATE TRIGGER no_2026 BEFORE UPDATE ON reference_releases "
            "WHEN NEW.release = 'May 2026' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
        teardown = ["DROP TRIGGER IF EXISTS no_2026"]
    with app.app_context():
        oews.load_file(database)
        before = _counts()
        for sql in setup:
            db.session.execute(text(sql))
        db.session.commit()
        try:
            with pytest.raises(ToolError, match="unchanged"):
                oews.load_file(newer)
            assert _counts() == before
            release = oews.current_release()
            assert release is not None and release.release == "May 2025"
            assert release.retrieved_on == dt.date(2026, 9, 26)
        finally:
            db.session.rollback()
            for sql in teardown:
                db.session.execute(text(sql))
            db.session.commit()


def test_ensure_loaded_loads_the_shipped_extract_once(
    app: Flask, extract: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oews, "shipped_extract", extract.read_bytes)
    with app.app_context():
        first = oews.ensure_loaded()
        assert first is not None and first.counts["figures"] == 12
        assert oews.ensure_loaded() is None
        assert oews.occupation_count() == 5


def test_cli_load_oews(
    app: Flask, runner: Any, database: Path, extract: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(args=["reference", "load-oews", str(database)])
    assert result.exit_code == 0, result.output
    assert "Loaded OEWS May 2025 (2025A01): 8 groups, 5 occupations, 4 areas, 12 figures" in (
        result.output
    )
    bad = database.with_name("bad.sqlite.gz")
    bad.write_bytes(b"\x1f\x8b not really")
    failed = runner.invoke(args=["reference", "load-oews", str(bad)])
    assert failed.exit_code == 2
    assert "Error: bad.sqlite.gz is not a complete gzip file" in failed.output
    monkeypatch.setattr(oews, "shipped_extract", extract.read_bytes)
    shipped = runner.invoke(args=["reference", "load-oews", "--with-nonmetro"])
    assert shipped.exit_code == 0, shipped.output
    with app.app_context():
        assert _counts() == (5, 4, 12, 8)

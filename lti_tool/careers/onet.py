"""The O*NET database: reading an official release and loading it (``ilp reference load-onet``).

A release is what O*NET publishes for download: a zip of tab-delimited text files
(``db_30_1_text.zip``), a zip of Excel files (``db_30_1_excel.zip``), or either unpacked into
a folder. Files are found by their base name, ignoring case, folders and the extension
(``.txt`` or ``.xlsx``), so the 29.x and 30.x layouts read the same. Four files are read:

* ``Occupation Data``: O*NET-SOC Code, Title, Description.
* ``Interests``: the six RIASEC levels (Scale ID ``OI``, 1-7) and the first to third
  interest high-points (Scale ID ``IH``: 1 Realistic ... 6 Conventional, 0 none).
* ``Job Zones``: Job Zone 1-5.
* ``Related Occupations``: Related O*NET-SOC Code, Relatedness Tier, Index.

The whole release is read and checked before anything is written; then the stored release
is replaced in one transaction. A malformed file changes nothing and says what is wrong.

O*NET data is licensed under CC BY 4.0 and must be shown with :func:`attribution`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select

from lti_tool.careers.models import OnetOccupation, OnetRelatedOccupation, OnetRelease
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from lti_tool.hygiene import clean_text

__all__ = [
    "ATTRIBUTION",
    "LICENSE_URL",
    "RIASEC",
    "SOURCE_URL",
    "LoadSummary",
    "OnetData",
    "attribution",
    "current_release",
    "load_onet",
    "read_release",
]

#: The credit O*NET's database license asks for when its information is used verbatim
#: (the O*NET Resource Center's "Database Content License", "How to Credit Us").
ATTRIBUTION = (
    "This page includes information from the {release} by the U.S. Department of Labor, "
    "Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. "
    "O*NET® is a trademark of USDOL/ETA."
)
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE_URL = "https://www.onetcenter.org/database.html"

#: The six interest types in RIASEC order: (letter, name, O*NET element id).
RIASEC = (
    ("R", "Realistic", "1.B.1.a"),
    ("I", "Investigative", "1.B.1.b"),
    ("A", "Artistic", "1.B.1.c"),
    ("S", "Social", "1.B.1.d"),
    ("E", "Enterprising", "1.B.1.e"),
    ("C", "Conventional", "1.B.1.f"),
)
#: Interest high-point elements: first, second, third.
_HIGH_POINTS = {"1.B.1.g": 0, "1.B.1.h": 1, "1.B.1.i": 2}
_HIGH_POINT_NAMES = {
    "first interest high-point": 0,
    "second interest high-point": 1,
    "third interest high-point": 2,
}

#: Canonical file name -> the columns it must have.
_FILES: dict[str, tuple[str, ...]] = {
    "Occupation Data": ("O*NET-SOC Code", "Title", "Description"),
    "Interests": ("O*NET-SOC Code", "Element ID", "Element Name", "Scale ID", "Data Value"),
    "Job Zones": ("O*NET-SOC Code", "Job Zone"),
    "Related Occupations": ("O*NET-SOC Code", "Related O*NET-SOC Code"),
}
_README = "read me"
_EXTENSIONS = (".txt", ".xlsx")
_CODE = re.compile(r"^[1-5][0-9]-[0-9]{4}\.[0-9]{2}$")
_RELEASE_IN_NAME = re.compile(r"db_(\d{1,2})_(\d{1,2})", re.IGNORECASE)
_RELEASE_IN_README = re.compile(r"O\*NET\s+(\d{1,2}\.\d{1,2})\s+Database", re.IGNORECASE)
_RELEASE_OPTION = re.compile(r"^(?:O\*NET\s+)?(\d{1,2}\.\d{1,2})(?:\s+Database)?$", re.IGNORECASE)
#: No file of a release comes near this; a bigger one is not what we think it is.
_MAX_FILE_BYTES = 100_000_000
_MAX_PROBLEMS = 20


@dataclass(slots=True)
class _Occupation:
    code: str
    title: str
    description: str
    scores: dict[str, float] = field(default_factory=dict)
    high_points: dict[int, str] = field(default_factory=dict)
    job_zone: int | None = None


@dataclass(slots=True)
class OnetData:
    """A release read from files and checked, not yet stored."""

    name: str
    release_date: str | None
    source_name: str
    occupations: dict[str, _Occupation]
    related: list[tuple[str, str, str | None, int | None]]


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What ``load_onet`` stored."""

    name: str
    release_date: str | None
    occupations: int
    with_interests: int
    with_job_zone: int
    related: int


def attribution(release: str | None = None) -> str:
    """O*NET's required credit, naming ``release`` (default: the loaded release)."""
    if release is None:
        loaded = current_release()
        release = loaded.name if loaded is not None else "O*NET Database"
    return ATTRIBUTION.format(release=release)


def current_release() -> OnetRelease | None:
    """The loaded release, or None before a district loads one."""
    return db.session.scalars(select(OnetRelease).order_by(OnetRelease.id.desc())).first()


def load_onet(path: Path | str, *, release: str | None = None) -> LoadSummary:
    """Read the release at ``path`` and replace the stored O*NET data with it."""
    data = read_release(Path(path), release=release)
    occupation_rows = [
        {
            "onet_soc_code": occ.code,
            "soc_code": occ.code[:7],
            "title": occ.title,
            "description": occ.description,
            **{name.lower(): occ.scores.get(letter) for letter, name, _ in RIASEC},
            "high_point_code": "".join(occ.high_points[i] for i in sorted(occ.high_points)) or None,
            "job_zone": occ.job_zone,
        }
        for occ in data.occupations.values()
    ]
    related_rows = [
        {"onet_soc_code": code, "related_code": other, "tier": tier, "rank": rank}
        for code, other, tier, rank in data.related
    ]
    try:
        db.session.execute(delete(OnetRelatedOccupation))
        db.session.execute(delete(OnetOccupation))
        db.session.execute(delete(OnetRelease))
        if occupation_rows:
            db.session.execute(insert(OnetOccupation), occupation_rows)
        if related_rows:
            db.session.execute(insert(OnetRelatedOccupation), related_rows)
        db.session.add(
            OnetRelease(
                name=data.name,
                release_date=data.release_date,
                source_name=data.source_name[:255],
                occupation_count=len(occupation_rows),
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return LoadSummary(
        name=data.name,
        release_date=data.release_date,
        occupations=len(occupation_rows),
        with_interests=sum(1 for occ in data.occupations.values() if len(occ.scores) == 6),
        with_job_zone=sum(1 for occ in data.occupations.values() if occ.job_zone is not None),
        related=len(related_rows),
    )


def read_release(path: Path, *, release: str | None = None) -> OnetData:
    """Read and check the release at ``path`` (zip or folder); store nothing."""
    files, readme = _find_files(path)
    name, release_date = _release_name(path, readme, release)
    occupations = _occupations(files["Occupation Data"])
    _interests(files["Interests"], occupations)
    _job_zones(files["Job Zones"], occupations)
    related = _related(files["Related Occupations"], occupations)
    return OnetData(
        name=name,
        release_date=release_date,
        source_name=path.name,
        occupations=occupations,
        related=related,
    )


# -- finding the files -----------------------------------------------------------------------


@dataclass(slots=True)
class _Table:
    """One file's rows as dicts of its header, with the line each came from."""

    name: str
    rows: list[tuple[int, dict[str, str]]]


def _base_name(name: str) -> tuple[str, str]:
    stem, ext = os.path.splitext(os.path.basename(name.replace("\\", "/")))
    return re.sub(r"[\s_\-]+", " ", stem).strip().lower(), ext.lower()


def _find_files(path: Path) -> tuple[dict[str, _Table], str | None]:
    wanted = {name.lower(): name for name in _FILES}
    found: dict[str, tuple[str, str]] = {}  # canonical -> (member name, extension)
    readme: str | None = None
    readme_member: str | None = None
    if path.is_dir():
        members = [
            str(Path(root, f).relative_to(path)) for root, _, names in os.walk(path) for f in names
        ]
        archive: zipfile.ZipFile | None = None
    elif path.is_file():
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise InvalidInput(
                f"{path.name}: not a zip file or a folder; give the O*NET release as it was "
                "downloaded (e.g. db_30_1_text.zip) or the folder it unpacks to"
            ) from None
        members = [i.filename for i in archive.infolist() if not i.is_dir()]
    else:
        raise InvalidInput(f"{path}: no such file or folder")
    try:
        for member in members:
            parts = member.replace("\\", "/").split("/")
            if "__MACOSX" in parts or parts[-1].startswith("._"):
                continue
            base, ext = _base_name(member)
            if base == _README and ext == ".txt":
                readme_member = member
            canonical = wanted.get(base)
            if canonical is None or ext not in _EXTENSIONS:
                continue
            if canonical in found:
                earlier, earlier_ext = found[canonical]
                if earlier_ext == ext:
                    raise InvalidInput(
                        f"{path.name}: two files named {canonical!r} ({earlier} and {member}); "
                        "give one release at a time"
                    )
                if ext != ".txt":  # text and Excel side by side: the text file is read
                    continue
            found[canonical] = (member, ext)
        missing = [name for name in _FILES if name not in found]
        if missing:
            raise InvalidInput(
                f"{path.name}: no {', '.join(repr(m) for m in missing)} file found; is this an "
                "O*NET database release (text or Excel)?"
            )
        tables = {
            canonical: _read_table(canonical, member, ext, _read_bytes(path, archive, member))
            for canonical, (member, ext) in found.items()
        }
        if readme_member is not None:
            raw = _read_bytes(path, archive, readme_member)
            readme = _decode(raw, "Read Me")
    finally:
        if archive is not None:
            archive.close()
    return tables, readme


def _read_bytes(path: Path, archive: zipfile.ZipFile | None, member: str) -> bytes:
    if archive is None:
        target = path / member
        if target.stat().st_size > _MAX_FILE_BYTES:
            raise InvalidInput(f"{member}: larger than any O*NET file; is it the right file?")
        return target.read_bytes()
    info = archive.getinfo(member)
    if info.file_size > _MAX_FILE_BYTES:
        raise InvalidInput(f"{member}: larger than any O*NET file; is it the right file?")
    try:
        with archive.open(info) as handle:
            data = handle.read(_MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise InvalidInput(f"{path.name}: cannot read {member} ({err})") from None
    if len(data) > _MAX_FILE_BYTES:
        raise InvalidInput(f"{member}: larger than any O*NET file; is it the right file?")
    return data


def _decode(raw: bytes, name: str) -> str:
    if b"\x00" in raw:
        raise InvalidInput(f"{name}: the file holds a NUL byte; is it really a text file?")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _read_table(canonical: str, member: str, ext: str, raw: bytes) -> _Table:
    label = os.path.basename(member)
    rows = _text_rows(raw, label) if ext == ".txt" else _excel_rows(raw, label)
    try:
        header = next(rows)
    except StopIteration:
        raise InvalidInput(f"{label}: the file is empty") from None
    header = [h.strip() for h in header]
    lowered = {h.lower(): i for i, h in enumerate(header)}
    missing = [c for c in _FILES[canonical] if c.lower() not in lowered]
    if missing:
        raise InvalidInput(
            f"{label}: missing the column(s) {', '.join(repr(m) for m in missing)}; "
            f"found {', '.join(repr(h) for h in header[:12])}"
        )
    table = _Table(name=label, rows=[])
    for number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for name, i in lowered.items()}
        table.rows.append((number, values))
    return table


def _text_rows(raw: bytes, label: str) -> Iterator[list[str]]:
    text = _decode(raw, label)
    yield from csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)


def _excel_rows(raw: bytes, label: str) -> Iterator[list[str]]:
    import openpyxl

    if b"\x00" in raw[:4] or not raw.startswith(b"PK"):
        raise InvalidInput(f"{label}: not an Excel (.xlsx) workbook")
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a broken workbook
        raise InvalidInput(
            f"{label}: not a readable Excel workbook ({type(err).__name__})"
        ) from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value, label) for value in row]
    finally:
        book.close()


def _cell_text(value: Any, label: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if "\x00" in text:
        raise InvalidInput(f"{label}: a cell holds a NUL character")
    return text


def _release_name(path: Path, readme: str | None, option: str | None) -> tuple[str, str | None]:
    release_date = None
    if readme:
        lines = [line.strip() for line in readme.splitlines() if line.strip()]
        for line in lines[:5]:
            if re.search(r"\bRelease\b", line) and not _RELEASE_IN_README.search(line):
                release_date = clean_text(line)[:100]
                break
    if option:
        match = _RELEASE_OPTION.match(option.strip())
        if match is None:
            raise InvalidInput(f"--release {option!r}: give the release number, e.g. 30.1")
        return f"O*NET {match.group(1)} Database", release_date
    if readme:
        match = _RELEASE_IN_README.search(readme)
        if match:
            return f"O*NET {match.group(1)} Database", release_date
    match = _RELEASE_IN_NAME.search(path.name)
    if match:
        return f"O*NET {int(match.group(1))}.{int(match.group(2))} Database", release_date
    raise InvalidInput(
        f"{path.name}: cannot tell which O*NET release this is (no 'Read Me' file, and the "
        "name is not like db_30_1_text.zip); name it with --release, e.g. --release 30.1"
    )


# -- reading the four files ---------------------------------------------------------------------


class _Problems:
    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[str] = []

    def add(self, number: int, message: str) -> None:
        self.items.append(f"line {number}: {message}")

    def raise_any(self) -> None:
        if self.items:
            shown = "; ".join(self.items[:_MAX_PROBLEMS])
            more = len(self.items) - _MAX_PROBLEMS
            suffix = f" (and {more} more)" if more > 0 else ""
            raise InvalidInput(f"{self.label}: {shown}{suffix}")


def _code(values: dict[str, str], column: str) -> str:
    return values.get(column.lower(), "")


def _occupations(table: _Table) -> dict[str, _Occupation]:
    problems = _Problems(table.name)
    found: dict[str, _Occupation] = {}
    for number, values in table.rows:
        code = _code(values, "O*NET-SOC Code")
        title = clean_text(values["title"])
        if not _CODE.match(code):
            problems.add(number, f"{code[:30]!r} is not an O*NET-SOC code like 15-1252.00")
            continue
        if code in found:
            problems.add(number, f"{code} appears twice")
            continue
        if not title:
            problems.add(number, f"{code} has no title")
            continue
        found[code] = _Occupation(
            code=code, title=title[:255], description=clean_text(values["description"])
        )
    problems.raise_any()
    if not found:
        raise InvalidInput(f"{table.name}: no occupations")
    return found


def _known(
    occupations: dict[str, _Occupation], code: str, number: int, problems: _Problems
) -> _Occupation | None:
    if not _CODE.match(code):
        problems.add(number, f"{code[:30]!r} is not an O*NET-SOC code like 15-1252.00")
        return None
    occ = occupations.get(code)
    if occ is None:
        problems.add(number, f"{code} is not in Occupation Data")
    return occ


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _interests(table: _Table, occupations: dict[str, _Occupation]) -> None:
    problems = _Problems(table.name)
    by_element = {element: letter for letter, _, element in RIASEC}
    by_name = {name.lower(): letter for letter, name, _ in RIASEC}
    letters = {str(i): letter for i, (letter, _, _) in enumerate(RIASEC, start=1)}
    for number, values in table.rows:
        scale = values["scale id"].upper()
        if scale not in ("OI", "IH"):
            continue  # other interest scales of later releases are not used here
        occ = _known(occupations, _code(values, "O*NET-SOC Code"), number, problems)
        value = _number(values["data value"])
        element = values["element id"]
        element_name = values["element name"].lower()
        if occ is None:
            continue
        if value is None:
            problems.add(number, f"Data Value {values['data value'][:20]!r} is not a number")
            continue
        if scale == "OI":
            letter = by_element.get(element) or by_name.get(element_name)
            if letter is None:
                problems.add(number, f"{element} {values['element name'][:40]!r} is no RIASEC type")
            elif not 1 <= value <= 7:
                problems.add(number, f"interest level {value} is outside 1-7")
            else:
                occ.scores[letter] = value
            continue
        position = _HIGH_POINTS.get(element, _HIGH_POINT_NAMES.get(element_name))
        if position is None:
            problems.add(number, f"{element} is no interest high-point")
        elif not value.is_integer() or not 0 <= value <= 6:
            problems.add(number, f"high-point value {value} is not 0-6")
        elif value:
            occ.high_points[position] = letters[str(int(value))]
    problems.raise_any()


def _job_zones(table: _Table, occupations: dict[str, _Occupation]) -> None:
    problems = _Problems(table.name)
    for number, values in table.rows:
        occ = _known(occupations, _code(values, "O*NET-SOC Code"), number, problems)
        value = _number(values["job zone"])
        if occ is None:
            continue
        if value is None or not value.is_integer() or not 1 <= value <= 5:
            problems.add(number, f"Job Zone {values['job zone'][:20]!r} is not 1-5")
            continue
        occ.job_zone = int(value)
    problems.raise_any()


def _related(
    table: _Table, occupations: dict[str, _Occupation]
) -> list[tuple[str, str, str | None, int | None]]:
    problems = _Problems(table.name)
    pairs: dict[tuple[str, str], tuple[str, str, str | None, int | None]] = {}
    for number, values in table.rows:
        code = _code(values, "O*NET-SOC Code")
        other = _code(values, "Related O*NET-SOC Code")
        occ = _known(occupations, code, number, problems)
        if occ is None:
            continue
        if not _CODE.match(other):
            problems.add(number, f"{other[:30]!r} is not an O*NET-SOC code like 15-1252.00")
            continue
        tier = clean_text(values.get("relatedness tier", ""))[:50] or None
        index_text = values.get("index", "")
        rank: int | None = None
        if index_text:
            index = _number(index_text)
            if index is None or not index.is_integer() or index < 1:
                problems.add(number, f"Index {index_text[:20]!r} is not a whole number from 1")
                continue
            rank = int(index)
        if (code, other) in pairs:
            problems.add(number, f"{code} -> {other} appears twice")
            continue
        pairs[(code, other)] = (code, other, tier, rank)
    problems.raise_any()
    return list(pairs.values())

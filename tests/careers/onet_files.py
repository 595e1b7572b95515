"""Small O*NET database releases in the real formats (tab-delimited text, Excel), for tests.

Column headers follow O*NET's data dictionary (29.x-30.x): a release is a zip of files named
"Occupation Data", "Interests", "Job Zones", "Related Occupations", ... in a folder such as
``db_29_1_text/``, with a "Read Me.txt" naming the release.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HEADERS = {
    "Occupation Data": ["O*NET-SOC Code", "Title", "Description"],
    "Interests": [
        "O*NET-SOC Code",
        "Element ID",
        "Element Name",
        "Scale ID",
        "Data Value",
        "Date",
        "Domain Source",
    ],
    "Job Zones": ["O*NET-SOC Code", "Job Zone", "Date", "Domain Source"],
    "Related Occupations": [
        "O*NET-SOC Code",
        "Related O*NET-SOC Code",
        "Relatedness Tier",
        "Index",
    ],
}

OCCUPATIONS = [
    ("15-1252.00", "Software Developers", "Research, design, and develop computer software."),
    ("15-1251.00", "Computer Programmers", "Create, modify, and test computer code."),
    ("29-1141.00", "Registered Nurses", 'Assess patient health problems and "needs".'),
    ("47-2111.00", "Electricians", "Install, maintain, and repair electrical wiring."),
]
#: Six OI levels (R, I, A, S, E, C) and three high-points (1 = R ... 6 = C) per occupation.
INTERESTS = {
    "15-1252.00": ((2.31, 6.55, 3.02, 1.64, 2.93, 5.10), (2, 6, 1)),
    "15-1251.00": ((2.80, 5.90, 2.10, 1.20, 2.00, 6.40), (6, 2, 1)),
    "29-1141.00": ((2.70, 4.80, 1.50, 6.90, 2.60, 3.90), (4, 2, 6)),
    "47-2111.00": ((6.60, 3.40, 1.30, 1.50, 2.00, 4.10), (1, 6, 0)),
}
JOB_ZONES = {"15-1252.00": 4, "15-1251.00": 4, "29-1141.00": 3, "47-2111.00": 3}
RELATED = [
    ("15-1252.00", "15-1251.00", "Primary-Short", 1),
    ("15-1252.00", "15-1253.00", "Primary-Short", 2),
    ("15-1252.00", "15-1299.08", "Primary-Long", 6),
    ("15-1251.00", "15-1252.00", "Primary-Short", 1),
    ("29-1141.00", "29-1171.00", "Supplemental", 11),
]
_RIASEC = [
    ("1.B.1.a", "Realistic"),
    ("1.B.1.b", "Investigative"),
    ("1.B.1.c", "Artistic"),
    ("1.B.1.d", "Social"),
    ("1.B.1.e", "Enterprising"),
    ("1.B.1.f", "Conventional"),
]
_HIGH_POINTS = [
    ("1.B.1.g", "First Interest High-Point"),
    ("1.B.1.h", "Second Interest High-Point"),
    ("1.B.1.i", "Third Interest High-Point"),
]


def tables() -> dict[str, list[list[str]]]:
    """The release's rows (header first), as text cells."""
    interests = [HEADERS["Interests"]]
    for code, (levels, points) in INTERESTS.items():
        for (element, name), value in zip(_RIASEC, levels, strict=True):
            interests.append(
                [code, element, name, "OI", f"{value:.2f}", "11/2023", "Machine Learning"]
            )
        for (element, name), point in zip(_HIGH_POINTS, points, strict=True):
            interests.append(
                [code, element, name, "IH", f"{point:.2f}", "11/2023", "Machine Learning"]
            )
    return {
        "Occupation Data": [HEADERS["Occupation Data"], *[list(o) for o in OCCUPATIONS]],
        "Interests": interests,
        "Job Zones": [
            HEADERS["Job Zones"],
            *[[code, str(zone), "08/2025", "Analyst"] for code, zone in JOB_ZONES.items()],
        ],
        "Related Occupations": [
            HEADERS["Related Occupations"],
            *[[a, b, tier, str(index)] for a, b, tier, index in RELATED],
        ],
    }


def text(rows: list[list[str]]) -> bytes:
    return ("".join("\t".join(row) + "\r\n" for row in rows)).encode("utf-8")


def readme(release: str = "29.1", date: str = "November 2024") -> bytes:
    return (
        f"O*NET {release} Database\r\n{date} Release\r\n---------------------\r\n"
        "The content of the O*NET Database is licensed under a Creative Commons "
        "Attribution 4.0 International License.\r\n"
    ).encode()


def text_zip(
    path: Path,
    *,
    folder: str = "db_29_1_text/",
    with_readme: bool = True,
    replace: dict[str, bytes] | None = None,
    names: dict[str, str] | None = None,
) -> Path:
    """A text release like ``db_29_1_text.zip``; ``replace`` swaps a file's bytes (or drops
    it when given ``b""`` under the name ``"-Interests"``), ``names`` renames files."""
    files = {name: text(rows) for name, rows in tables().items()}
    for name, content in (replace or {}).items():
        if name.startswith("-"):
            files.pop(name[1:])
        else:
            files[name] = content
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{folder}{(names or {}).get(name, name + '.txt')}", content)
        archive.writestr(
            f"{folder}Scales Reference.txt", "Scale ID\tScale Name\nOI\tOccupational Interests\n"
        )
        if with_readme:
            archive.writestr(f"{folder}Read Me.txt", readme())
    return path


def workbook(rows: list[list[str]]) -> bytes:
    """An .xlsx of ``rows``, numbers as numbers (as O*NET's Excel files hold them)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([_excel_value(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _excel_value(cell: str) -> object:
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        return float(cell)
    except ValueError:
        return cell


def excel_zip(path: Path, *, folder: str = "db_30_0_excel/", with_readme: bool = False) -> Path:
    """An Excel release like ``db_30_0_excel.zip``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables().items():
            archive.writestr(f"{folder}{name}.xlsx", workbook(rows))
        if with_readme:
            archive.writestr(f"{folder}Read Me.txt", readme("30.0", "August 2025"))
    return path


def folder(path: Path, *, names: dict[str, str] | None = None, with_readme: bool = True) -> Path:
    """A release unpacked into ``path`` (created)."""
    path.mkdir(parents=True, exist_ok=True)
    for name, rows in tables().items():
        (path / (names or {}).get(name, name + ".txt")).write_bytes(text(rows))
    if with_readme:
        (path / "Read Me.txt").write_bytes(readme())
    return path

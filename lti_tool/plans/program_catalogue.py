"""A district's catalogue of schools and programs: the CSV import that replaces it, and the
search students use to pick from it.

Two layouts are accepted (told apart by their header row):

* **Our columns** (``CATALOGUE_COLUMNS``): ``kind`` and ``name`` are required; the other
  columns may be left out or empty. ``kind`` is one of ``PROGRAM_KIND_LABELS``'s keys or labels.
* **The College Scorecard's published files** (U.S. Department of Education): the institution
  file (``Most-Recent-Cohorts-Institution``: ``UNITID``, ``INSTNM``, ``CITY``, ``STABBR``,
  ``INSTURL``, ``PREDDEG``, ``CONTROL``, ``COSTT4_A``, ``TUITIONFEE_IN``, ``TUITIONFEE_OUT``)
  and the field-of-study file (``Most-Recent-Cohorts-Field-of-Study``: ``UNITID``,
  ``INSTNM``, ``CIPCODE``, ``CIPDESC``, ``CREDLEV``, ``CREDDESC``). Other columns are ignored;
  ``NULL`` and ``PrivacySuppressed`` read as unknown. Rows of graduate-only institutions and
  graduate credentials are skipped (counted in the result). The files are large: filter them
  to the rows the district wants before uploading.

An import replaces the tenant's whole catalogue in one transaction; a bad file (not UTF-8, a
NUL byte, too large, missing columns, a bad row) raises ``InvalidInput`` before anything is
changed. Students' lists keep their own copy of what they picked, so a new catalogue loses
nothing of theirs.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound
from lti_tool.extensions import db
from lti_tool.plans.postsecondary_models import (
    CatalogueProgram,
    PostsecondaryOption,
    ProgramKind,
)

#: Largest catalogue file accepted, in bytes, and most rows.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

PROGRAM_KIND_LABELS: dict[str, str] = {
    ProgramKind.TWO_YEAR: "2-year college",
    ProgramKind.FOUR_YEAR: "4-year college",
    ProgramKind.APPRENTICESHIP: "Apprenticeship",
    ProgramKind.CTE_CERTIFICATE: "CTE certificate",
    ProgramKind.MILITARY: "Military",
    ProgramKind.WORK: "Work",
}

#: Our own layout: (column, what it holds). ``kind`` and ``name`` are required.
CATALOGUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", "two_year, four_year, apprenticeship, cte_certificate, military or work"),
    ("name", "the program or school, as students should see it"),
    ("institution", "the school, employer or branch that offers it"),
    ("city", "city"),
    ("state", "two-letter state code, e.g. OR"),
    ("url", "web address (https://...)"),
    ("credential", "what it leads to, e.g. Associate's degree"),
    ("cip_code", "Classification of Instructional Programs code, e.g. 51.3801"),
    ("cost_per_year", "estimated cost per year in whole dollars"),
    ("notes", "anything students should know"),
)
REQUIRED_COLUMNS = ("kind", "name")

SCORECARD_INSTITUTION = ("UNITID", "INSTNM", "PREDDEG")
SCORECARD_FIELD_OF_STUDY = ("UNITID", "INSTNM", "CIPCODE", "CIPDESC", "CREDLEV")

#: College Scorecard PREDDEG (predominant degree) to kind; 0 (not classified) and 4 (entirely
#: graduate) are skipped.
PREDDEG_KINDS = {
    "1": ProgramKind.CTE_CERTIFICATE,
    "2": ProgramKind.TWO_YEAR,
    "3": ProgramKind.FOUR_YEAR,
}
#: College Scorecard CREDLEV (credential level) to kind; 4 and up (graduate) are skipped.
CREDLEV_KINDS = {
    "1": ProgramKind.CTE_CERTIFICATE,
    "2": ProgramKind.TWO_YEAR,
    "3": ProgramKind.FOUR_YEAR,
}
CONTROL_LABELS = {"1": "Public", "2": "Private nonprofit", "3": "Private for-profit"}
_UNKNOWN = {"", "NULL", "PRIVACYSUPPRESSED", "NA", "N/A"}
_STATE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    layout: str
    imported: int
    skipped: int
    replaced: int


def _cell(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return str(value).strip() if value is not None else ""


def _known(value: str) -> str:
    return "" if value.upper() in _UNKNOWN else value


def _dollars(value: str, what: str, line: int) -> int | None:
    value = _known(value.replace("$", "").replace(",", ""))
    if not value:
        return None
    try:
        number = round(float(value))
    except ValueError as err:
        raise InvalidInput(f"Line {line}: {what} {value!r} is not a number.") from err
    if not 0 <= number <= 10_000_000:
        raise InvalidInput(f"Line {line}: {what} {value!r} is out of range.")
    return number


def _text(value: str, limit: int, what: str, line: int) -> str:
    if len(value) > limit:
        raise InvalidInput(f"Line {line}: {what} is too long (at most {limit} characters).")
    return value


def _url(value: str, line: int) -> str | None:
    value = _known(value)
    if not value:
        return None
    if not re.match(r"^https?://", value, re.IGNORECASE):
        value = "https://" + value
    if len(value) > 2048 or any(c.isspace() for c in value):
        raise InvalidInput(f"Line {line}: the web address does not look right.")
    return value


def _state(value: str, line: int) -> str:
    value = _known(value).upper()
    if value and not _STATE.match(value):
        raise InvalidInput(f"Line {line}: state {value!r} is not a two-letter state code.")
    return value


def _kind(value: str, line: int) -> ProgramKind:
    folded = value.strip().casefold().replace("-", "_").replace(" ", "_")
    for kind, label in PROGRAM_KIND_LABELS.items():
        if folded in (kind, label.casefold().replace("-", "_").replace(" ", "_")):
            return ProgramKind(kind)
    raise InvalidInput(
        f"Line {line}: kind {value!r} is not one of " + ", ".join(PROGRAM_KIND_LABELS) + "."
    )


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV file. :raises InvalidInput: when it is empty, too large,
    holds a NUL byte or is not UTF-8."""
    if not data:
        raise InvalidInput("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"The file is too large (at most {MAX_FILE_BYTES // (1024 * 1024)} MB). Keep only "
            "the rows your district needs."
        )
    if b"\x00" in data:
        raise InvalidInput("The file holds a NUL byte; it is not a plain CSV text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidInput(
            'The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.'
        ) from err


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        rows = []
        for row in reader:
            if None in row:
                raise InvalidInput(f"Line {reader.line_num}: more cells than columns.")
            rows.append({k: v for k, v in row.items() if k is not None})
            if len(rows) > MAX_ROWS:
                raise InvalidInput(f"The file has more than {MAX_ROWS} rows.")
    except csv.Error as err:
        raise InvalidInput(f"The file is not valid CSV: {err}.") from err
    if not header:
        raise InvalidInput("The file has no header row.")
    return header, rows


def _ours(rows: Sequence[Mapping[str, str]]) -> tuple[list[dict[str, Any]], int]:
    parsed = []
    for number, row in enumerate(rows, start=2):
        name = _text(_cell(row, "name"), 255, "name", number)
        if not name:
            raise InvalidInput(f"Line {number}: the name is empty.")
        cip = _text(_known(_cell(row, "cip_code")), 10, "cip_code", number)
        parsed.append(
            {
                "kind": _kind(_cell(row, "kind"), number),
                "name": name,
                "institution": _text(_cell(row, "institution"), 255, "institution", number),
                "city": _text(_cell(row, "city"), 120, "city", number),
                "state": _state(_cell(row, "state"), number),
                "url": _url(_cell(row, "url"), number),
                "credential": _text(_cell(row, "credential"), 120, "credential", number),
                "cip_code": cip or None,
                "cost_per_year": _dollars(_cell(row, "cost_per_year"), "cost_per_year", number),
                "notes": _text(_cell(row, "notes"), 5000, "notes", number),
                "source": "district",
            }
        )
    return parsed, 0


def _scorecard_institutions(rows: Sequence[Mapping[str, str]]) -> tuple[list[dict[str, Any]], int]:
    parsed, skipped = [], 0
    for number, row in enumerate(rows, start=2):
        kind = PREDDEG_KINDS.get(_cell(row, "PREDDEG"))
        name = _text(_cell(row, "INSTNM"), 255, "INSTNM", number)
        if kind is None or not name:
            skipped += 1
            continue
        parsed.append(
            {
                "kind": kind,
                "name": name,
                "institution": name,
                "city": _text(_known(_cell(row, "CITY")), 120, "CITY", number),
                "state": _state(_cell(row, "STABBR"), number),
                "url": _url(_cell(row, "INSTURL"), number),
                "control": CONTROL_LABELS.get(_cell(row, "CONTROL"), ""),
                "cost_per_year": _dollars(_cell(row, "COSTT4_A"), "COSTT4_A", number),
                "tuition_in_state": _dollars(_cell(row, "TUITIONFEE_IN"), "TUITIONFEE_IN", number),
                "tuition_out_of_state": _dollars(
                    _cell(row, "TUITIONFEE_OUT"), "TUITIONFEE_OUT", number
                ),
                "unit_id": _text(_known(_cell(row, "UNITID")), 10, "UNITID", number) or None,
                "source": "college-scorecard",
            }
        )
    return parsed, skipped


def _scorecard_fields(rows: Sequence[Mapping[str, str]]) -> tuple[list[dict[str, Any]], int]:
    parsed, skipped = [], 0
    for number, row in enumerate(rows, start=2):
        kind = CREDLEV_KINDS.get(_cell(row, "CREDLEV"))
        name = _text(_cell(row, "CIPDESC").rstrip("."), 255, "CIPDESC", number)
        if kind is None or not name:
            skipped += 1
            continue
        parsed.append(
            {
                "kind": kind,
                "name": name,
                "institution": _text(_cell(row, "INSTNM"), 255, "INSTNM", number),
                "city": _text(_known(_cell(row, "CITY")), 120, "CITY", number),
                "state": _state(_cell(row, "STABBR"), number),
                "credential": _text(_known(_cell(row, "CREDDESC")), 120, "CREDDESC", number),
                "cip_code": _text(_known(_cell(row, "CIPCODE")), 10, "CIPCODE", number) or None,
                "control": CONTROL_LABELS.get(_cell(row, "CONTROL"), ""),
                "unit_id": _text(_known(_cell(row, "UNITID")), 10, "UNITID", number) or None,
                "source": "college-scorecard",
            }
        )
    return parsed, skipped


def parse_catalogue(text: str) -> tuple[str, list[dict[str, Any]], int]:
    """The layout's name, the rows as catalogue fields and how many rows were skipped.

    :raises InvalidInput: naming the missing columns or the first bad line."""
    header, rows = _rows(text)
    columns = set(header)
    if set(SCORECARD_FIELD_OF_STUDY) <= columns:
        layout, (parsed, skipped) = "College Scorecard field of study", _scorecard_fields(rows)
    elif set(SCORECARD_INSTITUTION) <= columns:
        layout, (parsed, skipped) = "College Scorecard institutions", _scorecard_institutions(rows)
    elif set(REQUIRED_COLUMNS) <= {c.casefold() for c in columns}:
        lowered = [{k.casefold(): v for k, v in row.items()} for row in rows]
        layout, (parsed, skipped) = "district columns", _ours(lowered)
    else:
        raise InvalidInput(
            "The file's columns are not ones we know. Use our columns (at least "
            + ", ".join(REQUIRED_COLUMNS)
            + ") or a College Scorecard file (with "
            + ", ".join(SCORECARD_INSTITUTION)
            + "). The file's first columns: "
            + ", ".join(header[:8])
            + "."
        )
    if not parsed:
        raise InvalidInput("The file has no rows we could use; the catalogue was not changed.")
    return layout, parsed, skipped


def import_catalogue(actor: Actor, data: bytes, *, release: str = "") -> ImportResult:
    """Replace the tenant's catalogue with the file's rows, in one transaction; audited
    (``catalogue.import``, counts only).

    :raises InvalidInput: for a bad file (nothing changed)."""
    release = release.strip()
    if len(release) > 160:
        raise InvalidInput("The release is too long (at most 160 characters).")
    layout, rows, skipped = parse_catalogue(decode_upload(data))
    tenant_id = actor.tenant_id
    try:
        old_ids = select(CatalogueProgram.id).where(CatalogueProgram.tenant_id == tenant_id)
        db.session.execute(
            update(PostsecondaryOption)
            .where(PostsecondaryOption.catalogue_program_id.in_(old_ids))
            .values(catalogue_program_id=None)
            .execution_options(synchronize_session=False)
        )
        replaced = cast(
            CursorResult[Any],
            db.session.execute(
                delete(CatalogueProgram)
                .where(CatalogueProgram.tenant_id == tenant_id)
                .execution_options(synchronize_session=False)
            ),
        )
        db.session.add_all(
            CatalogueProgram(tenant_id=tenant_id, source_release=release, **row) for row in rows
        )
        audit.record(
            "catalogue.import",
            tenant_id=tenant_id,
            actor_id=actor.person_id,
            subject_type="catalogue",
            format=layout,
            imported=len(rows),
            skipped=skipped,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(
        layout=layout, imported=len(rows), skipped=skipped, replaced=int(replaced.rowcount or 0)
    )


@dataclass(frozen=True, slots=True)
class CatalogueSummary:
    """How big the tenant's catalogue is and where it came from."""

    total: int
    by_kind: dict[str, int]
    sources: list[tuple[str, str]]


def summary(tenant_id: int) -> CatalogueSummary:
    """Counts by kind, and the (source, release) pairs of the tenant's catalogue."""
    by_kind = dict(
        db.session.execute(
            select(CatalogueProgram.kind, func.count())
            .where(CatalogueProgram.tenant_id == tenant_id)
            .group_by(CatalogueProgram.kind)
        ).all()
    )
    sources = [
        (s, r)
        for s, r in db.session.execute(
            select(CatalogueProgram.source, CatalogueProgram.source_release)
            .where(CatalogueProgram.tenant_id == tenant_id)
            .distinct()
            .order_by(CatalogueProgram.source, CatalogueProgram.source_release)
        ).all()
    ]
    return CatalogueSummary(
        total=sum(by_kind.values()),
        by_kind={str(k): n for k, n in by_kind.items()},
        sources=sources,
    )


def states(tenant_id: int) -> list[str]:
    """The states the tenant's catalogue has programs in."""
    return list(
        db.session.execute(
            select(CatalogueProgram.state)
            .where(CatalogueProgram.tenant_id == tenant_id, CatalogueProgram.state != "")
            .distinct()
            .order_by(CatalogueProgram.state)
        ).scalars()
    )


def search(
    tenant_id: int, *, text: str = "", kind: str = "", state: str = "", limit: int = 50
) -> tuple[list[CatalogueProgram], int]:
    """Catalogue rows matching all of ``text`` (name, institution, city, credential),
    ``kind`` and ``state`` (empty: any), by name; and how many matched in all."""
    query = select(CatalogueProgram).where(CatalogueProgram.tenant_id == tenant_id)
    if kind:
        if kind not in PROGRAM_KIND_LABELS:
            raise InvalidInput("Kind: choose one of the kinds listed.")
        query = query.where(CatalogueProgram.kind == ProgramKind(kind))
    if state:
        query = query.where(CatalogueProgram.state == state.strip().upper()[:2])
    for word in text.split()[:8]:
        escaped = word.casefold()[:100].replace("\\", "\\\\").replace("%", "\\%")
        pattern = "%" + escaped.replace("_", "\\_") + "%"
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        CatalogueProgram.name,
                        CatalogueProgram.institution,
                        CatalogueProgram.city,
                        CatalogueProgram.credential,
                    )
                )
            )
        )
    total = int(db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    rows = db.session.execute(
        query.order_by(
            CatalogueProgram.name, CatalogueProgram.institution, CatalogueProgram.id
        ).limit(limit)
    ).scalars()
    return list(rows), total


def get_program(tenant_id: int, program_id: int) -> CatalogueProgram:
    """A catalogue row of the tenant. :raises NotFound: otherwise."""
    program = db.session.get(CatalogueProgram, program_id)
    if program is None or program.tenant_id != tenant_id:
        raise NotFound("That program is not in your district's catalogue.")
    return program

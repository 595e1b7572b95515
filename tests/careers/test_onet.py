"""The O*NET importer: text zip, Excel zip and folder releases; bad files change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lti_tool.careers import onet
from lti_tool.careers.models import OnetOccupation, OnetRelatedOccupation, OnetRelease
from lti_tool.errors import InvalidInput
from lti_tool.extensions import db
from tests.careers import onet_files


def _count(model: type[Any]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _assert_sample_loaded(release_name: str) -> None:
    release = onet.current_release()
    assert release is not None and release.name == release_name
    assert _count(OnetOccupation) == 4
    dev = db.session.get(OnetOccupation, "15-1252.00")
    assert dev is not None
    assert dev.soc_code == "15-1252"
    assert dev.title == "Software Developers"
    assert dev.description.startswith("Research, design")
    assert (dev.realistic, dev.investigative, dev.conventional) == (2.31, 6.55, 5.10)
    assert dev.high_point_code == "ICR"
    assert dev.job_zone == 4
    assert [(r.related_code, r.tier, r.rank) for r in dev.related] == [
        ("15-1251.00", "Primary-Short", 1),
        ("15-1253.00", "Primary-Short", 2),
        ("15-1299.08", "Primary-Long", 6),
    ]
    electrician = db.session.get(OnetOccupation, "47-2111.00")
    assert electrician is not None and electrician.high_point_code == "RC"  # third: none
    nurse = db.session.get(OnetOccupation, "29-1141.00")
    assert nurse is not None and nurse.description == 'Assess patient health problems and "needs".'


def test_text_zip_29x(app: Flask, tmp_path: Path) -> None:
    path = onet_files.text_zip(tmp_path / "db_29_1_text.zip")
    with app.app_context():
        summary = onet.load_onet(path)
        assert summary.name == "O*NET 29.1 Database"
        assert summary.release_date == "November 2024 Release"
        assert (summary.occupations, summary.with_interests, summary.with_job_zone) == (4, 4, 4)
        assert summary.related == 5
        _assert_sample_loaded("O*NET 29.1 Database")
        release = onet.current_release()
        assert release is not None and release.source_name == "db_29_1_text.zip"


def test_excel_zip_30x_named_by_its_file_name(app: Flask, tmp_path: Path) -> None:
    path = onet_files.excel_zip(tmp_path / "db_30_0_excel.zip")
    with app.app_context():
        summary = onet.load_onet(path)
        assert summary.release_date is None
        _assert_sample_loaded("O*NET 30.0 Database")


def test_excel_zip_with_read_me(app: Flask, tmp_path: Path) -> None:
    path = onet_files.excel_zip(tmp_path / "onet.zip", folder="", with_readme=True)
    with app.app_context():
        summary = onet.load_onet(path)
        assert (summary.name, summary.release_date) == (
            "O*NET 30.0 Database",
            "August 2025 Release",
        )


def test_folder_with_other_spellings_of_the_names(app: Flask, tmp_path: Path) -> None:
    names = {
        "Occupation Data": "occupation_data.txt",
        "Interests": "INTERESTS.TXT",
        "Job Zones": "job-zones.txt",
        "Related Occupations": "Related Occupations.txt",
    }
    path = onet_files.folder(tmp_path / "db_30_1_text" / "nested", names=names, with_readme=False)
    with app.app_context():
        with pytest.raises(InvalidInput, match="--release"):
            onet.load_onet(path)  # neither a Read Me nor a release-like name
        assert onet.current_release() is None
        onet.load_onet(path, release="30.1")
        _assert_sample_loaded("O*NET 30.1 Database")
        onet.load_onet(tmp_path / "db_30_1_text")  # the parent folder names the release
        _assert_sample_loaded("O*NET 30.1 Database")


def test_text_zip_30x_without_a_folder(app: Flask, tmp_path: Path) -> None:
    path = onet_files.text_zip(tmp_path / "db_30_1_text.zip", folder="", with_readme=False)
    with app.app_context():
        onet.load_onet(path)
        _assert_sample_loaded("O*NET 30.1 Database")


def test_a_new_release_replaces_the_old_one(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        onet.load_onet(onet_files.text_zip(tmp_path / "db_29_1_text.zip"))
        smaller = onet_files.tables()
        smaller["Occupation Data"] = smaller["Occupation Data"][:2]
        only_dev = {
            name: onet_files.text([rows[0], *[r for r in rows[1:] if r[0] == "15-1252.00"]])
            for name, rows in smaller.items()
        }
        onet.load_onet(onet_files.text_zip(tmp_path / "db_29_2_text.zip", replace=only_dev))
        assert onet.current_release().name == "O*NET 29.1 Database"  # type: ignore[union-attr]
        assert _count(OnetOccupation) == 1
        assert _count(OnetRelatedOccupation) == 3
        assert _count(OnetRelease) == 1


def _broken(name: str, rows: list[list[str]]) -> dict[str, bytes]:
    return {name: onet_files.text(rows)}


def _rows(name: str) -> list[list[str]]:
    return [list(r) for r in onet_files.tables()[name]]


def _with(name: str, index: int, column: int, value: str) -> dict[str, bytes]:
    rows = _rows(name)
    rows[index][column] = value
    return _broken(name, rows)


BAD_RELEASES: dict[str, tuple[dict[str, bytes], str]] = {
    "no Interests file": ({"-Interests": b""}, "no 'Interests' file"),
    "a column missing": (
        _broken("Job Zones", [[r[0], *r[2:]] for r in _rows("Job Zones")]),
        "missing the column(s) 'Job Zone'",
    ),
    "a bad O*NET-SOC code": (_with("Occupation Data", 1, 0, "151252"), "not an O*NET-SOC code"),
    "a NUL byte": ({"Occupation Data": b"O*NET-SOC Code\tTitle\x00\tDescription\r\n"}, "NUL"),
    "Job Zone 7": (_with("Job Zones", 1, 1, "7"), "Job Zone '7' is not 1-5"),
    "an interest level of 9": (_with("Interests", 1, 4, "9.00"), "outside 1-7"),
    "an interest value that is no number": (_with("Interests", 2, 4, "high"), "not a number"),
    "a high-point of 8": (_with("Interests", 7, 4, "8.00"), "not 0-6"),
    "an occupation Occupation Data lacks": (
        _with("Interests", 1, 0, "53-9999.00"),
        "53-9999.00 is not in Occupation Data",
    ),
    "an Index that is no number": (_with("Related Occupations", 1, 3, "first"), "Index 'first'"),
    "a duplicate occupation": (
        _broken("Occupation Data", [*_rows("Occupation Data"), _rows("Occupation Data")[1]]),
        "appears twice",
    ),
    "an empty file": ({"Job Zones": b""}, "Job Zones.txt: the file is empty"),
}


@pytest.mark.parametrize("case", list(BAD_RELEASES))
def test_a_bad_release_changes_nothing(app: Flask, tmp_path: Path, case: str) -> None:
    replace, message = BAD_RELEASES[case]
    with app.app_context():
        onet.load_onet(onet_files.text_zip(tmp_path / "db_29_1_text.zip"))
        bad = onet_files.text_zip(tmp_path / "db_30_0_text.zip", replace=replace)
        with pytest.raises(InvalidInput) as raised:
            onet.load_onet(bad)
        assert message in raised.value.message
        db.session.rollback()
        _assert_sample_loaded("O*NET 29.1 Database")


def test_not_a_release(app: Flask, tmp_path: Path) -> None:
    not_zip = tmp_path / "db_29_1_text.zip"
    not_zip.write_bytes(b"this is not a zip file")
    broken_excel = tmp_path / "db_30_0_excel.zip"
    onet_files.excel_zip(broken_excel)
    with app.app_context():
        with pytest.raises(InvalidInput, match="not a zip file or a folder"):
            onet.load_onet(not_zip)
        empty = tmp_path / "empty"
        empty.mkdir()
        with pytest.raises(InvalidInput, match="no 'Occupation Data', 'Interests'"):
            onet.load_onet(empty)
        import zipfile

        with zipfile.ZipFile(tmp_path / "db_30_0_excel_bad.zip", "w") as archive:
            for name in onet_files.HEADERS:
                archive.writestr(f"db_30_0_excel/{name}.xlsx", b"PK\x03\x04 not really a workbook")
        with pytest.raises(InvalidInput, match="not a readable Excel workbook"):
            onet.load_onet(tmp_path / "db_30_0_excel_bad.zip")
        assert onet.current_release() is None


def test_attribution_names_the_release_and_the_license(app: Flask, tmp_path: Path) -> None:
    text = onet.attribution("O*NET 29.1 Database")
    assert text == (
        "This page includes information from the O*NET 29.1 Database by the U.S. Department "
        "of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY "
        "4.0 license. O*NET® is a trademark of USDOL/ETA."
    )
    with app.app_context():
        onet.load_onet(onet_files.text_zip(tmp_path / "db_29_1_text.zip"))
        assert "O*NET 29.1 Database" in onet.attribution()


def test_ilp_reference_load_onet(app: Flask, runner: Any, tmp_path: Path) -> None:
    good = onet_files.text_zip(tmp_path / "db_29_1_text.zip")
    result = runner.invoke(args=["reference", "load-onet", str(good)])
    assert result.exit_code == 0, result.output
    assert "Loaded O*NET 29.1 Database (November 2024 Release): 4 occupations" in result.output
    assert "Used under the CC BY 4.0 license" in result.output
    bad = onet_files.text_zip(tmp_path / "db_30_0_text.zip", replace={"-Job Zones": b""})
    result = runner.invoke(args=["reference", "load-onet", str(bad)])
    assert result.exit_code == 2
    assert "Error: db_30_0_text.zip: no 'Job Zones' file found" in result.output
    with app.app_context():
        _assert_sample_loaded("O*NET 29.1 Database")

"""Upload reading: ``portfolio.files.read_upload`` accepts a work sample only when its
extension is one we take, its first bytes match that type, it is not empty and not over
5 MB; a text file must hold no NUL byte. The stored name is the file's own name, cleaned.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from werkzeug.datastructures import FileStorage

from lti_tool.errors import InvalidInput
from lti_tool.portfolio.files import (
    FILE_TYPES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_REQUEST_BYTES,
    read_upload,
)

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF87 = b"GIF87a" + b"\x00" * 8
GIF89 = b"GIF89a" + b"\x00" * 8
ZIP = b"PK\x03\x04" + b"\x00" * 26
TEXT = "My reflection on the bridge project. Café, naïve, 東京.\n".encode()

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(filename: str | None, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename)


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("essay.pdf", PDF, "application/pdf"),
        ("ESSAY.PDF", PDF, "application/pdf"),
        ("poster.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.JPEG", JPEG, "image/jpeg"),
        ("old.gif", GIF87, "image/gif"),
        ("new.gif", GIF89, "image/gif"),
        ("notes.txt", TEXT, "text/plain"),
        ("one-byte.txt", b"x", "text/plain"),
        ("report.docx", ZIP, DOCX),
        (
            "slides.pptx",
            ZIP,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("budget.xlsx", ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("story.odt", ZIP, "application/vnd.oasis.opendocument.text"),
        ("archive.tar.pdf", PDF, "application/pdf"),
    ],
)
def test_accepted(filename: str, data: bytes, content_type: str) -> None:
    got = read_upload(upload(filename, data))
    assert got.content_type == content_type
    assert got.data == data
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.filename == filename


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        # Nothing chosen.
        (None, PDF, "Choose a file"),
        ("", PDF, "Choose a file"),
        # Types we do not take, whatever the bytes.
        ("setup.exe", b"MZ\x90\x00", "cannot be added"),
        ("page.html", b"<html><script>alert(1)</script>", "cannot be added"),
        ("image.svg", b"<svg onload='alert(1)'/>", "cannot be added"),
        ("macro.docm", ZIP, "cannot be added"),
        ("no-extension", PDF, "cannot be added"),
        ("pdf", PDF, "cannot be added"),
        ("trailing-dot.pdf.", PDF, "cannot be added"),
        ("essay.pdf ", PDF, "cannot be added"),
        # Content that does not match the extension (sniffed from the first bytes).
        ("essay.pdf", PNG, "does not look like a PDF"),
        ("essay.pdf", b"<html>%PDF-", "does not look like a PDF"),
        ("photo.png", JPEG, "does not look like a PNG image"),
        ("photo.jpg", PNG, "does not look like a JPEG image"),
        ("anim.gif", b"GIF90a", "does not look like a GIF image"),
        ("report.docx", PDF, "does not look like a Word document"),
        ("report.docx", b"PK\x05\x06" + b"\x00" * 18, "does not look like a Word document"),
        ("slides.pptx", TEXT, "does not look like a PowerPoint presentation"),
        # A text file with a NUL byte is binary (UTF-16 text is too).
        ("notes.txt", b"abc\x00def", "does not look like a text file"),
        ("notes.txt", "hello".encode("utf-16"), "does not look like a text file"),
        ("notes.txt", b"\x00", "does not look like a text file"),
        # Empty files.
        ("empty.txt", b"", "The file is empty"),
        ("empty.pdf", b"", "The file is empty"),
    ],
)
def test_refused(filename: str | None, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_upload(upload(filename, data))


def test_refusing_no_upload_at_all() -> None:
    with pytest.raises(InvalidInput, match="Choose a file"):
        read_upload(None)


@pytest.mark.parametrize(
    ("size", "ok"),
    [
        (MAX_UPLOAD_BYTES - 1, True),
        (MAX_UPLOAD_BYTES, True),
        (MAX_UPLOAD_BYTES + 1, False),
        (MAX_UPLOAD_BYTES * 2, False),
    ],
)
def test_size_limit(size: int, ok: bool) -> None:
    data = PDF + b"0" * (size - len(PDF))
    if ok:
        assert len(read_upload(upload("big.pdf", data)).data) == size
    else:
        with pytest.raises(InvalidInput, match="larger than 5 MB"):
            read_upload(upload("big.pdf", data))


def test_reading_stops_after_the_limit() -> None:
    """An oversized stream is not read to its end (at most the limit plus one byte)."""
    stream = io.BytesIO(PDF + b"0" * (MAX_UPLOAD_BYTES * 3))
    with pytest.raises(InvalidInput):
        read_upload(FileStorage(stream=stream, filename="huge.pdf"))
    assert stream.tell() == MAX_UPLOAD_BYTES + 1


def test_the_request_limit_leaves_room_for_the_form() -> None:
    assert MAX_UPLOAD_REQUEST_BYTES > MAX_UPLOAD_BYTES
    assert MAX_UPLOAD_BYTES == 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("essay.pdf", "essay.pdf"),
        ("C:\\Users\\sam\\Documents\\essay.pdf", "essay.pdf"),
        ("/home/sam/essay.pdf", "essay.pdf"),
        ("../../etc/essay.pdf", "essay.pdf"),
        ('"<my>:essay|?*;.pdf', "myessay.pdf"),
        ("ess\x00ay\x07.pdf", "essay.pdf"),
        ("essay\u202egpj.pdf", "essaygpj.pdf"),  # right-to-left override removed
        ("  essay.pdf", "essay.pdf"),
        (".pdf", "work-sample.pdf"),
        ("...pdf", "work-sample.pdf"),
        ("Cafe\u0301.pdf", "Café.pdf"),  # NFC
    ],
)
def test_stored_filename(sent: str, stored: str) -> None:
    assert read_upload(upload(sent, PDF)).filename == stored


def test_a_long_filename_is_cut_and_keeps_its_extension() -> None:
    got = read_upload(upload("a" * 400 + ".pdf", PDF)).filename
    assert len(got) <= 255
    assert got.endswith(".pdf")
    assert got.startswith("aaaa")


def test_every_type_has_a_content_type_and_a_label() -> None:
    for ext, kind in FILE_TYPES.items():
        assert ext == ext.lower()
        assert kind.content_type and kind.label
        assert kind.magic is None or all(kind.magic)

"""Uploaded work samples and stored files.

An upload is accepted only when its extension is one we take, its first bytes match that
type, it is not empty and not over 5 MB. Stored files are read within the actor's tenant,
and every download writes a ``file.download`` audit event.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lti_tool import audit
from lti_tool.actor import Actor
from lti_tool.errors import InvalidInput, NotFound, TooLarge
from lti_tool.extensions import db
from lti_tool.models import Person
from lti_tool.portfolio.models import Evidence, StoredFile

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: What a request to the upload endpoint may carry at most.
#:
#: Why this is much larger than the file limit: werkzeug refuses a body over the request cap
#: (413, ``RequestEntityTooLarge``) before it reads any of it, so the title, the reflection
#: and the goal choice typed with the file would be lost with it. So the request cap is
#: generous, and the file limit is checked on the parsed form instead (``read_upload``),
#: which shows the same form again with every other field kept. The upload view keeps at
#: most ``MAX_UPLOAD_BYTES + 1`` bytes of each file while the body is parsed and drops the
#: rest (``hygiene.CappedFile``), so a big file costs network time, not memory or disk. Only
#: a body over this cap (a phone video of several minutes, say) still gets the bare 413;
#: the browser-side check in ``pages.js`` stops those before they are sent.
MAX_UPLOAD_REQUEST_BYTES = 64 * 1024 * 1024
TOO_LARGE = (
    "The file is larger than 5 MB. Choose a smaller file, or link to it with a web "
    "address instead. Everything else you typed is still here."
)


@dataclass(frozen=True)
class FileType:
    """An upload type we accept: its content type and the bytes its files start with."""

    content_type: str
    label: str
    #: Leading bytes of a genuine file (None: plain text, checked for NUL bytes instead).
    magic: tuple[bytes, ...] | None


_ZIP = (b"PK\x03\x04",)
FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", "PDF", (b"%PDF-",)),
    "png": FileType("image/png", "PNG image", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": FileType("image/jpeg", "JPEG image", (b"\xff\xd8\xff",)),
    "jpeg": FileType("image/jpeg", "JPEG image", (b"\xff\xd8\xff",)),
    "gif": FileType("image/gif", "GIF image", (b"GIF87a", b"GIF89a")),
    "txt": FileType("text/plain", "text file", None),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document",
        _ZIP,
    ),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint presentation",
        _ZIP,
    ),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook", _ZIP
    ),
    "odt": FileType("application/vnd.oasis.opendocument.text", "OpenDocument text", _ZIP),
}
ACCEPTED_FILES = (
    "PDF, PNG, JPEG, GIF, text (.txt), Word (.docx), PowerPoint (.pptx), "
    "Excel (.xlsx) or OpenDocument text (.odt)"
)


@dataclass(frozen=True)
class Upload:
    """A validated upload, read into memory."""

    filename: str
    content_type: str
    data: bytes
    sha256: str


def _clean_filename(raw: str, ext: str) -> str:
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*;'
    )
    name = name.strip(" .")
    if not name or "." not in name:
        name = f"work-sample.{ext}"
    if len(name) > 255:
        name = name[: 250 - len(ext)].rstrip() + "." + ext
    return name


def read_upload(storage: FileStorage | None) -> Upload:
    """Read and check an uploaded work sample.

    :raises InvalidInput: no file, a type we do not accept, contents that do not match the
        extension or an empty file.
    :raises TooLarge: a file over 5 MB.
    """
    if storage is None or not storage.filename:
        raise InvalidInput("Choose a file to upload.")
    raw = storage.filename
    ext = raw.rsplit(".", 1)[-1].lower() if "." in raw else ""
    kind = FILE_TYPES.get(ext)
    if kind is None:
        raise InvalidInput(f"Files of this type cannot be added. Upload a {ACCEPTED_FILES} file.")
    data = storage.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(TOO_LARGE)
    if not data:
        raise InvalidInput("The file is empty.")
    if kind.magic is None:
        if b"\x00" in data:
            raise InvalidInput(f"The file does not look like a {kind.label}.")
    elif not data.startswith(kind.magic):
        raise InvalidInput(
            f"The file does not look like a {kind.label}. Upload a {ACCEPTED_FILES} file."
        )
    return Upload(
        filename=_clean_filename(raw, ext),
        content_type=kind.content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def too_large(storage: FileStorage | None) -> bool:
    """Whether an uploaded file is over 5 MB (checked before the rest of the form, so the
    page can give every message at once)."""
    if storage is None or not storage.filename:
        return False
    stream = storage.stream
    size = stream.seek(0, 2)
    stream.seek(0)
    return size > MAX_UPLOAD_BYTES


def file_owner(stored: StoredFile) -> Person:
    """Whose work sample a stored file is (what a download is checked against).

    :raises NotFound: when the owner is gone.
    """
    owner = db.session.get(Person, stored.owner_id)
    if owner is None:
        raise NotFound()
    return owner


def require_in_portfolio(actor: Actor, stored: StoredFile) -> None:
    """A file whose evidence the student removed (waiting for undo or the purge) is theirs
    alone until they bring it back: nobody else may download it.

    :raises NotFound: for anyone but the owner when no evidence in a portfolio uses the file.
    """
    if actor.person_id == stored.owner_id:
        return
    in_use = db.session.execute(
        select(Evidence.id).where(Evidence.file_id == stored.id).limit(1)
    ).first()  # the soft-delete filter leaves removed evidence out
    if in_use is None:
        raise NotFound("This file is no longer in the student's portfolio.")


def record_download(actor: Actor, stored: StoredFile) -> None:
    """Audit a file download (the caller checked ``READ_PLAN`` on the owner)."""
    audit.record(
        "file.download",
        tenant_id=actor.tenant_id,
        actor_id=actor.person_id,
        subject_type="file",
        subject_id=stored.id,
        student_id=stored.owner_id,
        sha256=stored.sha256,
    )
    db.session.commit()

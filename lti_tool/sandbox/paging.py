"""Opaque cursor paging shared by NRPS and AGS container endpoints.

Cursors are short lowercase strings (some LTI libraries lowercase the whole
``Link`` header before parsing it, so the cursor must survive that).  Next-page
URLs are absolute and keep every other query parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar
from urllib.parse import urlencode

from .state import SandboxError

T = TypeVar("T")

MAX_LIMIT = 1000
_CURSOR_PREFIX = "o"


def encode_cursor(offset: int) -> str:
    """Encode an offset as an opaque, lowercase cursor."""
    return f"{_CURSOR_PREFIX}{offset:x}"


def decode_cursor(cursor: str | None) -> int:
    """Decode a cursor made by :func:`encode_cursor`; ``None`` means the first page."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.startswith(_CURSOR_PREFIX):
        raise SandboxError("invalid page cursor")
    try:
        offset = int(cursor[len(_CURSOR_PREFIX) :], 16)
    except ValueError as exc:
        raise SandboxError("invalid page cursor") from exc
    if offset < 0:
        raise SandboxError("invalid page cursor")
    return offset


def parse_limit(raw: str | None, default: int) -> int:
    """Parse the ``limit`` query parameter (1..1000)."""
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError as exc:
        raise SandboxError("limit must be an integer") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise SandboxError(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def paginate(
    items: Sequence[T],
    *,
    base_url: str,
    args: Mapping[str, str],
    default_limit: int,
) -> tuple[Sequence[T], str | None]:
    """Slice one page out of ``items``.

    ``args`` are the request's query parameters (``limit`` and ``cursor`` are
    read from it; the others are carried into the next URL).  Returns the page
    and the absolute URL of the next page, or ``None`` on the last page.
    """
    limit = parse_limit(args.get("limit"), default_limit)
    offset = decode_cursor(args.get("cursor"))
    page = items[offset : offset + limit]
    if offset + limit >= len(items):
        return page, None
    query = {k: v for k, v in args.items() if k not in {"cursor", "limit"}}
    query["limit"] = str(limit)
    query["cursor"] = encode_cursor(offset + limit)
    return page, f"{base_url}?{urlencode(query)}"


def link_header(next_url: str) -> str:
    """Format a ``Link`` header value for the next page."""
    return f'<{next_url}>; rel="next"'

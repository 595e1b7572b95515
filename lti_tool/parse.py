"""Reading values an LMS sends: text, numbers and dates, one way everywhere.

NRPS and AGS, Canvas and Schoology answer in JSON whose values are sometimes strings,
sometimes numbers, sometimes empty. Every client reads them with these helpers, so the same
value means the same thing whichever LMS sent it:

* :func:`str_or_none`: text without surrounding whitespace; ``None`` for nothing or blank;
* :func:`finite_float` and :func:`int_or_none`: a number, or ``None`` for anything that is
  not one (booleans, blanks, ``NaN`` and infinities included);
* :func:`digits_int`: a whole number a person typed or a form sent (a grade, a page, an
  id): ASCII digits only and bounded, so ``"²"`` or a 25-digit id is refused, not a 500;
* :func:`utc_datetime`: an ISO 8601 date and time (with ``Z`` or an offset, or local time in
  a given zone) as an aware UTC ``datetime``; :func:`epoch_datetime` the same for seconds
  since 1970.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from typing import Any

log = logging.getLogger(__name__)


def str_or_none(value: Any) -> str | None:
    """``value`` as text without surrounding whitespace, or None for None and blank text."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def finite_float(value: Any) -> float | None:
    """``value`` as a finite float, or None (None, booleans, blanks, junk, NaN, infinity)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def int_or_none(value: Any) -> int | None:
    """``value`` as an int (a whole number written as text too), or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


#: What a form's whole number may look like: ASCII digits, at most nine (below any
#: database's integer limit). ``str.isdigit`` also accepts "²" and other digits ``int``
#: refuses.
_DIGITS = re.compile(r"[0-9]{1,9}")


def digits_int(value: Any, low: int = 0, high: int = 999_999_999) -> int | None:
    """``value`` (form or query-string text) as a whole number from ``low`` to ``high``, or
    None for anything else: blank, signs, spaces inside, non-ASCII digits, too many digits,
    out of range. Surrounding whitespace is ignored."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def utc_datetime(value: Any, *, naive_zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """An aware UTC datetime from an ISO 8601 string (``Z`` or an offset) or a datetime.

    A value without an offset is read as wall-clock time in ``naive_zone`` (UTC unless the
    caller knows better, e.g. a Schoology school's zone). None for nothing, or for text that
    is not an ISO 8601 date and time (logged without the value's context).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            log.warning("Ignoring an unreadable date %r", value[:40])
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed.astimezone(dt.UTC)


def epoch_datetime(value: Any) -> dt.datetime | None:
    """An aware UTC datetime from seconds since 1970 (a number or its text); None for 0,
    nothing or junk."""
    seconds = finite_float(value)
    if not seconds:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None

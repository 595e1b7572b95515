"""Input hygiene in one place: text, numbers and URLs that come from outside.

Every string a browser sends (``request.form``, ``request.args``) and every text claim of a
launch passes :func:`clean_text`: NUL and the other control characters (C0 except tab, line
feed and carriage return; DEL; C1) and lone UTF-16 surrogates are removed. PostgreSQL refuses
NUL in text (``ValueError: A string literal cannot contain NUL``) and cannot encode a lone
surrogate, so without this a student typing one byte got a 500 and an LMS name with one broke
every launch of that person.

:func:`split_url` is the one safe ``urlsplit`` for URLs we did not write ourselves: it returns
None instead of raising ``ValueError`` (``http://[::1`` or a port out of range).
:func:`http_url` is the one URL-safety rule: every URL from outside (an LMS claim or setting,
a registration answer, a form, a header) passes it before it is fetched, linked to, framed
or compared, and :func:`origin` is the one way to compare where URLs point.
:class:`FiniteDecimalField` refuses ``NaN``, ``sNaN`` and ``Infinity``, which
``decimal.Decimal`` parses and which crash comparisons (``sNaN`` signals on any).
"""

from __future__ import annotations

import decimal
import io
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any
from urllib.parse import SplitResult, urlsplit

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import DecimalField, Form, StringField
from wtforms.validators import StopValidation

#: Characters never kept in stored text: C0 controls but tab, LF and CR; DEL; C1 controls;
#: lone surrogates (JSON ``"\\ud800"`` decodes to one).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` without control characters (tab and line breaks are kept)."""
    return _CONTROL.sub("", value)


def clean_value(value: Any) -> Any:
    """:func:`clean_text` for strings; anything else (a file, None, a number) unchanged."""
    return clean_text(value) if isinstance(value, str) else value


def clean_claim(value: Any) -> Any:
    """A JSON claim value with every string in it cleaned (objects and lists recursively)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_value(k): clean_claim(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_claim(v) for v in value]
    return value


class CleanMultiDict(ImmutableMultiDict):  # type: ignore[type-arg]
    """The request's form and query parameters, cleaned as Werkzeug parses them."""

    def __init__(self, mapping: Any = None) -> None:
        if isinstance(mapping, Iterable) and not isinstance(mapping, (Mapping, str, bytes)):
            mapping = [(clean_value(k), clean_value(v)) for k, v in mapping]
        elif hasattr(mapping, "getlist"):
            mapping = [(clean_value(k), clean_value(v)) for k, v in mapping.items(multi=True)]
        elif isinstance(mapping, Mapping):
            mapping = {clean_value(k): clean_claim(v) for k, v in mapping.items()}
        super().__init__(mapping)


class CleanRequest(Request):
    """Flask's request whose ``form``, ``args`` and ``values`` hold cleaned text only.

    Werkzeug builds all three with ``parameter_storage_class``, so every view (those using a
    form class and those reading ``request.form`` directly) sees the same cleaned values.
    """

    parameter_storage_class = CleanMultiDict

    #: When set (by a view's ``url_value_preprocessor``, before the body is read), each
    #: uploaded file keeps at most this many bytes plus one: the rest of a bigger file is
    #: read and dropped, so the form's other fields still arrive and the view can say "too
    #: large" on the same form, while memory and disk hold no more than the cap.
    max_file_bytes: int | None = None

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self.max_file_bytes is None:
            return super()._get_file_stream(
                total_content_length, content_type, filename, content_length
            )
        return CappedFile(self.max_file_bytes + 1)


class CappedFile(io.BytesIO):
    """An in-memory upload that keeps its first ``cap`` bytes and drops the rest."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: Any) -> int:
        room = self.cap - self.tell()
        if room > 0:
            super().write(bytes(data[:room]))
        return len(data)


# -- forms ---------------------------------------------------------------------------------


def strip_text(value: Any) -> Any:
    """WTForms filter: cleaned text without surrounding whitespace."""
    return clean_text(value).strip() if isinstance(value, str) else value


class CleanForm(Form):
    """Base form: every text field is cleaned and stripped, whatever fed the form."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = list(unbound_field.kwargs.get("filters", []))
            if issubclass(unbound_field.field_class, StringField) and strip_text not in filters:
                filters.append(strip_text)
            return unbound_field.bind(form=form, filters=filters, **options)


class FiniteDecimalField(DecimalField):
    """A decimal that must be a finite number: ``NaN``, ``sNaN`` and ``Infinity`` are a field
    error (the typed text is kept for the page), never reach a range check."""

    data: decimal.Decimal | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not str(valuelist[0]).strip():
            # A browser sends an empty box as "": no number, which ``Optional()`` allows
            # (the range check never sees it) and ``InputRequired()`` refuses.
            self.data = None
            return
        super().process_formdata(valuelist)
        if isinstance(self.data, decimal.Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            # The value could not be read: range checks would only repeat the complaint.
            raise StopValidation()


# -- URLs ----------------------------------------------------------------------------------


def split_url(value: object) -> SplitResult | None:
    """``urlsplit(value)`` with its port checked, or None for anything that is not a URL.

    ``urlsplit`` raises ``ValueError`` for an unclosed IPv6 bracket (``http://[::1``) and
    ``.port`` raises for a port out of range; both mean "not a URL" here.
    """
    if not isinstance(value, str) or _CONTROL.search(value) or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    return parts


#: Characters no host name holds; in an origin they would break a CSP source list or markup.
_BAD_HOST = re.compile(r"[;,'\"*<>\\^`{|}()\[\]!$&+=]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def http_url(value: object, max_length: int = 2048) -> SplitResult | None:
    """The parts of an absolute http(s) URL with a host, or None.

    None for anything :func:`split_url` refuses, another scheme (``javascript:``,
    ``ftp:``), no host, port 0, a host with characters no host name has (``a.org;x``),
    anything but a port after an IPv6 address (``[::1]x``), or text longer than
    ``max_length``.
    """
    if not isinstance(value, str) or len(value) > max_length:
        return None
    parts = split_url(value)
    if parts is None or parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.port == 0 or _BAD_HOST.search(parts.hostname):
        return None
    host_and_port = parts.netloc.rpartition("@")[2]
    if host_and_port.startswith("[") and not re.fullmatch(r"\[[^\]]*\](:\d*)?", host_and_port):
        return None  # junk after an IPv6 address's bracket, which urlsplit lets through
    return parts


def origin(value: object) -> str | None:
    """The web origin of an http(s) URL as a browser writes it, or None.

    ``scheme://host[:port]`` in lower case, without user information, the default port
    left out and an IPv6 address in brackets; None for what :func:`http_url` refuses and for
    a host that is not ASCII (a header or a CSP source carries the punycode form only).
    """
    parts = http_url(value)
    if parts is None or parts.hostname is None or not parts.hostname.isascii():
        return None
    scheme, host, port = parts.scheme.lower(), parts.hostname.lower(), parts.port
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")

"""What every page's frame (``templates/base.html``) needs from the page inside it.

* ``page_sections``: the page's sections (its ``<h2>`` headings with an id, or with a
  ``<section id>`` around them) for the "Skip to" list at the top, so a keyboard user
  reaches the part they want in a few tab stops on a long page.
* ``local_time``: a stored UTC datetime in the school's time zone, with the zone's
  abbreviation (the district's setting, else the zone its LMS sent, see
  :mod:`lti_tool.tenants`).
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

from flask import Flask, g

from lti_tool import tenants

#: A page with fewer sections than this gets only "Skip to main content".
MIN_SECTIONS = 3


class _Headings(HTMLParser):
    """Collects (id, text) of each ``<h2>``: its own id, else its ``<section>``'s."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._sections: list[str] = []
        self._heading: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self._sections.append(a.get("id", ""))
        elif tag == "h2" and self._heading is None:
            self._heading = a.get("id") or (self._sections[-1] if self._sections else "")
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._sections:
            self._sections.pop()
        elif tag == "h2" and self._heading is not None:
            text = " ".join("".join(self._text).split())
            if self._heading and text:
                self.found.append((self._heading, text))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._text.append(data)


def page_sections(html: str) -> list[tuple[str, str]]:
    """The (id, heading) pairs of a page's sections, when there are enough to list."""
    parser = _Headings()
    parser.feed(str(html))
    parser.close()
    first: dict[str, str] = {}
    for section_id, heading in parser.found:
        first.setdefault(section_id, heading)
    return list(first.items()) if len(first) >= MIN_SECTIONS else []


def local_time(value: Any, form: str = "datetime") -> str:
    """``value`` (an aware UTC datetime) in the tenant's time zone: ``Dec 7, 2026, 10:15 AM CST``;
    ``form="date"`` gives the day alone (``Dec 7, 2026``, the local day); ``""`` for None.

    A naive datetime is taken as UTC (how the database stores every timestamp); a plain date
    is shown as it is.
    """
    if not value:
        return ""
    if not isinstance(value, dt.datetime):
        return f"{value:%b} {value.day}, {value.year}" if isinstance(value, dt.date) else str(value)
    local = to_local(value)
    day = f"{local:%b} {local.day}, {local.year}"
    if form == "date":
        return day
    hour = local.hour % 12 or 12
    return f"{day}, {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'} {local:%Z}"


def to_local(value: dt.datetime) -> dt.datetime:
    """A stored datetime (aware, or naive UTC) in the time zone of the request's tenant."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(request_zone())


def request_zone() -> Any:
    """The zone of the tenant this request acts in (asked once a request), else UTC."""
    if "local_zone" not in g:
        actor = g.get("actor")
        g.local_zone = tenants.tenant_zone(actor.tenant_id if actor is not None else None)
    return g.local_zone


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(page_sections=page_sections)
    app.jinja_env.filters["local_time"] = local_time

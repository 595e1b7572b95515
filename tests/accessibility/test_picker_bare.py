"""The Deep Linking picker opens inside the LMS's modal: it shows no navigation and no link
that would take the teacher out of the picker (the page, its error page and its answer)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from lti_tool.sandbox.data import WHIST_COURSE
from tests.lti_driver import DEEP_LINK, LtiDriver, token_of

TEACHER = "sbx-user-0003"  # teaches Introduction to Engineering Design
IED = "sbx-course-ied"
#: The picker's form for a reflection activity, as a teacher fills it in.
REFLECTION = {
    "activity": "reflection",
    "title": "Plan reflection",
    "instructions": "Say what this class's work shows about your plan.",
    "points": "10",
    "due": "",
    "scoring": "completion",
}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.navs: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
        elif tag == "nav":
            self.navs.append(a.get("aria-label") or "")
        elif tag == "form":
            self.forms.append(a.get("action") or "")


def _parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def _stays_in_picker(links: Links, picker_path: str) -> None:
    # Only the in-page "Skip to" list may be a <nav>; it names no other page.
    assert links.navs == ["Skip to"], links.navs
    leaving = [h for h in links.hrefs if not h.startswith("#")]
    assert not leaving, leaving
    assert all(urlsplit(f).path == picker_path for f in links.forms), links.forms


def test_picker_has_no_navigation_and_no_way_out(lti: LtiDriver) -> None:
    launch = lti.launch(lti.user(TEACHER), lti.course(IED), message_type=DEEP_LINK)
    picker_path = urlsplit(launch.headers["Location"]).path
    token = token_of(launch)
    page = lti.client.get(picker_path, query_string={"lt": token})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "site-nav" not in html and "Sign out" not in html
    _stays_in_picker(_parsed(html), picker_path)

    # A wrong choice ends on an error page: bare too.
    wrong = lti.client.post(picker_path, data={"lt": token, "activity": "no-such-activity"})
    assert wrong.status_code >= 400
    assert "site-nav" not in wrong.get_data(as_text=True)
    _stays_in_picker(_parsed(wrong.get_data(as_text=True)), picker_path)

    # The answer posts itself back to the LMS: no navigation, no link.
    answer = lti.client.post(picker_path, data={"lt": token, **REFLECTION})
    assert answer.status_code == 200
    sent = _parsed(answer.get_data(as_text=True))
    assert not sent.navs and not sent.hrefs


def test_the_same_person_outside_the_picker_has_navigation(lti: LtiDriver) -> None:
    launch = lti.launch(lti.user(TEACHER), lti.course(IED))
    page = lti.client.get(
        urlsplit(launch.headers["Location"]).path, query_string={"lt": token_of(launch)}
    )
    assert "site-nav" in page.get_data(as_text=True)


def test_moodle_picker_is_bare_too(lti: LtiDriver) -> None:
    """Moodle opens the picker in its own modal (the case that was reported)."""
    course = lti.course(WHIST_COURSE)
    teacher = next(
        u
        for u in lti.state.district.users.values()
        if u.kind == "teacher" and course in lti.state.district.courses_of(u.sub)
    )
    launch = lti.launch(teacher, course, message_type=DEEP_LINK)
    picker_path = urlsplit(launch.headers["Location"]).path
    page = lti.client.get(picker_path, query_string={"lt": token_of(launch)})
    assert page.status_code == 200
    _stays_in_picker(_parsed(page.get_data(as_text=True)), picker_path)

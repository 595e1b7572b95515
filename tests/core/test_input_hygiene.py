"""Input hygiene: control characters, non-finite decimals, malformed URLs, overlong launch
ids and hostile Deep Linking return URLs are refused or cleaned, never a 500.

Launches are real or forged with the sandbox LMS's key (as ``test_real_lms`` does); the
suite runs on SQLite and, with ``ILP_DATABASE_URL``, on PostgreSQL (which refuses NUL in
text, so a NUL that reached the database would fail there).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool import hygiene
from lti_tool.extensions import db
from lti_tool.models import Course, Person, ResourceLink
from lti_tool.plans.models import CoursePlanEntry, Plan
from tests.launch.test_real_lms import CLAIM, launch
from tests.lti_driver import DEEP_LINK, LtiDriver, token_of

IED = "sbx-course-ied"
TEACHER = "sbx-user-0003"  # teaches Introduction to Engineering Design


def post(lti: LtiDriver, lt: str, path: str, data: dict[str, Any]) -> Any:
    return lti.client.post(path, data={"lt": lt, **data})


# -- the rules themselves ----------------------------------------------------------------


def test_clean_text_keeps_tabs_and_line_breaks_only() -> None:
    assert hygiene.clean_text("a\x00b\x07c\x1b[0m\x7fd\x85e\ud800f") == "abc[0mdef"
    assert hygiene.clean_text("line 1\r\nline 2\tend") == "line 1\r\nline 2\tend"
    assert hygiene.clean_claim({"n\x00": ["x\x00", 3, {"y": "z\x01"}]}) == {
        "n": ["x", 3, {"y": "z"}]
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://[::1]:99999/",
        "https://h:-1/",
        "java\x00script:alert(1)",
        "https://a b/",
        7,
        None,
    ],
)
def test_split_url_never_raises(url: object) -> None:
    assert hygiene.split_url(url) is None
    assert hygiene.http_url(url) is None and hygiene.origin(url) is None


def test_http_url_needs_scheme_and_host() -> None:
    assert hygiene.origin("HTTPS://LMS.Example.org:8443/x?y") == "https://lms.example.org:8443"
    for bad in ("javascript:alert(1)", "https:///path", "ftp://lms.example.org/", "//lms/x"):
        assert hygiene.http_url(bad) is None


# -- forms ---------------------------------------------------------------------------------


def test_nul_in_plan_text_is_stored_without_it(lti: LtiDriver, app: Flask) -> None:
    lt = token_of(launch(lti, lti.person("student", 0)))
    answer = post(
        lti,
        lt,
        "/plans/me/courses",
        {
            "grade_level": "10",
            "course_name": "Robot\x00ics\x1b",
            "subject": "elective",
            "credits": "1",
            # A planned course has no final grade; a completed one does.
            "status": "completed",
            "final_grade": "A\x00",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    profile = post(lti, lt, "/plans/me/profile", {"about": "I like\x00 robots\x08.\nAnd art."})
    assert profile.status_code == 302, profile.get_data(as_text=True)
    with app.app_context():
        entry = db.session.execute(select(CoursePlanEntry)).scalar_one()
        assert (entry.course_name, entry.final_grade) == ("Robotics", "A")
        assert db.session.execute(select(Plan.about)).scalar_one() == "I like robots.\nAnd art."


def test_nul_in_a_query_parameter_is_dropped(lti: LtiDriver) -> None:
    lt = token_of(launch(lti, lti.person("student", 0)))
    page = lti.client.get("/plans/me/courses", query_string={"lt": lt, "year": "2026\x00"})
    assert page.status_code == 200


@pytest.mark.parametrize("credits", ["sNaN", "NaN", "-nan", "Infinity", "-Inf", "1e999999"])
def test_non_finite_credits_are_a_field_error(lti: LtiDriver, app: Flask, credits: str) -> None:
    lt = token_of(launch(lti, lti.person("student", 0)))
    answer = post(
        lti,
        lt,
        "/plans/me/courses",
        {
            "grade_level": "10",
            "course_name": "Robotics",
            "subject": "elective",
            "credits": credits,
            "status": "planned",
        },
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400, html
    assert "Not a valid decimal value." in html or "between 0.25 and 2" in html
    assert "Robotics" in html and f'value="{credits}"' in html  # what was typed stays
    with app.app_context():
        assert db.session.execute(select(CoursePlanEntry.id)).first() is None


def test_bad_evidence_url_is_a_field_error(lti: LtiDriver) -> None:
    from lti_tool.portfolio.forms import check_http_url

    assert check_http_url("http://[::1") == "That is not a valid web address."
    assert check_http_url("javascript:alert(1)") is not None
    assert check_http_url("https://example.org/work") is None


# -- URLs at login -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["http://[::1", "http://[::1]:70000/lti/launch", "javascript:alert(1)"]
)
def test_malformed_target_link_uri_is_a_400_page(lti: LtiDriver, target: str) -> None:
    answer = lti.client.get(
        "/lti/login",
        query_string={"iss": lti.state.issuer, "login_hint": "x", "target_link_uri": target},
    )
    assert answer.status_code == 400
    assert "target_link_uri" in answer.get_data(as_text=True)


# -- launch claims -------------------------------------------------------------------------


def test_nul_in_the_lms_name_never_breaks_a_launch(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    course = lti.course_of(student)
    context = dict(lti.claims(student, "n", course)[CLAIM + "context"], title="Bio\x00logy")
    for _ in range(2):  # the second launch updates the rows the first made
        answer = launch(
            lti,
            student,
            course,
            name="Ada\x00 Love\x1blace",
            given_name="Ada\x00",
            family_name="Lovelace\x07",
            **{CLAIM + "context": context},
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        person = db.session.execute(select(Person).where(Person.sub == student.sub)).scalar_one()
        assert (person.name, person.given_name, person.family_name) == (
            "Ada Lovelace",
            "Ada",
            "Lovelace",
        )
        assert (
            db.session.execute(
                select(Course.title).where(Course.context_id == course.context_id)
            ).scalar_one()
            == "Biology"
        )


@pytest.mark.parametrize("claim", ["sub", "context", "resource_link", "role_scope_mentor"])
def test_ids_longer_than_their_column_are_a_400(lti: LtiDriver, app: Flask, claim: str) -> None:
    student = lti.person("student", 0)
    course = lti.course_of(student)
    body = lti.claims(student, "n", course)
    long_id = "x" * 256
    overrides: dict[str, Any]
    if claim == "sub":
        overrides = {"sub": long_id}
    elif claim == "role_scope_mentor":
        overrides = {CLAIM + claim: ["ok", long_id]}
    else:
        overrides = {CLAIM + claim: dict(body[CLAIM + claim], id=long_id)}
    answer = launch(lti, student, course, **overrides)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert "longer than 255 characters" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Person.id)).first() is None


def test_ids_of_exactly_255_characters_are_kept(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    course = lti.course_of(student)
    link = dict(lti.claims(student, "n", course)[CLAIM + "resource_link"], id="r" * 255)
    for _ in range(2):
        assert launch(lti, student, course, **{CLAIM + "resource_link": link}).status_code == 302
    with app.app_context():
        assert db.session.execute(
            select(ResourceLink.resource_link_id).where(ResourceLink.resource_link_id == "r" * 255)
        ).scalar_one()


# -- the Deep Linking response -------------------------------------------------------------


def _picker_token(lti: LtiDriver, return_url: str | None) -> str:
    teacher, course = lti.user(TEACHER), lti.course(IED)
    state, nonce = lti.begin(teacher, course, message_type=DEEP_LINK)
    body = lti.claims(
        teacher,
        nonce,
        course,
        shape={"message_type": DEEP_LINK, "deep_link_return_url": return_url},
    )
    answer = lti.post_launch({"id_token": lti.sign(body), "state": state})
    return token_of(answer)


#: The activity picker's form as a teacher sends it (the plan reflection, its defaults).
PICKED = {
    "activity": "reflection",
    "title": "Plan reflection",
    "points": "10",
    "scoring": "completion",
}


@pytest.mark.parametrize(
    "return_url",
    [
        "javascript:alert(document.domain)//",
        'https://lms.example"><script>alert(1)</script>',
        '"><script>alert(1)</script>',
        "https://evil.example/deep_linking/return",
        "http://[::1/deep_linking/return",
    ],
)
def test_hostile_deep_link_return_url_is_refused(lti: LtiDriver, return_url: str) -> None:
    lt = _picker_token(lti, return_url)
    answer = lti.client.post("/portfolio/activities", data={"lt": lt, **PICKED})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400, html
    assert "<script>alert" not in html and "javascript:" not in html
    assert "return address" in html


def test_deep_link_response_is_our_escaped_form(lti: LtiDriver) -> None:
    # The platform's own host, with markup-looking characters in the query: posted there,
    # escaped in the page; no inline script.
    url = lti.state.url('/deep_linking/return?x="><b>&y=1')
    lt = _picker_token(lti, url)
    answer = lti.client.post("/portfolio/activities", data={"lt": lt, **PICKED})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    assert '"><b>' not in html and "&#34;&gt;&lt;b&gt;&amp;y=1" in html
    assert 'name="JWT"' in html and "<script src=" in html
    assert "<script>" not in html and "<script type" not in html


def test_platform_urls_must_parse(app: Flask) -> None:
    from lti_tool.errors import InvalidInput
    from lti_tool.launch.services import add_platform

    with app.app_context(), pytest.raises(InvalidInput, match="auth login URL"):
        add_platform(
            issuer="https://lms.example.org",
            client_id="c",
            deployment_ids=["d"],
            auth_login_url="https://[::1/auth",
            auth_token_url="https://lms/token",
            key_set_url="https://lms/jwks",
        )


def test_malformed_service_url_in_a_launch_is_not_kept(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    course = lti.course_of(student)
    nrps = {"context_memberships_url": "http://[::1/memberships", "service_versions": ["2.0"]}
    answer = launch(
        lti,
        student,
        course,
        **{"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": nrps},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(
                select(Course.nrps_url).where(Course.context_id == course.context_id)
            ).scalar_one()
            is None
        )


@pytest.mark.browser
def test_deep_link_response_posts_itself_in_chromium(lti: LtiDriver) -> None:
    """The response page (served as the tool would, its script from our static files) posts
    the JWT to the platform in a real browser; a page with markup in the URL runs nothing."""
    from pathlib import Path

    from tests.browser import chromium

    url = lti.state.url('/deep_linking/return?x="><svg/onload=alert(1)>')
    lt = _picker_token(lti, url)
    html = lti.client.post("/portfolio/activities", data={"lt": lt, **PICKED}).get_data(
        as_text=True
    )
    script = (Path(__file__).resolve().parents[2] / "lti_tool/static/autosubmit.js").read_text()
    tool = "http://tool.test"
    posted: list[dict[str, Any]] = []

    def answer(route: Any) -> None:
        req = route.request
        if req.url == tool + "/portfolio/activities":
            route.fulfill(status=200, content_type="text/html", body=html)
        elif req.url.startswith(tool + "/static/autosubmit.js"):
            route.fulfill(status=200, content_type="text/javascript", body=script)
        elif req.method == "POST":
            posted.append({"url": req.url, "body": req.post_data or ""})
            route.fulfill(status=200, content_type="text/html", body="<p>received</p>")
        else:
            route.fulfill(status=404, body="")

    with chromium() as browser:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route("**/*", answer)
        page.goto(tool + "/portfolio/activities")
        page.wait_for_selector("text=received", timeout=10_000)
        assert dialogs == []
    (sent,) = posted
    assert urlsplit(sent["url"]).path == "/deep_linking/return"
    assert parse_qs(urlsplit(sent["url"]).query)["x"] == ['"><svg/onload=alert(1)>']
    assert parse_qs(sent["body"])["JWT"][0].count(".") == 2

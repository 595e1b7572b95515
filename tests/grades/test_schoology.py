"""SchoologyClient against recorded-shape JSON fixtures, with ``responses`` (no Flask app)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import responses
from oauthlib.oauth1.rfc5849 import signature
from responses import matchers

from lti_tool.errors import LmsApiError
from lti_tool.grades.schoology import MSG_AUTH, SchoologyClient, UserMatch, user_match
from lti_tool.grades.types import LmsAssignment, RosterMember
from lti_tool.http import USER_AGENT

FIXTURES = Path(__file__).parent / "fixtures" / "schoology"
API = "https://api.schoology.com/v1"
KEY = "district-consumer-key"
SECRET = "district-consumer-secret"

OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


class FakeSleep:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def header(request: requests.PreparedRequest, name: str) -> str | None:
    """A request header as text (requests-oauthlib hands requests bytes values)."""
    value = request.headers.get(name)
    return value.decode() if isinstance(value, bytes) else value


def oauth_params(request: requests.PreparedRequest) -> dict[str, str]:
    text = header(request, "Authorization")
    assert text is not None, "no Authorization header"
    assert text.startswith("OAuth "), text
    return {k: unquote(v) for k, v in OAUTH_PARAM.findall(text)}


def oauth_matcher(method: str = "HMAC-SHA1") -> Any:
    """A ``responses`` matcher: a well-formed two-legged OAuth 1.0a header and JSON Accept."""

    def match(request: requests.PreparedRequest) -> tuple[bool, str]:
        try:
            params = oauth_params(request)
        except AssertionError as exc:
            return False, str(exc)
        checks = {
            "oauth_consumer_key": re.compile(re.escape(KEY) + r"\Z"),
            "oauth_signature_method": re.compile(re.escape(method) + r"\Z"),
            "oauth_nonce": re.compile(r"[A-Za-z0-9]{8,}\Z"),
            "oauth_timestamp": re.compile(r"\d{10,}\Z"),
            "oauth_signature": re.compile(r".+"),
            "oauth_version": re.compile(r"1\.0\Z"),
        }
        for name, pattern in checks.items():
            if not pattern.match(params.get(name, "")):
                return False, f"bad {name}: {params.get(name)!r}"
        # Schoology: realm "Schoology API", and oauth_token defined but empty (two-legged).
        if params.get("realm") != "Schoology API":
            return False, f"realm is {params.get('realm')!r}"
        if params.get("oauth_token") != "":
            return (
                False,
                f"two-legged OAuth sends an empty oauth_token, not {params.get('oauth_token')!r}",
            )
        if method == "HMAC-SHA1" and not _hmac_verifies(request):
            return False, "the HMAC-SHA1 signature does not verify"
        if header(request, "Accept") != "application/json":
            return False, f"Accept is {header(request, 'Accept')!r}"
        return True, ""

    return match


def _hmac_verifies(request: requests.PreparedRequest) -> bool:
    """Check the signature with oauthlib's own RFC 5849 functions, from the header as sent
    (so the empty ``oauth_token`` must be in the signed base string)."""
    text = header(request, "Authorization") or ""
    url = str(request.url)
    params = signature.collect_parameters(
        uri_query=urlsplit(url).query,
        headers={"Authorization": text},
        exclude_oauth_signature=True,
        with_realm=False,
    )
    base = signature.signature_base_string(
        str(request.method), signature.base_string_uri(url), signature.normalize_parameters(params)
    )
    keys = SimpleNamespace(client_secret=SECRET, resource_owner_secret="")
    expected = signature.sign_hmac_sha1_with_client(base, keys)
    return bool(expected == oauth_params(request)["oauth_signature"])


def first_page() -> Any:
    return matchers.query_param_matcher({"start": "0", "limit": "200"})


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def client(sleep: FakeSleep) -> SchoologyClient:
    return SchoologyClient(KEY, SECRET, sleep=sleep)


def test_get_section_signed_and_summarised(client: SchoologyClient) -> None:
    with responses.RequestsMock() as rsps:
        call = rsps.get(
            f"{API}/sections/7001", json=fixture("section.json"), match=[oauth_matcher()]
        )
        section = client.get_section(7001)
        request = call.calls[0].request
    assert section == {
        "id": "7001",
        "title": "Period 3",
        "course_title": "Algebra I",
        "course_id": "6001",
    }
    assert header(request, "User-Agent") == USER_AGENT


def test_plaintext_signature_is_secret_and_empty_token(sleep: FakeSleep) -> None:
    client = SchoologyClient(KEY, SECRET, sleep=sleep, signature_method="PLAINTEXT")
    with responses.RequestsMock() as rsps:
        call = rsps.get(
            f"{API}/sections/7001", json=fixture("section.json"), match=[oauth_matcher("PLAINTEXT")]
        )
        client.get_section("7001")
        params = oauth_params(call.calls[0].request)
    assert params["oauth_signature"] == f"{SECRET}&"


def test_authorization_header_has_realm_and_empty_token(client: SchoologyClient) -> None:
    """As Schoology's authentication docs: realm "Schoology API"; two-legged requests still
    define ``oauth_token``, empty (checked on the raw header, and signed: see the matcher)."""
    with responses.RequestsMock() as rsps:
        call = rsps.get(
            f"{API}/sections/7001", json=fixture("section.json"), match=[oauth_matcher()]
        )
        client.get_section(7001)
        text = header(call.calls[0].request, "Authorization") or ""
    assert text.startswith('OAuth realm="Schoology API", ')
    assert ' oauth_token="",' in text or text.endswith(' oauth_token=""')


def test_enrollments_follow_links_next(client: SchoologyClient) -> None:
    page2 = f"{API}/sections/7001/enrollments?start=2&limit=2"
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/sections/7001/enrollments",
            json=fixture("enrollments_page1.json"),
            match=[oauth_matcher(), first_page()],
        )
        second = rsps.get(
            page2,
            json=fixture("enrollments_page2.json"),
            match=[oauth_matcher(), matchers.query_param_matcher({"start": "2", "limit": "2"})],
        )
        members = client.list_section_enrollments("7001")
        assert len(rsps.calls) == 2
        assert second.call_count == 1

    assert [m.lms_user_id for m in members] == ["100", "201", "202", "203"]
    teacher, al, ada, kath = members
    assert teacher == RosterMember(
        user_id=None,
        name="Ms. Grace Hopper",
        given_name="Grace",
        family_name="Hopper",
        email=None,
        roles=("Instructor",),
        status="Active",
        lms_user_id="100",
    )
    assert al.name == "Al Turing"  # no name_display: preferred first name + last name
    assert al.given_name == "Al"
    assert al.email == "al.turing@students.example.org"
    assert al.roles == ("Learner",)
    assert al.status == "Active"
    assert ada.status == "Inactive"  # 2: expired
    assert kath.status == "Inactive"  # 3: invite pending
    assert all(m.user_id is None for m in members)


def test_assignments_without_timezone_have_no_due_at(client: SchoologyClient) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/sections/7001/assignments",
            json=fixture("assignments.json"),
            match=[oauth_matcher(), first_page()],
        )
        worksheet, participation = client.list_assignments(7001)
    assert worksheet == LmsAssignment(
        external_id="8101",
        title="Linear equations worksheet",
        source="schoology",
        score_maximum=20.0,
        due_at=None,
        html_url="https://district.schoology.com/assignment/8101",
        description="Problems 1-20 on page 42.",
    )
    assert participation.score_maximum == 10.0
    assert participation.description is None
    assert participation.due_at is None


def test_assignments_due_at_in_school_timezone(sleep: FakeSleep) -> None:
    client = SchoologyClient(KEY, SECRET, sleep=sleep, school_timezone="America/Chicago")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/assignments", json=fixture("assignments.json"))
        worksheet, participation = client.list_assignments("7001")
    # 2025-03-09 23:59 CDT (DST began that morning) is 04:59 UTC the next day.
    assert worksheet.due_at == dt.datetime(2025, 3, 10, 4, 59, tzinfo=dt.UTC)
    assert participation.due_at is None


def test_grades_map_enrollments_to_uids_and_exceptions(client: SchoologyClient) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/sections/7001/grades",
            json=fixture("grades.json"),
            match=[oauth_matcher(), first_page()],
        )
        rsps.get(f"{API}/sections/7001/enrollments", json=fixture("enrollments_page1.json"))
        rsps.get(
            f"{API}/sections/7001/enrollments?start=2&limit=2",
            json=fixture("enrollments_page2.json"),
        )
        scores = client.list_grades("7001")
        calls = len(rsps.calls)
        # The enrollment map is cached: a second sync reads grades only.
        rsps.get(f"{API}/sections/7001/grades", json=fixture("grades.json"))
        again = client.list_grades("7001")
        assert len(rsps.calls) == calls + 1
    assert calls == 3
    assert again == scores

    by_key = {(s.lms_user_id, s.assignment_external_id): s for s in scores}
    assert len(scores) == 5  # enrollment 59999 is unknown and skipped
    graded = by_key[("201", "8101")]
    assert graded.score == 18.5
    assert graded.score_maximum == 20.0
    assert graded.comment == "Nice work"
    assert graded.state == "graded"
    assert graded.user_id is None
    assert graded.graded_at == dt.datetime.fromtimestamp(1741651200, dt.UTC)
    assert by_key[("201", "8102")].state == "excused"
    assert by_key[("201", "8102")].comment is None
    assert by_key[("202", "8101")].state == "incomplete"
    missing = by_key[("202", "8102")]
    assert missing.state == "missing"
    assert missing.score is None
    assert by_key[("203", "8101")].state == "pending"


def test_roster_fills_enrollment_cache_for_grades(client: SchoologyClient) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/enrollments", json=fixture("enrollments_page1.json"))
        rsps.get(
            f"{API}/sections/7001/enrollments?start=2&limit=2",
            json=fixture("enrollments_page2.json"),
        )
        client.list_section_enrollments("7001")
        rsps.get(f"{API}/sections/7001/grades", json=fixture("grades.json"))
        scores = client.list_grades(7001)
        assert len(rsps.calls) == 3
    assert {s.lms_user_id for s in scores} == {"201", "202", "203"}


def _grades_with(client: SchoologyClient) -> list[Any]:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/enrollments", json=fixture("enrollments_page1.json"))
        rsps.get(
            f"{API}/sections/7001/enrollments?start=2&limit=2",
            json=fixture("enrollments_page2.json"),
        )
        rsps.get(f"{API}/sections/7001/grades", json=fixture("grades.json"))
        return client.list_grades("7001")


def test_user_mapping_setting() -> None:
    assert user_match(None) is UserMatch.UID
    assert user_match({}) is UserMatch.UID
    assert user_match({"schoology_user_match": "sub"}) is UserMatch.SUB
    assert user_match({"schoology_user_match": "school_uid"}) is UserMatch.SCHOOL_UID
    assert user_match({"schoology_user_match": "[uid]"}) is UserMatch.UID


def test_school_uid_mapping_keys_people_by_sis_id(sleep: FakeSleep) -> None:
    client = SchoologyClient(KEY, SECRET, sleep=sleep, match=UserMatch.SCHOOL_UID)
    scores = _grades_with(client)
    assert {s.lms_user_id for s in scores} == {"S-201", "S-202", "S-203"}
    assert {s.user_id for s in scores} == {None}


def test_sub_mapping_matches_the_uid_to_the_lti_sub(sleep: FakeSleep) -> None:
    client = SchoologyClient(KEY, SECRET, sleep=sleep, match=UserMatch.SUB)
    scores = _grades_with(client)
    assert {s.user_id for s in scores} == {"201", "202", "203"}
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/enrollments", json=fixture("enrollments_page1.json"))
        rsps.get(
            f"{API}/sections/7001/enrollments?start=2&limit=2",
            json=fixture("enrollments_page2.json"),
        )
        members = client.list_section_enrollments("7001")
    assert [m.user_id for m in members] == ["100", "201", "202", "203"]


def test_429_honours_retry_after_then_succeeds(client: SchoologyClient, sleep: FakeSleep) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/sections/7001",
            status=429,
            headers={"Retry-After": "7"},
            json={"error": "rate limited"},
        )
        rsps.get(f"{API}/sections/7001", json=fixture("section.json"), match=[oauth_matcher()])
        section = client.get_section("7001")
        assert len(rsps.calls) == 2
    assert section["title"] == "Period 3"
    assert sleep.calls == [7.0]


def test_429_retry_after_too_long_is_raised_at_once(
    client: SchoologyClient, sleep: FakeSleep
) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001", status=429, headers={"Retry-After": "600"})
        with pytest.raises(LmsApiError) as info:
            client.get_section("7001")
        assert len(rsps.calls) == 1
    assert info.value.retryable is True
    assert info.value.upstream_status == 429
    assert sleep.calls == []


def test_500s_exhaust_retries(sleep: FakeSleep) -> None:
    client = SchoologyClient(KEY, SECRET, sleep=sleep, max_retries=3)
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/assignments", status=500, body="<html>oops</html>")
        with pytest.raises(LmsApiError) as info:
            client.list_assignments("7001")
        assert len(rsps.calls) == 4  # first attempt + 3 retries
    err = info.value
    assert err.retryable is True
    assert err.upstream_status == 500
    assert err.url is not None
    assert err.url.startswith(f"{API}/sections/7001/assignments")
    assert sleep.calls == [0.5, 1.0, 2.0]  # exponential backoff through the injected sleep


def test_connection_error_is_retried(client: SchoologyClient, sleep: FakeSleep) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001", body=requests.ConnectionError("reset"))
        rsps.get(f"{API}/sections/7001", json=fixture("section.json"))
        assert client.get_section("7001")["id"] == "7001"
    assert sleep.calls == [0.5]


def test_401_is_not_retried(client: SchoologyClient, sleep: FakeSleep) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}/sections/7001/enrollments", status=401, json={"error": "invalid consumer key"}
        )
        with pytest.raises(LmsApiError) as info:
            client.list_section_enrollments("7001")
        assert len(rsps.calls) == 1
    assert info.value.retryable is False
    assert info.value.upstream_status == 401
    assert info.value.message == MSG_AUTH
    assert sleep.calls == []


def test_404_is_not_retried(client: SchoologyClient) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/999", status=404, body="")
        with pytest.raises(LmsApiError) as info:
            client.get_section("999")
    assert info.value.retryable is False
    assert info.value.upstream_status == 404


def test_non_json_body_raises(client: SchoologyClient) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001", body="<html>maintenance</html>", content_type="text/html")
        with pytest.raises(LmsApiError) as info:
            client.get_section("7001")
    assert info.value.retryable is False
    assert info.value.upstream_status == 200


def test_page_cap_stops_endless_next_links(sleep: FakeSleep) -> None:
    client = SchoologyClient(KEY, SECRET, sleep=sleep, max_pages=3, limit=1)

    def endless(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        start = int(parse_qs(urlsplit(str(request.url)).query)["start"][0])
        body = {
            "enrollment": [{"id": str(start), "uid": f"u{start}", "status": 1}],
            "links": {"next": f"{API}/sections/7001/enrollments?start={start + 1}&limit=1"},
        }
        return 200, {}, json.dumps(body)

    with responses.RequestsMock() as rsps:
        rsps.add_callback(
            responses.GET,
            re.compile(rf"{re.escape(API)}/sections/7001/enrollments"),
            callback=endless,
            content_type="application/json",
        )
        with pytest.raises(LmsApiError) as info:
            client.list_section_enrollments("7001")
        assert len(rsps.calls) == 3
    assert info.value.retryable is False


def test_total_stops_paging_even_with_next_link(client: SchoologyClient) -> None:
    page = fixture("enrollments_page2.json")
    page["total"] = "2"
    page["links"]["next"] = f"{API}/sections/7001/enrollments?start=2&limit=200"
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/enrollments", json=page)
        members = client.list_section_enrollments("7001")
        assert len(rsps.calls) == 1
    assert len(members) == 2


def test_next_link_to_another_host_is_refused(client: SchoologyClient) -> None:
    page = fixture("enrollments_page1.json")
    page["links"]["next"] = "https://evil.example/v1/sections/7001/enrollments?start=2"
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/enrollments", json=page)
        with pytest.raises(LmsApiError) as info:
            client.list_section_enrollments("7001")
        assert len(rsps.calls) == 1
    assert info.value.retryable is False


def test_http_next_link_is_upgraded_to_https(client: SchoologyClient) -> None:
    page = fixture("enrollments_page1.json")
    page["links"]["next"] = "http://api.schoology.com/v1/sections/7001/enrollments?start=2&limit=2"
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/sections/7001/enrollments", json=page)
        rsps.get(
            f"{API}/sections/7001/enrollments?start=2&limit=2",
            json=fixture("enrollments_page2.json"),
            match=[oauth_matcher()],
        )
        assert len(client.list_section_enrollments("7001")) == 4


def test_constructor_validates_arguments() -> None:
    with pytest.raises(ValueError, match="limit"):
        SchoologyClient(KEY, SECRET, limit=500)
    with pytest.raises(ValueError, match="signature_method"):
        SchoologyClient(KEY, SECRET, signature_method="RSA-SHA1")
    with pytest.raises(ValueError, match="required"):
        SchoologyClient("", SECRET)

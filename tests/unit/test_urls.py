"""URL safety: the rules that decide which outside URLs Lodestar keeps, links to or trusts.

``hygiene.http_url`` (absolute http(s) with a host, no spaces or control characters, at most
2048 characters, a valid port), ``hygiene.origin``, ``hygiene.split_url``, the portfolio's
``check_http_url`` (the messages a student sees), its ``safe_link`` (what may go into an
``href``) and ``security_headers.web_origin`` (origins allowed to frame Lodestar). Whatever
else differs between them, none lets ``javascript:``, ``data:`` or a relative URL through.
"""

from __future__ import annotations

from typing import Any

import pytest

from lti_tool import hygiene
from lti_tool.portfolio.forms import URL_MAX, check_http_url
from lti_tool.portfolio.snapshots import safe_link

# (url, http_url accepts it, its origin)
HTTP_URLS: list[tuple[str, str | None]] = [
    ("https://example.org/x", "https://example.org"),
    ("http://example.org", "http://example.org"),
    ("HTTPS://Example.ORG:8443/Path?q=1#f", "https://example.org:8443"),
    ("http://example.org?x", "http://example.org"),
    ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
    # IPv6 literals.
    ("http://[::1]:8080/x", "http://[::1]:8080"),
    ("https://[2001:DB8::1]/", "https://[2001:db8::1]"),
    # Unicode and punycode hosts.
    # A fine link, but never an origin: non-ASCII hosts never go into a CSP header.
    ("https://bücher.example/", None),
    ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example"),
]
REFUSED: list[tuple[str, str]] = [
    ("javascript:alert(1)", "script"),
    ("JavaScript://example.org/%0aalert(1)", "script with a host"),
    ("data:text/html,<script>alert(1)</script>", "data"),
    ("vbscript:msgbox(1)", "vbscript"),
    ("mailto:sam@example.org", "mailto"),
    ("ftp://example.org/file", "ftp"),
    ("file:///etc/passwd", "file"),
    ("/relative/path", "relative"),
    ("relative/path", "relative without slash"),
    ("//example.org/x", "scheme-relative"),
    ("https:example.org", "no slashes"),
    ("http:///x", "no host"),
    ("https://", "only a scheme"),
    ("", "empty"),
    ("http://[::1", "unclosed IPv6 bracket"),
    ("http://[::1]x/", "junk after IPv6 bracket"),
    ("http://user@[::1]x:80/", "junk after IPv6 bracket, with user information"),
    ("http://example.org:99999/", "port out of range"),
    ("http://example.org:port/", "port not a number"),
    ("https://exa mple.org/", "space in host"),
    ("https://example.org/a b", "space in path"),
    (" https://example.org/", "leading space"),
    ("https://example.org/\t", "tab"),
    ("https://example.org/\n", "line feed"),
    ("https://example.org/\u00a0", "no-break space"),
    ("https://example.org/\u2028", "line separator"),
    ("https://exa\x00mple.org/", "NUL"),
    ("https://example.org/\x7f", "DEL"),
    ("https://example.org/\x85", "C1 control"),
    ("http://evil.example\uff0f@good.example/", "fullwidth slash (NFKC)"),
]


@pytest.mark.parametrize(("url", "expected_origin"), HTTP_URLS)
def test_http_url_accepts(url: str, expected_origin: str | None) -> None:
    parts = hygiene.http_url(url)
    assert parts is not None and parts.hostname
    assert hygiene.origin(url) == expected_origin
    assert check_http_url(url) is None
    assert safe_link(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    REFUSED,
    ids=[why for _, why in REFUSED],
)
def test_http_url_refuses(url: str, why: str) -> None:
    assert hygiene.http_url(url) is None
    assert hygiene.origin(url) is None
    assert check_http_url(url) is not None


@pytest.mark.parametrize(
    "value", [None, 42, b"https://example.org/", ["https://x.org"], {"url": "https://example.org"}]
)
def test_only_strings_are_urls(value: Any) -> None:
    assert hygiene.split_url(value) is None
    assert hygiene.http_url(value) is None
    assert hygiene.origin(value) is None
    assert safe_link(value) is None
    assert hygiene.origin(value) is None


@pytest.mark.parametrize(("extra", "ok"), [(-1, True), (0, True), (1, False), (500, False)])
def test_length_limit(extra: int, ok: bool) -> None:
    base = "https://example.org/"
    url = base + "a" * (2048 - len(base) + extra)
    assert (hygiene.http_url(url) is not None) is ok
    assert (check_http_url(url) is None) is ok
    if not ok:
        assert check_http_url(url) == f"The web address is longer than {URL_MAX} characters."


def test_a_caller_may_ask_for_a_shorter_limit() -> None:
    url = "https://example.org/" + "a" * 100
    assert hygiene.http_url(url, max_length=len(url)) is not None
    assert hygiene.http_url(url, max_length=len(url) - 1) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://exa mple.org", "The web address must not contain spaces."),
        ("https://example.org/\u2003", "The web address must not contain spaces."),
        ("http://[::1", "That is not a valid web address."),
        ("http://example.org:70000/", "That is not a valid web address."),
        ("https://example.org/\x00", "That is not a valid web address."),
        ("javascript:alert(1)", "Enter a full web address starting with https:// or http://."),
        ("example.org/page", "Enter a full web address starting with https:// or http://."),
        ("http://example.org:0/", "Enter a full web address starting with https:// or http://."),
    ],
)
def test_check_http_url_messages(url: str, message: str) -> None:
    assert check_http_url(url) == message


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "/local",
        "//example.org/",
        "https:/x",
        "https:// example.org",
        "",
    ],
)
def test_safe_link_refuses_what_an_href_must_not_carry(url: str) -> None:
    assert safe_link(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://lms.example.org/courses/1", "https://lms.example.org"),
        ("HTTPS://LMS.Example.org:443/", "https://lms.example.org"),
        ("http://lms.example.org:80/", "http://lms.example.org"),
        ("https://lms.example.org:8443/", "https://lms.example.org:8443"),
        ("https://user:secret@lms.example.org/", "https://lms.example.org"),
        ("http://[::1]:3000/", "http://[::1]:3000"),
        ("https://bücher.example/", None),  # non-ASCII hosts never go into a CSP header
        ("https://lms.example.org;script-src/", None),
        ("javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("/relative", None),
        ("http://[::1", None),
        ("", None),
    ],
)
def test_web_origin(url: str, expected: str | None) -> None:
    assert hygiene.origin(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://user:secret@example.org/", id="userinfo"),
        pytest.param("https://example.org:443/", id="default port"),
    ],
)
def test_origin_is_scheme_host_and_port_only(url: str) -> None:
    assert hygiene.origin(url) == "https://example.org"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://[::1", False),
        ("http://example.org:65536/", False),
        ("http://example.org:65535/", True),
        ("mailto:sam@example.org", True),
        ("relative/path", True),
        ("a b", False),
        ("x\x00y", False),
    ],
)
def test_split_url_never_raises(url: str, ok: bool) -> None:
    assert (hygiene.split_url(url) is not None) is ok

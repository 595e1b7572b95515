"""The one URL-safety rule (``hygiene.http_url``, ``hygiene.origin``) and the one public-URL
helper (``lti_tool.urls``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, url_for

from lti_tool import hygiene
from lti_tool.urls import base_url, public_url


@pytest.mark.parametrize(
    "url",
    [
        "https://canvas.example.edu/courses/1",
        "http://127.0.0.1:8001/x",
        "http://[::1]:8001/",
        "HTTPS://LMS.Example.org:8443/x?y#z",
        "https://user:pw@lms.example/",
        "https://bücher.example/",
        "https://under_score.example/",
    ],
)
def test_http_url_accepts(url: str) -> None:
    parts = hygiene.http_url(url)
    assert parts is not None and parts.hostname


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://lms.example/",
        "//lms.example/x",
        "https:///path",
        "lms.example/x",
        "https://lms.example:0/",
        "http://[::1",
        "https://h:99999/",
        "https://a.org;script-src *",
        "https://a.org;x/",
        "https://a'b.org/",
        'https://a"b.org/',
        "https://a<b>.org/",
        "https://a,b.org/",
        "https://*.org/",
        "https://a b/",
        "java\x00script:alert(1)",
        "https://lms.example/\x7f",
        "",
        None,
        7,
        ["https://a.org"],
        "https://lms.example/" + "x" * 2048,
    ],
)
def test_http_url_refuses(url: Any) -> None:
    assert hygiene.http_url(url) is None
    assert hygiene.origin(url) is None


def test_http_url_length_is_the_callers() -> None:
    url = "https://lms.example/" + "x" * 100
    assert hygiene.http_url(url, max_length=100) is None
    assert hygiene.http_url(url, max_length=200) is not None


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Moodle.District.org/mod/lti/return.php?x=1", "https://moodle.district.org"),
        ("HTTPS://LMS.Example.org:8443/x?y", "https://lms.example.org:8443"),
        ("https://moodle.district.org:443/", "https://moodle.district.org"),
        ("http://lms.example:80/", "http://lms.example"),
        ("http://lms.example:443/", "http://lms.example:443"),
        ("https://user:secret@lms.example/", "https://lms.example"),
        ("http://[::1]:8001/", "http://[::1]:8001"),
        ("https://bücher.example/", None),  # an origin in a header or CSP is punycode
    ],
)
def test_origin_is_written_as_a_browser_writes_it(url: str, origin: str | None) -> None:
    assert hygiene.origin(url) == origin


def test_base_url_is_the_request_host_unless_configured(app: Flask) -> None:
    app.config["ILP_BASE_URL"] = None
    with app.test_request_context("/courses/1", base_url="http://internal:8000/"):
        assert base_url() == "http://internal:8000"
        assert public_url("launch.launch") == "http://internal:8000" + url_for("launch.launch")
    app.config["ILP_BASE_URL"] = "https://ilp.district.example"
    with app.test_request_context("/courses/1", base_url="http://internal:8000/"):
        assert base_url() == "https://ilp.district.example"
        assert public_url(
            "launch.registration_jwks", key_set="k1"
        ) == "https://ilp.district.example" + url_for("launch.registration_jwks", key_set="k1")

"""Real headless Chromium (Debian's package) driven by Playwright, and the live demo stack."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("ILP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
#: Answers fulfilled by the test harness count as "public" for Chromium's Local Network
#: Access checks, which would then block the hop back to the loopback LMS.
NO_LOCAL_NETWORK_CHECKS = "--disable-features=LocalNetworkAccessChecks"
_HOP_HEADERS = {
    "set-cookie",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
}


def require_chromium() -> None:
    """Skip (or fail, when ILP_REQUIRE_BROWSER is set) without a Chromium binary."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium chromium-driver)"
    if os.environ.get("ILP_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def chromium(
    extra_args: list[str] | None = None, *, csp_violations: list[str] | None = None
) -> Iterator[Any]:
    """A headless Chromium browser.

    Every Content-Security-Policy violation any page reports in its console fails the test
    when the browser closes, unless the test passes ``csp_violations`` to collect them.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    seen: list[str] = [] if csp_violations is None else csp_violations
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + (extra_args or [])
        )
        _watch_csp(browser, seen)
        try:
            yield browser
        finally:
            browser.close()
    if csp_violations is None:
        assert not seen, f"Content-Security-Policy violations: {seen}"


def _watch_csp(browser: Any, seen: list[str]) -> None:
    """Record the CSP violations of every context and page the browser opens."""
    new_context, new_page = browser.new_context, browser.new_page

    def listen(context: Any) -> None:
        context.on(
            "console",
            lambda message: (
                seen.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )

    def watched_context(*args: Any, **kwargs: Any) -> Any:
        context = new_context(*args, **kwargs)
        listen(context)
        return context

    def watched_page(*args: Any, **kwargs: Any) -> Any:
        page = new_page(*args, **kwargs)
        listen(page.context)
        return page

    browser.new_context, browser.new_page = watched_context, watched_page


@dataclass
class DemoStack:
    """The tool on http://localhost:<port> and the sandbox LMS on http://127.0.0.1:<port>."""

    tool_url: str
    lms_url: str
    tool_app: Any
    sandbox_app: Any


def axe_script() -> str:
    """axe-core, as shipped inside the axe-playwright-python package (no download)."""
    from importlib.resources import files

    return (files("axe_playwright_python") / "axe.min.js").read_text()


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(frame: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.1 A and AA rules) in a page or frame; return the violations."""
    frame.evaluate(axe_script())
    result = frame.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def block_tool_cookies(context: Any, tool_url: str, *, frames_only: bool = False) -> list[str]:
    """Make the browser keep no cookie of the tool, like Safari in an LMS iframe.

    Each request to the tool is fetched outside the browser (Playwright's own fetch would
    share its cookie jar) without a Cookie header, and answered without Set-Cookie. With
    ``frames_only`` this happens only inside frames (third-party cookies blocked): the tool
    in a top-level window of its own keeps its cookies. Returns the URLs whose Set-Cookie
    was dropped. Launch Chromium with ``NO_LOCAL_NETWORK_CHECKS``.
    """
    import requests
    from playwright.sync_api import Error as PlaywrightError

    stripped: list[str] = []

    def in_frame(req: Any) -> bool:
        try:
            return req.frame.parent_frame is not None
        except PlaywrightError:  # a new window's first navigation: no frame exists yet
            return False

    def handle(route: Any) -> None:
        req = route.request
        if frames_only and not in_frame(req):
            route.continue_()
            return
        headers = {k: v for k, v in req.all_headers().items() if k.lower() != "cookie"}
        if req.is_navigation_request():
            # Chromium adds Sec-Fetch-* below the layer Playwright intercepts; put back the
            # one the tool reads, as Chromium would send it.
            headers["Sec-Fetch-Dest"] = "iframe" if in_frame(req) else "document"
        answer = requests.request(
            req.method,
            req.url,
            data=req.post_data_buffer,
            allow_redirects=False,
            timeout=30,
            headers=headers,
        )
        if "set-cookie" in {k.lower() for k in answer.headers}:
            stripped.append(req.url)
        route.fulfill(
            status=answer.status_code,
            body=answer.content,
            headers={k: v for k, v in answer.headers.items() if k.lower() not in _HOP_HEADERS},
        )

    context.route(tool_url + "/**", handle)
    return stripped


def open_as(page: Any, stack: DemoStack, name: str) -> Any:
    """Open the sandbox LMS, launch Lodestar as ``name`` and return the tool's frame once the
    launch has finished (the navigation bar only shows on pages of an open session; the
    login and launch interstitials have none)."""
    page.goto(stack.lms_url + "/")
    page.get_by_role("link", name=f"Open Lodestar as {name}").first.click()
    page.frame_locator("iframe#lodestar-frame").locator("nav.site-nav").wait_for(timeout=20000)
    frame = page.locator("iframe#lodestar-frame").element_handle().content_frame()
    assert frame is not None
    return frame

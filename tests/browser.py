"""Headless Chromium (Debian's package, /usr/bin/chromium) driven by Playwright, with the network off.

Pages a data manager opens on a hospital network without internet (the night page, the Data Docs)
must render from local files alone: `offline_page` opens a page with the browser context offline
and every request routed, files served, anything else refused and recorded, so that a test can
assert zero outbound requests beside what it sees (elements visible, a screenshot).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium() -> str:
    """The Chromium binary; fails in CI (the README's test command installs it), skips elsewhere."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; the README's test command installs it with apt-get")
    pytest.skip("chromium is not installed (apt-get install -y chromium) and CI is unset: the browser test is skipped")


@contextmanager
def offline_page(width: int = 1366, height: int = 900) -> Iterator[tuple[object, list[str]]]:
    """(page, outbound): a Playwright page in an offline context; `outbound` lists every request that
    was not for a local file (each refused)."""
    from playwright.sync_api import Route, sync_playwright

    binary = chromium()
    outbound: list[str] = []

    def route(r: Route) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            outbound.append(url)
            r.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=binary, args=FLAGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": width, "height": height})
            context.route("**/*", route)
            yield context.new_page(), outbound
        finally:
            browser.close()

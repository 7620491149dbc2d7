"""Headless Chromium (Debian's package, /usr/bin/chromium) driven by Playwright, with the network off.

Pages a data manager opens on a hospital network without internet (the night page, the Data Docs)
must render from local files alone: `offline_page` opens a page with the browser context offline
and every request routed, files served, anything else refused and recorded, so that a test can
assert zero outbound requests beside what it sees; `full_page_shot` saves a full-page screenshot and
asserts that every section it names is visible in it.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PNG = b"\x89PNG\r\n\x1a\n"
PLACE = """e => { const r = e.getBoundingClientRect();
  return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, left: r.left + window.scrollX}; }"""
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


def full_page_shot(page: object, path: Path, shown: Iterable[str], min_bytes: int = 20_000) -> tuple[int, int]:
    """A full-page screenshot saved at `path` (keep it under tmp_path), in which every element each
    selector of `shown` matches (at least one per selector) is visible and lies inside the image: what
    a reader of the screenshot sees. Returns the image's (width, height) in pixels."""
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b"IHDR" and len(data) > min_bytes, path
    width, height = struct.unpack(">II", data[16:24])
    for selector in shown:
        found = page.locator(selector)  # type: ignore[attr-defined]
        assert found.count() >= 1, f"{path.name}: nothing matches {selector}"
        for i in range(found.count()):
            element = found.nth(i)
            assert element.is_visible(), f"{path.name}: {selector} #{i} is not visible"
            box = element.evaluate(PLACE)
            inside = 0 <= box["top"] < box["bottom"] <= height + 1 and 0 <= box["left"] < width
            assert inside, f"{path.name}: {selector} #{i} at {box} is outside the {width}x{height} image"
    return width, height

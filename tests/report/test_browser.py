"""The HTML report renders in headless Chromium (Debian's package): all four tables and three figures present."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from etl.db import make_engine, upgrade
from etl.load.concepts import sync_concepts
from etl.report import write_report
from tests.analysis.cohort import load_records, small_cohort

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=10000"]  # fmt: skip
# Appended to a copy of the report: once everything has loaded, write what the browser sees into the DOM.
CHECK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var result = {
    images: Array.from(document.images).map(function (i) {
      return {src: i.getAttribute('src'), width: i.naturalWidth, height: i.naturalHeight, complete: i.complete};
    }),
    tables: Array.from(document.querySelectorAll('table.paper-table')).map(function (t) {
      return {id: t.id, rows: t.rows.length, visible: t.getBoundingClientRect().height > 0};
    }),
    statistics: document.querySelectorAll('#statistics tbody tr').length,
    audit: document.querySelectorAll('#audit li').length
  };
  var out = document.createElement('pre');
  out.id = 'browser-check';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; the README's test command installs it with apt-get")
    pytest.skip("chromium is not installed (apt-get install -y chromium) and CI is unset: the browser test is skipped")


def _browser(binary: str, profile: Path, *args: str) -> str:
    done = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_report_renders_with_every_table_and_figure(tmp_path: Path) -> None:
    binary = chromium()
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        upgrade(engine)
        sync_concepts(engine)
        load_records(engine, small_cohort())
        report = write_report(engine, tmp_path / "report", decisions=None)
    finally:
        engine.dispose()
    check = report.html.with_name("check.html")
    check.write_text(report.html.read_text(encoding="utf-8").replace("</body>", CHECK_SCRIPT + "</body>"),
                     encoding="utf-8")

    dom = _browser(binary, tmp_path / "profile", "--dump-dom", check.as_uri())
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', dom, re.S)
    assert found, "the check script did not run: " + dom[-500:]
    seen = json.loads(html.unescape(found.group(1)))
    assert [t["id"] for t in seen["tables"]] == ["table1", "table2", "table3", "table4"]
    assert all(t["visible"] and t["rows"] > 2 for t in seen["tables"]), seen["tables"]
    assert [i["src"] for i in seen["images"]] == ["figure1.png", "figure2.png", "figure3.png"]
    assert all(i["complete"] and i["width"] > 600 and i["height"] > 300 for i in seen["images"]), seen["images"]
    assert seen["statistics"] == len(report.results) and seen["audit"] > 0

    shot = tmp_path / "report.png"
    _browser(binary, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1400,2600", report.html.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    keep = os.environ.get("HSCT_REPORT_SCREENSHOT")
    if keep:  # to look at it: HSCT_REPORT_SCREENSHOT=/tmp/report.png pytest tests/report/test_browser.py
        shutil.copy(shot, keep)

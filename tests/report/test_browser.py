"""report.html in headless Chromium (Debian's package, network off), read in each language as a researcher would.

Each view (switched by the page's own buttons) is read as the browser shows it: the visible text of the
Russian view holds no English word and the English view no Cyrillic; every section is visible; nothing
overflows a laptop's width; the page stays under a stated height; the figures of the view's language load.

The Russian view's allow-list, each entry with its reason:
  * a single Latin letter: a statistical symbol (p, n, C, d) or part of "n. s.", which the paper's
    Russian text prints ("р = n. s.");
  * II, III, IV: grades of acute GVHD, written in Roman numerals in Russian too;
  * HLA, TOR: gene and protein names the paper writes in Latin in Russian ("HLA-гаплотипа",
    "m-TOR-ингибитор");
  * an identifier (a catalog id, an audit rule, a file: a token with `.`, `_` or `/`), and the text of a
    `translate="no"` element (codes: ids, package names), provided it holds no English phrase (two
    Latin words in a row).
The English view allows no Cyrillic letter at all. The language switch names both languages in their
own (it is excluded from both checks).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from etl.db import make_engine, upgrade
from etl.load.concepts import sync_concepts
from etl.report import write_report
from etl.report.html import SECTIONS
from tests.analysis.cohort import load_records, small_cohort
from tests.browser import offline_page

LAPTOP = (1280, 800)
MAX_HEIGHT = 14_000  # px at a laptop's 1280 px; the report was ~18,500 px before issue 19
RU_ALLOWED = frozenset({"II", "III", "IV", "HLA", "TOR"})
IDENTIFIER = re.compile(r"\S*[a-z0-9][._/][a-z0-9]\S*")
LATIN_WORD = re.compile(r"[A-Za-z]+")
CYRILLIC = re.compile(r"[А-Яа-яЁё]+")
PHRASE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")

READ = """(lang) => {
  document.querySelector('.switch button[data-lang="' + lang + '"]').click();
  const text = [], codes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest('script, style, .switch') || !el.checkVisibility()) continue;
    const s = node.textContent.trim();
    if (!s) continue;
    (el.closest('[translate="no"]') ? codes : text).push(s);
  }
  const root = document.documentElement;
  const wide = Array.from(document.querySelectorAll('table, figure, img, pre, p')).filter(
    (e) => e.checkVisibility() && e.getBoundingClientRect().right > root.clientWidth + 1).map((e) => e.id || e.tagName);
  return {
    lang: root.getAttribute('lang'), text: text, codes: codes, height: root.scrollHeight,
    overflow: root.scrollWidth - root.clientWidth, wide: wide,
    sections: SECTIONS.map((id) => {
      const s = document.getElementById(id);
      return {id: id, visible: !!s && s.checkVisibility() && s.getBoundingClientRect().height > 0};
    }),
    images: Array.from(document.images).filter((i) => i.checkVisibility()).map(
      (i) => ({src: i.getAttribute('src'), width: i.naturalWidth, complete: i.complete})),
    statistics: document.querySelectorAll('#statistics-grid tbody tr').length,
    readings: document.querySelectorAll('#readings-grid tbody tr').length,
    audit: document.querySelectorAll('#audit-list li').length,
  };
}"""


def english_words(text: list[str]) -> set[str]:
    """Latin words of the Russian view that the allow-list (module docstring) does not explain."""
    found = set()
    for line in text:
        for token in line.split():
            if IDENTIFIER.fullmatch(token):
                continue
            found |= {w for w in LATIN_WORD.findall(token) if len(w) > 1 and w not in RU_ALLOWED}
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("browser")
    engine = make_engine(f"sqlite:///{root / 'r.db'}")
    try:
        upgrade(engine)
        sync_concepts(engine)
        load_records(engine, small_cohort())
        return write_report(engine, root / "report", decisions=None)
    finally:
        engine.dispose()


def _read(html: Path, lang: str, shot: Path) -> dict[str, Any]:
    with offline_page(*LAPTOP) as (page, outbound):
        page.goto(html.as_uri())
        seen = page.evaluate(READ.replace("SECTIONS", repr(list(SECTIONS))), lang)
        page.screenshot(path=str(shot), full_page=True)
    assert outbound == [], outbound
    return seen


def test_the_allow_list_catches_english_and_lets_codes_through() -> None:
    assert english_words(["Общая выживаемость p = 0,02; n. s.; III–IV; HLA-гаплотип; m-TOR-ингибитор"]) == set()
    assert english_words(["t3.ino_pos.relapse, study/reproduction.yaml"]) == set()
    assert english_words(["Общая выживаемость (OS) at 3 years"]) == {"OS", "at", "years"}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_each_view_is_in_its_language_with_every_section_and_no_overflow(
    report: Any, lang: str, tmp_path: Path
) -> None:
    seen = _read(report.html, lang, tmp_path / f"report-{lang}.png")
    assert seen["lang"] == lang
    assert [s["id"] for s in seen["sections"] if not s["visible"]] == []
    if lang == "ru":
        assert english_words(seen["text"]) == set()
        assert [c for c in seen["codes"] if PHRASE.search(c)] == []
    else:
        words = {w for line in seen["text"] + seen["codes"] for w in CYRILLIC.findall(line)}
        assert words == set()
    assert seen["overflow"] <= 0 and seen["wide"] == [], seen["wide"]
    assert seen["height"] < MAX_HEIGHT, seen["height"]
    assert [i["src"] for i in seen["images"]] == [f"figure{n}.{lang}.png" for n in (1, 2, 3)]
    assert all(i["complete"] and i["width"] >= 640 for i in seen["images"]), seen["images"]
    assert seen["statistics"] == len(report.results) and seen["readings"] > 10 and seen["audit"] > 0
    assert (tmp_path / f"report-{lang}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

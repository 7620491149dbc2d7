"""GX Data Docs that render with the network off, name their run and show failing values readably.

A night with a blocking failure and several warnings (a patient code twice in one file, a date
that is no date, markup in a lab date, doubled blanks) is run through the CLI on SQLite and
PostgreSQL with `--docs`; its Data Docs are opened in headless Chromium with the network off
(`tests.browser.offline_page`): no request leaves the machine, every local file they ask for is
there, Bootstrap's styles, bootstrap-table's script and Font Awesome's font apply, the failing
values stand in their own cells, and a full-page screenshot of each page shows every one of its
sections (the index's two tabs; a validation page's sections, each named in its Table of Contents).
The post-processing itself is tested on small pages: the table of
URLs, an unknown URL refused, every URL GX's templates name known.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import great_expectations
import pytest
from sqlalchemy import Engine

from etl.db import make_engine, upgrade
from etl.load.concepts import sync_concepts
from etl.quality.check import docs_run_name
from etl.quality.docs_offline import (
    ASSETS,
    CHART_SCRIPTS,
    CSS_URLS,
    LINKS,
    LOGO,
    VENDOR,
    VENDORED,
    OfflineDocsError,
    external_urls,
    make_offline,
)
from etl.quality.docs_results import shown
from tests.browser import full_page_shot, offline_page
from tests.conftest import PG_SKIP, _drop_pg_schema, _fresh_pg_schema
from tests.quality.helpers import NIGHT, hsct

MARKUP = "<img src=https://example.org/x.png>"  # a lab date as a feed might hold it: must stay text
BLANKS = "21  06  2019"  # doubled blanks a browser would collapse
GX_TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
BOOTSTRAP_CSS = "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"
POPPER = "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js"
ICON = """() => {
  const i = [...document.querySelectorAll('i.fas')].find(e => e.getBoundingClientRect().width > 0);
  const before = getComputedStyle(i, '::before');
  return {width: i.getBoundingClientRect().width, font: before.fontFamily, glyph: before.content};
}"""  # the first visible icon: its size and the font and glyph of its ::before
INDEX_SHOWN = ("nav.navbar", "#hsct-run", ".ge-index-page-site-name-title", "ul.nav-tabs")
SECTION_TABLE = "div.ge-section table[id$='-content-block-2-body']"  # each section's table: statistics, expectations
VALIDATION_SHOWN = ("nav.navbar", ".ge-breadcrumbs", "#navigation", "div.ge-section", SECTION_TABLE)
TEXT_RIGHT = (
    "th => { const r = document.createRange(); r.selectNodeContents(th); return r.getBoundingClientRect().right }"
)


def _night(root: Path) -> Path:
    """night_small with a blocking failure (InO doses for the InO- patient) and raw-layer warnings."""
    night = root / "night"
    shutil.copytree(NIGHT, night)
    en = night / "registry_en_20240101.csv"
    lines = en.read_text(encoding="utf-8").splitlines()
    assert lines[2].startswith("HSCT-2020-001,") and lines[2].count(",0.6,1.25,") == 1
    doses = lines[2].replace("2020-02-01,,no,", "2020-02-01,0.8/0.5/0.5,no,")
    twice = lines[2].replace(",0.6,1.25,", ",0.7,1.25,").replace("2020-03-10", "10 March 2020")
    en.write_text("\n".join([*lines[:2], doses, twice]) + "\n", encoding="utf-8")
    labs = night / "labs_20240101.csv"
    extra = f"ТГСК-2019-014;{MARKUP};Нейтрофилы;700;кл/мкл\nТГСК-2019-014;{BLANKS};Нейтрофилы;800;кл/мкл\n"
    labs.write_text(labs.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return night


@dataclass(frozen=True)
class Docs:
    folder: Path
    output: str

    def validation(self, suite: str) -> Path:
        """The validation page of one suite (`raw.registry`) of run 1."""
        (page,) = (self.folder / "validations" / Path(*suite.split(".")) / "run-1").glob("*/*.html")
        return page


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def docs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_admin: Engine | None
) -> Iterator[Docs]:
    """Run 1, held, its Data Docs written by `hsct run --docs`; on each database."""
    root = tmp_path_factory.mktemp(f"docs-{request.param}")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'hsct.db'}"
    elif pg_admin is None:
        pytest.skip(PG_SKIP)
    else:
        schema, url = _fresh_pg_schema(pg_admin)
    engine = make_engine(url)
    try:
        upgrade(engine)
        sync_concepts(engine)
        output = hsct("run", "--source", str(_night(root)), "--db", url, "--docs", str(root / "docs"), "--wait", code=1)
        yield Docs(root / "docs", output)
    finally:
        engine.dispose()
        if schema is not None and pg_admin is not None:
            _drop_pg_schema(pg_admin, schema)


def test_the_pages_name_the_run_and_load_nothing_from_the_network(docs: Docs) -> None:
    assert "rule_group_vs_ino" in docs.output and str(docs.folder / "index.html") in docs.output
    pages = sorted(docs.folder.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        content = page.read_text(encoding="utf-8")
        assert external_urls(content) == [], page
        assert not re.search(r"https?://", content.replace(html.escape(MARKUP, quote=False), "")), page
    index = (docs.folder / "index.html").read_text(encoding="utf-8")
    assert "<title>hsct run 1 · Data Docs</title>" in index
    registry = docs.validation("raw.registry").read_text(encoding="utf-8")
    assert "<title>hsct run 1 · raw.registry · Data Docs</title>" in registry
    assert "__none__" not in index and not list(docs.folder.glob("validations/**/__none__"))
    for source in ASSETS.rglob("*"):  # every vendored file copied, byte for byte, no more readable than GX's
        if source.is_file():
            copy = docs.folder / VENDOR / source.relative_to(ASSETS)
            assert copy.read_bytes() == source.read_bytes(), copy
            assert copy.stat().st_mode & 0o777 & ~(docs.folder / "index.html").stat().st_mode == 0, copy


def _open(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")


def _header(table) -> list[str]:  # type: ignore[no-untyped-def]
    return [" ".join(t.split()) for t in table.locator("thead th").all_inner_texts()]


def _rows(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()]


def _styled(page) -> None:  # type: ignore[no-untyped-def]
    """Bootstrap's stylesheet, bootstrap-table's script and Font Awesome's solid font are in effect."""
    assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"
    assert page.evaluate("getComputedStyle(document.querySelector('.container-fluid')).paddingLeft") != "0px"
    assert page.locator(".bootstrap-table").count() >= 1  # the script turned the tables into bootstrap-tables
    assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.includes('Font Awesome 6 Free') && f.status === 'loaded')"
    )
    icon = page.evaluate(ICON)
    assert icon["width"] > 4 and "Font Awesome 6 Free" in icon["font"] and icon["glyph"] not in ("", "none")


def _sections(page) -> None:  # type: ignore[no-untyped-def]
    """A validation page: the Table of Contents names each of its sections (Overview, then a column or
    the table each), and there are several."""
    sections = page.locator("div.ge-section")
    links = page.locator("#navigation a[href^='#section-']")
    assert sections.count() >= 2 and page.locator(SECTION_TABLE).count() == sections.count()
    ids = [sections.nth(i).get_attribute("id") for i in range(sections.count())]
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [f"#{i}" for i in ids]


def _failing_values(page, expectation: str):  # type: ignore[no-untyped-def]
    """The table of failing values under the expectation whose text starts with `expectation`."""
    cell = page.locator("td", has_text=expectation).filter(has=page.locator("table")).first
    table = cell.locator("table").first
    assert table.is_visible()
    return table


def test_the_data_docs_render_offline_in_chromium(docs: Docs, tmp_path: Path) -> None:
    shots: list[Path] = []
    failed: list[str] = []
    errors: list[str] = []
    with offline_page() as (page, outbound):
        page.on("requestfailed", lambda r: failed.append(r.url))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: errors.append(str(e)))  # type: ignore[attr-defined]

        _open(page, docs.folder / "index.html")
        assert page.title() == "hsct run 1 · Data Docs"  # type: ignore[attr-defined]
        assert page.locator("nav.navbar").is_visible() and page.locator("#hsct-run").inner_text() == "hsct run 1"  # type: ignore[attr-defined]
        assert page.locator("nav.navbar img").evaluate("i => i.complete && i.naturalWidth > 0")  # type: ignore[attr-defined]
        results = page.locator("table[data-toggle=table]").first  # type: ignore[attr-defined]
        assert results.is_visible() and len(_rows(results)) == 10  # the first page of the validations
        assert "Run Name" in _header(results) and {r[2] for r in _rows(results)} == {"run-1"}
        _styled(page)
        shots.append(tmp_path / "index.png")
        full_page_shot(page, shots[-1], (*INDEX_SHOWN, "#section-1-content-block-2-1-body-table"), 30_000)
        page.locator("#Expectation-Suites-tab").click()  # type: ignore[attr-defined]  # the other tab
        suites = page.locator("#section-1-content-block-2-2-body-table")  # type: ignore[attr-defined]
        suites.wait_for(state="visible")
        names = [r[0] for r in _rows(suites)]  # the first page of the suites
        assert names and all(re.fullmatch(r"(raw|harmonized)\.\w+", n) for n in names), names
        shots.append(tmp_path / "index-suites.png")
        full_page_shot(page, shots[-1], (*INDEX_SHOWN, "#section-1-content-block-2-2-body-table"), 30_000)

        _open(page, docs.validation("raw.registry"))
        assert page.title() == "hsct run 1 · raw.registry · Data Docs"  # type: ignore[attr-defined]
        assert "run-1" in page.locator(".ge-breadcrumbs").inner_text()  # type: ignore[attr-defined]
        assert page.get_by_text("Table of Contents").is_visible()  # type: ignore[attr-defined]  # the sidebar
        assert page.get_by_text("Failed Only").is_visible()  # type: ignore[attr-defined]
        _styled(page)
        duplicates = _failing_values(page, "compound columns must be unique together")
        assert _header(duplicates) == ["Unexpected Value", "Count", "file", "row"]
        en = "registry_en_20240101.csv"
        assert _rows(duplicates) == [["HSCT-2020-001", "2", f"{en}, {en}", "3, 4"]]
        headers = duplicates.locator("thead th")
        left, right = headers.nth(0).bounding_box(), headers.nth(1).bounding_box()
        words = headers.nth(0).evaluate(TEXT_RIGHT)
        assert words + 4 < left["x"] + left["width"] <= right["x"]  # "Unexpected Value" and "Count" stand apart
        dates = _failing_values(page, "values must match this regular expression")
        assert _rows(dates) == [["10 March 2020", "1", en, "4"]]
        _sections(page)
        shots.append(tmp_path / "raw-registry.png")
        full_page_shot(page, shots[-1], VALIDATION_SHOWN, 30_000)

        _open(page, docs.validation("raw.labs"))
        dates = _failing_values(page, "values must match this regular expression")
        assert sorted(r[0] for r in _rows(dates)) == [f'"{BLANKS}"', MARKUP]  # quoted blanks; markup as text
        assert page.locator("img[src*='example.org']").count() == 0  # type: ignore[attr-defined]
        _sections(page)
        shots.append(tmp_path / "raw-labs.png")
        full_page_shot(page, shots[-1], VALIDATION_SHOWN, 30_000)

        _open(page, docs.validation("harmonized.group_vs_ino"))
        assert page.locator("#hsct-run").inner_text() == "hsct run 1"  # type: ignore[attr-defined]
        holds = _failing_values(page, "values must belong to this set")
        assert _header(holds)[:3] == ["Unexpected Value", "Count", "raw_row_id"]
        assert [r[:2] for r in _rows(holds)] == [["False", "1"]] and _rows(holds)[0][2].isdigit()
        _sections(page)
        shots.append(tmp_path / "group-vs-ino.png")
        full_page_shot(page, shots[-1], VALIDATION_SHOWN, 30_000)
    assert outbound == []
    assert failed == [] and errors == []  # every local file the pages ask for is there; no script fails
    assert len(shots) == 5


# The post-processing on small pages (no database, no browser).

PAGE = """<!DOCTYPE html>
<html>
  <head>
    <title>Data Docs created by Great Expectations</title>
    <link rel="stylesheet" href="{css}"/>
    <style>.navbar-brand a {{ background: url('{dark}') 0 0 no-repeat; }}</style>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<script src="{popper}" integrity="sha384-x" crossorigin="anonymous"></script>
<link rel="shortcut icon" href="../../../../static/images/favicon.ico" type="image/x-icon"/>
  </head>
  <body>
<nav class="navbar"><div class="float-left navbar-brand m-0 h-100">
  <a href="#"><img class="NO-CACHE" src="{logo}?d=20240101T000000.000000Z" alt="Great Expectations"/></a>
</div></nav>
<p>Data Docs autogenerated using <a href="https://greatexpectations.io">Great Expectations</a>.</p>
{extra}
<footer>
  <p>Stay current on everything GX with our newsletter <a href="{newsletter}">Subscribe</a></p>
</footer>
  </body>
</html>
"""


def _page(folder: Path, relative: str, extra: str = "") -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    (newsletter,) = (u for u in LINKS if "newsletter" in u)
    (dark,) = CSS_URLS
    logo = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png"
    content = PAGE.format(css=BOOTSTRAP_CSS, dark=dark, popper=POPPER, logo=logo, newsletter=newsletter, extra=extra)
    path.write_text(content, encoding="utf-8")
    return path


def test_the_table_of_urls_rewrites_a_page_in_a_subfolder_to_relative_paths(tmp_path: Path) -> None:
    page = _page(tmp_path, "validations/raw/registry/run-2/20240101T000000.000000Z/hsct-raw.registry.html")
    index = _page(tmp_path, "index.html", extra="<p>a value that mentions https://example.org stays text</p>")
    make_offline(tmp_path, "run-2")
    up = "../../../../../"
    content = page.read_text(encoding="utf-8")
    assert f'href="{up}static/vendor/bootstrap/bootstrap.min.css"' in content
    assert f'<script src="{up}static/vendor/popper.js/popper.min.js"></script>' in content  # SRI needs CORS: gone
    assert f'src="{up}static/images/logo-long.png"' in content and "amazonaws" not in content
    assert "url('none')" not in content and "background: none 0 0 no-repeat" in content
    assert "vega" not in content and "newsletter" not in content and "Subscribe" not in content
    assert "using Great Expectations." in content and "greatexpectations.io" not in content
    assert f'href="{up}static/images/favicon.ico"' in content  # GX links it one folder short
    assert f'<link rel="stylesheet" href="{up}static/vendor/hsct/data-docs.css"/>\n</head>' in content
    assert "<title>hsct run 2 · raw.registry · Data Docs</title>" in content
    assert content.count('id="hsct-run"') == 1 and ">hsct run 2</span>" in content
    assert external_urls(content) == []
    index_content = index.read_text(encoding="utf-8")
    assert 'href="static/vendor/bootstrap/bootstrap.min.css"' in index_content
    assert "<title>hsct run 2 · Data Docs</title>" in index_content
    assert (tmp_path / VENDOR / "bootstrap" / "bootstrap.min.css").is_file()

    make_offline(tmp_path, "run-3")  # again (a docs folder reused by the next night): nothing doubles
    again = page.read_text(encoding="utf-8")
    assert again == content  # a validation page keeps the run of its own path
    index_again = index.read_text(encoding="utf-8")
    assert index_again.count('id="hsct-run"') == 1 and ">hsct run 3</span>" in index_again
    assert index_again.count("data-docs.css") == 1


@pytest.mark.parametrize(
    "extra",
    [
        '<script src="https://cdn.example.org/new-chart.js"></script>',
        '<link rel="stylesheet" href="//fonts.example.org/css?family=X">',
        "<style>@import url('https://fonts.example.org/x.css');</style>",
        '<div style="background: url(https://example.org/bg.png)"></div>',
        '<a href="https://docs.greatexpectations.io/new">Docs</a>',
        "<script>fetch('https://telemetry.example.org/ping')</script>",
    ],
)
def test_an_unknown_external_url_raises_naming_it_and_changes_no_page(tmp_path: Path, extra: str) -> None:
    page = _page(tmp_path, "index.html", extra=extra)
    other = _page(tmp_path, "expectations/raw/registry.html")
    before = {p: p.read_text(encoding="utf-8") for p in (page, other)}
    url = re.search(r"(?:https?:)?//[^\s'\")]+", extra)[0]  # type: ignore[index]
    with pytest.raises(OfflineDocsError, match=re.escape(url)):
        make_offline(tmp_path, "run-1")
    assert {p: p.read_text(encoding="utf-8") for p in before} == before
    assert not (tmp_path / VENDOR).exists()


def test_a_page_that_draws_a_chart_raises(tmp_path: Path) -> None:
    _page(tmp_path, "index.html", extra="<script>vegaEmbed('#chart', spec)</script>")
    with pytest.raises(OfflineDocsError, match="vega"):
        make_offline(tmp_path)


def test_every_url_gx_templates_name_is_in_the_table() -> None:
    known = set(VENDORED) | CHART_SCRIPTS | LINKS | set(CSS_URLS)
    found = set()
    for template in GX_TEMPLATES.glob("*.j2"):
        if template.name.startswith("markdown_"):
            continue  # the markdown renderer's pages, not the HTML site
        found |= set(re.findall(r"https?://[^\"'\s)>]+", template.read_text(encoding="utf-8")))
    assert found, GX_TEMPLATES
    logo_folder = {u for u in found if LOGO.fullmatch(u + "logo-long.png")}  # top_navbar.j2: folder + file name
    assert len(logo_folder) == 1
    assert found - known - logo_folder == set()
    for url in VENDORED.values():
        assert (ASSETS / url).is_file(), url


def test_each_vendored_asset_has_its_licence_and_a_line_in_the_readme() -> None:
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    for folder in sorted(p for p in ASSETS.iterdir() if p.is_dir()):
        if folder.name != "hsct":
            assert list(folder.glob("LICENSE*")), folder
        assert f"`{folder.name}/`" in readme, folder
        for asset in folder.rglob("*.*"):
            if not asset.name.startswith("LICENSE"):
                assert asset.name in readme, asset
    assert (ASSETS / "fontawesome/css/all.min.css").read_text(encoding="utf-8").count("../webfonts/fa-solid-900.woff2")


def test_failing_values_are_one_escaped_text_each() -> None:
    assert shown(["a.csv", "X-1"], ["file", "registry_code"]) == "file: a.csv; registry_code: X-1"
    assert shown({"file": "a.csv", "row": 3}) == "file: a.csv; row: 3"
    assert shown(" ТГСК-2021-007 ") == '" ТГСК-2021-007 "'
    assert shown("a\tb") == '"a\\tb"'
    assert shown("ТГСК-2021-007") == "ТГСК-2021-007"
    assert shown("") == "(empty)" and shown(None) == "(missing)" and shown(float("nan")) == "(missing)"
    assert shown(MARKUP) == "&lt;img src=https://example.org/x.png&gt;"
    assert shown(False) == "False" and shown(0.5) == "0.5"


def test_the_run_names_the_docs_use() -> None:
    assert docs_run_name(2) == "run-2"
    assert docs_run_name(2, "publish") == "run-2-publish"
    assert docs_run_name(2, "quality") == "check-after-run-2"
    assert docs_run_name(None) is None


def test_a_reused_docs_folder_reads_only_the_pages_of_this_build(tmp_path: Path) -> None:
    old = _page(tmp_path, "validations/raw/registry/run-1/20240101T000000.000000Z/hsct-raw.registry.html")
    make_offline(tmp_path, "run-1")  # a folder without vendored assets is done whole, whatever `since` says
    done = old.read_text(encoding="utf-8")
    assert external_urls(done) == [] and "hsct run 1" in done
    stale = time.time() - 3600
    os.utime(old, (stale, stale))  # an earlier night's page: not read again ...
    old.write_text(done + '<script src="https://cdn.example.org/x.js"></script>', encoding="utf-8")
    os.utime(old, (stale, stale))
    new = _page(tmp_path, "validations/raw/registry/run-2/20240102T000000.000000Z/hsct-raw.registry.html")
    make_offline(tmp_path, "run-2", since=time.time() - 1)
    assert "cdn.example.org" in old.read_text(encoding="utf-8")  # ... so what it holds does not matter
    assert external_urls(new.read_text(encoding="utf-8")) == [] and "hsct run 2" in new.read_text(encoding="utf-8")
    shutil.rmtree(tmp_path / VENDOR)  # without the assets (a folder from before): every page again, the old one too
    with pytest.raises(OfflineDocsError, match=r"cdn\.example\.org"):
        make_offline(tmp_path, "run-2", since=time.time() - 1)

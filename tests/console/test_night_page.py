"""The night page, from real nights run through the CLI on SQLite and PostgreSQL.

Three nights on one database: (1) night_small with a lab workbook that cannot be read and a CD22
left empty (a warning) — published, with rejected rows and merge conflicts; (2) only registry_en —
held by `night_expected_feeds`, and it would delete a patient; (3) night 1's files again — published,
its rows rejected again and its conflicts those first recorded by run 1. The pages are read back by
parsing the HTML (sections, tables, rows, the text of each language), then opened in headless
Chromium with the network off.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from sqlalchemy import Engine, select, text

from etl.console import default_pages_dir, read_night, write_night_page
from etl.db import make_engine, upgrade
from etl.load.concepts import sync_concepts
from etl.messages import both
from etl.messages import text as msg
from schemas.tables import EtlRun, Person
from tests.browser import full_page_shot, offline_page
from tests.conftest import PG_SKIP, _fresh_pg_schema
from tests.console.html_tree import Node, parse
from tests.quality.helpers import NIGHT, hsct

if TYPE_CHECKING:
    from playwright.sync_api import Page

SECTIONS = ("run", "next", "files", "deletions", "quarantine", "conflicts", "checks", "docs")
SHOWN = ("header h1", "#status", "nav", *(f"#{s}" for s in SECTIONS), *(f"#{s} > h2" for s in SECTIONS))
TABLE_SECTIONS = ("run", "files", "deletions", "quarantine", "conflicts", "checks")
COUNTS = ("rows_in", "rows_loaded", "rows_merged", "rows_quarantined")


@dataclass(frozen=True)
class Nights:
    url: str
    folders: dict[int, Path]
    pages: dict[int, Path]  # run 1 and 3 in Russian, run 2 in English
    personal: list[str]  # every name and date of birth the registry holds


def _night_1(root: Path) -> Path:
    night = root / "night-1"
    shutil.copytree(NIGHT, night)
    ru = night / "registry_ru_20240101.csv"
    content = ru.read_text(encoding="cp1251")
    assert content.count(";80,5;") == 1
    ru.write_text(content.replace(";80,5;", ";;"), encoding="cp1251")  # 2 of 3 CD22 missing: a warning
    (night / "labs_20240101_extra.xlsx").write_bytes(b"not a workbook")
    return night


def _night_2(root: Path) -> Path:
    night = root / "night-2"
    night.mkdir()
    shutil.copy(NIGHT / "registry_en_20240101.csv", night)
    return night


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def nights(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_admin: Engine | None
) -> Iterator[Nights]:
    root = tmp_path_factory.mktemp(f"nights-{request.param}")
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
        folders = {1: _night_1(root), 2: _night_2(root)}
        folders[3] = folders[1]
        docs = str(root / "docs")
        for run_id, code in ((1, 0), (2, 1), (3, 0)):
            hsct("run", "--source", str(folders[run_id]), "--db", url, "--docs", docs, "--wait", code=code)
        out = root / "night-pages"
        with engine.connect() as conn:
            pages = {r: write_night_page(conn, r, out, "en" if r == 2 else "ru") for r in (1, 2, 3)}
            people = conn.execute(select(Person.full_name_ru, Person.full_name_en, Person.birth_date)).all()
        personal = [str(v) for p in people for v in p if v] + [f"{p.birth_date:%d.%m.%Y}" for p in people]
        yield Nights(url, folders, pages, personal)
    finally:
        engine.dispose()
        if schema is not None and pg_admin is not None:
            with pg_admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _page(nights: Nights, run_id: int) -> Node:
    return parse(nights.pages[run_id].read_text(encoding="utf-8"))


def _commands(page: Node) -> list[str]:
    return [c.text() for c in page.find("section", id="next").find_all("pre", cls="command")]


def _files(page: Node) -> dict[str, Node]:
    rows = page.find("section", id="files").find("tbody").children_named("tr")
    return {tr.attrs["data-file"]: tr for tr in rows if "data-file" in tr.attrs}


def _quarantine(page: Node, lang: str) -> dict[str, list[tuple[str, ...]]]:
    return {
        group.attrs["data-reason"]: [
            (r["file"], r["row"], r.get("column", ""), r.get("cell", "")) for r in group.find("table").rows(lang)
        ]
        for group in page.find("section", id="quarantine").find_all("div", cls="reason")
    }


def test_the_published_night_shows_its_files_rejections_conflicts_and_warning(nights: Nights) -> None:
    page = _page(nights, 1)
    html = page.find("html")
    assert (html.attrs["lang"], html.attrs["data-show"]) == ("ru", "ru")
    assert [s.attrs["id"] for s in page.find_all("section")] == list(SECTIONS)
    assert page.find("h1").text("ru") == msg("night.title", "ru", run=1)
    assert page.find("h1").text("en") == msg("night.title", "en", run=1)
    ru, en = page.find_all(cls="l-ru"), page.find_all(cls="l-en")  # every text in both languages
    assert len(ru) == len(en) > 100 and all(s.text() for s in ru + en)

    run = page.find("section", id="run").find("table")
    assert run.find("td", data_field="status").attrs["data-status"] == "published"
    assert run.find("td", data_field="rows_in").text() == "10"

    files = _files(page)
    counts = {
        name: tuple(tr.find("td", data_field=k).text() for k in COUNTS)
        for name, tr in files.items()
        if tr.attrs["data-status"] == "read"
    }
    assert counts == {
        "labs_20240101.csv": ("5", "4", "0", "1"),
        "registry_en_20240101.csv": ("2", "2", "0", "0"),
        "registry_ru_20240101.csv": ("3", "1", "1", "1"),
    }
    unreadable = files["labs_20240101_extra.xlsx"]
    assert unreadable.attrs["data-status"] == "unreadable"
    assert "no zip signature" in unreadable.find(data_field="error").text()
    assert unreadable.find("td", data_field="status").text("ru").startswith(msg("night.files.unreadable", "ru"))

    deletions = {r["deleted"] for r in page.find("section", id="deletions").find("table").rows()}
    assert deletions == {"0"}

    hidden = msg("night.personal", "ru")
    assert _quarantine(page, "ru") == {
        "invalid_date": [("registry_ru_20240101.csv", "4", "Дата рождения", hidden)],  # a date of birth: not shown
        "unknown_patient": [("labs_20240101.csv", "6", "Код пациента", "ТГСК-2099-999")],
        "unreadable_file": [("labs_20240101_extra.xlsx", msg("night.quarantine.whole_file", "ru"), "", "")],
    }
    group = page.find("div", cls="reason", data_reason="unknown_patient")
    assert msg("reason.unknown_patient", "ru", value="…", column="Код пациента") in group.find("h3").text("ru")
    assert msg("reason.unknown_patient", "en", value="…", column="Код пациента") in group.find("h3").text("en")
    original = group.find("details").find("tbody").children_named("tr")  # the lab row's cells, the faulty one marked
    assert len(original) == 5
    assert [r.text() for r in original if "faulty" in r.classes] == ["Код пациента ТГСК-2099-999"]

    conflicts = page.find("section", id="conflicts").find("table").rows("ru")
    assert {(c["patient"].split()[0], c["kept"].split()[0], c["discarded"].split()[0]) for c in conflicts} == {
        ("2019-014", "III", "II"),  # acute GVHD grade: registry_en's newer edit wins
        ("2019-014", "B-ALL", "В-ОЛЛ,"),
    }
    why = msg("night.conflicts.newer", "ru", kept="30.12.2023 17:45", discarded="02.11.2023 09:00")
    assert {c["why"] for c in conflicts} == {why}
    assert all("registry_en_20240101.csv, строка 2" in c["kept"] for c in conflicts)
    assert all("registry_ru_20240101.csv, строка 2" in c["discarded"] for c in conflicts)

    checks = page.find("section", id="checks").find("table").rows("ru")
    assert [c["severity"] for c in checks] == [msg("night.checks.warning", "ru")]
    assert checks[0]["check"].startswith(msg("check.diagnosis_cd22_present", "ru"))
    assert checks[0]["found"] == "строк с нарушением: 2 из 3 (66,67\u00a0%; допустимо 40\u00a0%)"
    assert "registry_en_20240101.csv, строка 3" in checks[0]["samples"]

    link = page.find("a", id="docs-link")
    assert link.attrs["href"] == "../docs/index.html"
    assert (nights.pages[1].parent / link.attrs["href"]).resolve().is_file()
    assert _commands(page) == [f"hsct run --source {nights.folders[1]}"]


def test_the_commands_name_the_database_the_night_was_given(nights: Nights, tmp_path: Path) -> None:
    """A night run with --db: the page's commands repeat it (quoted), so that copied elsewhere they act
    on that database, not on a new hsct.db in the folder they are pasted in."""
    engine = make_engine(nights.url)
    try:
        with engine.connect() as conn:
            written = write_night_page(conn, 2, tmp_path, "en", db="/srv/registry db/hsct.db")
    finally:
        engine.dispose()
    page = parse(written.read_text("utf-8"))
    assert _commands(page) == [
        "hsct quality --publish 2 --db '/srv/registry db/hsct.db'",
        f"hsct run --source {nights.folders[2]} --db '/srv/registry db/hsct.db'",
    ]


def test_the_held_night_says_how_to_publish_it_or_fix_and_run_again(nights: Nights) -> None:
    page = _page(nights, 2)
    assert page.find("html").attrs["data-show"] == "en"
    run = page.find("section", id="run").find("table")
    assert run.find("td", data_field="status").attrs["data-status"] == "held"
    assert _commands(page) == ["hsct quality --publish 2", f"hsct run --source {nights.folders[2]}"]
    next_steps = page.find("section", id="next").text("en")
    assert msg("night.next.publish", "en") in next_steps and msg("night.next.fix", "en") in next_steps

    checks = page.find("section", id="checks").find("tbody").children_named("tr")
    assert checks[0].attrs["data-check"] == "night_expected_feeds"
    assert [c.attrs["data-severity"] for c in checks] == ["blocking", "warning"]
    assert checks[0].find("td", data_field="check").text("en").startswith(msg("check.night_expected_feeds", "en"))
    assert checks[0].find("td", data_field="found").text("en") == "rows failing: 2 of 3 (66.67%; allowed 0%)"

    deletions = page.find("section", id="deletions")
    assert msg("night.deletions.held", "en") in deletions.text("en")
    patients = deletions.find("tr", data_table="patient")
    assert (patients.find(data_field="deleted").text(), patients.find(data_field="deleted_keys").text()) == (
        "1",
        "2021-007",
    )
    assert msg("night.deletions.would_delete", "en") in deletions.find("thead").text("en")
    assert not page.find("section", id="quarantine").find_all("table")
    assert msg("night.conflicts.held", "en") in page.find("section", id="conflicts").text("en")
    assert list(_files(page)) == ["registry_en_20240101.csv"]


def test_a_night_run_again_lists_the_rows_rejected_again_and_the_conflicts_first_recorded(nights: Nights) -> None:
    again, first = _page(nights, 3), _page(nights, 1)
    note = msg("night.quarantine.again", "ru", run=1)  # the same rows, each saying which run first rejected it
    assert _quarantine(again, "ru") == {
        reason: [(f"{file} {note}", *rest) for file, *rest in rows] for reason, rows in _quarantine(first, "ru").items()
    }
    conflicts = again.find("section", id="conflicts").find("tbody").children_named("tr")
    assert len(conflicts) == 2
    assert all(msg("night.conflicts.first", "ru", run=1) in c.text("ru") for c in conflicts)


def test_no_name_or_date_of_birth_on_any_page_and_the_pages_are_private(nights: Nights) -> None:
    assert len(nights.personal) >= 6
    for path in nights.pages.values():
        content = path.read_text(encoding="utf-8")
        assert [p for p in nights.personal if p in content] == []
        assert "31.02.2019" not in content  # the rejected date of birth is not shown either
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(nights.pages[1].parent.stat().st_mode) == 0o700


def test_the_page_renders_offline_in_chromium_with_its_tables_and_language_switch(
    nights: Nights, tmp_path: Path
) -> None:
    shots: list[Path] = []
    with offline_page() as (opened, outbound):
        page = cast("Page", opened)
        page.goto(nights.pages[1].as_uri())
        for section in TABLE_SECTIONS:
            tables = page.locator(f"#{section} > table.data, #{section} > .reason > table.data")
            assert tables.count() >= 1, section
            assert all(tables.nth(i).is_visible() for i in range(tables.count())), section
        assert page.locator("#next pre.command").first.is_visible()
        assert page.locator("#docs-link").is_visible()
        title = page.locator("h1")
        assert title.locator(".l-ru").is_visible() and title.locator(".l-en").is_hidden()
        original = page.locator("#quarantine details").first  # the original row: collapsed until asked
        assert original.locator("table").is_hidden()
        original.locator("summary").click()
        assert original.locator("tr.faulty").is_visible()
        shots.append(tmp_path / "night-1-ru.png")
        full_page_shot(page, shots[-1], SHOWN)

        page.locator(".switch button[data-lang=en]").click()
        assert title.locator(".l-en").is_visible() and title.locator(".l-ru").is_hidden()
        assert title.locator(".l-en").inner_text() == msg("night.title", "en", run=1)
        assert page.title() == msg("night.title", "en", run=1)
        assert page.locator("html").get_attribute("lang") == "en"
        shots.append(tmp_path / "night-1-en.png")
        full_page_shot(page, shots[-1], SHOWN)

        page.goto(nights.pages[2].as_uri())  # held, shown in English first
        commands = page.locator("#next pre.command")
        assert commands.first.is_visible() and commands.first.inner_text() == "hsct quality --publish 2"
        assert page.locator("#checks tr[data-severity=blocking]").is_visible()
        page.locator(".switch button[data-lang=ru]").click()
        assert page.locator("#status .l-ru").inner_text() == msg("night.status.held", "ru")
        shots.append(tmp_path / "night-2-ru.png")
        full_page_shot(page, shots[-1], SHOWN)  # every section, those with nothing to list too
    assert outbound == []
    keep = os.environ.get("HSCT_NIGHT_SCREENSHOTS")
    if keep:  # to look at them: HSCT_NIGHT_SCREENSHOTS=/tmp/night pytest tests/console/test_night_page.py -k chromium
        folder = Path(keep) / nights.url.split(":")[0].split("+")[0]
        folder.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, folder / shot.name)


def test_the_pages_folder_and_an_unknown_run(nights: Nights) -> None:
    assert default_pages_dir("sqlite:////data/hsct/hsct.db") == Path("/data/hsct/night-pages")
    assert default_pages_dir("postgresql://u@h/db") == Path.cwd() / "night-pages"
    engine = make_engine(nights.url)
    try:
        with engine.connect() as conn, pytest.raises(LookupError, match="run 99 does not exist"):
            read_night(conn, 99)
    finally:
        engine.dispose()
    assert both("night.language") == {"ru": "Русский", "en": "English"}


def test_a_failed_run_says_to_run_the_night_again(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    started = dt.datetime(2024, 1, 2, 3, 0)
    try:
        with engine.begin() as conn:
            conn.execute(
                EtlRun.__table__.insert().values(
                    run_id=1, started_at=started, finished_at=started + dt.timedelta(minutes=1), status="failed",
                    source_dir="/data/<b>night</b> 2", message="abandoned: the process ended before finishing the run",
                )
            )  # fmt: skip
        with engine.connect() as conn:
            page = parse(write_night_page(conn, 1, tmp_path / "pages", "en").read_text(encoding="utf-8"))
    finally:
        engine.dispose()
    assert page.find("td", data_field="status").attrs["data-status"] == "failed"
    assert page.find("td", data_field="message").text() == "abandoned: the process ended before finishing the run"
    assert _commands(page) == ["hsct run --source '/data/<b>night</b> 2'"]  # escaped, and quoted for the shell
    assert not page.find_all("b")
    assert page.find("section", id="checks").text("en").endswith(msg("night.checks.unchecked", "en"))
    assert page.find("section", id="docs").text("en").endswith(msg("night.docs.none", "en"))
    assert stat.S_IMODE((tmp_path / "pages").stat().st_mode) == 0o700

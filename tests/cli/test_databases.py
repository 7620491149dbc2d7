"""Which database a command reads, and what it says when that database is not there (issue 15, item 6).

`--db` (and $HSCT_DATABASE_URL) take a URL or a plain path to an SQLite file. Only `hsct run`,
`hsct db upgrade` and `hsct demo` create or migrate a database; every read command refuses a
missing SQLite file (creating nothing), a database without the hsct schema and one at an older
revision with exit 10 naming `hsct db upgrade`, and the export and the report refuse a database
with nothing published with exit 13, without writing anything. Through the real CLI, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from etl.db import current_revision, make_engine, resolve_url
from etl.db.migrate import alembic_config, downgrade
from etl.errors import EXIT_DATABASE, EXIT_NO_DATABASE, EXIT_NOTHING_PUBLISHED, EXIT_QUALITY_GATE, EXIT_USAGE
from tests.cli.helpers import NIGHT, assert_clean_exit, hsct, invoke
from tests.conftest import PG_ENV, PG_SKIP
from tests.quality.test_gate import _night_b

# The read commands, with the database and a scratch folder to fill in.
READERS: dict[str, list[str]] = {
    "export fhir": ["export", "fhir", "--out", "{tmp}/export", "--db", "{db}"],
    "export push": ["export", "push", "--db", "{db}"],
    "report": ["report", "--out", "{tmp}/report", "--db", "{db}"],
    "lineage": ["lineage", "patient.sex_id", "1", "--db", "{db}"],
    "quality": ["quality", "--db", "{db}", "--out", "{tmp}/docs"],
    "quality --run": ["quality", "--run", "1", "--db", "{db}"],
    "quality --publish": ["quality", "--publish", "1", "--db", "{db}", "--out", "{tmp}/docs"],
}
# Commands of the console others are building (etl/cli/runs.py, console.py): to be wired to require_database.
CONSOLE_READERS: dict[str, list[str]] = {
    "runs": ["runs", "--db", "{db}"],
    "runs show": ["runs", "show", "1", "--db", "{db}"],
    "quarantine": ["quarantine", "--db", "{db}"],
    "conflicts": ["conflicts", "--db", "{db}"],
}
# What refuses a database without a published batch (exit 13), and where it would have written.
PUBLISHED_READERS = {"export fhir": "export", "export push": None, "report": "report", "quality": "docs"}


def _argv(template: list[str], db: str, tmp: Path) -> list[str]:
    return [a.replace("{db}", db).replace("{tmp}", str(tmp)) for a in template]


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _previous_revision(url: str) -> str:
    engine = make_engine(url)
    try:
        script = ScriptDirectory.from_config(alembic_config(engine))
        (head,) = script.get_heads()
        down = script.get_revision(head).down_revision
        assert isinstance(down, str), down
        return down
    finally:
        engine.dispose()


# ---------------------------------------------------------------- A: --db takes a path


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("night.db", "sqlite:///night.db"),
        ("./x.sqlite", "sqlite:///./x.sqlite"),
        ("/data/hsct.db", "sqlite:////data/hsct.db"),
        ("sqlite:///night.db", "sqlite:///night.db"),
        ("postgresql://u@h:5432/reg", "postgresql+psycopg://u@h:5432/reg"),
    ],
)
def test_a_plain_path_names_an_sqlite_file_and_a_url_stays_a_url(given: str, expected: str) -> None:
    assert resolve_url(given) == expected


def test_a_path_with_url_characters_is_still_that_file(tmp_path: Path) -> None:
    odd = tmp_path / "night #1?v=2 100%.db"
    assert make_url(resolve_url(str(odd))).database == str(odd)
    assert make_url(resolve_url("~/hsct.db")).database == os.path.expanduser("~/hsct.db")


def test_the_environment_variable_takes_a_path_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSCT_DATABASE_URL", "/data/registry.db")
    assert resolve_url() == "sqlite:////data/registry.db"
    assert resolve_url("other.db") == "sqlite:///other.db"  # --db wins


def test_every_command_takes_a_plain_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--db night.db (relative), ./x.sqlite, an absolute path and $HSCT_DATABASE_URL as a path: a night
    loaded, exported, reported and traced through each spelling of the same file."""
    monkeypatch.chdir(tmp_path)
    hsct("db", "upgrade", "--db", "night.db")
    assert (tmp_path / "night.db").is_file()
    hsct("run", "--source", str(NIGHT), "--db", "./night.db", "--no-docs")
    absolute = str(tmp_path / "night.db")
    assert hsct("db", "current", "--db", absolute).strip() == current_revision(make_engine(absolute))
    out = hsct("export", "fhir", "--out", "e", "--format", "ndjson", "--db", absolute)
    assert "3 patients" in out and (tmp_path / "e" / "manifest.json").is_file()
    hsct("report", "--out", "r", env={"HSCT_DATABASE_URL": "night.db"})
    assert (tmp_path / "r" / "statistics.json").is_file()
    assert "registry" in hsct("lineage", "patient.sex_id", "1", "--db", "night.db")
    hsct("db", "upgrade", "--db", "./other.sqlite")
    assert (tmp_path / "other.sqlite").is_file()
    assert not (tmp_path / "hsct.db").exists()  # no command fell back to the default file


# ---------------------------------------------------------------- B: missing or not migrated


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_read_command_refuses_a_missing_sqlite_file_and_creates_nothing(command: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = work / "night.db"
    result = invoke(*_argv(READERS[command], str(db), work))
    assert_clean_exit(result, EXIT_NO_DATABASE)
    assert "hsct db upgrade" in result.output and str(db) in result.output
    assert _files(work) == []  # neither the database, nor its lock, nor an output folder


def test_the_default_database_is_not_created_by_a_read_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("report", "--out", "r", env={"HSCT_DATABASE_URL": None})
    assert_clean_exit(result, EXIT_NO_DATABASE)
    assert str(tmp_path / "hsct.db") in result.output
    result = invoke("export", "fhir", "--out", "e", env={"HSCT_DATABASE_URL": "registry.db"})
    assert_clean_exit(result, EXIT_NO_DATABASE)
    assert _files(tmp_path) == []


def test_db_current_and_downgrade_on_a_missing_file(tmp_path: Path) -> None:
    db = tmp_path / "night.db"
    result = invoke("db", "current", "--db", str(db))
    assert_clean_exit(result, 0)
    assert result.output.splitlines()[0] == "none" and "hsct db upgrade" in result.output
    assert_clean_exit(invoke("db", "downgrade", "base", "--db", str(db)), EXIT_NO_DATABASE)
    assert _files(tmp_path) == []


@pytest.mark.parametrize("content", [b"", b"not a database at all\n"])
def test_a_file_that_is_no_hsct_database_is_refused(content: bytes, tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(content)
    for command in ("report", "lineage", "export fhir"):
        result = invoke(*_argv(READERS[command], str(db), tmp_path))
        assert_clean_exit(result, EXIT_NO_DATABASE)
        assert ("hsct db upgrade" in result.output) == (content == b""), result.output  # empty: a new database
    assert db.read_bytes() == content
    folder = tmp_path / "folder.db"
    folder.mkdir()
    assert_clean_exit(invoke("lineage", "patient.sex_id", "1", "--db", str(folder)), EXIT_NO_DATABASE)


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_read_command_refuses_a_database_without_the_schema(command: str, empty_db_url: str, tmp_path: Path) -> None:
    """SQLite: the file does not exist; PostgreSQL: a schema with no table at all."""
    result = invoke(*_argv(READERS[command], empty_db_url, tmp_path))
    assert_clean_exit(result, EXIT_NO_DATABASE)
    assert "hsct db upgrade" in result.output
    if empty_db_url.startswith("postgresql"):
        assert "no hsct schema" in result.output and "alembic_version" in result.output
    assert _files(tmp_path) == []


def test_a_database_at_an_older_revision_is_refused_until_migrated(db_url: str, tmp_path: Path) -> None:
    """Read commands name the revision and `hsct db upgrade`; the nightly run migrates it itself."""
    previous = _previous_revision(db_url)
    engine = make_engine(db_url)
    try:
        downgrade(engine, previous)
    finally:
        engine.dispose()
    for command in sorted(READERS):
        result = invoke(*_argv(READERS[command], db_url, tmp_path))
        assert_clean_exit(result, EXIT_NO_DATABASE)
        assert f"revision {previous}" in result.output and "hsct db upgrade" in result.output, result.output
    hsct("run", "--source", str(NIGHT), "--db", db_url, "--no-docs", "--wait")  # the first night of a new release
    hsct("export", "fhir", "--out", str(tmp_path / "e"), "--db", db_url)


@pytest.mark.parametrize("command", sorted(PUBLISHED_READERS))
def test_nothing_published_is_said_and_nothing_is_written(command: str, db_url: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    result = invoke(*_argv(READERS[command], db_url, work))
    assert_clean_exit(result, EXIT_NOTHING_PUBLISHED)
    assert "nothing is published" in result.output and "hsct run" in result.output
    assert not work.exists()


def test_a_held_first_night_names_the_publish_command(db_url: str, tmp_path: Path) -> None:
    hsct("run", "--source", str(_night_b(tmp_path / "in")), "--db", db_url, "--no-docs", "--wait",
         code=EXIT_QUALITY_GATE)  # fmt: skip
    out = tmp_path / "out"
    for command in ("export fhir", "export push", "report"):
        result = invoke(*_argv(READERS[command], db_url, out))
        assert_clean_exit(result, EXIT_NOTHING_PUBLISHED)
        assert "held run 1" in result.output and "hsct quality --publish 1" in result.output, result.output
    assert not out.exists()
    hsct("quality", "--publish", "1", "--by", "test", "--db", db_url, "--out", str(tmp_path / "docs"))
    assert "3 patients" in hsct("export", "fhir", "--out", str(out / "export"), "--db", db_url)


def test_a_published_night_without_patients_exports_and_reports_nothing(db_url: str, tmp_path: Path) -> None:
    """A header-only registry file: the night is published with no patient; a full export, the report
    and the checks refuse to succeed on zero patients; an export of changes may well be empty."""
    night = tmp_path / "night"
    night.mkdir()
    header = (NIGHT / "registry_en_20240101.csv").read_text(encoding="utf-8").splitlines()[0]
    (night / "registry_en_20240101.csv").write_text(header + "\n", encoding="utf-8")
    hsct("run", "--source", str(night), "--db", db_url, "--no-docs", "--wait")
    out = tmp_path / "out"
    for command in ("export fhir", "report", "quality"):
        result = invoke(*_argv(READERS[command], db_url, out))
        assert_clean_exit(result, EXIT_NOTHING_PUBLISHED)
        assert "holds no patient" in result.output
    assert not out.exists()
    delta = hsct("export", "fhir", "--out", str(out / "delta"), "--since", "1", "--db", db_url)
    assert "0 patients" in delta


def test_the_nightly_run_creates_a_new_database(tmp_path: Path) -> None:
    db = tmp_path / "first-night.db"
    hsct("run", "--source", str(NIGHT), "--db", str(db), "--no-docs")
    assert db.is_file()
    assert "3 patients" in hsct("export", "fhir", "--out", str(tmp_path / "e"), "--db", str(db))


def test_a_postgresql_database_that_does_not_exist_or_cannot_be_reached(tmp_path: Path) -> None:
    admin = os.environ.get(PG_ENV)
    if not admin:
        pytest.skip(PG_SKIP)
    missing = make_url(resolve_url(admin)).set(database=f"hsct_missing_{uuid.uuid4().hex[:8]}")
    result = invoke("report", "--out", str(tmp_path / "r"), "--db", missing.render_as_string(hide_password=False))
    assert_clean_exit(result, EXIT_NO_DATABASE)
    assert "no such database" in result.output and "hsct db upgrade" in result.output
    closed = make_url(resolve_url(admin)).set(host="127.0.0.1", port=1)
    result = invoke("lineage", "patient.sex_id", "1", "--db", closed.render_as_string(hide_password=False))
    assert_clean_exit(result, EXIT_DATABASE)
    assert "cannot reach" in result.output


@pytest.mark.parametrize("command", sorted(CONSOLE_READERS))
def test_the_console_commands_refuse_a_missing_database(command: str, tmp_path: Path) -> None:
    db = tmp_path / "night.db"
    result = invoke(*_argv(CONSOLE_READERS[command], str(db), tmp_path))
    assert_clean_exit(result, EXIT_NO_DATABASE)
    assert _files(tmp_path) == []


# ---------------------------------------------------------------- C: the report's decisions


def test_the_report_applies_a_decisions_file_only_when_named(db_url: str, tmp_path: Path) -> None:
    hsct("run", "--source", str(NIGHT), "--db", db_url, "--no-docs", "--wait")
    plain = hsct("report", "--out", str(tmp_path / "plain"), "--db", db_url)
    assert "decisions applied: none" in plain
    stats = json.loads((tmp_path / "plain" / "statistics.json").read_text(encoding="utf-8"))
    assert {s["decisions"] for s in stats} == {None}
    assert "cohort choice" not in {s["reason"] for s in stats}
    html = (tmp_path / "plain" / "report.html").read_text(encoding="utf-8")
    assert 'id="decisions"' in html and "No synthetic cohort&#x27;s decisions file was applied" in html

    decisions = Path(__file__).parents[2] / "study" / "decisions.yaml"
    named = hsct("report", "--out", str(tmp_path / "named"), "--db", db_url, "--decisions", str(decisions))
    assert "decisions applied: study/decisions.yaml" in named
    stats = json.loads((tmp_path / "named" / "statistics.json").read_text(encoding="utf-8"))
    assert {s["decisions"] for s in stats} == {"study/decisions.yaml"}
    html = (tmp_path / "named" / "report.html").read_text(encoding="utf-8")
    words = re.sub(r"<[^>]+>", "", html)  # the file name is set as code
    assert "Applied: the synthetic cohort&#x27;s decisions file study/decisions.yaml" in words

    result = invoke("report", "--out", str(tmp_path / "x"), "--db", db_url, "--decisions", str(tmp_path / "no.yaml"))
    assert_clean_exit(result, EXIT_USAGE)
    assert not (tmp_path / "x").exists()

"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from $HSCT_TEST_POSTGRES_URL (`.ci/run` sets it to the
server these machines run); without it the PostgreSQL cases skip and say so.
Each test gets a database of its own (migrated once per session and copied:
`sqlite_template`, `pg_template`): a fresh SQLite file, or a fresh
PostgreSQL schema (selected through the URL's search_path, so that
subprocesses given the URL land in it too), dropped afterwards.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, make_url, text

from etl.cli import main
from etl.db import make_engine, resolve_url, upgrade
from etl.load.concepts import sync_concepts

PG_ENV = "HSCT_TEST_POSTGRES_URL"
PG_SKIP = (
    f"PostgreSQL cases need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test); "
    "it is unset on this machine, so they are skipped. `.ci/run` sets it."
)


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    return resolve_url(url) if url else None


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read hsct's English output unless they ask for Russian (`--lang ru`): the default language
    otherwise follows $HSCT_LANG, hsct.toml and the locale (etl.messages.language)."""
    monkeypatch.setenv("HSCT_LANG", "en")


@pytest.fixture(autouse=True)
def outside_the_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test works in a folder of its own: what hsct writes beside the working folder by default
    (./night-pages, ./quality-docs and ./logs for a PostgreSQL database) never lands in the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine | None]:
    url = _pg_admin_url()
    if url is None:
        yield None
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _fresh_pg_schema(admin: Engine) -> tuple[str, str]:
    schema = f"hsct_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = admin.url.render_as_string(hide_password=False)
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path, pg_admin: Engine | None) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The URL of a new, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hsct.db'}"
        return
    if pg_admin is None:
        pytest.skip(PG_SKIP)
    schema, url = _fresh_pg_schema(pg_admin)
    try:
        yield url
    finally:
        _drop_pg_schema(pg_admin, schema)


def _drop_pg_schema(admin: Engine, schema: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _migrate(url: str) -> None:
    """Migrate the database at `url` to head and load the concept vocabulary."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        sync_concepts(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head with the concept vocabulary loaded, made once per session
    (per xdist worker): each SQLite test copies the file rather than run the migrations again."""
    path = tmp_path_factory.mktemp("template") / "hsct.db"
    _migrate(f"sqlite:///{path}")
    return path


@dataclass(frozen=True)
class PgTemplate:
    """A PostgreSQL schema migrated to head with the vocabulary loaded, as SQL that `pg_dump` wrote;
    `restore(url)` replays it into the (empty) schema of the URL's search_path, in one transaction."""

    sql: str
    name: str

    def restore(self, url: str) -> None:
        schema = unquote(url).rsplit("search_path=", 1)[1]
        target = make_url(url).set(drivername="postgresql", query={}).render_as_string(hide_password=False)
        with psycopg.connect(target) as conn:
            conn.execute(f'DROP SCHEMA "{schema}"')  # the dump creates it
            conn.execute(self.sql.replace(self.name, schema))


@pytest.fixture(scope="session")
def pg_template(pg_admin: Engine | None) -> Iterator[PgTemplate | None]:
    """The PostgreSQL twin of `sqlite_template`, made once per session (per xdist worker): replaying
    its DDL costs about half of running the migrations. None without PostgreSQL or without pg_dump
    (the migrations then run for each test)."""
    if pg_admin is None or shutil.which("pg_dump") is None:
        yield None
        return
    schema, url = _fresh_pg_schema(pg_admin)
    try:
        _migrate(url)
        server = pg_admin.url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
        flags = ["--schema", schema, "--no-owner", "--no-privileges", "--rows-per-insert=1000"]
        dump = subprocess.run(["pg_dump", "-d", server, *flags], capture_output=True, text=True, check=True).stdout
        # psql's meta-commands (\restrict of newer pg_dump) are not SQL
        yield PgTemplate("\n".join(line for line in dump.splitlines() if not line.startswith("\\")), schema)
    finally:
        _drop_pg_schema(pg_admin, schema)


@pytest.fixture
def db_url(empty_db_url: str, request: pytest.FixtureRequest) -> str:
    """A database of each kind, migrated to head, with the concept vocabulary loaded (SQLite: a copy of
    the session's template; the migrations themselves are tested on empty databases, tests/db)."""
    if empty_db_url.startswith("sqlite:///"):
        shutil.copyfile(request.getfixturevalue("sqlite_template"), empty_db_url.removeprefix("sqlite:///"))
        return empty_db_url
    template: PgTemplate | None = request.getfixturevalue("pg_template")
    if template is not None:
        template.restore(empty_db_url)
        return empty_db_url
    _migrate(empty_db_url)
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def generated_night(tmp_path_factory: pytest.TempPathFactory, out: Path, *args: str) -> Path:
    """`hsct generate --out <out> <args>`, a copy of its own for the caller (which may change it).

    Generating a night takes half a minute and the same arguments give byte-identical files
    (tests/synth/test_feeds.py checks it), so each set of arguments is generated once per test
    session, by whichever xdist worker asks first, into the temporary folder the workers share.
    """
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "generated-nights"
    shared.mkdir(exist_ok=True)
    night = shared / (re.sub(r"[^0-9A-Za-z]+", "_", " ".join(args)).strip("_") or "study")
    with (shared / f"{night.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not night.is_dir():
            partial = shared / f"{night.name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            result = CliRunner().invoke(main, ["generate", "--out", str(partial), *args], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            partial.rename(night)
    shutil.copytree(night, out, dirs_exist_ok=True)
    return out

"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from $HSCT_TEST_POSTGRES_URL (`.ci/run` sets it to the
server these machines run); without it the PostgreSQL cases skip and say so.
Each test gets a database of its own: a fresh SQLite file, or a fresh
PostgreSQL schema (selected through the URL's search_path, so that
subprocesses given the URL land in it too), dropped afterwards.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, text

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
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A database of each kind, migrated to head, with the concept vocabulary loaded."""
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        sync_concepts(engine)
    finally:
        engine.dispose()
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

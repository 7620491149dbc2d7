"""What hsct creates is readable by its owner only, whatever the umask (issue 15, item 7).

The SQLite database holds personal data; its lock, the FHIR exports, the Data Docs, the report and
the night's files are created 0600 (files) and 0700 (folders) although each test runs the commands
with the permissive umask 022 of a typical shell or cron job. `hsct export push` without --out leaves
no bundle behind in the temporary folder, whether the partner accepted them or not.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.db import make_engine, upgrade
from etl.errors import EXIT_PUSH
from tests.cli.helpers import NIGHT, assert_clean_exit, hsct, invoke

PERMISSIVE = 0o022


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Run the test under umask 022 (files 0644, folders 0755 by default), then restore the umask."""
    previous = os.umask(PERMISSIVE)
    try:
        yield
    finally:
        os.umask(previous)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def modes(root: Path) -> dict[str, int]:
    """Every path under `root` (root itself included) and its permission bits."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        if not path.is_symlink():
            found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def assert_private(root: Path, *, min_files: int = 1) -> None:
    """Folders 0700 and files 0600 throughout `root`, which holds at least `min_files` files."""
    wrong = {
        name: oct(mode)
        for name, mode in modes(root).items()
        if mode != (0o700 if (root / name).is_dir() else 0o600)
    }
    assert not wrong, wrong
    assert sum(p.is_file() for p in root.rglob("*")) >= min_files


def test_the_database_its_lock_and_the_night_files_are_private(permissive_umask: None, tmp_path: Path) -> None:
    registry = tmp_path / "registry"  # the data manager's folder, created by them: 0755
    registry.mkdir()
    assert stat.S_IMODE(registry.stat().st_mode) == 0o755
    db = registry / "hsct.db"
    hsct("db", "upgrade", "--db", str(db))
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert _umask() == PERMISSIVE  # the command's umask is its own: the caller's is restored

    hsct("run", "--source", str(NIGHT), "--db", str(db))  # Data Docs beside the database
    assert (registry / "hsct.db.lock").is_file() and (registry / "quality-docs" / "index.html").is_file()
    found = modes(registry)
    del found["."]  # the data manager's own folder keeps its mode
    wrong = {n: oct(mode) for n, mode in found.items() if mode != (0o700 if (registry / n).is_dir() else 0o600)}
    assert not wrong, wrong


def test_an_sqlite_file_created_by_the_library_is_private(permissive_umask: None, tmp_path: Path) -> None:
    """No CLI (so no umask set): the engine creates the file 0600; SQLite gives -wal and -shm its mode."""
    db = tmp_path / "library.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
            conn.execute(text("INSERT INTO scratch VALUES (1)"))
        with engine.connect() as conn:  # an open connection keeps the WAL files
            conn.execute(text("SELECT x FROM scratch")).all()
            siblings = sorted(p.name for p in tmp_path.iterdir())
            assert "library.db-wal" in siblings, siblings
            assert {name: oct(stat.S_IMODE((tmp_path / name).stat().st_mode)) for name in siblings} == {
                name: oct(0o600) for name in siblings
            }
    finally:
        engine.dispose()


def test_an_existing_database_file_keeps_its_mode(permissive_umask: None, tmp_path: Path) -> None:
    """Only what hsct creates is made private: a file the administrator prepared is left as it is."""
    db = tmp_path / "shared.db"
    engine = make_engine(f"sqlite:///{db}")
    engine.dispose()
    assert not db.exists()  # making an engine creates nothing
    db.touch(mode=0o640)
    os.chmod(db, 0o640)
    hsct("db", "upgrade", "--db", str(db))
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


@pytest.fixture
def night_db(tmp_path: Path) -> str:
    """An SQLite database holding one published night (created under the default umask)."""
    db = tmp_path / "night.db"
    hsct("run", "--source", str(NIGHT), "--db", str(db), "--no-docs")
    return str(db)


@pytest.mark.parametrize("fmt", ["bundle", "ndjson"])
def test_fhir_exports_are_private(fmt: str, night_db: str, permissive_umask: None, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    hsct("export", "fhir", "--out", str(out / "berlin" / fmt), "--format", fmt, "--db", night_db)
    assert_private(out, min_files=2)  # the parents created for --out too


def test_the_report_and_the_data_docs_are_private(night_db: str, permissive_umask: None, tmp_path: Path) -> None:
    hsct("report", "--out", str(tmp_path / "report"), "--db", night_db)
    assert_private(tmp_path / "report", min_files=6)
    hsct("quality", "--out", str(tmp_path / "docs"), "--db", night_db)
    assert_private(tmp_path / "docs", min_files=2)


class _Refusing(BaseHTTPRequestHandler):
    """A FHIR server that refuses every transaction (HTTP 400: not retried)."""

    def do_POST(self) -> None:  # the http.server API names it so
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]}'
        self.send_response(400)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def refusing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_push_leaves_no_bundle_in_the_temporary_folder(
    night_db: str, refusing_server: str, permissive_umask: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = invoke("export", "push", "--url", refusing_server, "--db", night_db)
    assert_clean_exit(result, EXIT_PUSH)
    assert "was not accepted" in result.output
    assert list(scratch.iterdir()) == []
    # with --out the bundles are kept, privately
    result = invoke("export", "push", "--url", refusing_server, "--out", str(tmp_path / "kept"), "--db", night_db)
    assert_clean_exit(result, EXIT_PUSH)
    assert_private(tmp_path / "kept", min_files=2)

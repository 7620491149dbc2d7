"""The run log (issue 15, "Operations"): every `hsct run` writes `run-<id>.jsonl`, one JSON object a line,
covering its stages and files, private (0600 in a 0700 folder), with no personal data or secret in it."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from etl.db import make_engine
from etl.db.engine import safe_url
from etl.errors import DatabaseError, InputError
from etl.run.runlog import RunLog, default_logs_dir, error_fields, log
from schemas.tables import EtlRun
from tests.conftest import generated_night
from tests.run.ops import invoke, personal_values, read_jsonl, run_night

STAGES = {"start", "harmonize", "load", "check", "publish", "end"}
SECRET = "hsct-secret-pw-1234"


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("night"))


def _with_password(db_url: str) -> str:
    """The test database's URL with a password in it (PostgreSQL; the server must accept it)."""
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        return db_url
    with_secret = url.set(password=SECRET).render_as_string(hide_password=False)
    try:
        psycopg.connect(make_url(with_secret).set(drivername="postgresql", query={}).render_as_string(False)).close()
    except psycopg.Error:
        pytest.skip("the PostgreSQL server refuses a made-up password; the URL is tested without one")
    return with_secret


def test_a_run_logs_its_stages_and_files_as_json_lines_without_personal_data(
    night: Path, db_url: str, tmp_path: Path
) -> None:
    url = _with_password(db_url)
    result = run_night(night, url, tmp_path)
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    with engine.connect() as conn:
        run_id = conn.execute(select(func.max(EtlRun.run_id))).scalar_one()
    engine.dispose()

    path = tmp_path / "logs" / f"run-{run_id}.jsonl"
    assert f"run log: {path}" in result.output
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == [path.name]
    lines = read_jsonl(path)
    assert all(line["run_id"] == run_id for line in lines)
    assert all({"timestamp", "level", "message", "stage"} <= set(line) for line in lines)
    assert {line["stage"] for line in lines} >= STAGES

    feed_files = sorted(p.name for p in night.iterdir() if p.is_file())
    done = {line["file"]: line for line in lines if line["message"] == "file.done"}
    assert sorted(done) == feed_files
    assert all(line["rows_in"] == line["loaded"] + line["merged"] + line["quarantined"] for line in done.values())
    progress = {line["file"] for line in lines if line["message"] == "run.progress.file"}
    assert progress == set(feed_files)

    stages = [line for line in lines if line["message"] == "stage.done"]
    assert {s["stage"] for s in stages} == {"harmonize", "load", "check", "publish"}
    assert all(isinstance(s["seconds"], float) and s["seconds"] >= 0 for s in stages)
    timings = next(line for line in lines if line["message"] == "run.stages")["seconds"]
    assert {"load", "quality"} <= set(timings)
    end = lines[-1]
    assert (end["message"], end["status"], end["exit_code"]) == ("run.end", "published", 0)
    assert end["rows_in"] == sum(line["rows_in"] for line in done.values())

    text = path.read_text(encoding="utf-8")
    leaked = sorted(v for v in personal_values(night) if v in text)
    assert not leaked, f"personal data in the run log: {leaked[:5]}"
    assert SECRET not in text
    start = lines[0]
    assert start["message"] == "run.start" and start["database"] == safe_url(url)


def test_the_log_is_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the log writer does not rely on the CLI's umask
    try:
        runlog = RunLog(tmp_path / "logs")
        log.info("run.recorded", extra={"run_id": 5, "stage": "start"})
        runlog.close()
    finally:
        os.umask(previous)
    folder, path = tmp_path / "logs", tmp_path / "logs" / "run-5.jsonl"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_lines_before_the_run_id_is_known_are_written_with_it(tmp_path: Path) -> None:
    runlog = RunLog(tmp_path)
    log.info("run.start", extra={"stage": "start"})
    assert runlog.path is None and not list(tmp_path.iterdir())
    log.info("run.recorded", extra={"run_id": 12, "stage": "start"})
    log.info("stage.done", extra={"stage": "load"})
    runlog.close()
    log.info("after.close", extra={"stage": "end"})  # the handler is gone: nothing more is written
    lines = read_jsonl(tmp_path / "run-12.jsonl")
    assert [(line["message"], line["run_id"]) for line in lines] == [
        ("run.start", 12), ("run.recorded", 12), ("stage.done", 12),
    ]  # fmt: skip


def test_a_run_refused_before_it_is_recorded_logs_under_an_unrecorded_name(tmp_path: Path) -> None:
    empty = tmp_path / "night"
    empty.mkdir()
    result = invoke("run", "--source", str(empty), "--db", str(tmp_path / "x.db"), "--logs", str(tmp_path / "logs"))
    assert result.exit_code == 4, result.output
    (path,) = (tmp_path / "logs").iterdir()
    assert path.name.startswith("run-unrecorded-") and path.suffix == ".jsonl"
    lines = read_jsonl(path)
    assert [line["message"] for line in lines] == ["run.start", "run.files", "run.end"]
    assert all(line["run_id"] is None for line in lines)
    end = lines[-1]
    assert (end["level"], end["status"], end["exit_code"], end["error_class"]) == (
        "ERROR", "failed", 4, "etl.errors.InputError",
    )  # fmt: skip
    assert "no feed file" in end["error_message"]


def test_an_error_that_may_quote_a_row_is_logged_by_its_class_alone() -> None:
    driver = psycopg.errors.UniqueViolation("Key (patient_key)=(2019-014) already exists.")
    wrapped = IntegrityError("INSERT INTO person ...", {"patient_key": "2019-014"}, driver)
    error = DatabaseError(f"the run failed and changed nothing: {wrapped}")
    error.__cause__ = wrapped
    for fields in (error_fields(wrapped), error_fields(error)):
        assert "2019-014" not in repr(fields)
        assert "error_message" not in fields
    assert error_fields(wrapped)["error_cause"] == "psycopg.errors.UniqueViolation"
    own = error_fields(InputError("--source /x: no such folder"))
    assert own == {"error_class": "etl.errors.InputError", "error_message": "--source /x: no such folder"}


def test_a_database_url_is_logged_without_its_password() -> None:
    assert (
        safe_url(f"postgresql+psycopg://hsct:{SECRET}@db.example/hsct")
        == "postgresql+psycopg://hsct:***@db.example/hsct"
    )
    assert safe_url("sqlite:////data/hsct.db") == "sqlite:////data/hsct.db"
    assert SECRET not in safe_url(f"not a url {SECRET}")


def test_the_default_log_folder_is_beside_an_sqlite_file_else_here(tmp_path: Path) -> None:
    assert default_logs_dir(f"sqlite:///{tmp_path / 'hsct.db'}") == tmp_path / "logs"
    assert default_logs_dir("postgresql+psycopg://u@h/db") == Path.cwd() / "logs"


def test_other_loggers_never_reach_the_run_log(tmp_path: Path) -> None:
    runlog = RunLog(tmp_path)
    log.info("run.recorded", extra={"run_id": 1, "stage": "start"})
    logging.getLogger("etl").warning("a library's message with a cell: ТГСК-2019-014")
    logging.getLogger().error("root")
    runlog.close()
    assert "ТГСК" not in (tmp_path / "run-1.jsonl").read_text(encoding="utf-8")

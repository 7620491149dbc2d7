"""The run log: one JSON-lines file per `hsct run`, for whoever operates the night (README, "Operations").

Every line is one event, a JSON object written by python-json-logger's formatter through the
standard `logging` module (the logger `hsct.run`):

    {"level": "INFO", "message": "stage.done", "run_id": 7, "stage": "load", "part": "registry",
     "seconds": 0.412, "patients": 55, "timestamp": "2024-01-02T01:00:12.345678+00:00"}

`message` is the event (`run.start`, `stage.done`, a progress message key such as
`run.progress.file`, `file.done`, `run.stages`, `run.end`, `hook.done`); `stage` one of start,
lock, extract, harmonize, load, check, publish, end, hook; `run_id` is on every line of a recorded
run. The other fields are counts, file and feed names, check ids, seconds, the database URL
without its password, error classes. Nothing else reaches the file: no cell, patient code, name
or date of birth, no secret. Only the events this module and the nightly runner write go there
(the logger does not propagate; other libraries' logs never reach it), a progress message's
parameters are kept only when they are numbers or a file name (`said`), and a database or
internal error is logged by its class alone: its text may quote a row (`error_fields`).

The file is `run-<id>.jsonl` in the log folder (`hsct run --logs`, else `[paths] logs` of
hsct.toml, else `logs/` beside an SQLite database file, else ./logs), created 0600 in a folder
0700 whatever the umask. The run id is known once the run is recorded (after the run lock is
taken): the lines before are kept in memory and written first, with the id, when it is. A run
that ends before it is recorded (another run holds the lock, the database cannot be reached)
writes `run-unrecorded-<UTC time>-<pid>.jsonl`, with `run_id` null.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url

from etl.errors import HsctError

RUN_LOGGER = "hsct.run"
LOG_FOLDER = "logs"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
TEXT_LIMIT = 300  # characters of a text field (an error message, a file name)

log = logging.getLogger(RUN_LOGGER)
log.propagate = False  # the run log's events go to the run log only, never to a terminal
log.addHandler(logging.NullHandler())  # and nowhere when no run log is open (a library caller)

# progress message keys (mappings/messages.csv) → the stage they belong to; first prefix that matches
_STAGES = (
    ("lock.", "lock"),
    ("run.progress.unreadable", "extract"),
    ("run.progress.unchanged", "extract"),
    ("run.progress.file", "harmonize"),
    ("run.progress.patients", "load"),
    ("run.note.", "load"),
    ("run.progress.held", "publish"),
    ("run.progress.pausing", "publish"),
)
# a progress message's text parameters that may be logged: file names, a reader's error, the lock holder's pid
_SAFE_TEXT = frozenset({"file", "error", "holder"})


def default_logs_dir(url: str) -> Path:
    """`logs/` beside an SQLite database file, else in the working directory (as the Data Docs)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / LOG_FOLDER
    return Path.cwd() / LOG_FOLDER


def error_fields(exc: BaseException) -> dict[str, str]:
    """An error as the log keeps it: its class; its message only for hsct's own errors, which name
    files, runs and checks but never a cell (a driver's or an internal error's text may quote a row)."""
    fields = {"error_class": f"{type(exc).__module__}.{type(exc).__qualname__}"}
    cause = getattr(exc, "orig", None) or exc.__cause__
    if cause is not None:
        fields["error_cause"] = f"{type(cause).__module__}.{type(cause).__qualname__}"
    if isinstance(exc, HsctError) and _own(exc):
        fields["error_message"] = str(exc.message)[:TEXT_LIMIT]
    return fields


def _own(exc: HsctError) -> bool:
    """An hsct error whose text hsct wrote, not one wrapping a driver's message."""
    return exc.__cause__ is None or isinstance(exc.__cause__, HsctError)


def said(key: str, /, **params: object) -> None:
    """Log a progress message (etl.messages.Say): its key, its stage, its numbers and file names."""
    fields: dict[str, Any] = {"stage": stage_of(key)}
    for name, value in params.items():
        if isinstance(value, bool | int | float):
            fields[name] = value
        elif name in _SAFE_TEXT and value is not None:
            fields[name] = str(value)[:TEXT_LIMIT]
    log.info(key, extra=fields)


def stage_of(key: str) -> str:
    return next((stage for prefix, stage in _STAGES if key.startswith(prefix)), "run")


class StageMarks:
    """Stage boundaries of one run, each logged as `stage.done` with the seconds since the previous one."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.last = time.perf_counter()

    def __call__(self, stage: str, /, **fields: object) -> None:
        now = time.perf_counter()
        extra = {"run_id": self.run_id, "stage": stage, "seconds": round(now - self.last, 3), **fields}
        log.info("stage.done", extra=extra)
        self.last = now


class _JsonLines(logging.Handler):
    """Writes the records of one run, from the thread that opened it, to `run-<id>.jsonl` (module docstring)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(logging.INFO)
        self.folder = folder
        self.thread = threading.get_ident()
        self.run_id: int | None = None
        self.path: Path | None = None
        self.stream: IO[str] | None = None
        self.pending: list[logging.LogRecord] = []
        self.setFormatter(
            JsonFormatter(
                ["levelname", "message"], rename_fields={"levelname": "level"}, timestamp=True, json_ensure_ascii=False
            )
        )

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:  # another run in this process (tests run several at once)
            return
        try:
            run_id = getattr(record, "run_id", None)
            if self.stream is None and run_id is not None:
                self.run_id = int(run_id)
                self._open(f"run-{self.run_id}.jsonl")
            if self.stream is None:
                self.pending.append(record)
            else:
                self._write(record)
        except Exception:
            self.handleError(record)

    def settle(self) -> None:
        """No run id will come: the lines so far, and the next, go to `run-unrecorded-<time>-<pid>.jsonl`."""
        if self.stream is None and self.pending:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            self._open(f"run-unrecorded-{stamp}-{os.getpid()}.jsonl")

    def close(self) -> None:
        try:
            self.settle()
            if self.stream is not None:
                self.stream.close()
        finally:
            super().close()

    def _open(self, name: str) -> None:
        self.path = private_file(self.folder, name)
        self.stream = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed by close())
        for record in self.pending:
            self._write(record)
        self.pending.clear()

    def _write(self, record: logging.LogRecord) -> None:
        record.run_id = self.run_id
        assert self.stream is not None
        self.stream.write(self.format(record) + "\n")
        self.stream.flush()


def private_file(folder: Path, name: str) -> Path:
    """`folder/name`, created empty if missing: the folder 0700 and the file 0600 whatever the umask."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(folder, PRIVATE_DIR)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # an existing file, or one a permissive umask would have opened
    finally:
        os.close(fd)
    return path


class RunLog:
    """The run log of one `hsct run`: attached to the `hsct.run` logger until `close()`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.handler = _JsonLines(folder)
        log.setLevel(logging.INFO)
        log.addHandler(self.handler)

    @property
    def path(self) -> Path | None:
        """The file, once it exists (the run recorded); None before."""
        return self.handler.path

    @property
    def run_id(self) -> int | None:
        """The run's id, once a line named it (the run recorded)."""
        return self.handler.run_id

    def settle(self) -> None:
        """The run will not be recorded any more: write to the unrecorded run's file from now on."""
        self.handler.settle()

    def close(self) -> None:
        log.removeHandler(self.handler)
        self.handler.close()

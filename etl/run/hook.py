"""The operator's hook: a command run when a night fails or is held (hsct.toml `[hook]`, README "Operations").

`on_failed` runs after a run that failed (it changed nothing) or could not start (no folder, no
feed file, another run holding the lock); `on_held` after a run whose batch the quality gate held.
The command is split like a shell line (`shlex.split`) but run without a shell, in hsct's working
folder, with hsct's environment plus `HSCT_RUN_SUMMARY` (a private JSON file, removed when the
hook ends), `HSCT_RUN_ID` and `HSCT_RUN_STATUS`; the same JSON arrives on its standard input
(`night_summary` / `failed_summary`: counts, check ids, paths; no cell, patient code or name).
It may run `timeout_s` seconds (default 60): then it is killed with its process group. A hook
that cannot start, exits non-zero or times out is a warning: the run's exit code stays the run's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl import __version__
from etl.db.engine import safe_url
from etl.errors import EXIT_INTERNAL, EXIT_OK, EXIT_QUALITY_GATE, HsctError
from etl.run.runlog import RunLog, error_fields, log

if TYPE_CHECKING:
    from etl.config import HookConfig
    from etl.run.summary import RunSummary

SUMMARY_VAR = "HSCT_RUN_SUMMARY"
RUN_ID_VAR = "HSCT_RUN_ID"
STATUS_VAR = "HSCT_RUN_STATUS"
OUTPUT_TAIL = 200  # characters of the hook's last output line shown in the warning


@dataclass(frozen=True)
class Night:
    """What every summary names: the folder, the database (no password), the night page and the log."""

    source: Path
    database: str
    page: Path | None = None
    log: Path | None = None


def night_summary(summary: RunSummary, night: Night, exit_code: int) -> dict[str, Any]:
    """A completed run (published or held) as the hook reads it."""
    report = summary.quality
    failed = [*report.blocking_failures, *report.warning_failures] if report is not None else []
    return {
        **_head(summary.run_id, "published" if summary.published else "held", exit_code, night),
        "files": [
            {
                "name": f.name,
                "feed": f.feed,
                "status": f.status,
                "rows_in": f.rows_in,
                "loaded": f.loaded,
                "merged": f.merged,
                "quarantined": f.quarantined,
            }
            for f in summary.files
        ],
        "totals": summary.totals,
        "patients": {"in_registry": summary.patients, "changed": summary.changed_patients},
        "checks": len(report.results) if report is not None else 0,
        "failed_checks": [
            {
                "check_id": r.check.check_id,
                "severity": r.check.severity,
                "suite": r.check.suite,
                "unexpected_count": r.unexpected_count,
            }
            for r in failed
        ],
        "deletions": {
            name: {"stored_before": c.stored_before, "inserted": c.inserted, "updated": c.updated, "deleted": c.deleted}
            for name, c in summary.changes.items()
        },
        "error": None,
    }


def failed_summary(
    run_id: int | None, error: BaseException, files: list[tuple[str, str]], night: Night, exit_code: int
) -> dict[str, Any]:
    """A run that failed or never started (`run_id` None); `files`: the feed files found, (name, feed)."""
    fields = error_fields(error)
    return {
        **_head(run_id, "failed", exit_code, night),
        "files": [{"name": name, "feed": feed} for name, feed in files],
        "totals": None,
        "patients": None,
        "checks": None,
        "failed_checks": [],
        "deletions": {},
        "error": {
            "class": fields["error_class"],
            "cause": fields.get("error_cause"),
            "message": fields.get("error_message"),
        },
    }


def _head(run_id: int | None, status: str, exit_code: int, night: Night) -> dict[str, Any]:
    return {
        "hsct": __version__,
        "run_id": run_id,
        "status": status,
        "exit_code": exit_code,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": os.path.abspath(night.source),
        "database": safe_url(night.database),
        "night_page": str(night.page) if night.page is not None else None,
        "log": str(night.log) if night.log is not None else None,
    }


def run_hook(command: str, payload: dict[str, Any], timeout_s: float) -> tuple[str, dict[str, object]] | None:
    """Run the hook; None when it succeeded, else the warning (a message key and its parameters).

    Never raises: whatever the hook does, the run's outcome is the run's."""
    args = shlex.split(command)
    body = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    fd, summary_path = tempfile.mkstemp(prefix="hsct-run-", suffix=".json")  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    env = {
        **os.environ,
        SUMMARY_VAR: summary_path,
        RUN_ID_VAR: "" if payload["run_id"] is None else str(payload["run_id"]),
        STATUS_VAR: str(payload["status"]),
    }
    fields = {"run_id": payload["run_id"], "stage": "hook", "status": payload["status"], "program": Path(args[0]).name}
    try:
        outcome = _execute(args, body, env, timeout_s)
    finally:
        Path(summary_path).unlink(missing_ok=True)
    if outcome is None:
        log.info("hook.done", extra=fields)
    else:
        log.warning("hook.failed", extra={**fields, "reason": outcome[0].rsplit(".", 1)[-1]})
    return outcome


def _execute(args: list[str], body: str, env: dict[str, str], timeout_s: float) -> tuple[str, dict[str, object]] | None:
    program = args[0]
    with tempfile.TemporaryFile() as output:  # not a pipe: a child the hook leaves behind cannot block hsct
        try:
            proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=output, stderr=output, env=env, start_new_session=True
            )
        except OSError as exc:
            return "run.hook.not_started", {"command": program, "error": f"{type(exc).__name__}: {exc.strerror}"}
        try:
            proc.communicate(body.encode("utf-8"), timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return "run.hook.timeout", {"command": program, "seconds": f"{timeout_s:g}"}
        if proc.returncode != 0:
            output.seek(0)
            tail = _tail(output.read())
            return "run.hook.failed", {
                "command": program,
                "code": proc.returncode,
                "output": f": {tail}" if tail else "",
            }
    return None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """The hook and whatever it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _tail(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:OUTPUT_TAIL] if lines else ""


Tell = Callable[..., None]  # a message key and its parameters, shown to whoever runs hsct (stderr)


class Operations:
    """One `hsct run` as its operator sees it: the run log (open until `close`), its last lines, the hook.

    `tell(key, **params)` shows a message (the log's path, a hook's warning) to whoever runs hsct."""

    def __init__(self, hook: HookConfig, url: str, source: Path, logs: Path, tell: Tell) -> None:
        self.hook, self.url, self.source, self.tell = hook, url, source, tell
        self.runlog = RunLog(logs)
        self.files: list[tuple[str, str]] = []
        fields = {"stage": "start", "source": os.path.abspath(source), "database": safe_url(url), "hsct": __version__}
        log.info("run.start", extra={**fields, "pid": os.getpid()})

    def found(self, files: list[tuple[str, str]], refused: int) -> None:
        """The feed files the folder holds, (name, feed), and how many entries were refused."""
        self.files = files
        feeds = sorted({feed for _, feed in files})
        log.info("run.files", extra={"stage": "extract", "files": len(files), "refused": refused, "feeds": feeds})

    def refused(self, error: HsctError) -> HsctError:
        """The night cannot start (no folder, no feed file): `failed`, then the error to raise."""
        self.failed(error)
        return error

    def failed(self, error: BaseException, *, run_id: int | None = None, page: Path | None = None) -> None:
        """The run failed or could not start: its last line, then the `on_failed` hook."""
        exit_code = int(getattr(error, "exit_code", EXIT_INTERNAL))
        run_id = self.runlog.run_id if self.runlog.run_id is not None else run_id
        extra = {"stage": "end", "status": "failed", "exit_code": exit_code, **error_fields(error)}
        log.error("run.end", extra={**extra, "run_id": run_id})
        self.runlog.settle()
        night = Night(self.source, self.url, page, self.runlog.path)
        self._tell_log()
        if self.hook.on_failed:
            self._run(self.hook.on_failed, failed_summary(run_id, error, self.files, night, exit_code))

    def completed(self, summary: RunSummary, page: Path) -> None:
        """The run completed, its batch published or held: its last lines, then (held) the `on_held` hook."""
        for f in summary.files:
            counts = {"rows_in": f.rows_in, "loaded": f.loaded, "merged": f.merged, "quarantined": f.quarantined}
            extra = {"stage": "load", "file": f.name, "feed": f.feed, "status": f.status, **counts}
            log.info("file.done", extra={**extra, "unknown_headers": len(f.unknown_headers)})
        seconds = {stage: round(value, 3) for stage, value in summary.clock.seconds.items()}
        log.info("run.stages", extra={"stage": "end", "seconds": seconds})
        held = not summary.published
        exit_code = EXIT_QUALITY_GATE if held else EXIT_OK
        report = summary.quality
        failed = [r.check.check_id for r in report.results if not r.success] if report is not None else []
        deleted = {name: change.deleted for name, change in summary.changes.items()}
        extra = {"stage": "end", "status": "held" if held else "published", "exit_code": exit_code}
        extra |= {**summary.totals, "failed_checks": failed, "deleted": deleted}
        log.log(logging.WARNING if held else logging.INFO, "run.end", extra=extra)
        self._tell_log()
        if held and self.hook.on_held:
            night = Night(self.source, self.url, page, self.runlog.path)
            self._run(self.hook.on_held, night_summary(summary, night, exit_code))

    def close(self) -> None:
        self.runlog.close()

    def _tell_log(self) -> None:
        if self.runlog.path is not None:
            self.tell("run.log", path=str(self.runlog.path))

    def _run(self, command: str, payload: dict[str, Any]) -> None:
        warning = run_hook(command, payload, self.hook.timeout_s)
        if warning is not None:
            key, params = warning
            self.tell(key, **params)

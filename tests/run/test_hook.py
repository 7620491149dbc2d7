"""The operator's hook (issue 15, "Operations"): hsct.toml's `[hook] on_held` / `on_failed` run after a held or
failed night with its summary as JSON; a hook that fails or hangs is a warning, never the run's exit code."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from etl.run.hook import run_hook
from tests.run.ops import (
    NIGHT_SMALL,
    hook_command,
    invoke,
    read_jsonl,
    run_night,
    toml_string,
    without_feed,
    write_config,
    write_hook,
)

PERSONAL = ("ТГСК-2019-014", "HSCT-2019-014", "2019-014", "Sintetova", "17.04.2009", "2009-04-17", "31.02.2019")


def _configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hook: str, name: str = "hsct.toml") -> None:
    config = write_config(tmp_path / name, hook)
    monkeypatch.setenv("HSCT_CONFIG", str(config))


def _recorded(out: Path) -> dict[str, Any]:
    return json.loads(out.read_text(encoding="utf-8"))


def test_a_held_night_calls_on_held_with_its_summary(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, out, failed_out = write_hook(tmp_path), tmp_path / "held.json", tmp_path / "failed.json"
    on_held, on_failed = hook_command(script, out), hook_command(script, failed_out)
    _configure(
        monkeypatch, tmp_path, f"[hook]\non_held = {toml_string(on_held)}\non_failed = {toml_string(on_failed)}\n"
    )

    published = run_night(NIGHT_SMALL, db_url, tmp_path)
    assert published.exit_code == 0, published.output
    assert not out.exists() and not failed_out.exists()  # a published night calls no hook

    held = run_night(without_feed(NIGHT_SMALL, tmp_path / "night_b", "registry_en"), db_url, tmp_path)
    assert held.exit_code == 1, held.output
    assert not failed_out.exists()
    got = _recorded(out)
    summary = got["stdin"]
    assert (summary["status"], summary["run_id"], summary["exit_code"]) == ("held", 2, 1)
    assert (got["status"], got["run_id"]) == ("held", "2")
    assert got["file_is_stdin"] and got["file_mode"] == "0o600"
    assert "night_expected_feeds" in {c["check_id"] for c in summary["failed_checks"]}
    assert all(c["severity"] in ("blocking", "warning") for c in summary["failed_checks"])
    assert sorted(f["name"] for f in summary["files"]) == ["labs_20240101.csv", "registry_ru_20240101.csv"]
    assert all(f["rows_in"] == f["loaded"] + f["merged"] + f["quarantined"] for f in summary["files"])
    assert summary["deletions"]["patient"]["deleted"] == 1
    assert summary["night_page"] == str(tmp_path / "pages" / "night-2.html") and Path(summary["night_page"]).is_file()
    log = Path(summary["log"])
    assert log == tmp_path / "logs" / "run-2.jsonl"
    assert {line["run_id"] for line in read_jsonl(log)} == {2}
    assert read_jsonl(log)[-1]["message"] == "hook.done"
    text = out.read_text(encoding="utf-8")
    assert not [v for v in PERSONAL if v in text]
    assert held.output.rstrip().splitlines()[-1].startswith("Error: run 2: a blocking check failed")


def test_a_failing_or_hanging_hook_does_not_change_the_exit_code(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, out = write_hook(tmp_path), tmp_path / "held.json"
    assert run_night(NIGHT_SMALL, db_url, tmp_path).exit_code == 0
    night_b = without_feed(NIGHT_SMALL, tmp_path / "night_b", "registry_en")

    _configure(monkeypatch, tmp_path, f"[hook]\non_held = {toml_string(hook_command(script, out, code=3))}\n", "a.toml")
    failing = run_night(night_b, db_url, tmp_path)
    assert failing.exit_code == 1, failing.output
    assert f"warning: the hook {sys.executable} ended with exit code 3" in failing.output
    assert "exit code 3" in failing.output and _recorded(out)["stdin"]["status"] == "held"

    hanging = hook_command(script, tmp_path / "late.json", code=0, sleep=60)
    _configure(monkeypatch, tmp_path, f"[hook]\non_held = {toml_string(hanging)}\ntimeout_s = 1\n", "b.toml")
    started = time.monotonic()
    timed_out = run_night(night_b, db_url, tmp_path)
    assert timed_out.exit_code == 1, timed_out.output
    assert "did not finish in 1 s and was stopped" in timed_out.output
    assert time.monotonic() - started < 45  # the hook was stopped, not waited for

    missing = "/nonexistent/hsct-hook --now"
    _configure(monkeypatch, tmp_path, f"[hook]\non_held = {toml_string(missing)}\n", "c.toml")
    absent = run_night(night_b, db_url, tmp_path)
    assert absent.exit_code == 1, absent.output
    assert "cannot be started (FileNotFoundError" in absent.output
    warnings = [line for line in read_jsonl(tmp_path / "logs" / "run-4.jsonl") if line["message"] == "hook.failed"]
    assert [(w["level"], w["reason"], w["program"]) for w in warnings] == [("WARNING", "not_started", "hsct-hook")]


def test_a_night_that_cannot_start_calls_on_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script, out = write_hook(tmp_path), tmp_path / "failed.json"
    _configure(monkeypatch, tmp_path, f"[hook]\non_failed = {toml_string(hook_command(script, out, code=1))}\n")
    empty = tmp_path / "night"
    empty.mkdir()
    result = invoke("run", "--source", str(empty), "--db", str(tmp_path / "x.db"), "--logs", str(tmp_path / "logs"))
    assert result.exit_code == 4, result.output  # the run's own code, not the hook's 1
    summary = _recorded(out)["stdin"]
    assert (summary["status"], summary["run_id"], summary["exit_code"]) == ("failed", None, 4)
    assert summary["error"]["class"] == "etl.errors.InputError" and "no feed file" in summary["error"]["message"]
    assert Path(summary["log"]).parent == tmp_path / "logs" and Path(summary["log"]).is_file()


def test_run_hook_kills_the_hooks_children_on_timeout(tmp_path: Path) -> None:
    marker = tmp_path / "child-survived"
    child = f"import time, pathlib; time.sleep(3); pathlib.Path({str(marker)!r}).write_text('x')"
    parent = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(60)"
    command = shlex.join([sys.executable, "-c", parent])
    warning = run_hook(command, {"run_id": 1, "status": "held"}, timeout_s=1)
    assert warning is not None and warning[0] == "run.hook.timeout"
    time.sleep(4)
    assert not marker.exists()


def test_run_hook_gives_the_summary_on_stdin_and_in_a_private_file_removed_afterwards(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    assert run_hook(hook_command(write_hook(tmp_path), out), {"run_id": 7, "status": "failed", "x": "é"}, 10) is None
    got = _recorded(out)
    assert got["stdin"] == {"run_id": 7, "status": "failed", "x": "é"} and got["file_is_stdin"]
    assert (got["run_id"], got["status"], got["file_mode"]) == ("7", "failed", "0o600")
    assert not Path(got["file"]).exists()

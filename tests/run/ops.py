"""Helpers of the operations tests (issue 15): the CLI, a generated night, its personal values, a hook, a config."""

from __future__ import annotations

import csv
import json
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from etl.cli import main

NIGHT_SMALL = Path(__file__).parents[1] / "data" / "night_small"

# A hook that records what it was given (stdin, the file $HSCT_RUN_SUMMARY names, its variables) in the
# file named by its first argument, then exits with its second argument (or sleeps that many seconds first).
HOOK = """\
import json, os, pathlib, sys, time
body = sys.stdin.read()
named = os.environ.get("HSCT_RUN_SUMMARY")
record = {
    "stdin": json.loads(body),
    "file_is_stdin": bool(named) and pathlib.Path(named).read_text(encoding="utf-8") == body,
    "file_mode": oct(os.stat(named).st_mode & 0o777) if named else None,
    "file": named,
    "run_id": os.environ.get("HSCT_RUN_ID"),
    "status": os.environ.get("HSCT_RUN_STATUS"),
}
pathlib.Path(sys.argv[1]).write_text(json.dumps(record), encoding="utf-8")
time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 0)
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_night(night: Path, db_url: str, tmp_path: Path, *extra: str) -> Result:
    """`hsct run` with its outputs in `tmp_path` (--wait: the run lock is per database, shared by other suites)."""
    return invoke(
        "run", "--source", str(night), "--db", db_url, "--no-docs", "--wait",
        "--pages", str(tmp_path / "pages"), "--logs", str(tmp_path / "logs"), *extra,
    )  # fmt: skip


def generate_night(out: Path) -> Path:
    result = invoke("generate", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def without_feed(night: Path, out: Path, prefix: str) -> Path:
    """A copy of `night` lacking the files of one feed: the next run is held (`night_expected_feeds`)."""
    shutil.copytree(night, out, ignore=shutil.ignore_patterns(f"{prefix}*", "truth"))
    return out


def personal_values(night: Path) -> set[str]:
    """What identifies a generated night's children: registry codes as written, names, dates of birth."""
    found: set[str] = set()
    with (night / "truth" / "patients.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column in ("registry_code_ru", "registry_code_en", "full_name_ru", "full_name_en", "patient_key"):
                if row.get(column):
                    found.add(row[column].strip())
            if row.get("birth_date"):
                born = row["birth_date"]
                found |= {born, ".".join(reversed(born.split("-")))}  # as the English and Russian files write it
    return {v for v in found if len(v) >= 6}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every line of a run log, each of which must be one JSON object."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines, f"{path} is empty"
    return [json.loads(line) for line in lines]


def write_hook(tmp_path: Path) -> Path:
    script = tmp_path / "hook.py"
    script.write_text(HOOK, encoding="utf-8")
    return script


def hook_command(script: Path, out: Path, code: int = 0, sleep: float = 0) -> str:
    return shlex.join([sys.executable, str(script), str(out), str(code), str(sleep)])


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)

"""The scenario corpus of issue 14: real-world nights and their expected outcome, as data.

Each case is a folder `tests/scenarios/<kind>/<instance>/` holding a `case.yaml` (or a
`case.json` in the exact format of ../shared/tools/check_cases.py, so that the shared
cases are copied verbatim) and its input night(s). A case runs on a new, empty database
(SQLite and PostgreSQL, see tests/conftest.py): `hsct db upgrade`, then its steps, then
its checks. Steps run the real CLI entry point (`etl.cli.main`) in this process through
click's CliRunner; only steps that need a process of their own (runs at the same time,
a run in the background while an export starts, a run whose memory is measured) start
`hsct` as a subprocess.

case.yaml (every key but `steps`/`expect` optional; check_cases.py's keys mean the same):

    kind: 03-deletion-guard               # the issue's kind (the parent folder's name)
    why: one line: the real-world problem this instance stands for
    upgrade: true                         # false: no `hsct db upgrade` first (a new, empty database)
    config: |                             # hsct.toml of this case ($HSCT_CONFIG and ./hsct.toml)
      [night]
      expected_feeds = ["registry_en"]
    env: {NAME: value}                    # for every step
    setup: BUILDER | [BUILDER, ...]       # builders.py, applied to every run step's copied night
    steps:                                # default: night1 (+ night2), or "." when there is none
      - run: night1                       # a folder of the case, copied, then `hsct run --source COPY`
        name: n1                          # default: the folder's name ("." -> "night")
        args: [--wait]
        env: {HSCT_PAUSE_BEFORE_COMMIT: "4"}
        setup: BUILDER | [...]            # this step's copy only
        allowed_rc: [0, 1]                # a step before the last run must end so (default [0])
        subprocess: true                  # run `hsct` in a process of its own (max_rss_mb measured)
        memory_limit_mb: 1500             # subprocess: killed beyond this resident size
        background: true                  # subprocess, not waited for: later steps run meanwhile
        ready: REGEX                      # background: wait until its output matches
        timeout: 120
      - join: night2                      # wait for a background step, then take its snapshot
      - concurrent: [{run: night1, name: a}, {run: night1, name: b, args: [--wait]}]
      - export: {out: e1, args: [--format, ndjson, --partner, demo, --since, "1"]}
      - publish: night2                   # hsct quality --publish <that step's run>
      - upgrade: heads                    # hsct db upgrade
      - cmd: [quality]                    # any other subcommand (+ --db URL)
    snapshot: {name: SQL}                 # more values taken after every run step
    expect: [CHECK, ...]

BUILDER: a name, or {name: NAME, args: {...}}, or {NAME: {...args}}.
Strings of the case may hold {{TODAY}}, {{TOMORROW}}, {{YESTERDAY}} (ISO dates of today).

Snapshot after each run step (and publish, join, concurrent): rc, run_id (the newest run),
run_status, publication, patients, persons, lab_results, quarantine, run_quarantine,
deleted, + the case's own; subprocess steps also max_rss_mb.

CHECK (each may carry `label`), those of check_cases.py:
  {no_traceback: STEP|"*"} {exit_ok: STEP} {held: STEP} {refused: STEP}
  {output: REGEX, step: STEP}  {compare: [A, OP, B]}  (A/B: literal | "$STEP.key" | {sql: Q, step: S})
  {quarantined: {step, file, row, column, reason, message}}  {files: {glob, regex, min}}
  {any: [...]} {all: [...]} {not: CHECK}
and these:
  {exit: {step: S, code: N | [N, ...]}}
  {rows: {sql: Q, step: S, equals: [[...], ...], ordered: false}}   every row of Q, exactly
  {quarantine_is: {step: S, file: NAME, rows: [[file, row, column_regex|null, reason], ...]}}
        the quarantine rows of that step's run (of that file, if given), as a set of
        (file, row, reason); a column regex must match the column of that row
  {max: {glob, regex, max}}   at most `max` lines match (files check, the other way)
  {quality_failed: {step: S, check: ID}}   the quality check ID (expectations/checks.csv) failed in that run
Values are compared after parsing: SQL dates and datetimes (date objects on PostgreSQL,
text on SQLite) and YAML dates become ISO text; numbers compare approximately in `rows`.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from contextlib import chdir, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASE_FILES = ("case.yaml", "case.json")
TRACEBACK = "Traceback (most recent call last)"
HELD_RE = re.compile(r"\bheld\b", re.I)
COPY_IGNORE = shutil.ignore_patterns(*CASE_FILES, "README*", "EXPECTED.txt", ".gitkeep")
DEFAULT_TIMEOUT = 300.0

SNAPSHOT: dict[str, str] = {
    "run_id": "SELECT max(run_id) FROM etl_run",
    "run_status": "SELECT status FROM etl_run WHERE run_id = :run_id",
    "publication": "SELECT status FROM batch_publication WHERE run_id = :run_id",
    "patients": "SELECT count(*) FROM patient",
    "persons": "SELECT count(*) FROM person",
    "lab_results": "SELECT count(*) FROM lab_result",
    "quarantine": "SELECT count(*) FROM quarantine",
    "run_quarantine": "SELECT count(*) FROM quarantine WHERE run_id = :run_id",
    "deleted": "SELECT count(*) FROM deleted_patient",
}
QUARANTINE_SQL = (
    "SELECT sf.file_name, q.row_number, q.column_name, q.reason_code, q.message FROM quarantine q "
    "JOIN source_file sf ON sf.file_id = q.file_id"
)

Step = dict[str, Any]
Record = dict[str, Any]
Check = dict[str, Any]


class CaseError(Exception):
    """The case cannot be evaluated: a bad case file, a missing folder, a setup step that failed."""


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class CaseRef:
    """A case folder; `id` is `<kind>/<instance>`."""

    folder: Path
    id: str


def discover_cases(root: Path = HERE) -> list[CaseRef]:
    """Every `<kind>/<instance>/` folder under root that holds a case file, sorted."""
    found: list[CaseRef] = []
    for kind in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        for folder in sorted(p for p in kind.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            if any((folder / name).is_file() for name in CASE_FILES):
                found.append(CaseRef(folder, f"{kind.name}/{folder.name}"))
    return found


def date_placeholders(today: dt.date | None = None) -> dict[str, str]:
    day = today or dt.date.today()
    return {
        "{{TODAY}}": day.isoformat(),
        "{{TOMORROW}}": (day + dt.timedelta(days=1)).isoformat(),
        "{{YESTERDAY}}": (day - dt.timedelta(days=1)).isoformat(),
    }


def fill_placeholders(value: Any, marks: Mapping[str, str]) -> Any:
    """The value with every {{TODAY}}-like mark of its strings replaced, recursively."""
    if isinstance(value, str):
        for mark, text in marks.items():
            value = value.replace(mark, text)
        return value
    if isinstance(value, list):
        return [fill_placeholders(v, marks) for v in value]
    if isinstance(value, dict):
        return {k: fill_placeholders(v, marks) for k, v in value.items()}
    return value


def load_case(folder: Path) -> dict[str, Any]:
    """The case file of a folder (case.yaml, else case.json), with check_cases.py's default steps."""
    for name in CASE_FILES:
        path = folder / name
        if path.is_file():
            break
    else:
        raise CaseError(f"{folder}: no case.yaml or case.json")
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CaseError(f"{path.name}: {exc}") from exc
    if not isinstance(doc, dict):
        raise CaseError(f"{path.name}: not a mapping")
    if "steps" not in doc:
        if (folder / "night1").is_dir():
            doc["steps"] = [{"run": "night1"}] + ([{"run": "night2"}] if (folder / "night2").is_dir() else [])
        else:
            doc["steps"] = [{"run": "."}]
    return fill_placeholders(doc, date_placeholders())


# ----------------------------------------------------------------------------- values

_DATETIME_RE = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?")


def normalize(value: Any) -> Any:
    """A value as compared: dates and datetimes as ISO text (whatever the driver returned), Decimal as float."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and _DATETIME_RE.fullmatch(value):
        try:
            return normalize(dt.datetime.fromisoformat(value))
        except ValueError:  # not a real date-time (2023-02-31 10:00): compared as written
            return value
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def approx_equal(a: Any, b: Any, rel: float = 1e-9) -> bool:
    """Numbers within a relative 1e-9 (ints and floats alike, True = 1 as SQLite stores it); else ==."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if _is_number(a) and _is_number(b):
        return abs(a - b) <= rel * max(1.0, abs(a), abs(b))
    return bool(a == b)


def compare(a: Any, op: str, b: Any) -> bool:
    """check_cases.py's comparison, on normalized values."""
    a, b = normalize(a), normalize(b)
    try:
        if op == "==":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if op == "in":
            return a in b
        if a is None or b is None or isinstance(a, str) or isinstance(b, str):
            return False
        if op == "approx":
            return approx_equal(a, b)
        return bool({">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op])
    except (TypeError, KeyError):
        return False


def rows_match(actual: Iterable[Iterable[Any]], expected: Iterable[Iterable[Any]], ordered: bool = False) -> bool:
    """The actual rows are exactly the expected ones (a multiset unless `ordered`), cell by cell after parsing."""
    got = [normalize(list(r)) for r in actual]
    want = [normalize(list(r)) for r in expected]
    if len(got) != len(want):
        return False

    def same(x: list[Any], y: list[Any]) -> bool:
        return len(x) == len(y) and all(approx_equal(p, q) for p, q in zip(x, y, strict=True))

    if ordered:
        return all(same(x, y) for x, y in zip(got, want, strict=True))
    left = list(got)
    for row in want:
        for i, candidate in enumerate(left):
            if same(candidate, row):
                del left[i]
                break
        else:
            return False
    return True


def crash_line(output: str) -> str:
    """The exception line of the last traceback in the output."""
    last = "traceback"
    for line in output[output.rfind(TRACEBACK) :].splitlines()[1:]:
        if line.strip() and not line.startswith((" ", "\t", "During handling", "The above exception")):
            last = line
            break
    return last.strip()[:200]


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _tail(output: str) -> str:
    lines = [ln for ln in output.strip().splitlines() if ln.strip()]
    return lines[-1][:160] if lines else "(no output)"


# ----------------------------------------------------------------------------- database

Rows = list[tuple[Any, ...]] | str | None  # the rows; the error text when the query failed; None: no database
Query = Callable[..., Rows]


class Database:
    """Read-only queries on the case's database through SQLAlchemy (both dialects alike)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Any = None

    def _exists(self) -> bool:
        if not self.url.startswith("sqlite"):
            return True
        path = self.url.split("///", 1)[-1].split("?", 1)[0]
        return Path(path).exists()

    def rows(self, sql: str, run_id: Any = None, params: Mapping[str, Any] | None = None) -> Rows:
        """Every row of the query (`:run_id` and `params` bound); None when there is no database;
        the error text when it fails."""
        if not self._exists():
            return None
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        if self._engine is None:
            from sqlalchemy.pool import NullPool

            from etl.db import make_engine

            self._engine = make_engine(self.url, poolclass=NullPool)
        bound = dict(params or {})
        if ":run_id" in sql:
            bound["run_id"] = run_id
        try:
            with self._engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql), bound).all()]
        except SQLAlchemyError as exc:
            return f"<sql error: {str(exc).splitlines()[0][:200]}>"

    def value(self, sql: str, run_id: Any = None) -> Any:
        """The first column of the first row (None when there is none)."""
        rows = self.rows(sql, run_id)
        if rows is None or isinstance(rows, str):
            return rows
        return rows[0][0] if rows else None

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


# ----------------------------------------------------------------------------- checks

# the check vocabulary: key of a check -> its method of Checks (the first key found decides)
CHECK_WORDS: dict[str, str] = {
    "no_traceback": "_no_traceback",
    "exit_ok": "_exit_ok",
    "held": "_held",
    "refused": "_refused",
    "exit": "_exit",
    "output": "_output",
    "compare": "_compare",
    "quarantined": "_quarantined",
    "quarantine_is": "_quarantine_is",
    "rows": "_rows",
    "files": "_files",
    "max": "_max",
    "quality_failed": "_quality_failed",
    "any": "_any",
    "all": "_all",
    "not": "_not",
}


# the keys a check's mapping may hold (checks whose value is a mapping)
CHECK_KEYS: dict[str, set[str]] = {
    "quarantined": {"step", "file", "row", "column", "reason", "message"},
    "quarantine_is": {"step", "file", "rows"},
    "rows": {"sql", "step", "equals", "ordered"},
    "files": {"glob", "regex", "min"},
    "max": {"glob", "regex", "max"},
    "exit": {"step", "code"},
    "quality_failed": {"step", "check"},
}
OPERATORS = {"==", "!=", ">=", "<=", ">", "<", "approx", "in"}


def check_problems(c: Any) -> list[str]:
    """What is wrong with a check as written (unknown words, keys, operators), recursively; [] when fine."""
    if not isinstance(c, dict):
        return [f"not a mapping: {c!r}"]
    words = [k for k in c if k in CHECK_WORDS]
    if len(words) != 1:
        return [f"a check holds exactly one of {', '.join(CHECK_WORDS)}: {c!r}"]
    word = words[0]
    extra = set(c) - {word, "label"} - ({"step"} if word == "output" else set())
    problems = [f"{word}: unknown key(s) {sorted(extra)}"] if extra else []
    value = c[word]
    if word in CHECK_KEYS:
        if not isinstance(value, dict):
            return [*problems, f"{word}: a mapping of {sorted(CHECK_KEYS[word])}"]
        unknown = set(value) - CHECK_KEYS[word]
        if unknown:
            problems.append(f"{word}: unknown key(s) {sorted(unknown)}")
    elif word == "compare":
        if not (isinstance(value, list) and len(value) == 3 and value[1] in OPERATORS):
            problems.append(f"compare: [A, OP, B] with OP one of {sorted(OPERATORS)}: {value!r}")
        else:
            for side in (value[0], value[2]):
                if isinstance(side, dict) and set(side) - {"sql", "step", "label"}:
                    problems.append(f"compare: unknown key(s) in {side!r}")
    elif word in ("any", "all"):
        problems += [p for sub in value for p in check_problems(sub)]
    elif word == "not":
        problems += check_problems(value)
    return problems


class Checks:
    """The check vocabulary, over the steps' records, the database and the work folder."""

    def __init__(self, steps: dict[str, Record], order: list[str], query: Query, work: Path) -> None:
        self.steps = steps
        self.order = order
        self.query = query
        self.work = work

    # --------------------------------------------------------------- helpers
    def step(self, name: str) -> Record:
        if name not in self.steps:
            raise CaseError(f"check names unknown step {name!r} (steps: {', '.join(self.order)})")
        return self.steps[name]

    def run_id(self, name: str | None) -> Any:
        return self.step(name)["run_id"] if name else None

    def sql_rows(self, sql: str, step: str | None = None) -> list[tuple[Any, ...]]:
        rows = self.query(sql, self.run_id(step))
        if isinstance(rows, str):
            raise CaseError(f"{rows} in {_short(sql)}")
        return rows or []

    def value(self, spec: Any) -> tuple[Any, str]:
        if isinstance(spec, str) and spec.startswith("$"):
            name, _, key = spec[1:].partition(".")
            rec = self.step(name)
            if key not in rec:
                raise CaseError(f"no snapshot value {spec}")
            return rec[key], spec
        if isinstance(spec, dict) and "sql" in spec:
            rows = self.query(spec["sql"], self.run_id(spec.get("step")))
            if rows is None or isinstance(rows, str):
                return rows, spec.get("label", "sql")
            return (rows[0][0] if rows else None), spec.get("label", "sql")
        return spec, repr(spec)

    def is_held(self, name: str) -> bool:
        s = self.step(name)
        return (s["rc"] == 1 and bool(HELD_RE.search(s["output"]))) or s.get("publication") == "held"

    # --------------------------------------------------------------- dispatch
    def check(self, c: Check) -> tuple[bool, str]:
        problems = check_problems(c)
        if problems:
            raise CaseError("; ".join(problems))
        ok, detail = self._check(c)
        label = c.get("label")
        return ok, (f"{label} [{detail}]" if label and detail else label or detail)

    def _check(self, c: Check) -> tuple[bool, str]:
        for key, method in CHECK_WORDS.items():
            if key in c:
                handler: Callable[[Check], tuple[bool, str]] = getattr(self, method)
                return handler(c)
        raise CaseError(f"unknown check {c}")

    # --------------------------------------------------------------- checks of check_cases.py
    def _no_traceback(self, c: Check) -> tuple[bool, str]:
        names = self.order if c["no_traceback"] == "*" else [c["no_traceback"]]
        bad = [n for n in names if TRACEBACK in self.step(n)["output"]]
        if bad:
            n = bad[0]
            return False, f"{n} crashed, exit {self.steps[n]['rc']}: {crash_line(self.steps[n]['output'])}"
        return True, ""

    def _exit_ok(self, c: Check) -> tuple[bool, str]:
        n = c["exit_ok"]
        s = self.step(n)
        rc = s["rc"]
        if rc in (0, 4, 5) or (rc == 1 and HELD_RE.search(s["output"])):
            return True, ""
        return False, f"{n} exit {rc}" + (" (timeout)" if rc == 124 else "") + (" without 'held'" if rc == 1 else "")

    def _held(self, c: Check) -> tuple[bool, str]:
        n = c["held"]
        s = self.step(n)
        return self.is_held(n), f"{n} not held (exit {s['rc']}, publication {s.get('publication')})"

    def _refused(self, c: Check) -> tuple[bool, str]:
        n = c["refused"]
        s = self.step(n)
        return s["rc"] == 4 and TRACEBACK not in s["output"], f"{n} exit {s['rc']}, not 4"

    def _output(self, c: Check) -> tuple[bool, str]:
        n = c.get("step") or self.order[-1]
        found = re.search(c["output"], self.step(n)["output"], re.I | re.S)
        return bool(found), f"{n} output lacks /{_short(c['output'])}/"

    def _compare(self, c: Check) -> tuple[bool, str]:
        a, op, b = c["compare"]
        va, da = self.value(a)
        vb, db = self.value(b)
        return compare(va, op, vb), f"{_short(da)}={normalize(va)!r} {op} {_short(db)}={normalize(vb)!r}"

    def _quarantined(self, c: Check) -> tuple[bool, str]:
        q = c["quarantined"]
        sql = QUARANTINE_SQL + " WHERE sf.file_name = :file AND q.row_number = :row"
        rows = self._quarantine(q.get("step"), sql, {"file": q["file"], "row": int(q["row"])})
        for _file, _row, column, reason, message in rows:
            if all(
                not q.get(k) or re.search(q[k], v or "", re.I)
                for k, v in (("column", column), ("reason", reason), ("message", message))
            ):
                return True, ""
        what = f"{q['file']} row {q['row']}"
        if not rows:
            return False, f"no quarantine row for {what}"
        seen = ", ".join(f"{r[3]} ({r[2]!r}: {_short(r[4] or '')})" for r in rows)
        return False, f"{what} quarantined as {seen}, not as expected"

    def _quarantine(
        self, step: str | None, sql: str = QUARANTINE_SQL + " WHERE 1 = 1", params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Quarantine rows (file, row, column, reason, message), of one step's run if given."""
        run_id = self.run_id(step)
        if run_id is not None:
            sql += " AND q.run_id = :run_id"
        rows = self.query(sql, run_id, params)
        if isinstance(rows, str):
            raise CaseError(rows)
        return rows or []

    # --------------------------------------------------------------- checks of this corpus
    def _exit(self, c: Check) -> tuple[bool, str]:
        spec = c["exit"]
        n = spec["step"]
        codes = spec["code"] if isinstance(spec["code"], list) else [spec["code"]]
        rc = self.step(n)["rc"]
        why = f": {crash_line(self.step(n)['output'])}" if TRACEBACK in self.step(n)["output"] else ""
        return rc in codes, f"{n} exit {rc}, expected {' or '.join(map(str, codes))}{why}"

    def _rows(self, c: Check) -> tuple[bool, str]:
        spec = c["rows"]
        got = self.sql_rows(spec["sql"], spec.get("step"))
        want = spec["equals"]
        ok = rows_match(got, want, bool(spec.get("ordered")))
        return ok, f"{_short(spec['sql'])}: got {normalize([list(r) for r in got])!r}, expected {normalize(want)!r}"

    def _quarantine_is(self, c: Check) -> tuple[bool, str]:
        spec = c["quarantine_is"]
        rows = self._quarantine(spec.get("step"))
        if spec.get("file"):
            rows = [r for r in rows if r[0] == spec["file"]]
        got = {(r[0], int(r[1]), r[3]) for r in rows}
        want = {(w[0], int(w[1]), w[3]) for w in spec["rows"]}
        problems = []
        if got != want:
            problems.append(f"got {sorted(got)}, expected {sorted(want)}")
        for f, row, column_re, reason in spec["rows"]:
            if column_re is None:
                continue
            columns = [r[2] for r in rows if (r[0], int(r[1]), r[3]) == (f, int(row), reason)]
            if columns and not any(re.search(column_re, col or "", re.I) for col in columns):
                problems.append(f"{f} row {row} {reason}: column {columns} !~ /{column_re}/")
        return not problems, "; ".join(problems)

    def _quality_failed(self, c: Check) -> tuple[bool, str]:
        spec = c["quality_failed"]
        sql = (
            "SELECT qr.check_id, qr.severity, qr.success FROM quality_result qr "
            "JOIN quality_run r ON r.quality_run_id = qr.quality_run_id WHERE r.run_id = :run_id"
        )
        rows = self.sql_rows(sql, spec["step"])
        failed = sorted({r[0] for r in rows if not r[2]})
        return spec["check"] in failed, f"{spec['step']}: {spec['check']} not among the failed checks {failed}"

    def _files(self, c: Check) -> tuple[bool, str]:
        f = c["files"]
        n, count = self._count_lines(f["glob"], f.get("regex", "."))
        return n >= int(f.get("min", 1)), f"{n} line(s) /{_short(f.get('regex', '.'))}/ in {f['glob']} ({count} files)"

    def _max(self, c: Check) -> tuple[bool, str]:
        f = c["max"]
        n, count = self._count_lines(f["glob"], f.get("regex", "."))
        return n <= int(f["max"]), f"{n} line(s) /{_short(f.get('regex', '.'))}/ in {f['glob']} ({count} files)"

    def _count_lines(self, pattern: str, regex: str) -> tuple[int, int]:
        paths = sorted(glob.glob(str(self.work / pattern)))
        rx = re.compile(regex, re.I)
        n = 0
        for p in paths:
            with open(p, encoding="utf-8", errors="replace") as fh:
                n += sum(1 for line in fh if rx.search(line))
        return n, len(paths)

    def _any(self, c: Check) -> tuple[bool, str]:
        results = [self.check(x) for x in c["any"]]
        if any(ok for ok, _ in results):
            return True, ""
        return False, "none of: " + " | ".join(d for _, d in results)

    def _all(self, c: Check) -> tuple[bool, str]:
        results = [self.check(x) for x in c["all"]]
        bad = [d for ok, d in results if not ok]
        return not bad, "; ".join(bad)

    def _not(self, c: Check) -> tuple[bool, str]:
        ok, _detail = self.check(c["not"])
        return not ok, f"holds, but must not: {json.dumps(c['not'], ensure_ascii=False)[:160]}"


# ----------------------------------------------------------------------------- processes


def invoke(command: Any, argv: list[str], env: Mapping[str, str | None]) -> tuple[int, str]:
    """Exit code and output (stdout and stderr as the terminal shows them) of a click command run
    through CliRunner; an uncaught exception's traceback is added to the output as Python would print
    it on the terminal (exit code 1), so that `no_traceback` sees it."""
    from click.testing import CliRunner

    result = CliRunner().invoke(command, argv, env=dict(env), catch_exceptions=True)
    out = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        out += "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else TRACEBACK
    return result.exit_code, out


def hsct_command() -> list[str]:
    """The `hsct` executable beside this Python (the venv's), else `python -m etl.cli`."""
    script = Path(sys.executable).with_name("hsct")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "etl.cli"]


@dataclass
class Process:
    """A `hsct` subprocess whose output is read as it comes (its resident memory watched)."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    timeout: float
    memory_limit_mb: float | None = None
    proc: subprocess.Popen[bytes] | None = None
    chunks: list[str] = field(default_factory=list)
    started: float = 0.0
    killed: str = ""
    max_rss_mb: float = 0.0  # the peak resident size seen (VmHWM)
    _reader: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _ready_re: re.Pattern[str] | None = None

    def start(self, ready: str | None = None) -> None:
        self._ready_re = re.compile(ready, re.I) if ready else None
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self._watch, daemon=True).start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            self.chunks.append(raw.decode("utf-8", "replace"))
            if self._ready_re is not None and self._ready_re.search(self.chunks[-1]):
                self._ready.set()
        self._ready.set()  # the process ended: nothing more to wait for

    def _memory_mb(self) -> tuple[float, float]:
        """Resident size now and its peak so far (VmRSS, VmHWM), in MB; zeros once the process is gone."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()  # type: ignore[union-attr]
        except OSError:
            return 0.0, 0.0
        sizes = dict(re.findall(r"(VmRSS|VmHWM):\s+(\d+) kB", status))
        return int(sizes.get("VmRSS", 0)) / 1024, int(sizes.get("VmHWM", 0)) / 1024

    def _watch(self) -> None:
        while self.proc is not None and self.proc.poll() is None:
            rss, peak = self._memory_mb()
            self.max_rss_mb = max(self.max_rss_mb, peak, rss)
            if self.memory_limit_mb is not None and rss > self.memory_limit_mb:
                self._kill(f"resident memory {rss:.0f} MB over the case's limit of {self.memory_limit_mb:g} MB")
                return
            if time.monotonic() - self.started > self.timeout:
                self._kill(f"no exit after {self.timeout:g} s")
                return
            time.sleep(0.05)

    def _kill(self, why: str) -> None:
        self.killed = why
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # type: ignore[union-attr]

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def finish(self) -> tuple[int, str, float]:
        """Wait for the end; exit code (124 when killed), output, seconds."""
        assert self.proc is not None
        try:
            self.proc.wait(timeout=self.timeout + 30)
        except subprocess.TimeoutExpired:
            self._kill(f"no exit after {self.timeout:g} s")
            self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=10)
        out = "".join(self.chunks)
        rc = self.proc.returncode
        if self.killed:
            out += f"\n[scenario harness: killed: {self.killed}]\n"
            rc = 124
        return rc, out, time.monotonic() - self.started


# ----------------------------------------------------------------------------- one case


class Scenario:
    """One case on one database: its steps, their records, and its checks."""

    def __init__(self, ref: CaseRef, db_url: str, work: Path) -> None:
        self.ref = ref
        self.folder = ref.folder
        self.db_url = db_url
        self.work = work
        self.doc = load_case(ref.folder)
        self.steps: dict[str, Record] = {}
        self.order: list[str] = []
        self.log: list[str] = []
        self.db = Database(db_url)
        self.background: dict[str, tuple[Step, Process]] = {}

    # --------------------------------------------------------------- running
    def run(self) -> list[str]:
        """Run the case; the checks that failed (empty: the case passes). CaseError: it could not be run."""
        (self.work / "tmp").mkdir(parents=True, exist_ok=True)
        try:
            with chdir(self.work):
                self._configure()
                if self.doc.get("upgrade", True):
                    rec = self._invoke("upgrade", ["db", "upgrade", "--db", self.db_url], {})
                    if rec["rc"] != 0:
                        raise CaseError(f"hsct db upgrade exit {rec['rc']}: {self._why(rec['output'])}")
                steps = self.doc["steps"]
                runs = [i for i, s in enumerate(steps) if {"run", "concurrent", "join"} & set(s)]
                last_run = max(runs) if runs else -1
                for i, step in enumerate(steps):
                    for name in self.do_step(step):
                        rec = self.steps[name]
                        allowed = step.get("allowed_rc", [0])
                        if i < last_run and (rec["rc"] not in allowed or TRACEBACK in rec["output"]):
                            raise CaseError(f"setup step {name} exit {rec['rc']}: {self._why(rec['output'])}")
                for name, (_step, proc) in list(self.background.items()):
                    proc.finish()
                    raise CaseError(f"background step {name} was never joined")
                checks = Checks(self.steps, self.order, self.db.rows, self.work)
                failures = []
                for check in self.doc.get("expect") or []:
                    ok, detail = checks.check(check)
                    if not ok:
                        failures.append(detail)
                return failures
        finally:
            for _step, proc in self.background.values():
                if proc.proc is not None and proc.proc.poll() is None:
                    proc._kill("the case ended")
            self.db.dispose()

    def _why(self, output: str) -> str:
        return crash_line(output) if TRACEBACK in output else _tail(output)

    def _configure(self) -> None:
        self.env: dict[str, str | None] = {
            "HSCT_WORKERS": "1",  # no worker processes forked from the test process
            "HSCT_DATABASE_URL": None,
            "HSCT_CONFIG": None,
            "HSCT_PAUSE_BEFORE_COMMIT": None,
        }
        if self.doc.get("config") is not None:
            config = self.work / "hsct.toml"
            config.write_text(self.doc["config"], encoding="utf-8")
            self.env["HSCT_CONFIG"] = str(config)
        for key, val in (self.doc.get("env") or {}).items():
            self.env[key] = None if val is None else str(val)

    def summary(self) -> str:
        parts = []
        for name in self.order:
            s = self.steps[name]
            text = f"{name} exit {s['rc']}"
            if "patients" in s:
                text += (
                    f" patients {s['patients']} labs {s['lab_results']} quarantined {s['run_quarantine']}"
                    f" deleted {s['deleted']}" + (" held" if s.get("publication") == "held" else "")
                )
            parts.append(text)
        return "; ".join(parts)

    def report(self, tail: int = 2500) -> str:
        lines = [f"case {self.ref.id} on {self.db.url.split(':', 1)[0]}: {self.summary()}"]
        lines += [entry[-tail:] if len(entry) > tail else entry for entry in self.log]
        return "\n".join(lines)

    # --------------------------------------------------------------- steps
    def do_step(self, step: Step) -> list[str]:
        """Run one step; the names of the records it made."""
        if "run" in step and not step.get("background") and not step.get("subprocess"):
            return [self._run_in_process(step)]
        if "run" in step:
            return self._run_subprocess(step)
        if "join" in step:
            return [self._join(step["join"])]
        if "concurrent" in step:
            return self._concurrent(step["concurrent"])
        if "export" in step:
            return [self._export(step)]
        if "publish" in step:
            return [self._publish(step)]
        if "upgrade" in step:
            name = step.get("name") or f"upgrade{len(self.order) + 1}"
            rev = step["upgrade"] if isinstance(step["upgrade"], str) else "heads"
            return [self._record(name, self._invoke(name, ["db", "upgrade", rev, "--db", self.db_url], step))]
        if "cmd" in step:
            name = step.get("name") or f"cmd{len(self.order) + 1}"
            return [self._record(name, self._invoke(name, [*step["cmd"], "--db", self.db_url], step))]
        raise CaseError(f"unknown step {step}")

    def _night_copy(self, step: Step) -> tuple[str, Path]:
        src_rel = step["run"]
        src = (self.folder / src_rel).resolve()
        if not src.is_dir():
            raise CaseError(f"no folder {src_rel}")
        name = step.get("name") or ("night" if src_rel in (".", "") else Path(src_rel).name)
        if name in self.steps or name in self.background:
            raise CaseError(f"two steps named {name}")
        copy = self.work / "src" / name  # the case folder is never handed to the product
        shutil.copytree(src, copy, ignore=COPY_IGNORE, symlinks=True)
        from tests.scenarios.builders import apply_builders

        for spec in (self.doc.get("setup"), step.get("setup")):
            if spec:
                apply_builders(spec, copy, self.work, name, self.folder)
        return name, copy

    def _run_argv(self, step: Step, name: str, copy: Path) -> list[str]:
        # no Data Docs: they take a third of a small night's run, and no case reads them
        argv = ["run", "--source", str(copy), "--db", self.db_url, "--no-docs"]
        return argv + [str(a) for a in step.get("args", [])]

    def _run_in_process(self, step: Step) -> str:
        name, copy = self._night_copy(step)
        rec = self._invoke(name, self._run_argv(step, name, copy), step)
        return self._record(name, {**rec, **self.snapshot()})

    def _export(self, step: Step) -> str:
        ex = step["export"]
        name = step.get("name") or ex.get("out") or f"export{len(self.order) + 1}"
        out_dir = self.work / (ex.get("out") or name)
        argv = ["export", "fhir", "--db", self.db_url, "--out", str(out_dir), *map(str, ex.get("args", []))]
        return self._record(name, self._invoke(name, argv, step))

    def _publish(self, step: Step) -> str:
        target = step["publish"]
        run_id = target if isinstance(target, int) else self.steps[target]["run_id"] if target in self.steps else None
        if run_id is None:
            raise CaseError(f"publish: no run id for {target!r}")
        name = step.get("name") or "publish"
        argv = ["quality", "--publish", str(run_id), "--by", "scenario", "--note", "scenario corpus"]
        argv += ["--db", self.db_url, "--out", str(self.work / "docs" / name)]
        rec = self._invoke(name, argv, step)
        return self._record(name, {**rec, **self.snapshot(run_id)})

    def _record(self, name: str, rec: Record) -> str:
        if name in self.steps:
            raise CaseError(f"two steps named {name}")
        self.steps[name] = rec
        self.order.append(name)
        return name

    def snapshot(self, run_id: Any = None) -> Record:
        rec: Record = {}
        if run_id is None:
            run_id = self.db.value(SNAPSHOT["run_id"])
        rec["run_id"] = run_id
        for key, sql in {**SNAPSHOT, **(self.doc.get("snapshot") or {})}.items():
            if key != "run_id":
                rec[key] = self.db.value(sql, run_id)
        return rec

    def _scrub(self, text: str) -> str:
        """Outputs name the case's folder neutrally: case names must not leak into what regexes read."""
        text = text.replace(self.db_url, "<db>").replace(str(self.work), "<work>")
        return text.replace(str(self.work.parent), "<tmp>")

    # --------------------------------------------------------------- in this process
    def _invoke(self, name: str, argv: list[str], step: Step) -> Record:
        """`hsct ARGV` in this process (see `invoke`)."""
        from etl.cli import main

        env = dict(self.env)
        env.update({k: None if v is None else str(v) for k, v in (step.get("env") or {}).items()})
        start = time.monotonic()
        rc, out = invoke(main, argv, env)
        seconds = time.monotonic() - start
        out = self._scrub(out)
        self.log.append(f"[{name}] hsct {' '.join(self._scrub(a) for a in argv[:3])} rc={rc} {seconds:.1f}s\n{out}")
        return {"rc": rc, "output": out, "seconds": seconds}

    # --------------------------------------------------------------- subprocesses
    def _process_env(self, step: Step) -> dict[str, str]:
        env = dict(os.environ)
        for key, val in {**self.env, **(step.get("env") or {})}.items():
            if val is None:
                env.pop(key, None)
            else:
                env[key] = str(val)
        env["TMPDIR"] = str(self.work / "tmp")
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        env.setdefault("LC_ALL", "C.UTF-8")
        return env

    def _process(self, step: Step) -> tuple[str, Process]:
        name, copy = self._night_copy(step)
        proc = Process(
            name,
            hsct_command() + self._run_argv(step, name, copy),
            self.work,
            self._process_env(step),
            float(step.get("timeout", DEFAULT_TIMEOUT)),
            step.get("memory_limit_mb"),
        )
        return name, proc

    def _run_subprocess(self, step: Step) -> list[str]:
        name, proc = self._process(step)
        proc.start(step.get("ready"))
        if step.get("background"):
            self.background[name] = (step, proc)
            if step.get("ready"):  # a process that ends without saying so: the later steps run after it
                proc.wait_ready(float(step.get("timeout", DEFAULT_TIMEOUT)))
            return []
        return [self._finish_process(name, proc)]

    def _finish_process(self, name: str, proc: Process) -> str:
        rc, out, seconds = proc.finish()
        out = self._scrub(out)
        self.log.append(
            f"[{name}] hsct {' '.join(self._scrub(a) for a in proc.argv[1:3])} (subprocess) rc={rc} "
            f"{seconds:.1f}s max RSS {proc.max_rss_mb:.0f} MB\n{out}"
        )
        rec = {"rc": rc, "output": out, "seconds": seconds, "max_rss_mb": proc.max_rss_mb}
        return self._record(name, {**rec, **self.snapshot()})

    def _join(self, name: str) -> str:
        if name not in self.background:
            raise CaseError(f"join: no background step {name!r}")
        _step, proc = self.background.pop(name)
        return self._finish_process(name, proc)

    def _concurrent(self, steps: list[Step]) -> list[str]:
        procs = [self._process(s) for s in steps]
        for (_name, proc), s in zip(procs, steps, strict=True):
            proc.start(s.get("ready"))
        return [self._finish_process(name, proc) for name, proc in procs]

"""The night page: one static HTML file per run, in Russian and English, for the data manager.

`write_night_page(conn, run_id, out_dir, lang)` writes `<out_dir>/night-<run_id>.html` from the
database alone (`night_data.read_night`), through the Jinja2 template `night_page.html` beside this
module (autoescaped). Both languages are in the page; `lang` is the one shown first, and a switch
(inline script, no network) shows the other. Every text comes from `mappings/messages.csv`
(`night.*`, `reason.*`, `check.*`). Names and dates of birth are never shown (registry codes are):
a cell whose column maps to one is replaced by a note. The folder is created 0700 and the page
0600 (it holds registry codes), whatever the umask.

Where pages go by default (`default_pages_dir`): `night-pages/` beside an SQLite database file, else
`./night-pages`, like the Data Docs' `quality-docs/`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from etl import language_switch
from etl.console.night_data import PERSONAL_FIELDS, Night, read_night
from etl.messages import LANGS, Lang, both, catalogue, decimal_mark, text

PAGES_FOLDER = "night-pages"
TEMPLATE = "night_page.html"
GATE = "quality gate"  # batch_publication.decided_by when no person decided
NEWER_WINS = re.compile(r"newer edit wins \((?P<kept>.*) over (?P<discarded>.*)\)")
COUNTS = ("rows_in", "rows_loaded", "rows_merged", "rows_quarantined")
Bi = dict[Lang, str]

_env = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=True, undefined=StrictUndefined)
_env.globals["both"] = both
_env.globals["language_switch"] = language_switch.script
_env.filters["n"] = lambda value: f"{value:,}".replace(",", "\u202f")  # 1 272 354: one way in both languages
_env.filters["when"] = lambda value: "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def default_pages_dir(url: str) -> Path:
    """`night-pages/` beside an SQLite database file, else in the working directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / PAGES_FOLDER
    return Path.cwd() / PAGES_FOLDER


def page_path(out_dir: Path, run_id: int) -> Path:
    return out_dir / f"night-{run_id}.html"


def write_night_page(
    conn: Connection,
    run_id: int,
    out_dir: Path,
    lang: Lang,
    docs_path: Path | None = None,
    db: str | None = None,
) -> Path:
    """Write run `run_id`'s page into `out_dir` and return its path. `docs_path`: the Data Docs'
    index.html (default: the one the run's newest quality run recorded). Raises LookupError for an
    unknown run."""
    night = read_night(conn, run_id)
    out = page_path(out_dir, run_id)
    html = _env.get_template(TEMPLATE).render(lang=lang, langs=LANGS, **_view(night, out_dir, docs_path, db))
    _write_private(out, html)
    return out


def _view(night: Night, out_dir: Path, docs_path: Path | None, db: str | None) -> dict[str, Any]:
    run = night.run
    status = _status(run.status, run.batch)
    return {
        "run": run,
        "status": status,
        "gate": GATE,
        "next_steps": _next_steps(night, status, db),
        "files": night.files,
        "totals": {k: sum(getattr(f, k) for f in night.files) for k in COUNTS},
        "changes": night.changes,
        "reasons": _reasons(night),
        "conflicts": [_conflict(c, night.run.run_id) for c in night.conflicts],
        "checks": [_check(c) for c in night.failed_checks],
        "docs": _docs(docs_path or (Path(run.docs_path) if run.docs_path else None), out_dir),
    }


def _status(run_status: str, batch: str | None) -> str:
    """published | held | failed | running | unchecked (completed before the gate recorded a batch)."""
    if run_status != "completed":
        return run_status
    return batch or "unchecked"


def db_argument(db: str | None) -> str:
    """` --db VALUE` for a command to copy, when the night named its database with --db; else ''
    ($HSCT_DATABASE_URL and hsct.toml still hold when the command is run again)."""
    return f" --db {shlex.quote(db)}" if db else ""


def _next_steps(night: Night, status: str, db: str | None) -> list[tuple[Bi, str | None]]:
    """What to do next: a sentence and, where one helps, the exact command."""
    again = f"hsct run --source {shlex.quote(night.run.source_dir)}{db_argument(db)}"
    if status == "held":
        return [
            (both("night.next.publish"), f"hsct quality --publish {night.run.run_id}{db_argument(db)}"),
            (both("night.next.fix"), again),
        ]
    if status == "failed":
        return [(both("night.next.failed"), again)]
    if status == "running":
        return [(both("night.next.running"), None)]
    steps: list[tuple[Bi, str | None]] = []
    if night.quarantine:
        steps.append((both("night.next.rejected"), again))
    if any(c.severity == "warning" for c in night.failed_checks):
        steps.append((both("night.next.warnings"), None))
    return steps or [(both("night.next.nothing"), None)]


def _reasons(night: Night) -> list[dict[str, Any]]:
    """The quarantine grouped by reason code (rows arrive sorted by it)."""
    groups: dict[str, list[Any]] = {}
    for q in night.quarantine:
        groups.setdefault(q.reason_code, []).append(q)
    return [
        {"code": code, "title": _reason_title(code, rows), "rows": [_rejected(q, night) for q in rows]}
        for code, rows in groups.items()
    ]


def _reason_title(code: str, rows: list[Any]) -> Bi:
    """The reason's text, its cell shown as «…» (each row gives its own), its column when all share one."""
    key = f"reason.{code}"
    if key not in catalogue():
        return {lang: code for lang in LANGS}
    columns = {q.column_name for q in rows}
    return both(key, value="…", column=columns.pop() if len(columns) == 1 and "" not in columns else "…")


def _rejected(q: Any, night: Night) -> dict[str, Any]:
    hidden = night.personal_headers.get(q.file_id, set())
    cells = [
        {"header": h, "value": v, "faulty": h == q.column_name, "hidden": h in hidden}
        for h, v in (q.cells or {}).items()
    ]
    return {
        "file": q.file_name,
        "row": q.row_number,
        "column": q.column_name,
        "value": q.raw_value,
        "hidden": bool(q.personal) or q.column_name in hidden,
        "again": q.first_run_id if q.first_run_id != night.run.run_id else None,
        "cells": cells,
    }


def _conflict(c: Any, run_id: int) -> dict[str, Any]:
    personal = c.field in PERSONAL_FIELDS
    headers = [h for h in dict.fromkeys((c.kept_header, c.discarded_header)) if h]
    return {
        "patient": c.patient_key,
        "codes": [code for code in (c.registry_code_ru, c.registry_code_en) if code],
        "field": c.field,
        "headers": headers,
        "kept": _side(c.kept_file, c.kept_row, c.kept_cells, c.kept_header, c.kept_value, personal),
        "discarded": _side(
            c.discarded_file, c.discarded_row, c.discarded_cells, c.discarded_header, c.discarded_value, personal
        ),
        "why": _why(c.reason),
        "first": c.first_run_id if c.first_run_id != run_id else None,
    }


def _side(file: str, row: int, cells: Any, header: str | None, value: str | None, hidden: bool) -> dict[str, Any]:
    written = (cells or {}).get(header) if header else None
    return {"at": both("night.at", file=file, row=row), "written": written, "value": value, "hidden": hidden}


def _why(reason: str) -> Bi:
    found = NEWER_WINS.fullmatch(reason)
    if found is None:
        return {lang: reason for lang in LANGS}
    kept, discarded = found["kept"], found["discarded"]
    return {
        lang: text("night.conflicts.newer", lang, kept=_when(kept, lang), discarded=_when(discarded, lang))
        for lang in LANGS
    }


def _when(value: str, lang: Lang) -> str:
    if value == "no edit time":
        return text("night.conflicts.no_time", lang)
    try:
        return dt.datetime.fromisoformat(value).strftime("%d.%m.%Y %H:%M" if lang == "ru" else "%Y-%m-%d %H:%M")
    except ValueError:
        return value


def _check(r: Any) -> dict[str, Any]:
    key = f"check.{r.check_id}"
    described = both(key) if key in catalogue() else {lang: r.check_id for lang in LANGS}
    if r.element_count is None or r.unexpected_count is None:
        found = {lang: r.observed_value or "" for lang in LANGS}
    else:
        share = r.unexpected_percent or 0.0
        found = {
            lang: text(
                "night.checks.failing", lang, failed=r.unexpected_count, total=r.element_count,
                percent=percent(share, lang), allowed=percent(r.threshold, lang),
            )
            for lang in LANGS
        }  # fmt: skip
    return {
        "severity": r.severity,
        "check_id": r.check_id,
        "description": described,
        "found": found,
        "samples": [_sample(s) for s in r.unexpected_sample or []],
    }


def percent(value: float, lang: Lang) -> str:
    """A percentage as each language writes it: `66,67 %` (a no-break space), `66.67%`."""
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{decimal_mark(shown, lang)}\u00a0%" if lang == "ru" else f"{shown}%"


def _sample(sample: Any) -> dict[str, Any]:
    if not isinstance(sample, dict):
        return {"at": None, "values": [("", str(sample))]}
    at = both("night.at", file=sample["file"], row=sample["row"]) if "file" in sample and "row" in sample else None
    values = [
        (k, None if k in PERSONAL_FIELDS else "" if v is None else str(v))
        for k, v in sample.items()
        if k not in {"file", "row", "raw_row_id"}
    ]
    return {"at": at, "values": values}


def _docs(docs_path: Path | None, out_dir: Path) -> dict[str, Any] | None:
    """The Data Docs link: relative to the page's folder when both are on one drive, else absolute."""
    if docs_path is None:
        return None
    target = docs_path.resolve()
    try:
        href = quote(Path(os.path.relpath(target, out_dir.resolve())).as_posix())
    except ValueError:  # another drive (Windows)
        href = target.as_uri()
    return {"href": href, "path": str(target), "exists": target.is_file()}


def _write_private(path: Path, content: str) -> None:
    """Write `path` readable by the owner only (0600; its folder 0700 when created here), atomically."""
    folder = path.parent
    if not folder.is_dir():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

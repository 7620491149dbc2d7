"""The run log as a data manager reads it: each run's state and files (`runs`), one run in detail
(`run_details`); the merge conflicts of a run or a patient are in etl.console.conflicts.

A run's state: `running`, `failed` (it changed nothing), or, for a completed run, its batch's:
`published` (the live tables hold it) or `held` (a blocking check failed; `hsct quality --publish
RUN` publishes it after review).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, func, select

from schemas.quality import BatchPublication, QualityResult, QualityRun
from schemas.tables import (
    EtlRun,
    RunChange,
    RunFile,
    SourceColumn,
)


@dataclass(frozen=True)
class FileLine:
    name: str
    status: str  # read | unreadable
    rows_in: int
    loaded: int
    merged: int
    quarantined: int
    error: str | None = None
    unknown_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunLine:
    run_id: int
    state: str  # running | failed | published | held | completed (a run before the gate existed)
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_in: int
    loaded: int
    merged: int
    quarantined: int
    message: str | None
    source_dir: str
    files: tuple[FileLine, ...] = ()


@dataclass(frozen=True)
class Change:
    table_name: str
    stored_before: int
    inserted: int
    updated: int
    deleted: int
    deleted_keys: tuple[str, ...]


@dataclass(frozen=True)
class FailedCheck:
    check_id: str
    severity: str
    observed: str | None  # as GX recorded it (English)
    failing: int | None = None  # rows failing, of `rows`; None for a check that counts no rows
    rows: int | None = None
    percent: float | None = None
    allowed: float = 0.0  # the check's threshold, % of rows


@dataclass(frozen=True)
class RunDetails:
    run: RunLine
    changes: tuple[Change, ...]
    failed_checks: tuple[FailedCheck, ...]
    docs_path: str | None
    decided_by: str | None
    note: str | None
    held_reason: str | None
    pages: dict[str, str] = field(default_factory=dict)  # name -> path of the run's own files


def runs(conn: Connection, last: int = 20, with_files: bool = True) -> list[RunLine]:
    """The newest `last` runs, newest first, with their files."""
    e, bp = EtlRun.__table__, BatchPublication.__table__
    rows = conn.execute(
        select(e, bp.c.status.label("publication"))
        .select_from(e.outerjoin(bp, bp.c.run_id == e.c.run_id))
        .order_by(e.c.run_id.desc())
        .limit(last)
    ).all()
    files = _files(conn, [int(r.run_id) for r in rows]) if with_files and rows else {}
    return [_line(r, files.get(int(r.run_id), ())) for r in rows]


def run_details(conn: Connection, run_id: int) -> RunDetails | None:
    """One run: its files (with the headers no mapping knew), what it changed, the checks that failed,
    its Data Docs and its publication; None when there is no such run."""
    found = runs_by_id(conn, [run_id])
    if not found:
        return None
    rc = RunChange.__table__
    changes = tuple(
        Change(r.table_name, r.stored_before, r.inserted, r.updated, r.deleted, tuple((r.deleted_keys or "").split()))
        for r in conn.execute(select(rc).where(rc.c.run_id == run_id).order_by(rc.c.table_name))
    )
    qr, res = QualityRun.__table__, QualityResult.__table__
    quality = conn.execute(
        select(qr.c.quality_run_id, qr.c.docs_path).where(qr.c.run_id == run_id).order_by(qr.c.quality_run_id.desc())
    ).first()
    failed: tuple[FailedCheck, ...] = ()
    if quality is not None:
        failed = tuple(
            FailedCheck(
                r.check_id,
                r.severity,
                r.observed_value,
                r.unexpected_count,
                r.element_count,
                r.unexpected_percent,
                r.threshold or 0.0,
            )
            for r in conn.execute(
                select(res.c.check_id, res.c.severity, res.c.observed_value, res.c.unexpected_count)
                .add_columns(res.c.element_count, res.c.unexpected_percent, res.c.threshold)
                .where(res.c.quality_run_id == quality.quality_run_id, res.c.success.is_(False))
                .order_by(res.c.severity, res.c.check_id)
            )
        )
    bp = BatchPublication.__table__
    decision = conn.execute(select(bp).where(bp.c.run_id == run_id)).first()
    return RunDetails(
        found[0],
        changes,
        failed,
        None if quality is None else quality.docs_path,
        None if decision is None else decision.decided_by,
        None if decision is None else decision.note,
        None if decision is None else decision.held_reason,
    )


def runs_by_id(conn: Connection, run_ids: list[int]) -> list[RunLine]:
    e, bp = EtlRun.__table__, BatchPublication.__table__
    rows = conn.execute(
        select(e, bp.c.status.label("publication"))
        .select_from(e.outerjoin(bp, bp.c.run_id == e.c.run_id))
        .where(e.c.run_id.in_(run_ids))
        .order_by(e.c.run_id.desc())
    ).all()
    files = _files(conn, run_ids)
    return [_line(r, files.get(int(r.run_id), ())) for r in rows]


def _line(r: Row[Any], files: tuple[FileLine, ...]) -> RunLine:
    state = r.status if r.status != "completed" or r.publication is None else r.publication
    counts = (int(r.rows_in or 0), int(r.rows_loaded or 0), int(r.rows_merged or 0), int(r.rows_quarantined or 0))
    return RunLine(int(r.run_id), state, r.started_at, r.finished_at, *counts, r.message, r.source_dir, files)


def _files(conn: Connection, run_ids: list[int]) -> dict[int, tuple[FileLine, ...]]:
    """Each run's files, by name, with the headers no mapping knew (source_column.field NULL)."""
    rf, sc = RunFile.__table__, SourceColumn.__table__
    unknown: dict[int, list[str]] = {}
    stmt = (
        select(sc.c.file_id, sc.c.header)
        .select_from(sc.join(rf, rf.c.file_id == sc.c.file_id))
        .where(rf.c.run_id.in_(run_ids), sc.c.field.is_(None))
        .distinct()
        .order_by(sc.c.file_id, sc.c.header)
    )
    for file_id, header in conn.execute(stmt):
        unknown.setdefault(int(file_id), []).append(header)
    out: dict[int, list[FileLine]] = {}
    for r in conn.execute(select(rf).where(rf.c.run_id.in_(run_ids)).order_by(rf.c.run_id, rf.c.file_name)):
        headers = tuple(unknown.get(int(r.file_id), ())) if r.file_id is not None else ()
        counts = (r.rows_in, r.rows_loaded, r.rows_merged, r.rows_quarantined)
        line = FileLine(r.file_name, r.status, *counts, r.error, headers)
        out.setdefault(int(r.run_id), []).append(line)
    return {k: tuple(v) for k, v in out.items()}


def newest_run(conn: Connection) -> int | None:
    return conn.execute(select(func.max(EtlRun.run_id))).scalar()

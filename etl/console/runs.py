"""The run log as a data manager reads it: each run's state and files (`runs`), one run in detail
(`run_details`), and the merge conflicts of a run or a patient (`conflicts`).

A run's state: `running`, `failed` (it changed nothing), or, for a completed run, its batch's:
`published` (the live tables hold it) or `held` (a blocking check failed; `hsct quality --publish
RUN` publishes it after review). A run's merge conflicts are those between rows of the files it read.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, func, or_, select

from etl.harmonize.identity import canonical_key
from etl.harmonize.origins import record_to_source
from schemas.quality import BatchPublication, QualityResult, QualityRun
from schemas.tables import (
    EtlRun,
    MergeConflict,
    Person,
    RawRow,
    RunChange,
    RunFile,
    SourceColumn,
    SourceFile,
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


@dataclass(frozen=True)
class Conflict:
    patient: str  # the registry code (ru, else en), else the key
    field: str
    kept_value: str | None  # the cell as written in its feed (the merged value when the cell is not found)
    kept_at: str  # file, row
    discarded_value: str | None
    discarded_at: str
    reason: str
    kept_merged: str | None = None  # the value as merged (a concept key, an ISO date) when it reads otherwise
    discarded_merged: str | None = None
    first_run: int | None = None  # the run that recorded it first, when not the run asked for


def conflicts_run(conn: Connection) -> int | None:
    """The run `hsct conflicts` shows by default: the newest published one (a run from before the quality
    gate counts as published), whose merge is the one the registry holds; None when there is none."""
    e, bp = EtlRun.__table__, BatchPublication.__table__
    return conn.execute(
        select(func.max(e.c.run_id))
        .select_from(e.outerjoin(bp, bp.c.run_id == e.c.run_id))
        .where(e.c.status == "completed", or_(bp.c.status.is_(None), bp.c.status == "published"))
    ).scalar()


def conflicts(conn: Connection, run_id: int, patient: str | None = None) -> list[Conflict]:
    """The merge conflicts of run `run_id` (all of one patient with `patient`: a registry code, any
    spelling): both cells as written, both rows (file and row), which won and why; each once.

    A conflict is stored once for its pair of rows (merge_conflict.run_id: the run that recorded it
    first); the run's conflicts are those between two rows of files the run read, which its merge
    found again (its summary counts them), whichever run stored them first. Another version of a file
    (same name, other content) has rows of its own: their conflicts belong to the runs that read it.
    A held run's merge was rolled back: only what an earlier run recorded for the same rows is stored.
    """
    mc, p, rr_k, rr_d = MergeConflict.__table__, Person.__table__, RawRow.__table__.alias(), RawRow.__table__.alias()
    sf_k, sf_d = SourceFile.__table__.alias(), SourceFile.__table__.alias()
    rf = RunFile.__table__
    read = select(rf.c.file_id).where(rf.c.run_id == run_id, rf.c.file_id.is_not(None))
    stmt = (
        select(p.c.registry_code_ru, p.c.registry_code_en, p.c.patient_key, mc.c.field, mc.c.reason, mc.c.run_id)
        .add_columns(mc.c.kept_value, sf_k.c.file_name.label("kept_file"), rr_k.c.row_number.label("kept_row"))
        .add_columns(rr_k.c.file_id.label("kept_file_id"), rr_k.c.cells.label("kept_cells"))
        .add_columns(mc.c.discarded_value, sf_d.c.file_name.label("discarded_file"))
        .add_columns(rr_d.c.row_number.label("discarded_row"), rr_d.c.file_id.label("discarded_file_id"))
        .add_columns(rr_d.c.cells.label("discarded_cells"))
        .select_from(
            mc.join(p, p.c.patient_id == mc.c.patient_id)
            .join(rr_k, rr_k.c.raw_row_id == mc.c.kept_raw_row_id)
            .join(sf_k, sf_k.c.file_id == rr_k.c.file_id)
            .join(rr_d, rr_d.c.raw_row_id == mc.c.discarded_raw_row_id)
            .join(sf_d, sf_d.c.file_id == rr_d.c.file_id)
        )
        .where(rr_k.c.file_id.in_(read), rr_d.c.file_id.in_(read))
        .order_by(p.c.patient_key, mc.c.field, sf_k.c.file_name, rr_k.c.row_number, mc.c.conflict_id)
    )
    if patient is not None:
        stmt = stmt.where(p.c.patient_key == (canonical_key(patient) or patient))
    rows = conn.execute(stmt).all()
    columns = _source_columns(conn, {int(r.kept_file_id) for r in rows} | {int(r.discarded_file_id) for r in rows})
    out = []
    for r in rows:
        source = record_to_source().get(r.field, r.field)
        kept = _written(r.kept_cells, columns.get((int(r.kept_file_id), source)))
        discarded = _written(r.discarded_cells, columns.get((int(r.discarded_file_id), source)))
        out.append(
            Conflict(
                r.registry_code_ru or r.registry_code_en or r.patient_key,
                r.field,
                r.kept_value if kept is None else kept,
                f"{r.kept_file}:{r.kept_row}",
                r.discarded_value if discarded is None else discarded,
                f"{r.discarded_file}:{r.discarded_row}",
                r.reason,
                None if kept is None or kept == r.kept_value else r.kept_value,
                None if discarded is None or discarded == r.discarded_value else r.discarded_value,
                None if int(r.run_id) == run_id else int(r.run_id),
            )
        )
    return out


def _source_columns(conn: Connection, file_ids: set[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """(file, source field) -> the first column mapped to it: its position and header as written."""
    sc = SourceColumn.__table__
    out: dict[tuple[int, str], tuple[int, str]] = {}
    if not file_ids:
        return out
    found = conn.execute(
        select(sc.c.file_id, sc.c.field, sc.c.column_index, sc.c.header)
        .where(sc.c.file_id.in_(sorted(file_ids)), sc.c.field.is_not(None))
        .order_by(sc.c.file_id, sc.c.column_index)
    )
    for file_id, field_name, index, header in found:
        out.setdefault((int(file_id), str(field_name)), (int(index), str(header)))
    return out


def _written(cells: object, column: tuple[int, str] | None) -> str | None:
    """The cell as written in the raw row (None: no such column, or the cell is empty)."""
    if isinstance(cells, str):
        cells = json.loads(cells)
    if column is None or not isinstance(cells, dict):
        return None
    index, header = column
    if header in cells:
        value = cells[header]
    else:  # a repeated header is stored under a label of its own: the column's position tells it
        values = list(cells.values())
        value = values[index] if index < len(values) else None
    return None if value is None else str(value)


def newest_run(conn: Connection) -> int | None:
    return conn.execute(select(func.max(EtlRun.run_id))).scalar()

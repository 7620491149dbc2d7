"""The merge conflicts of a run or a patient, as a data manager reads them (`hsct conflicts`).

A run's merge conflicts are those between rows of the files it read; each is shown with both cells
as the files wrote them (the raw layer), and why one value was kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, func, or_, select

from etl.harmonize.identity import canonical_key
from etl.harmonize.origins import record_to_source
from schemas.quality import BatchPublication
from schemas.tables import EtlRun, MergeConflict, Person, RawRow, RunFile, SourceColumn, SourceFile


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

"""Store a quality run's results, and the publication status of each night's batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from etl.quality.report import QualityReport
from schemas.quality import BatchPublication, QualityResult, QualityRun
from schemas.tables import RawRow, SourceFile

GATE = "quality gate"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _resolve_lineage(conn: Connection, report: QualityReport) -> dict[int, tuple[str, int]]:
    """raw_row_id → (file name, row number) for every raw_row_id of the samples."""
    ids = {int(row["raw_row_id"]) for r in report.results for row in r.sample if row.get("raw_row_id") is not None}
    if not ids:
        return {}
    found = pd.read_sql(
        select(RawRow.raw_row_id, SourceFile.file_name, RawRow.row_number)
        .join(SourceFile, SourceFile.file_id == RawRow.file_id)
        .where(RawRow.raw_row_id.in_(sorted(ids))),
        conn,
    )
    return {int(i): (f, int(n)) for i, f, n in found.itertuples(index=False, name=None)}


def _with_lineage(sample: list[dict[str, Any]], lineage: dict[int, tuple[str, int]]) -> list[dict[str, Any]]:
    out = []
    for row in sample:
        raw_id = row.get("raw_row_id")
        if raw_id is not None and int(raw_id) in lineage:
            file_name, number = lineage[int(raw_id)]
            row = {**row, "file": file_name, "row": number}
        out.append(row)
    return out


def store_report(conn: Connection, report: QualityReport, run_id: int | None, trigger: str) -> int:
    """Insert the quality run and one row per check; the samples name their file and row."""
    lineage = _resolve_lineage(conn, report)
    for r in report.results:
        r.sample = _with_lineage(r.sample, lineage)
    quality_run_id = conn.execute(
        insert(QualityRun.__table__)
        .values(
            run_id=run_id,
            trigger=trigger,
            checked_at=_now(),
            success=report.success,
            checks=len(report.results),
            blocking_failures=len(report.blocking_failures),
            warning_failures=len(report.warning_failures),
            docs_path=str(report.docs_path) if report.docs_path else None,
        )
        .returning(QualityRun.quality_run_id)
    ).scalar_one()
    rows = [
        {
            "quality_run_id": quality_run_id,
            "check_id": r.check.check_id,
            "suite": r.check.suite,
            "expectation_type": r.expectation_type,
            "category": r.check.category,
            "frame": r.check.frame,
            "field": r.check.field or None,
            "severity": r.check.severity,
            "threshold": r.check.threshold,
            "success": r.success,
            "observed_value": r.observed_value,
            "element_count": r.element_count,
            "unexpected_count": r.unexpected_count,
            "unexpected_percent": r.unexpected_percent,
            "unexpected_sample": r.sample or None,
        }
        for r in report.results
    ]
    if rows:
        conn.execute(insert(QualityResult.__table__), rows)
    return int(quality_run_id)


def set_docs_path(conn: Connection, quality_run_id: int, path: str) -> None:
    conn.execute(update(QualityRun.__table__).where(QualityRun.quality_run_id == quality_run_id).values(docs_path=path))


def record_publication(
    conn: Connection, run_id: int, status: str, decided_by: str, note: str | None, held_reason: str | None = None
) -> None:
    """Insert or update the run's publication; a publication after review keeps why it was held."""
    existing = conn.execute(select(BatchPublication.held_reason).where(BatchPublication.run_id == run_id)).first()
    values = {"status": status, "decided_by": decided_by, "decided_at": _now(), "note": note}
    if existing is None:
        conn.execute(insert(BatchPublication.__table__).values(run_id=run_id, held_reason=held_reason, **values))
    else:
        keep = held_reason if held_reason is not None else existing.held_reason
        conn.execute(
            update(BatchPublication.__table__)
            .where(BatchPublication.run_id == run_id)
            .values(held_reason=keep, **values)
        )


def publication(conn: Connection, run_id: int) -> Any:
    """The `batch_publication` row of run `run_id` (status published or held, by whom, why), or None."""
    return conn.execute(select(BatchPublication.__table__).where(BatchPublication.run_id == run_id)).first()

"""Read back what the checks found for a run, and its publication, for `hsct quality --run`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from schemas.quality import QualityResult, QualityRun
from schemas.tables import EtlRun


def latest_completed_run(conn: Connection) -> int | None:
    value = conn.execute(
        select(EtlRun.run_id).where(EtlRun.status == "completed").order_by(EtlRun.run_id.desc()).limit(1)
    ).scalar()
    return None if value is None else int(value)


def latest_quality_run(conn: Connection, run_id: int) -> Any:
    return conn.execute(
        select(QualityRun.__table__)
        .where(QualityRun.run_id == run_id)
        .order_by(QualityRun.quality_run_id.desc())
        .limit(1)
    ).first()


def failed_results(conn: Connection, quality_run_id: int) -> list[Any]:
    """The failed checks of a quality run, blocking first."""
    rows = conn.execute(
        select(QualityResult.__table__)
        .where(QualityResult.quality_run_id == quality_run_id, QualityResult.success.is_(False))
        .order_by(QualityResult.result_id)
    ).all()
    return sorted(rows, key=lambda r: r.severity != "blocking")

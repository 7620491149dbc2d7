"""What the night page shows, read from the database after a run: one set-based query per section.

Every query is keyed by the run: the files it read (`run_file`), what it changed (`run_change`), the
quarantine rows it produced (`run_quarantine`, so a file rejected again on a re-run lists its rows
under every run), the merge conflicts between rows of its files, and the failed results of its newest
quality run. Rows are returned as SQLAlchemy `Row`s; `night_page` turns them into the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, case, func, select
from sqlalchemy.orm import aliased

from schemas.quality import BatchPublication, QualityResult, QualityRun
from schemas.tables import (
    EtlRun,
    MergeConflict,
    Person,
    Quarantine,
    RawRow,
    RunChange,
    RunFile,
    RunQuarantine,
    SourceColumn,
    SourceFile,
)

# source fields (mappings/field_catalogue.yaml) and record fields holding names and dates of birth: never shown
PERSONAL_FIELDS = frozenset({"full_name", "full_name_ru", "full_name_en", "birth_date"})


@dataclass(frozen=True)
class Night:
    run: Row[Any]
    files: list[Row[Any]]
    changes: list[Row[Any]]
    quarantine: list[Row[Any]]
    conflicts: list[Row[Any]]
    failed_checks: list[Row[Any]]
    personal_headers: dict[int, set[str]]  # file_id -> headers of personal columns


def read_night(conn: Connection, run_id: int) -> Night:
    """The run and every section's rows; raises LookupError for a run that does not exist."""
    run = _run(conn, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist")
    run_files = select(RunFile.file_id).where(RunFile.run_id == run_id, RunFile.file_id.is_not(None))
    return Night(
        run=run,
        files=list(conn.execute(select(RunFile.__table__).where(RunFile.run_id == run_id).order_by(RunFile.file_name))),
        changes=list(  # patients first
            conn.execute(
                select(RunChange.__table__).where(RunChange.run_id == run_id).order_by(RunChange.table_name.desc())
            )
        ),
        quarantine=_quarantine(conn, run_id),
        conflicts=_conflicts(conn, run_files),
        failed_checks=_failed_checks(conn, run.quality_run_id),
        personal_headers=_personal_headers(conn, run_files),
    )


def _run(conn: Connection, run_id: int) -> Row[Any] | None:
    other = aliased(QualityRun)
    newest = select(func.max(other.quality_run_id)).where(other.run_id == EtlRun.run_id).scalar_subquery()
    return conn.execute(
        select(
            EtlRun.__table__,
            BatchPublication.status.label("batch"),
            BatchPublication.decided_by,
            BatchPublication.decided_at,
            BatchPublication.note,
            QualityRun.quality_run_id,
            QualityRun.docs_path,
        )
        .outerjoin(BatchPublication, BatchPublication.run_id == EtlRun.run_id)
        .outerjoin(QualityRun, QualityRun.quality_run_id == newest)
        .where(EtlRun.run_id == run_id)
    ).first()


def _quarantine(conn: Connection, run_id: int) -> list[Row[Any]]:
    """The run's rejected rows, by reason, file and row; `personal`: the faulty column holds personal data."""
    column = aliased(SourceColumn)
    personal = (
        select(column.header)
        .where(
            column.file_id == Quarantine.file_id,
            column.header == Quarantine.column_name,
            column.field.in_(PERSONAL_FIELDS),
        )
        .exists()
    )
    return list(
        conn.execute(
            select(
                Quarantine.quarantine_id,
                Quarantine.run_id.label("first_run_id"),
                Quarantine.file_id,
                SourceFile.file_name,
                Quarantine.row_number,
                Quarantine.column_name,
                Quarantine.raw_value,
                Quarantine.reason_code,
                Quarantine.message,
                RawRow.cells,
                personal.label("personal"),
            )
            .join(RunQuarantine, RunQuarantine.quarantine_id == Quarantine.quarantine_id)
            .join(SourceFile, SourceFile.file_id == Quarantine.file_id)
            .outerjoin(RawRow, RawRow.raw_row_id == Quarantine.raw_row_id)
            .where(RunQuarantine.run_id == run_id)
            .order_by(Quarantine.reason_code, SourceFile.file_name, Quarantine.row_number, Quarantine.column_name)
        )
    )


def _conflicts(conn: Connection, run_files: Any) -> list[Row[Any]]:
    """The merge conflicts between rows of the run's files (recorded by this run or, for the same files,
    by the run that first merged them), with both rows' file, row number, cells and header."""
    kept, dropped = aliased(RawRow), aliased(RawRow)
    kept_file, dropped_file = aliased(SourceFile), aliased(SourceFile)

    def header(row: Any) -> Any:
        return (
            select(func.min(SourceColumn.header))
            .where(SourceColumn.file_id == row.file_id, SourceColumn.field == MergeConflict.field)
            .scalar_subquery()
        )

    return list(
        conn.execute(
            select(
                MergeConflict.conflict_id,
                MergeConflict.run_id.label("first_run_id"),
                Person.patient_key,
                Person.registry_code_ru,
                Person.registry_code_en,
                MergeConflict.field,
                MergeConflict.kept_value,
                MergeConflict.discarded_value,
                MergeConflict.reason,
                kept_file.file_name.label("kept_file"),
                kept.row_number.label("kept_row"),
                kept.cells.label("kept_cells"),
                header(kept).label("kept_header"),
                dropped_file.file_name.label("discarded_file"),
                dropped.row_number.label("discarded_row"),
                dropped.cells.label("discarded_cells"),
                header(dropped).label("discarded_header"),
            )
            .join(Person, Person.patient_id == MergeConflict.patient_id)
            .join(kept, kept.raw_row_id == MergeConflict.kept_raw_row_id)
            .join(kept_file, kept_file.file_id == kept.file_id)
            .join(dropped, dropped.raw_row_id == MergeConflict.discarded_raw_row_id)
            .join(dropped_file, dropped_file.file_id == dropped.file_id)
            .where(kept.file_id.in_(run_files), dropped.file_id.in_(run_files))
            .order_by(Person.patient_key, MergeConflict.field, MergeConflict.conflict_id)
        )
    )


def _failed_checks(conn: Connection, quality_run_id: int | None) -> list[Row[Any]]:
    """The failed checks of the run's newest quality run, blocking first."""
    if quality_run_id is None:
        return []
    return list(
        conn.execute(
            select(QualityResult.__table__)
            .where(QualityResult.quality_run_id == quality_run_id, QualityResult.success.is_(False))
            .order_by(case((QualityResult.severity == "blocking", 0), else_=1), QualityResult.result_id)
        )
    )


def _personal_headers(conn: Connection, run_files: Any) -> dict[int, set[str]]:
    """Per file of the run, the headers of its columns holding names and dates of birth."""
    out: dict[int, set[str]] = defaultdict(set)
    rows = conn.execute(
        select(SourceColumn.file_id, SourceColumn.header).where(
            SourceColumn.file_id.in_(run_files), SourceColumn.field.in_(PERSONAL_FIELDS)
        )
    )
    for file_id, header in rows:
        out[file_id].add(header)
    return dict(out)

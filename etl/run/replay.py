"""Rebuild a past run's files from the raw layer, so that its batch can be loaded again.

A run's files are its `run_file` rows; a read file's table comes back from
`source_file` (name, feed, format: an xlsx file's cells are Excel-rendered;
where its header was and the lines above it; a workbook's date system),
`source_column` (the headers, in order), `raw_row.cells` (label → cell
text, with the physical row number) and the quarantine's record of the rows
the extract stage found unusable as read (a ragged or truncated row, bytes not
in the file's encoding, a formula without a saved value), so that they are
rejected again. Nothing is read from the night's folder, which may be gone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Row, select

from etl.extract import ROW_NUMBER, FeedFile, RawTable, RowIssue
from etl.extract.table import column_labels
from etl.harmonize.columns import ROW_ISSUE_REASONS
from schemas.tables import Quarantine, RawRow, RunFile, SourceColumn, SourceFile


def _raw_table(conn: Connection, file: Row[Any]) -> RawTable:
    headers = list(
        conn.execute(
            select(SourceColumn.header).where(SourceColumn.file_id == file.file_id).order_by(SourceColumn.column_index)
        ).scalars()
    )
    labels, _warnings = column_labels(headers, len(headers))
    rows = conn.execute(
        select(RawRow.row_number, RawRow.cells).where(RawRow.file_id == file.file_id).order_by(RawRow.row_number)
    ).all()
    frame = pd.DataFrame([r.cells for r in rows], columns=labels, dtype=object)
    frame = frame.astype(object).where(frame.notna(), None)
    frame.insert(0, ROW_NUMBER, pd.Series([int(r.row_number) for r in rows], dtype=int))
    preamble = [(int(n), text) for n, _, text in (line.partition("\t") for line in (file.preamble or "").splitlines())]
    return RawTable(
        path=Path(file.file_name),
        feed=file.feed,
        format=file.format,
        sha256=file.checksum_sha256,
        size=int(file.size_bytes),
        encoding=file.encoding,
        delimiter=file.delimiter,
        sheet=file.sheet,
        header_row=file.header_row or 1,
        headers=headers,
        columns=labels,
        rows=frame,
        cell_origin="excel" if file.format == "xlsx" else "text",
        issues=_row_issues(conn, file.file_id, headers),
        preamble=preamble,
        date_system=file.date_system,
    )


def _row_issues(conn: Connection, file_id: int, headers: list[str]) -> list[RowIssue]:
    """The extract stage's row issues of a file, as its quarantine recorded them."""
    kinds = {reason: kind for kind, reason in ROW_ISSUE_REASONS.items()}
    found = conn.execute(
        select(Quarantine.row_number, Quarantine.column_name, Quarantine.reason_code, Quarantine.message)
        .where(Quarantine.file_id == file_id, Quarantine.reason_code.in_(list(kinds)))
        .order_by(Quarantine.row_number)
    ).all()
    return [
        RowIssue(
            int(r.row_number),
            kinds[r.reason_code],
            r.message,
            headers.index(r.column_name) + 1 if r.column_name in headers else None,
        )
        for r in found
    ]


def stored_table(conn: Connection, file_id: int) -> RawTable:
    """The table of a stored file, as the raw layer holds it (see the module docstring)."""
    file = conn.execute(select(*SourceFile.__table__.c).where(SourceFile.file_id == file_id)).one()
    return _raw_table(conn, file)


def run_files(conn: Connection, run_id: int) -> list[tuple[FeedFile, RawTable | None, str | None]]:
    """(file, its table or None when it was unreadable, the reason) for every file of the run, by name."""
    rows = conn.execute(
        select(RunFile.status, RunFile.error, *SourceFile.__table__.c)
        .join(SourceFile.__table__, SourceFile.file_id == RunFile.file_id)
        .where(RunFile.run_id == run_id)
        .order_by(RunFile.file_name)
    ).all()
    out: list[tuple[FeedFile, RawTable | None, str | None]] = []
    for file in rows:
        feed_file = FeedFile(Path(file.file_name), file.feed, file.format)
        out.append((feed_file, _raw_table(conn, file) if file.status == "read" else None, file.error))
    return out

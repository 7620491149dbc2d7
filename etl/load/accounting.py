"""Store every file's rejections and its row accounting: `quarantine`, `run_quarantine`, `run_file`.

Every row that arrives ends as exactly one of: loaded (it made or updated a
patient or a result), merged (folded into another row of the same patient),
quarantined (rejected with a reason). Rows in = loaded + merged + quarantined.
An unreadable file is stored by its checksum, with no rows, and quarantined as
a whole (reason `unreadable_file`), so that the quarantine can name it.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from sqlalchemy import Connection, insert, select

from etl.db.bulk import upsert
from etl.load.night_file import NightFile
from etl.load.sync import stored_all_max
from schemas.tables import Quarantine, RunFile, RunQuarantine, SourceFile

UNREADABLE_FILE = "unreadable_file"
SHOWN_REJECTIONS = 10  # quarantined rows listed per file in the run summary


def account(conn: Connection, run_id: int, files: list[NightFile], *, record_files: bool = True) -> None:
    """Store every file's rejections and count its rows' outcomes into its summary; with
    `record_files`, store its `run_file` row too (not when publishing a held run, whose accounting
    was recorded the night it ran)."""
    for item in files:
        _finish_file(conn, run_id, item, record_file=record_files)


def _finish_file(conn: Connection, run_id: int, item: NightFile, record_file: bool = True) -> None:
    s = item.summary
    if s.status == "unreadable":
        item.file_id = _store_unreadable(conn, item)
        item.issues = [
            pd.DataFrame(
                [
                    {
                        "row_number": 0,
                        "column_name": "",
                        "raw_value": None,
                        "reason_code": UNREADABLE_FILE,
                        "message": f"{s.name} cannot be read: {s.error}; the other files were loaded",
                    }
                ]
            )
        ]
    else:
        counts = pd.Series(list(item.outcome.values()), dtype=object).value_counts()
        s.loaded, s.merged = int(counts.get("loaded", 0)), int(counts.get("merged", 0))
        s.quarantined = int(counts.get("quarantined", 0))
    _store_issues(conn, run_id, item)
    if not record_file:
        return
    conn.execute(
        insert(RunFile.__table__).values(
            run_id=run_id,
            file_name=s.name,
            file_id=item.file_id,
            status=s.status,
            error=s.error,
            rows_in=s.rows_in,
            rows_loaded=s.loaded,
            rows_merged=s.merged,
            rows_quarantined=s.quarantined,
            rows_unchanged=s.unchanged,
        )
    )


def rejection_lines(issues: pd.DataFrame) -> list[dict[str, object]]:
    """The first quarantined rows: row, column, cell, reason code and the recorded detail."""
    first = issues.sort_values("row_number", kind="stable").head(SHOWN_REJECTIONS)
    return [
        {
            "row": int(r.row_number),
            "column": r.column_name or "",
            "value": None if pd.isna(r.raw_value) else str(r.raw_value),
            "reason": r.reason_code,
            "detail": r.message,
        }
        for r in first.itertuples(index=False)
    ]


def _store_issues(conn: Connection, run_id: int, item: NightFile) -> None:
    if not item.issues:
        return
    issues = pd.concat(item.issues, ignore_index=True).drop_duplicates(["row_number", "column_name", "reason_code"])
    item.summary.rejections = rejection_lines(issues)
    item.summary.rejected_rows = int(issues["row_number"].nunique())
    rows = issues["row_number"].astype(int)
    raw_ids = item.raw_ids.reindex(rows).to_numpy() if item.raw_ids is not None else [None] * len(issues)
    records = [
        {
            "run_id": run_id,
            "file_id": item.file_id,
            "row_number": int(r.row_number),
            "column_name": r.column_name or "",
            "raw_value": None if pd.isna(r.raw_value) else str(r.raw_value),
            "reason_code": r.reason_code,
            "message": r.message,
            "raw_row_id": None if raw_id is None or pd.isna(raw_id) else int(raw_id),
        }
        for r, raw_id in zip(issues.itertuples(index=False), raw_ids, strict=True)
    ]
    keys = ["file_id", "row_number", "column_name", "reason_code"]
    upsert(conn, Quarantine.__table__, records, keys, update=False)
    _link_quarantine(conn, run_id, item.file_id, pd.DataFrame(records, columns=keys))


def _link_quarantine(conn: Connection, run_id: int, file_id: int | None, rejected: pd.DataFrame) -> None:
    """Link the run to every quarantine row it produced, those a former run of the file stored too."""
    q = Quarantine.__table__
    stored = pd.read_sql(
        select(q.c.quarantine_id, q.c.file_id, q.c.row_number, q.c.column_name, q.c.reason_code).where(
            q.c.file_id == file_id
        ),
        conn,
    )
    ids = stored.merge(rejected, on=list(rejected.columns))["quarantine_id"].astype(int)
    links = [{"run_id": run_id, "quarantine_id": int(i)} for i in sorted(set(ids))]
    upsert(conn, RunQuarantine.__table__, links, ["run_id", "quarantine_id"], update=False)


def _store_unreadable(conn: Connection, item: NightFile) -> int:
    """An unreadable file is still stored by its checksum, with no rows, so quarantine can name it."""
    data = item.source.path.read_bytes()
    checksum = hashlib.sha256(data).hexdigest()
    existing = conn.execute(select(SourceFile.file_id).where(SourceFile.checksum_sha256 == checksum)).scalar()
    if existing is not None:
        return int(existing)
    file_id = stored_all_max(conn, SourceFile.__table__, "file_id") + 1
    conn.execute(
        insert(SourceFile.__table__).values(
            file_id=file_id,
            checksum_sha256=checksum,
            file_name=item.source.name,
            feed=item.source.feed,
            format=item.source.format,
            size_bytes=len(data),
            encoding=None,
            delimiter=None,
            sheet=None,
        )
    )
    return file_id

"""The raw layer: every file and every row exactly as received, stored once per content."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd
from sqlalchemy import Connection, insert, select

from etl.db.bulk import bulk_insert
from etl.extract import ROW_NUMBER, RawTable
from etl.load.sync import stored_all_max
from schemas.tables import RawRow, SourceColumn, SourceFile


def store_raw(
    conn: Connection, table: RawTable, fields: dict[str, str | None], cells: Iterable[pd.Series] | None = None
) -> tuple[int, pd.Series]:
    """Store a file, its columns and its rows unless a file of the same content is stored already.

    `fields` maps each column label of `table.columns` to the field it was mapped
    to (None: no mapping knows the header). Returns the file id and a Series
    row_number → raw_row_id. `cells`: the rows' `cells_json_chunks`, in row order, when a worker
    encoded them already (None: encoded here from the table's cells).
    """
    existing = conn.execute(select(SourceFile.file_id).where(SourceFile.checksum_sha256 == table.sha256)).scalar()
    if existing is None:
        file_id = _insert_file(conn, table)
        _insert_columns(conn, file_id, table, fields)
        return file_id, _insert_rows(conn, file_id, table, cells)
    file_id = int(existing)
    ids = pd.read_sql(select(RawRow.row_number, RawRow.raw_row_id).where(RawRow.file_id == file_id), conn)
    return file_id, ids.set_index("row_number")["raw_row_id"].astype(int)


def _insert_file(conn: Connection, table: RawTable) -> int:
    file_id = stored_all_max(conn, SourceFile.__table__, "file_id") + 1
    conn.execute(
        insert(SourceFile.__table__),
        {
            "file_id": file_id,
            "checksum_sha256": table.sha256,
            "file_name": table.name,
            "feed": table.feed,
            "format": table.format,
            "size_bytes": table.size,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "sheet": table.sheet,
            "header_row": table.header_row,
            "preamble": "\n".join(f"{n}\t{text}" for n, text in table.preamble) or None,
            "date_system": table.date_system,
        },
    )
    return file_id


def _insert_columns(conn: Connection, file_id: int, table: RawTable, fields: dict[str, str | None]) -> None:
    headers = list(table.headers) + list(table.columns[len(table.headers) :])
    rows = [
        {"file_id": file_id, "column_index": i, "header": header, "field": fields.get(label)}
        for i, (header, label) in enumerate(zip(headers, table.columns, strict=True))
    ]
    if rows:
        conn.execute(insert(SourceColumn.__table__), rows)


def _insert_rows(
    conn: Connection, file_id: int, table: RawTable, cells: Iterable[pd.Series] | None
) -> pd.Series:
    """Insert the rows with ids after the largest stored one, a chunk of encoded rows at a time;
    returns row_number → raw_row_id."""
    first = stored_all_max(conn, RawRow.__table__, "raw_row_id") + 1
    row_numbers = table.rows[ROW_NUMBER].astype(int).to_numpy()
    done = 0
    for chunk in cells_json_chunks(table.rows, list(table.columns)) if cells is None else cells:
        end = done + len(chunk)
        frame = pd.DataFrame(
            {
                "raw_row_id": range(first + done, first + end),
                "file_id": file_id,
                "row_number": row_numbers[done:end],
                "cells": chunk.to_numpy(),
            }
        )
        bulk_insert(conn, RawRow.__table__, frame)
        done = end
    if done != len(row_numbers):
        raise RuntimeError(f"{table.name}: {done} encoded rows for {len(row_numbers)} rows read")
    return pd.Series(range(first, first + done), index=pd.Index(row_numbers, name="row_number"), name="raw_row_id")


JSON_CHUNK_CELLS = 200_000  # cells encoded at a time: the encoder's whole text is held twice


def cells_json_chunks(rows: pd.DataFrame, labels: list[str]) -> Iterator[pd.Series]:
    """Every row's cells as JSON object text {header: cell} in column order (pandas' C encoder;
    it writes '/' as '\\/', which decodes to the same text), a Series per chunk of rows
    (JSON_CHUNK_CELLS cells), in row order: a million-row file never exists as one JSON text,
    and its rows' texts need not all be held at once."""
    if not labels:
        if not rows.empty:
            yield pd.Series("{}", index=rows.index)
        return
    step = max(1, JSON_CHUNK_CELLS // len(labels))
    for start in range(0, len(rows), step):
        chunk = rows.iloc[start : start + step][labels]
        lines = chunk.to_json(orient="records", lines=True, force_ascii=False).split("\n")
        yield pd.Series(lines[: len(chunk)], index=chunk.index)

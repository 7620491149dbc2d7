"""Store a file's raw rows and keep its harmonized rows, with their raw row ids, for the load.

The raw layer is kept whatever the quality gate says: a held night's files are
stored all the same, so that `hsct quality --publish` can load them later and
quarantine rows can name their cells.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection

from etl.errors import InputError
from etl.extract import ROW_NUMBER, RawTable, read_file
from etl.harmonize.columns import ColumnMap
from etl.harmonize.labs import LabRows
from etl.harmonize.registry import RegistryRows
from etl.harmonize.vocab import Vocabulary
from etl.load.night_file import NightFile, Note
from etl.load.raw import store_raw


def store_file(
    conn: Connection, item: NightFile, result: RegistryRows | LabRows, cells: Iterable[pd.Series] | None
) -> None:
    """Store `item`'s raw rows and keep its harmonized rows (`result`) for the load.

    `cells`: the rows' cells as the JSON text the raw layer stores, chunk by chunk, when a worker
    encoded them and released the table's cells (None: encoded here, then released). Fills the
    item's columns, file and raw row ids, accounting notes, rejections and `records` (with
    `raw_row_id`)."""
    columns, issues, records = result.columns, result.issues, result.records
    table = item.table
    if table is None:
        raise ValueError(f"{item.source.name} was not read: only read files are stored")
    item.columns = columns
    item.summary.repeated_headers = columns.repeated_notes(table)
    item.summary.notes = file_notes(table)
    if isinstance(result, LabRows):
        item.rejected_names = result.rejected_names
    item.file_id, raw_ids = store_raw(conn, table, columns.fields, cells)
    item.raw_ids = raw_ids
    if cells is None:  # encoded and stored here: the cells can go now
        item.code_cells = release_cells(table, columns)
    item.summary.rows_in = len(table.rows)
    item.summary.unknown_headers = columns.unknown
    item.reject(issues)
    records["raw_row_id"] = raw_ids.reindex(records["row_number"].astype(int)).to_numpy()
    item.records = records


def store_raw_again(conn: Connection, item: NightFile, vocab: Vocabulary) -> None:
    """A file whose raw rows a rolled-back savepoint took with it: its rows, read again from the file.

    The night's cells are not kept in memory for this rare case (a laboratory night holds
    millions); the file is read again, and must be the one the run read (InputError, exit 4,
    naming the file, when it changed meanwhile)."""
    if item.table is None:
        raise ValueError(f"{item.source.name} was not read: there is nothing to store again")
    table = read_file(item.source, vocab.header_rule(item.source.feed))
    if table.sha256 != item.table.sha256:
        raise InputError.of("error.file_changed", path=item.source.path)
    if item.columns is None:
        raise ValueError(f"{item.source.name} was not stored: there is nothing to store again")
    item.table = table
    item.file_id, item.raw_ids = store_raw(conn, table, item.columns.fields, None)
    release_cells(table, item.columns)


def release_cells(table: RawTable, columns: ColumnMap) -> pd.Series | None:
    """Keep only the row numbers of a table whose cells are encoded for the raw layer (a laboratory
    night holds millions); returns the patient-code cells by row number (None: no such column)."""
    label = columns.labels.get("registry_code")
    code_cells = None if label is None else table.rows.set_index(ROW_NUMBER)[label]
    table.rows = table.rows[[ROW_NUMBER]]
    return code_cells


def file_notes(table: RawTable) -> list[Note]:
    """How a file was read, where a data manager should know: the delimiter hint, the lines above the
    header, an encoding guessed or not the feed's."""
    notes: list[Note] = []
    if table.delimiter is not None and any("sep=" in w for w in table.warnings):
        notes.append(("run.note.sep_line", {"delimiter": table.delimiter}))
    if any("guess" in w for w in table.warnings):
        notes.append(("run.note.encoding_guessed", {"encoding": table.encoding}))
    if any("expected in UTF-8" in w for w in table.warnings):
        notes.append(("run.note.encoding_not_contract", {"encoding": table.encoding}))
    if table.preamble:
        lines = "; ".join(f"{n}: {text[:80]!r}" for n, text in table.preamble[:3])
        notes.append(("run.note.preamble", {"header_row": table.header_row, "lines": lines}))
    return notes

"""One file of a night as the load stage carries it: its table, its rows' fate and its accounting.

A `NightFile` is filled in this order, each step by one function of the load stage:
`store_file` (raw rows stored: `file_id`, `raw_ids`, `columns`, `records`, the
rejections of the harmonizer), then `load_registry` / `load_lab_results` (the
outcome of every row that reached the load: loaded, merged or quarantined),
then `account` (the rejections stored in `quarantine`, the counts in `run_file`).
Every row that arrives ends as exactly one of: loaded, merged, quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from etl.extract import FeedFile, RawTable
from etl.harmonize.columns import ISSUE_COLUMNS, ColumnMap

CUT_SHORT = frozenset({"truncated_row", "unclosed_quote"})  # the file may have lost rows after these
UNNAMED = frozenset({"missing_patient_code", "invalid_patient_code"})  # rows whose patient cannot be told
Note = tuple[str, dict[str, object]]  # a message key of mappings/messages.csv and its parameters
Outcome = Literal["loaded", "merged", "quarantined"]


@dataclass
class FileSummary:
    """A file's accounting, as `run_file` stores it and the run summary shows it."""

    name: str
    feed: str
    status: str = "read"  # or "unreadable"
    rows_in: int = 0
    loaded: int = 0
    merged: int = 0
    quarantined: int = 0
    unchanged: int = 0  # of rows_in, rows of a file the live batch held already, not read again (etl.load.unchanged)
    error: str | None = None
    unknown_headers: list[str] = field(default_factory=list)
    repeated_headers: list[str] = field(default_factory=list)  # fields read from several columns
    notes: list[Note] = field(default_factory=list)  # how the file was read: a sep= line, a title above the header
    rejections: list[dict[str, object]] = field(default_factory=list)  # the first quarantined rows
    rejected_rows: int = 0  # quarantined rows with their reasons (every one, `rejections` shows the first)


@dataclass
class NightFile:
    """One file inside the run: its table, ids, rejections and what became of each row.

    `records`: the harmonized rows (one per valid source row, with `row_number` and
    `raw_row_id`), dropped once loaded; `issues`: frames of ISSUE_COLUMNS;
    `outcome`: row_number → its fate; `code_cells`: row_number → the patient-code
    cell as written; `rejected_names` (laboratory files): patient, test and date of
    the rejected rows, so that a stored result they could be is kept."""

    source: FeedFile
    summary: FileSummary
    table: RawTable | None = None
    columns: ColumnMap | None = None
    file_id: int | None = None
    raw_ids: pd.Series | None = None
    records: pd.DataFrame | None = None
    issues: list[pd.DataFrame] = field(default_factory=list)
    outcome: dict[int, Outcome] = field(default_factory=dict)
    code_cells: pd.Series | None = None
    rejected_names: pd.DataFrame | None = None
    cell_digests: pd.Series | None = None  # registry files: row number → sha-256 of the row's cells text

    @property
    def is_labs(self) -> bool:
        return self.source.feed == "labs"

    def reject(self, issues: pd.DataFrame) -> None:
        """Quarantine the rows of `issues` (ISSUE_COLUMNS: row_number, column_name, raw_value,
        reason_code, message)."""
        if issues.empty:
            return
        self.issues.append(issues[ISSUE_COLUMNS])
        for row in issues["row_number"].astype(int):
            self.outcome[row] = "quarantined"

    def whole(self, unnamed_rows_count: bool = False) -> bool:
        """Read whole: readable, with a patient-code column, at least one data row, not cut short
        (and, with `unnamed_rows_count`, no row whose patient code cannot be read: whom it names is
        unknown). Only a night of whole files may delete what its files no longer hold."""
        if self.table is None or self.columns is None or "registry_code" not in self.columns.labels:
            return False
        if self.summary.rows_in == 0:
            return False
        reasons = set().union(*(set(i["reason_code"]) for i in self.issues)) if self.issues else set()
        return not (reasons & CUT_SHORT or (unnamed_rows_count and reasons & UNNAMED))

    def code_header(self) -> str:
        """The header of the patient-code column as the file wrote it ("" when it has none)."""
        return self.columns.header(self.table, "registry_code") if self.columns and self.table else ""


def night_file(source: FeedFile, table: RawTable | None, error: str | None) -> NightFile:
    """A file of the night: read (`table`) or unreadable (`error` says why)."""
    item = NightFile(source, FileSummary(source.name, source.feed), table=table)
    if table is None:
        item.summary.status, item.summary.error = "unreadable", error
    return item

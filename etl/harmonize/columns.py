"""Map a raw table's headers to fields, and collect per-cell rejections in one shape.

A rejection ("issue") names the physical row, the header as written, the raw
cell, a reason code and a message; the run stores them in `quarantine`.

Two columns that map to one field (a header repeated, or `Код пациента` beside
`Patient ID`) are both read: `ColumnMap.extra` lists the later ones, and the
harmonizers take a row's value from whichever holds one, quarantining the row
(`inconsistent`, naming both columns) where they disagree (`repeated_cells`).

The extract stage's row issues that make a row unusable as read (a ragged or
truncated row, bytes not in the file's encoding, a formula without a saved
value, ...) are quarantined with reason codes of their own (`ROW_ISSUE_REASONS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from etl.extract import ROW_NUMBER, RawTable
from etl.extract.model import QUARANTINED_KINDS, RowIssue
from etl.harmonize.vocab import Vocabulary

ISSUE_COLUMNS = ["row_number", "column_name", "raw_value", "reason_code", "message"]
# extract row issue kind -> quarantine reason code (documented in mappings/README.md)
ROW_ISSUE_REASONS = {kind: ("ragged_row" if kind == "ragged" else kind) for kind in QUARANTINED_KINDS}
INCONSISTENT = "inconsistent"
FOREIGN_BYTE = re.compile(r"\\x[0-9a-f]{2}")  # how the reader writes a byte that is not in the file's encoding


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})


@dataclass
class ColumnMap:
    """label (unique column label of the RawTable) → field; field → label (first mapped column);
    field → the labels of further columns mapped to it (`extra`)."""

    fields: dict[str, str | None]
    labels: dict[str, str]
    unknown: list[str] = field(default_factory=list)  # headers no mapping knows (kept raw, reported)
    repeated: list[str] = field(default_factory=list)  # headers mapped to a field already taken (reported)
    extra: dict[str, list[str]] = field(default_factory=dict)

    def header(self, table: RawTable, field_name: str) -> str:
        """The header as written of the column a field came from ('' when absent)."""
        label = self.labels.get(field_name)
        return "" if label is None else label_header(table, label)

    def repeated_notes(self, table: RawTable) -> list[str]:
        """One line per field read from several columns: the columns, by header and position."""
        notes = []
        for name, labels in self.extra.items():
            columns = [self.labels[name], *labels]
            where = " and ".join(f"{label_header(table, c)!r} (column {table.columns.index(c) + 1})" for c in columns)
            notes.append(f"{name}: {where}")
        return notes


def label_header(table: RawTable, label: str) -> str:
    """The header as written of a column label (the label itself past the header's width)."""
    position = table.columns.index(label)
    return table.headers[position] if position < len(table.headers) else label


def map_columns(table: RawTable, vocab: Vocabulary) -> ColumnMap:
    index = vocab.header_index(table.feed)
    fields: dict[str, str | None] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    extra: dict[str, list[str]] = {}
    for position, label in enumerate(table.columns):
        header = table.headers[position] if position < len(table.headers) else label
        target = index.match(header)
        fields[label] = target
        if target is None:
            unknown.append(header)
        elif target in labels:
            repeated.append(header)
            extra.setdefault(target, []).append(label)
        else:
            labels[target] = label
    return ColumnMap(fields, labels, unknown, repeated, extra)


def repeated_cells(
    table: RawTable,
    columns: ColumnMap,
    field_name: str,
    issues: IssueCollector,
    read: Callable[[pd.Series], pd.Series | pd.DataFrame],
) -> pd.Series:
    """The cells of a field read from several columns: each row's first non-empty cell; a row where
    two columns' values (as `read` gives them, so `13.09.2017` = `2017-09-13`) differ is quarantined
    `inconsistent`, naming both columns."""
    first = columns.labels[field_name]
    cells = table.rows[first]
    for label in columns.extra.get(field_name, []):
        other = table.rows[label]
        same_text = cells.astype("string").str.strip() == other.astype("string").str.strip()
        same = _same(read(cells), read(other)) | same_text.fillna(False).astype(bool)
        differ = cells.notna() & other.notna() & ~same.fillna(False).astype(bool)
        if differ.any():
            a, b = label_header(table, first), label_header(table, label)
            pa, pb = table.columns.index(first) + 1, table.columns.index(label) + 1
            message = (
                f"columns {a!r} (column {pa}) and {b!r} (column {pb}) disagree: '"
                + cells.astype(str)
                + "' vs '"
                + other.astype(str)
                + "'; keep one column, or make them agree"
            )
            issues.add(differ, field_name, INCONSISTENT, message)
        cells = cells.where(cells.notna(), other)
    return cells


def _same(mine: pd.Series | pd.DataFrame, theirs: pd.Series | pd.DataFrame) -> pd.Series:
    """Per row: the two columns' values are equal (both present and equal, every part of a compound value)."""
    equal = mine.eq(theirs)
    if isinstance(equal, pd.DataFrame):
        return (equal | (mine.isna() & theirs.isna())).all(axis=1)
    return equal.fillna(False).astype(bool)


class IssueCollector:
    """Accumulates rejections of one table; rows with any issue are quarantined."""

    def __init__(self, table: RawTable, columns: ColumnMap) -> None:
        self.table = table
        self.columns = columns
        self.parts: list[pd.DataFrame] = []
        self.flagged: dict[str, set[int]] = {}  # column label -> rows whose cell the extract stage rejected

    def add(self, mask: pd.Series, field_name: str, reasons: pd.Series | str, messages: pd.Series | str) -> None:
        """Reject the rows of `mask` on the column the field came from."""
        mask = mask.fillna(False).astype(bool)
        label = self.columns.labels.get(field_name)
        if label in self.flagged:  # the cell is quarantined already, for what it holds as read
            mask &= ~self.table.rows[ROW_NUMBER].isin(self.flagged[label])
        if not mask.any():
            return
        rows = self.table.rows[mask]
        raw = rows[label] if label is not None else pd.Series(None, index=rows.index, dtype=object)
        self.parts.append(
            pd.DataFrame(
                {
                    "row_number": rows[ROW_NUMBER].astype(int),
                    "column_name": self.columns.header(self.table, field_name),
                    "raw_value": raw.astype(object).where(raw.notna(), None),
                    "reason_code": reasons[mask] if isinstance(reasons, pd.Series) else reasons,
                    "message": messages[mask] if isinstance(messages, pd.Series) else messages,
                }
            )
        )

    def add_row_issues(self) -> None:
        """Quarantine the rows the extract stage found unusable as read (`ROW_ISSUE_REASONS`)."""
        found = [i for i in self.table.issues if i.kind in ROW_ISSUE_REASONS]
        if not found:
            return
        rows = self.table.rows.set_index(ROW_NUMBER, drop=False)
        records = []
        for issue in found:
            labels = self._issue_labels(issue, rows)
            label = labels[0] if labels else None
            raw = None
            if label is not None and issue.row_number in rows.index:
                raw = rows.at[issue.row_number, label]
            for each in labels:
                self.flagged.setdefault(each, set()).add(issue.row_number)
            records.append(
                {
                    "row_number": issue.row_number,
                    "column_name": label_header(self.table, label) if label is not None else "",
                    "raw_value": raw,
                    "reason_code": ROW_ISSUE_REASONS[issue.kind],
                    "message": f"{self.table.name} row {issue.row_number}: {issue.detail}",
                }
            )
        self.parts.append(pd.DataFrame(records, columns=ISSUE_COLUMNS))

    def _issue_labels(self, issue: RowIssue, rows: pd.DataFrame) -> list[str]:
        """The column labels an issue is about: its column, or for bytes not in the file's encoding the
        cells that hold them (written `\\xNN` by the reader)."""
        if issue.column:
            return [self.table.columns[issue.column - 1]]
        if issue.kind != "undecodable_text" or issue.row_number not in rows.index:
            return []
        row = rows.loc[issue.row_number, list(self.table.columns)]
        return [label for label, cell in row.items() if isinstance(cell, str) and FOREIGN_BYTE.search(cell)]

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return empty_issues()
        out = pd.concat(self.parts, ignore_index=True)
        return out.drop_duplicates(["row_number", "column_name", "reason_code"]).reset_index(drop=True)

    def bad_rows(self) -> set[int]:
        return set(self.frame()["row_number"].astype(int))

"""Map a raw table's headers to fields, and collect per-cell rejections in one shape.

A rejection ("issue") names the physical row, the header as written, the raw
cell, a reason code and a message; the run stores them in `quarantine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl.extract import ROW_NUMBER, RawTable
from etl.harmonize.vocab import Vocabulary

ISSUE_COLUMNS = ["row_number", "column_name", "raw_value", "reason_code", "message"]


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})


@dataclass
class ColumnMap:
    """label (unique column label of the RawTable) → field; field → label (first mapped column)."""

    fields: dict[str, str | None]
    labels: dict[str, str]
    unknown: list[str] = field(default_factory=list)  # headers no mapping knows (kept raw, reported)
    repeated: list[str] = field(default_factory=list)  # headers mapped to a field already taken

    def header(self, table: RawTable, field_name: str) -> str:
        """The header as written of the column a field came from ('' when absent)."""
        label = self.labels.get(field_name)
        if label is None:
            return ""
        return table.headers[table.columns.index(label)] if table.columns.index(label) < len(table.headers) else label


def map_columns(table: RawTable, vocab: Vocabulary) -> ColumnMap:
    index = vocab.header_index(table.feed)
    fields: dict[str, str | None] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for position, label in enumerate(table.columns):
        header = table.headers[position] if position < len(table.headers) else label
        target = index.match(header)
        fields[label] = target
        if target is None:
            unknown.append(header)
        elif target in labels:
            repeated.append(header)
            fields[label] = None
        else:
            labels[target] = label
    return ColumnMap(fields, labels, unknown, repeated)


class IssueCollector:
    """Accumulates rejections of one table; rows with any issue are quarantined."""

    def __init__(self, table: RawTable, columns: ColumnMap) -> None:
        self.table = table
        self.columns = columns
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, field_name: str, reasons: pd.Series | str, messages: pd.Series | str) -> None:
        """Reject the rows of `mask` on the column the field came from."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = self.table.rows[mask]
        label = self.columns.labels.get(field_name)
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

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return empty_issues()
        out = pd.concat(self.parts, ignore_index=True)
        return out.drop_duplicates(["row_number", "column_name", "reason_code"]).reset_index(drop=True)

    def bad_rows(self) -> set[int]:
        return set(self.frame()["row_number"].astype(int))

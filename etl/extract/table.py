"""Header labels and the rows data frame, shared by the CSV and xlsx readers."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.extract.model import ROW_NUMBER, RowIssue

Cell = str | None


def placeholder(position: int) -> str:
    """The label of a column without a header, `position` 1-based."""
    return f"<column {position}>"


def is_blank(cell: Cell) -> bool:
    return cell is None or not cell or cell.isspace()


def header_names(cells: Sequence[Cell]) -> list[str]:
    """The header cells as written; a blank one gets its placeholder."""
    return [placeholder(i) if is_blank(c) else str(c) for i, c in enumerate(cells, start=1)]


def column_labels(headers: Sequence[str], width: int) -> tuple[list[str], list[str]]:
    """Unique data-frame labels for `width` columns, and warnings about repeats.

    A header seen before (or equal to `row_number`) gets ` <column N>`
    appended; columns past the header get `<column N>`.
    """
    seen: dict[str, int] = {ROW_NUMBER: 0}
    labels: list[str] = []
    warnings: list[str] = []
    for i in range(1, width + 1):
        header = headers[i - 1] if i <= len(headers) else placeholder(i)
        label = header
        if header in seen:
            label = f"{header} {placeholder(i)}"
            first = seen[header]
            where = f"columns {first} and {i}" if first else f"column {i} (a reserved name)"
            warnings.append(f"header {header!r} repeats in {where}; column {i} is labelled {label!r}")
        seen.setdefault(header, i)
        seen[label] = i
        labels.append(label)
    return labels, warnings


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of cell lists are built.

    They hold only strings, so no cycles arise; without the pause the collector
    rescans them again and again and reading takes several times longer.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def make_frame(labels: list[str], rows: list[list[Cell]], numbers: Sequence[int]) -> tuple[pd.DataFrame, list[int]]:
    """`row_number` plus one object column per label, and the blank rows left out.

    Short rows are padded with None; empty and whitespace-only cells become
    None; rows with no cell left are dropped, and those lying between kept rows
    are returned (trailing ones are not).
    """
    width = len(labels)
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    cells = np.empty((len(rows), width), dtype=object)
    if rows:
        cells[:] = np.array(rows, dtype=object).reshape(len(rows), width)
    for j in range(width):
        _blank_to_none(cells[:, j])
    row_numbers = np.asarray(numbers, dtype=np.int64)
    empty = np.equal(cells, None).all(axis=1) if width else np.ones(len(rows), dtype=bool)
    blank_rows: list[int] = []
    if empty.any():
        kept_last = row_numbers[~empty].max(initial=0)
        blank_rows = [int(n) for n in row_numbers[empty] if n < kept_last]
        cells, row_numbers = cells[~empty], row_numbers[~empty]
    frame = pd.DataFrame(cells, columns=pd.Index(labels, dtype=object), copy=False)
    frame.insert(0, ROW_NUMBER, row_numbers)
    return frame, blank_rows


def _blank_to_none(column: np.ndarray) -> None:
    """Set empty and whitespace-only cells of an object column to None, in place.

    The test runs once per distinct value, so a million lab results cost little.
    """
    distinct = pd.unique(column)
    blanks = [v for v in distinct if v is not None and (not v or v.isspace())]
    if blanks:
        column[pd.Series(column, copy=False).isin(blanks).to_numpy()] = None


@dataclass
class Parsed:
    """A sheet or CSV text turned into rows, before the file's provenance is added."""

    header_row: int
    headers: list[str]
    columns: list[str]
    rows: pd.DataFrame
    issues: list[RowIssue] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

"""Header labels and the rows data frame, shared by the CSV and xlsx readers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.extract.model import ROW_NUMBER, HeaderRule, RowIssue
from etl.performance import each_distinct

Cell = str | None
# How far below the top the header is looked for: the first of this many non-blank records that the
# header rule accepts (title or report lines, a sep= line, a two-row header's first row sit above it).
HEADER_LOOKAHEAD = 10


def placeholder(position: int) -> str:
    """The label of a column without a header, `position` 1-based."""
    return f"<column {position}>"


def is_blank(cell: Cell) -> bool:
    return cell is None or not cell or cell.isspace()


def choose_header(records: Sequence[tuple[int, Sequence[Cell]]], is_header: HeaderRule | None) -> int:
    """The index among the first non-blank `records` ((line, cells), in file order, at most
    HEADER_LOOKAHEAD of them) of the header: the first one `is_header` accepts (a known patient-code
    header), else the first one (the harmonize stage then refuses the file, naming that line)."""
    if is_header is not None:
        for i, (_, cells) in enumerate(records[:HEADER_LOOKAHEAD]):
            if is_header(cells):
                return i
    return 0


def line_text(cells: Sequence[Cell], delimiter: str = ",") -> str:
    """A record's cells joined back into one line of text (for messages and the preamble)."""
    return delimiter.join("" if c is None else c for c in cells).rstrip(delimiter)


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


def cell_block(rows: list[list[Cell]], width: int) -> np.ndarray:
    """Records as a (rows × width) object array: short rows padded with None, empty and
    whitespace-only cells made None, and equal cells of a column made one shared string, so that
    a laboratory file's millions of repeated test names, units and dates cost one string each."""
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    cells = np.empty((len(rows), width), dtype=object)
    if rows:
        cells[:] = np.array(rows, dtype=object).reshape(len(rows), width)
    for j in range(width):
        _share_cells(cells[:, j])
    return cells


def make_frame(labels: list[str], rows: list[list[Cell]], numbers: Sequence[int]) -> tuple[pd.DataFrame, list[int]]:
    """`row_number` plus one object column per label, and the blank rows left out (`frame_of_blocks`)."""
    return frame_of_blocks(labels, [cell_block(rows, len(labels))], numbers)


def frame_of_blocks(
    labels: list[str], blocks: list[np.ndarray], numbers: Sequence[int]
) -> tuple[pd.DataFrame, list[int]]:
    """`row_number` plus one object column per label from consecutive `cell_block`s, and the blank
    rows left out.

    A block narrower than the labels (a later record had extra cells) is padded
    with None; rows with no cell left are dropped, and those lying between kept
    rows are returned (trailing ones are not).
    """
    width = len(labels)
    padded = [b if b.shape[1] == width else _widen(b, width) for b in blocks]
    cells = padded[0] if len(padded) == 1 else np.concatenate(padded) if padded else np.empty((0, width), object)
    del padded
    row_numbers = np.asarray(numbers, dtype=np.int64)
    empty = np.equal(cells, None).all(axis=1) if width else np.ones(len(cells), dtype=bool)  # type: ignore[call-overload]  # numpy's stubs omit a None operand
    blank_rows: list[int] = []
    if empty.any():
        kept_last = row_numbers[~empty].max(initial=0)
        blank_rows = [int(n) for n in row_numbers[empty] if n < kept_last]
        cells, row_numbers = cells[~empty], row_numbers[~empty]
    frame = pd.DataFrame(cells, columns=pd.Index(labels, dtype=object), copy=False)
    frame.insert(0, ROW_NUMBER, row_numbers)
    return frame, blank_rows


def _widen(block: np.ndarray, width: int) -> np.ndarray:
    out = np.full((len(block), width), None, dtype=object)
    out[:, : block.shape[1]] = block
    return out


def _share_cells(column: np.ndarray) -> None:
    """In place: empty and whitespace-only cells become None, equal cells one shared object.

    The blank test runs once per distinct value, so a million lab results cost little.
    """
    column[:] = each_distinct(pd.Series(column, copy=False), lambda cells: [None if is_blank(c) else c for c in cells])


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
    preamble: list[tuple[int, str]] = field(default_factory=list)

"""Parse decoded CSV text into raw string rows with physical row numbers.

`row_number` is the physical line on which a record starts (lines counted as
Python's universal newlines count them: `\\n`, `\\r\\n` or `\\r`), so a record
whose quoted cell spans lines 5-7 is row 5 and the next record is row 8.
Blank lines and rows of empty cells are skipped; those between data rows are
listed in `blank_rows`. A record with more non-empty cells than the header is
kept with the extra cells under `<column N>` and flagged `ragged`; one with
fewer cells is padded with None and flagged `short`. Empty cells past the
header's width (a trailing delimiter) hold no data and are not kept.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from etl.extract.model import FileContentError, RowIssue
from etl.extract.table import (
    Cell,
    Parsed,
    cell_block,
    column_labels,
    frame_of_blocks,
    gc_paused,
    header_names,
    is_blank,
)


def parse_csv(text: str, delimiter: str) -> Parsed:
    """The header and rows of `text`; raises FileContentError when there is no header."""
    with gc_paused():
        return _parse(text, delimiter)


def _reader(text: str, delimiter: str, strict: bool = False) -> Any:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)


CHUNK_CELLS = 200_000  # cells parsed into cell lists at a time (`_split`)


def _parse(text: str, delimiter: str) -> Parsed:
    header_row, headers, blocks, numbers, lines, issues = _split(text, delimiter)
    width = max((b.shape[1] for b in blocks), default=len(headers))
    if blocks and numbers[-1] < lines and _runs_unclosed(text, delimiter, numbers[-1]):
        detail = f"a quoted cell opened on line {numbers[-1]} never closes: lines up to {lines} are in this row"
        issues.append(RowIssue(numbers[-1], "unclosed_quote", detail))
    labels, warnings = column_labels(headers, width)
    frame, blank_rows = frame_of_blocks(labels, blocks, numbers)
    return Parsed(header_row, headers, labels, frame, issues, blank_rows, warnings)


def _split(text: str, delimiter: str) -> tuple[int, list[str], list[np.ndarray], Sequence[int], int, list[RowIssue]]:
    """Header row, header names, the data records as `cell_block`s, each record's first line, the
    line count, and the records' issues.

    The fast path reads the records CHUNK_CELLS cells at a time, each chunk's cell
    lists made a compact block before the next is read; when some record spans
    several lines (the line count says so) the text is read again, noting each start.
    """
    reader = _reader(text, delimiter)
    try:
        header_row, header_cells = _header(reader)
        headers = header_names(header_cells)
        header_end = reader.line_num
        blocks: list[np.ndarray] = []
        issues: list[RowIssue] = []
        count, chunk = 0, max(1, CHUNK_CELLS // max(1, len(headers)))
        while records := list(itertools.islice(reader, chunk)):
            if reader.line_num != header_end + count + len(records):
                break  # a record spans lines: numbered below
            numbers = range(header_end + count + 1, header_end + count + len(records) + 1)
            blocks.append(_block(records, numbers, len(headers), issues))
            count += len(records)
        else:
            return header_row, headers, blocks, range(header_end + 1, header_end + count + 1), reader.line_num, issues
        del blocks, records
        list(reader)  # to the end, for the line count
    except csv.Error as exc:
        raise FileContentError(f"CSV syntax error at line {reader.line_num}: {exc}") from exc
    body = [(n, r) for n, r in _numbered(text, delimiter) if n > header_row]
    issues = []
    block = _block([r for _, r in body], [n for n, _ in body], len(headers), issues)
    return header_row, headers, [block], [n for n, _ in body], reader.line_num, issues


def _block(records: list[list[Cell]], numbers: Sequence[int], n: int, issues: list[RowIssue]) -> np.ndarray:
    """Records under an n-column header as one `cell_block`, those of another width fitted first."""
    width = n
    if set(map(len, records)) - {n}:
        for i, record in enumerate(records):
            if len(record) != n:
                records[i] = _fit(record, n, numbers[i], issues)
                width = max(width, len(records[i]))
    return cell_block(records, width)


def _header(reader: Any) -> tuple[int, list[str]]:
    """The first record with a non-blank cell, and the line it starts on."""
    last = 0
    for record in reader:
        if not all(is_blank(c) for c in record):
            return last + 1, record
        last = reader.line_num
    raise FileContentError("no header row: the file holds only blank lines")


def _numbered(text: str, delimiter: str) -> Iterator[tuple[int, list[Cell]]]:
    reader = _reader(text, delimiter)
    last = 0
    for record in reader:
        yield last + 1, record
        last = reader.line_num


def _fit(record: list[Cell], n: int, row: int, issues: list[RowIssue]) -> list[Cell]:
    """A record whose cell count differs from the header's, trimmed or flagged."""
    cells: list[Cell] = [None if is_blank(c) else c for c in record]
    if not any(cells):
        return []
    if len(cells) > n:
        while len(cells) > n and cells[-1] is None:
            cells.pop()
        if len(cells) > n:
            extra = ", ".join(f"<column {i}>" for i in range(n + 1, len(cells) + 1))
            detail = f"{len(cells)} cells under a {n}-column header; extra cells kept as {extra}"
            issues.append(RowIssue(row, "ragged", detail))
    elif len(cells) < n:
        issues.append(RowIssue(row, "short", f"{len(cells)} cells under a {n}-column header; the rest are empty"))
    return cells


def _runs_unclosed(text: str, delimiter: str, first_line: int) -> bool:
    """Whether the record starting on `first_line` (the last one) ends inside an open quote."""
    lines = io.StringIO(text, newline="").readlines()
    tail = "".join(lines[first_line - 1 :])
    try:
        for _ in _reader(tail, delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False

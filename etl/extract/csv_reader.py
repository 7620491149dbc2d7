"""Parse decoded CSV text into raw string rows with physical row numbers.

`row_number` is the physical line on which a record starts (lines counted as
Python's universal newlines count them: `\\n`, `\\r\\n` or `\\r`), so a record
whose quoted cell spans lines 5-7 is row 5 and the next record is row 8.
Blank lines and rows of empty cells are skipped; those between data rows are
listed in `blank_rows`. A record with more non-empty cells than the header is
kept with the extra cells under `<column N>` and flagged `ragged`; one with
fewer cells is padded with None and flagged `short`. Empty cells past the
header's width (a trailing delimiter) hold no data and are not kept.

The header is the first of the first HEADER_LOOKAHEAD non-blank records that
the caller's header rule accepts (`table.choose_header`); the records above it
are the preamble. `skip_lines` leading lines (a `sep=` hint) are no records at
all. A file whose last record is not followed by a line break may have been cut
in transfer: that record is flagged `truncated_row`.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from etl.extract.model import ROW_NUMBER, FileContentError, HeaderRule, RowIssue
from etl.extract.table import (
    HEADER_LOOKAHEAD,
    Cell,
    Parsed,
    cell_block,
    choose_header,
    column_labels,
    frame_of_blocks,
    header_names,
    is_blank,
    line_text,
)
from etl.performance import gc_paused

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_csv(text: str, delimiter: str, is_header: HeaderRule | None = None, skip_lines: int = 0) -> Parsed:
    """The header and rows of `text`; raises FileContentError when there is no header."""
    with gc_paused():
        return _parse(text, delimiter, is_header, skip_lines)


def _reader(text: str, delimiter: str, strict: bool = False) -> Any:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)


CHUNK_CELLS = 200_000  # cells parsed into cell lists at a time (`_split`)
HEADER_LINES = 2_000  # physical lines the header candidates are read from (quoted cells may span lines)


def _parse(text: str, delimiter: str, is_header: HeaderRule | None, skip_lines: int) -> Parsed:
    header_row, header_end, header_cells, preamble = _header(text, delimiter, is_header, skip_lines)
    headers = header_names(header_cells)
    body = text[_line_end(text, header_end) :]
    blocks, numbers, lines, issues = _split(body, delimiter, len(headers), header_end)
    width = max((b.shape[1] for b in blocks), default=len(headers))
    if blocks and numbers[-1] < lines and _runs_unclosed(body, delimiter, numbers[-1] - header_end):
        detail = f"a quoted cell opened on line {numbers[-1]} never closes: lines up to {lines} are in this row"
        issues.append(RowIssue(numbers[-1], "unclosed_quote", detail))
    labels, warnings = column_labels(headers, width)
    frame, blank_rows = frame_of_blocks(labels, blocks, numbers)
    if len(frame) and _cut_short(text, delimiter):
        last = int(frame[ROW_NUMBER].iloc[-1])
        issues.append(
            RowIssue(last, "truncated_row", f"the file ends inside row {last} (no line break after it): it may be cut")
        )
    return Parsed(header_row, headers, labels, frame, issues, blank_rows, warnings, preamble)


def _cut_short(text: str, delimiter: str) -> bool:
    """Whether the text's last line holds data and no line break follows it."""
    if not text or text[-1] in "\r\n":
        return False
    tail = LINE_BREAK.split(text[-65536:])[-1]
    return any(not is_blank(c) for c in next(_reader(tail, delimiter), []))


def _line_end(text: str, line: int) -> int:
    """The offset just after the `line`-th line break (0 for line 0; the text's end when it has fewer)."""
    if line <= 0:
        return 0
    for n, match in enumerate(LINE_BREAK.finditer(text), start=1):
        if n == line:
            return match.end()
    return len(text)


def _header(
    text: str, delimiter: str, is_header: HeaderRule | None, skip_lines: int
) -> tuple[int, int, list[Cell], list[tuple[int, str]]]:
    """The header's first line, the line it ends on, its cells, and the non-blank lines above it.

    The first HEADER_LOOKAHEAD non-blank records after `skip_lines` are candidates (`choose_header`).
    """
    start = _line_end(text, skip_lines)
    # the candidates are near the top: read them from a prefix, not a copy of the whole text
    reader = _reader(text[start : _line_end(text, skip_lines + HEADER_LINES)], delimiter)
    candidates: list[tuple[int, list[Cell]]] = []
    ends: list[int] = []
    last = 0
    try:
        for record in reader:
            if not all(is_blank(c) for c in record):
                candidates.append((skip_lines + last + 1, list(record)))
                ends.append(skip_lines + reader.line_num)
                if len(candidates) == HEADER_LOOKAHEAD or (is_header is not None and is_header(record)):
                    break
            last = reader.line_num
    except csv.Error as exc:
        raise FileContentError(f"CSV syntax error at line {skip_lines + reader.line_num}: {exc}") from exc
    if not candidates:
        raise FileContentError("no header row: the file holds only blank lines")
    chosen = choose_header(candidates, is_header)
    line, cells = candidates[chosen]
    preamble = [(n, line_text(c, delimiter)) for n, c in candidates[:chosen]]
    return line, ends[chosen], cells, preamble


def _split(
    body: str, delimiter: str, n_headers: int, offset: int
) -> tuple[list[np.ndarray], Sequence[int], int, list[RowIssue]]:
    """The data records of `body` (the text after the header, which ends on line `offset`) as
    `cell_block`s, each record's first physical line, the file's line count, and the records' issues.

    The fast path reads the records CHUNK_CELLS cells at a time, each chunk's cell
    lists made a compact block before the next is read; when some record spans
    several lines (the line count says so) the text is read again, noting each start.
    """
    reader = _reader(body, delimiter)
    try:
        blocks: list[np.ndarray] = []
        issues: list[RowIssue] = []
        count, chunk = 0, max(1, CHUNK_CELLS // max(1, n_headers))
        while records := list(itertools.islice(reader, chunk)):
            if reader.line_num != count + len(records):
                break  # a record spans lines: numbered below
            numbers = range(offset + count + 1, offset + count + len(records) + 1)
            blocks.append(_block(records, numbers, n_headers, issues))
            count += len(records)
        else:
            return blocks, range(offset + 1, offset + count + 1), offset + reader.line_num, issues
        del blocks, records
        list(reader)  # to the end, for the line count
    except csv.Error as exc:
        raise FileContentError(f"CSV syntax error at line {offset + reader.line_num}: {exc}") from exc
    body_rows = [(offset + n, r) for n, r in _numbered(body, delimiter)]
    issues = []
    block = _block([r for _, r in body_rows], [n for n, _ in body_rows], n_headers, issues)
    return [block], [n for n, _ in body_rows], offset + reader.line_num, issues


def _block(records: list[list[Cell]], numbers: Sequence[int], n: int, issues: list[RowIssue]) -> np.ndarray:
    """Records under an n-column header as one `cell_block`, those of another width fitted first."""
    width = n
    if set(map(len, records)) - {n}:
        for i, record in enumerate(records):
            if len(record) != n:
                records[i] = _fit(record, n, numbers[i], issues)
                width = max(width, len(records[i]))
    return cell_block(records, width)


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

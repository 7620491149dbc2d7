"""Read the first worksheet of an .xlsx workbook into raw string rows.

The workbook is opened read-only with cached formula results (`data_only`),
its stated dimensions ignored (some writers get them wrong, which would cut
rows off). Cells are read as cell objects, not `values_only`, because a
number's format is needed: Excel stores a typed `74,5%` as 0.745, and only the
percent format says so. `row_number` is the worksheet row. Every column that has a header
or any value is kept; a column with values but no header is labelled
`<column N>` and named in `warnings`. Empty rows are skipped; those between
data rows are listed in `blank_rows`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import openpyxl

from etl.extract.cells import cell_text
from etl.extract.model import FileContentError
from etl.extract.table import Cell, Parsed, column_labels, header_names, make_frame

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def parse_xlsx(data: bytes) -> tuple[str, Parsed]:
    """The first sheet's name and its rows; FileContentError when unreadable."""
    if data.startswith(OLE_MAGIC):
        raise FileContentError("it is an old .xls or a password-protected workbook, not .xlsx; save it as .xlsx")
    if not data.startswith(ZIP_MAGIC):
        raise FileContentError("it is not an .xlsx workbook (no zip signature)")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to open is "unreadable"
        raise FileContentError(f"the workbook cannot be opened ({type(exc).__name__}: {exc})") from exc
    try:
        if not workbook.worksheets:
            raise FileContentError("the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        try:
            records = list(_records(sheet))
        except Exception as exc:  # a damaged sheet part (truncated zip member, bad XML)
            raise FileContentError(f"sheet {sheet.title!r} cannot be read ({type(exc).__name__}: {exc})") from exc
        return sheet.title, _table(records, sheet.title)
    finally:
        workbook.close()


def _records(sheet: object) -> Iterator[list[Cell]]:
    """Each worksheet row's rendered cells, trailing empties dropped, row 1 first."""
    for row in sheet.iter_rows():  # type: ignore[attr-defined]
        cells = [cell_text(c.value, c.number_format) if c.value is not None else None for c in row]
        while cells and cells[-1] is None:
            cells.pop()
        yield cells


def _table(records: list[list[Cell]], title: str) -> Parsed:
    header_index = next((i for i, r in enumerate(records) if r), None)
    if header_index is None:
        raise FileContentError(f"no header row: sheet {title!r} is empty")
    headers = header_names(records[header_index])
    body = records[header_index + 1 :]
    while body and not body[-1]:
        body.pop()
    width = max([len(headers), *(len(r) for r in body)])
    first = header_index + 2
    labels, warnings = column_labels(headers, width)
    unnamed = list(range(len(headers) + 1, width + 1))
    unnamed += [i for i, h in enumerate(records[header_index], start=1) if h is None and _has_values(body, i - 1)]
    for i in sorted(unnamed):
        warnings.append(f"column {i} has values but no header; it is labelled {labels[i - 1]!r}")
    frame, blank_rows = make_frame(labels, body, range(first, first + len(body)))
    return Parsed(header_index + 1, headers, labels, frame, [], blank_rows, warnings)


def _has_values(rows: list[list[Cell]], index: int) -> bool:
    return any(len(r) > index and r[index] is not None for r in rows)

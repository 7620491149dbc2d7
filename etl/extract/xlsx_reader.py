"""Read the first worksheet of an .xlsx workbook into raw string rows.

The workbook is first checked against zip bombs (`zipguard`), then opened
read-only with cached formula results (`data_only`), its stated dimensions
ignored (some writers get them wrong, which would cut rows off). Cells are read
as cell objects, not `values_only`, because a number's format is needed: Excel
stores a typed `74,5%` as 0.745, and only the percent format says so.
`row_number` is the worksheet row. Every column that has a header or any value
is kept; a column with values but no header is labelled `<column N>` and named
in `warnings`. Empty rows are skipped; those between data rows are listed in
`blank_rows`. The header is picked below title rows as for CSV
(`table.choose_header`).

Dates: a date-formatted cell is rendered with the workbook's own date system
(1900, or 1904 for `<workbookPr date1904="1"/>`); the system is returned so
that a serial number in a General-formatted date column is read with the
same epoch by the harmonize stage.

Formulas: a formula cell holds its saved result. A formula saved without a
result (written by a script, never opened in Excel) keeps its formula text
(`=4.2*1`) and is flagged `formula_without_value`: reading it as empty would
turn a value into "not recorded". An error value (`#VALUE!`, `#N/A`, ...) is
flagged `excel_error`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import Any

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from etl.extract.cells import cell_text
from etl.extract.model import FileContentError, HeaderRule, RowIssue
from etl.extract.table import Cell, Parsed, choose_header, column_labels, header_names, line_text, make_frame
from etl.extract.zipguard import check_workbook

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
Position = tuple[int, int]  # (worksheet row, 1-based column)


def parse_xlsx(data: bytes, is_header: HeaderRule | None = None) -> tuple[str, Parsed, int]:
    """The first sheet's name, its rows and the workbook's date system (1900 or 1904);
    FileContentError when unreadable."""
    if data.startswith(OLE_MAGIC):
        raise FileContentError("it is an old .xls or a password-protected workbook, not .xlsx; save it as .xlsx")
    if not data.startswith(ZIP_MAGIC):
        raise FileContentError("it is not an .xlsx workbook (no zip signature)")
    facts = check_workbook(data)
    with warnings.catch_warnings():  # openpyxl warns of odd cells; they are flagged as issues instead
        warnings.simplefilter("ignore")
        title, records, flags, date_system = _read_sheet(data, data_only=True)
        if facts.has_formulas:
            _, formulas, _, _ = _read_sheet(data, data_only=False)
            _put_formulas(records, flags, formulas)
    return title, _table(records, title, is_header, flags), date_system


def _open(data: bytes, data_only: bool) -> Any:
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # any failure to open is "unreadable"
        raise FileContentError(f"the workbook cannot be opened ({type(exc).__name__}: {exc})") from exc


def _read_sheet(data: bytes, data_only: bool) -> tuple[str, list[list[Cell]], dict[Position, RowIssue], int]:
    """The first sheet's title, its rendered rows (row 1 first, trailing empties dropped), the flagged
    cells, and the date system. With `data_only` False, formula cells hold their formula text."""
    workbook = _open(data, data_only)
    try:
        if not workbook.worksheets:
            raise FileContentError("the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        flags: dict[Position, RowIssue] = {}
        try:
            records = list(_records(sheet, flags, data_only))
        except FileContentError:
            raise
        except Exception as exc:  # a damaged sheet part (truncated zip member, bad XML)
            raise FileContentError(f"sheet {sheet.title!r} cannot be read ({type(exc).__name__}: {exc})") from exc
        date_system = 1904 if workbook.epoch == CALENDAR_MAC_1904 else 1900
        return sheet.title, records, flags, date_system
    finally:
        workbook.close()


def _records(sheet: Any, flags: dict[Position, RowIssue], data_only: bool) -> Iterator[list[Cell]]:
    """Each worksheet row's rendered cells, trailing empties dropped, row 1 first."""
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells: list[Cell] = []
        for column, c in enumerate(row, start=1):
            value = c.value
            if value is None:
                cells.append(None)
                continue
            kind = getattr(c, "data_type", None)
            if kind == "f" and not data_only:
                cells.append(str(value))
                continue
            if kind == "e":
                flags[(number, column)] = RowIssue(
                    number, "excel_error", f"the cell holds the Excel error {value}: correct it in the workbook", column
                )
            cells.append(cell_text(value, c.number_format))
        while cells and cells[-1] is None:
            cells.pop()
        yield cells


def _put_formulas(records: list[list[Cell]], flags: dict[Position, RowIssue], formulas: list[list[Cell]]) -> None:
    """A formula cell whose saved result is missing: its formula text, flagged."""
    for number, (row, texts) in enumerate(zip(records, formulas, strict=False), start=1):
        for column, text in enumerate(texts, start=1):
            if text is None or not text.startswith("=") or (column <= len(row) and row[column - 1] is not None):
                continue
            row.extend([None] * (column - len(row)))
            row[column - 1] = text
            flags[(number, column)] = RowIssue(
                number,
                "formula_without_value",
                f"the formula {text} has no saved value (written by a program, never calculated): "
                "open the workbook in Excel and save it again",
                column,
            )


def _table(
    records: list[list[Cell]], title: str, is_header: HeaderRule | None, flags: dict[Position, RowIssue]
) -> Parsed:
    filled = [(i, r) for i, r in enumerate(records) if r]
    if not filled:
        raise FileContentError(f"no header row: sheet {title!r} is empty")
    chosen = choose_header([(i + 1, r) for i, r in filled], is_header)
    header_index = filled[chosen][0]
    preamble = [(i + 1, line_text(r)) for i, r in filled[:chosen]]
    headers = header_names(records[header_index])
    body = records[header_index + 1 :]
    while body and not body[-1]:
        body.pop()
    width = max([len(headers), *(len(r) for r in body)])
    first = header_index + 2
    labels, warnings_ = column_labels(headers, width)
    unnamed = list(range(len(headers) + 1, width + 1))
    unnamed += [i for i, h in enumerate(records[header_index], start=1) if h is None and _has_values(body, i - 1)]
    for i in sorted(unnamed):
        warnings_.append(f"column {i} has values but no header; it is labelled {labels[i - 1]!r}")
    frame, blank_rows = make_frame(labels, body, range(first, first + len(body)))
    issues = [issue for (row, _), issue in sorted(flags.items()) if row >= first]
    return Parsed(header_index + 1, headers, labels, frame, issues, blank_rows, warnings_, preamble)


def _has_values(rows: list[list[Cell]], index: int) -> bool:
    return any(len(r) > index and r[index] is not None for r in rows)

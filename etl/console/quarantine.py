"""The rejected rows of a run, for the data manager: read, shown as a table or CSV, or written as the
workbook a data manager sends back to the clinic.

A run's rejections are the quarantine rows it produced (`run_quarantine`), the rows a re-run of the
same file rejected again included. Each comes with its file, sheet, physical row, column, the cell
as written, the reason code, the reason in the language asked (`mappings/messages.csv`,
`reason.<code>`) and the pipeline's own detail (English), and the original row's cells from the
raw layer.

The workbook (`write_workbook`, xlsxwriter): one sheet per source file, a row per rejected source
row: the reasons first, then the original row's cells under their original headers, the faulty
cells filled in red; the first row frozen and filtered.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from etl.messages import Lang, text
from schemas.tables import EtlRun, Quarantine, RawRow, RunQuarantine, SourceColumn, SourceFile

COLUMNS = ("file", "sheet", "row", "column", "value", "reason", "message", "detail")
MAX_SHEET_NAME = 31  # Excel's limit


@dataclass(frozen=True)
class Rejection:
    """One quarantine row of a run: where, what, why (in the language asked), and the row as received."""

    file: str
    file_id: int
    sheet: str | None
    row: int  # 0: the whole file
    column: str  # '' : the whole row
    value: str | None
    reason: str
    message: str  # the reason in the language asked
    detail: str  # what the pipeline recorded (English)
    cells: dict[str, Any] = field(default_factory=dict)  # the original row, header -> cell

    def as_row(self) -> tuple[object, ...]:
        return (self.file, self.sheet or "", self.row, self.column, self.value or "", self.reason, self.message,
                self.detail)  # fmt: skip


def last_run(conn: Connection) -> int | None:
    """The newest run that is not still going."""
    return conn.execute(select(func.max(EtlRun.run_id)).where(EtlRun.status != "running")).scalar()


def run_exists(conn: Connection, run_id: int) -> bool:
    """Whether run `run_id` was ever recorded (whatever its state)."""
    return conn.execute(select(EtlRun.run_id).where(EtlRun.run_id == run_id)).first() is not None


def rejections(
    conn: Connection, run_id: int, lang: Lang, *, file: str | None = None, reason: str | None = None
) -> list[Rejection]:
    """The run's rejected rows, by file, row and column; `file` keeps files whose name contains it,
    `reason` one reason code."""
    q, sf, rr = Quarantine.__table__, SourceFile.__table__, RawRow.__table__
    stmt = (
        select(sf.c.file_name, q.c.file_id, sf.c.sheet, q.c.row_number, q.c.column_name, q.c.raw_value)
        .add_columns(q.c.reason_code, q.c.message, rr.c.cells)
        .select_from(
            RunQuarantine.__table__.join(q, q.c.quarantine_id == RunQuarantine.quarantine_id)
            .join(sf, sf.c.file_id == q.c.file_id)
            .outerjoin(rr, rr.c.raw_row_id == q.c.raw_row_id)
        )
        .where(RunQuarantine.run_id == run_id)
        .order_by(sf.c.file_name, q.c.row_number, q.c.column_name, q.c.reason_code)
    )
    if file:
        stmt = stmt.where(sf.c.file_name.contains(file, autoescape=True))
    if reason:
        stmt = stmt.where(q.c.reason_code == reason)
    out = []
    for r in conn.execute(stmt):
        cells = json.loads(r.cells) if isinstance(r.cells, str) else (r.cells or {})
        message = text(f"reason.{r.reason_code}", lang, value=r.raw_value or "", column=r.column_name or "")
        where = (r.file_name, int(r.file_id), r.sheet, int(r.row_number), r.column_name or "", r.raw_value)
        out.append(Rejection(*where, r.reason_code, message, r.message, cells))
    return out


def as_table(found: list[Rejection], lang: Lang, width: int = 60) -> str:
    """Aligned text: file, row, column, value, reason and the message (cut to `width`)."""
    head = [text(f"console.quarantine.{c}", lang) for c in ("file", "row", "column", "value", "reason", "message")]
    rows = [
        [r.file, str(r.row) if r.row else text("console.quarantine.whole_file", lang), r.column, _cut(r.value, 30),
         r.reason, _cut(r.message, width)]
        for r in found
    ]  # fmt: skip
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(head)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [head, *rows])


def as_csv(found: list[Rejection], lang: Lang) -> str:
    """CSV (comma, quoted where needed) with a header row of the columns' names in `lang`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([text(f"console.quarantine.{c}", lang) for c in COLUMNS])
    writer.writerows(r.as_row() for r in found)
    return buffer.getvalue()


def write_workbook(conn: Connection, found: list[Rejection], path: Path, lang: Lang) -> Path:
    """The clinic's workbook (module docstring); returns `path`."""
    import xlsxwriter

    headers = _headers(conn, {r.file_id for r in found})
    by_file: dict[int, list[Rejection]] = {}
    for r in found:
        by_file.setdefault(r.file_id, []).append(r)
    book = xlsxwriter.Workbook(str(path))
    try:
        bold = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1})
        faulty = book.add_format({"bg_color": "#F4B6B6", "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        used: set[str] = set()
        for file_id, rows in by_file.items():
            sheet = book.add_worksheet(_sheet_name(rows[0].file, used))
            _fill_sheet(sheet, rows, headers.get(file_id, []), lang, (bold, faulty, wrap))
    finally:
        book.close()
    return path


def _fill_sheet(sheet: Any, rows: list[Rejection], headers: list[str], lang: Lang, formats: tuple[Any, ...]) -> None:
    bold, faulty, wrap = formats
    fixed = [text(f"console.quarantine.{c}", lang) for c in ("row", "reason", "message")]
    sheet.write_row(0, 0, [*fixed, *headers], bold)
    by_row: dict[int, list[Rejection]] = {}
    for r in rows:
        by_row.setdefault(r.row, []).append(r)
    for i, (row, found) in enumerate(sorted(by_row.items()), start=1):
        sheet.write(i, 0, row or text("console.quarantine.whole_file", lang))
        sheet.write(i, 1, ", ".join(dict.fromkeys(r.reason for r in found)))
        sheet.write(i, 2, "\n".join(dict.fromkeys(r.message for r in found)), wrap)
        bad = {r.column for r in found}
        cells = found[0].cells
        for j, header in enumerate(headers, start=len(fixed)):
            value = cells.get(header)
            sheet.write_string(i, j, "" if value is None else str(value), faulty if header in bad else None)
    sheet.freeze_panes(1, len(fixed))
    sheet.autofilter(0, 0, max(len(by_row), 1), len(fixed) + len(headers) - 1)
    sheet.set_column(0, 1, 14)
    sheet.set_column(2, 2, 60)
    sheet.set_column(len(fixed), len(fixed) + max(len(headers) - 1, 0), 18)


def _headers(conn: Connection, file_ids: set[int]) -> dict[int, list[str]]:
    """Each file's headers as written, in column order."""
    sc = SourceColumn.__table__
    out: dict[int, list[str]] = {}
    if not file_ids:
        return out
    stmt = (
        select(sc.c.file_id, sc.c.header)
        .where(sc.c.file_id.in_(sorted(file_ids)))
        .order_by(sc.c.file_id, sc.c.column_index)
    )
    for file_id, header in conn.execute(stmt):
        out.setdefault(int(file_id), []).append(header)
    return out


def _sheet_name(file_name: str, used: set[str]) -> str:
    """A worksheet name from a file name: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in file_name.rsplit(".", 1)[0])[:MAX_SHEET_NAME] or "file"
    name, n = base, 1
    while name.casefold() in used:
        n += 1
        name = f"{base[: MAX_SHEET_NAME - len(str(n)) - 1]}~{n}"
    used.add(name.casefold())
    return name


def _cut(value: str | None, width: int) -> str:
    text_ = (value or "").replace("\n", " ")
    return text_ if len(text_) <= width else text_[: width - 1] + "…"

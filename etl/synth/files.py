"""The feed files' bytes, written as the hospital systems write them: deterministic CSV and xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import xlsxwriter


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    """A deterministic workbook: fixed document dates, text cells except numbers typed as numbers."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "constant_memory": True})
    wb.set_properties({"created": dt.datetime(2024, 1, 1, 1, 0, 0), "author": "registry"})
    ws = wb.add_worksheet("Регистр")
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value != "":
                ws.write(r, c, value)
    wb.close()


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)

"""Write feed files the way the exporting systems do, for the extract tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from etl.extract import FeedFile, RawTable, read_file
from etl.extract.discover import FORMATS, feed_of


def write_csv(
    path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", newline: str = "\r\n"
) -> Path:
    """`rows` (header first) written by the csv module, then encoded."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def feed_file(path: Path) -> FeedFile:
    feed = feed_of(path.name)
    assert feed is not None
    return FeedFile(path, feed, FORMATS[path.suffix.lower()])


def read(path: Path) -> RawTable:
    return read_file(feed_file(path))


def cells(table: RawTable) -> list[list[str | None]]:
    """The data cells row by row, without `row_number`."""
    return table.rows[table.columns].to_numpy().tolist()

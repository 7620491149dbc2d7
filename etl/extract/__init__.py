"""Extract stage: the night's folder → one RawTable per file, exactly as received.

    discover(folder) -> list[FeedFile]          the feed files, sorted by name
    scan(folder) -> Discovery                   the same plus the ignored entries and why
    read_file(feed_file) -> RawTable            raises UnreadableFileError
    read_folder(folder) -> (tables, errors)     every file read; unreadable ones as errors

Cells are `str` or None (empty / whitespace-only); nothing is typed, stripped
or guessed. Every row carries `row_number`, its physical row in the file, so
that any later finding can name file + row. See `model.RawTable`.
"""

from etl.extract.discover import discover, scan
from etl.extract.model import (
    ROW_NUMBER,
    Discovery,
    FeedFile,
    IgnoredFile,
    RawTable,
    RowIssue,
    UnreadableFileError,
)
from etl.extract.read import read_file, read_folder

__all__ = [
    "ROW_NUMBER",
    "Discovery",
    "FeedFile",
    "IgnoredFile",
    "RawTable",
    "RowIssue",
    "UnreadableFileError",
    "discover",
    "read_file",
    "read_folder",
    "scan",
]

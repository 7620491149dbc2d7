"""What the extract stage hands on: the night's files and their raw tables.

A `RawTable` is one file exactly as received: every cell a `str` or `None`
(empty or whitespace-only), nothing typed, stripped or guessed, with the
physical row each came from so that any later finding can name file + row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import pandas as pd

from etl.errors import InputError

Feed = Literal["registry_ru", "registry_en", "labs"]
Format = Literal["csv", "xlsx"]
CellOrigin = Literal["text", "excel"]
IssueKind = Literal[
    "ragged",
    "short",
    "unclosed_quote",
    "truncated_row",
    "undecodable_text",
    "mixed_encoding",
    "formula_without_value",
    "excel_error",
]
# The kinds that make a row unusable as read: the harmonize stage quarantines the row (a `short` row,
# fewer cells than the header, is read with the missing cells empty, as Excel writes such rows).
QUARANTINED_KINDS: tuple[IssueKind, ...] = tuple(k for k in get_args(IssueKind) if k != "short")
HeaderRule = Callable[[Sequence[str | None]], bool]

ROW_NUMBER = "row_number"


@dataclass(frozen=True, order=True)
class FeedFile:
    """One top-level file of the night's folder that belongs to a feed."""

    path: Path
    feed: Feed
    format: Format

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class IgnoredFile:
    """A folder entry that is not read, and why (reported, not an error); `refused`: it is named like
    a feed file but must not be read (a link out of the folder, not a regular file)."""

    path: Path
    reason: str
    refused: bool = False


@dataclass(frozen=True)
class Discovery:
    """The night's folder, sorted: the feed files and everything else."""

    files: list[FeedFile]
    ignored: list[IgnoredFile]

    @property
    def refused(self) -> list[IgnoredFile]:
        """Entries named like feed files that are not read (see `discover`)."""
        return [i for i in self.ignored if i.refused]


@dataclass(frozen=True)
class RowIssue:
    """Something wrong with one physical row as read; the row is kept as read (raw layer).

    kind: `ragged` (more non-empty cells than the header has columns: the extra
    cells are kept under `<column N>` labels), `short` (fewer cells than the
    header: the missing ones are None), `unclosed_quote` (a quoted field runs to
    the end of the file, so the following lines were read into this cell),
    `truncated_row` (the last record of a file that does not end with a line
    break: the file may have been cut), `undecodable_text` / `mixed_encoding`
    (bytes not in the file's encoding, kept as `\\xNN`; see `sniff`),
    `formula_without_value` (an .xlsx formula with no saved result: the cell
    holds the formula text), `excel_error` (an .xlsx error value such as
    `#VALUE!`). `column`: the 1-based column position when one cell is at fault.
    The kinds of `QUARANTINED_KINDS` quarantine their row.
    """

    row_number: int
    kind: IssueKind
    detail: str
    column: int | None = None


@dataclass
class RawTable:
    """One file read as received.

    `headers` are the header cells exactly as written (a blank one becomes
    `<column N>`, N its 1-based position); `columns` are the data-frame labels
    of the same columns, made unique (a repeated header gets ` <column N>`
    appended) and followed by `<column N>` for cells beyond the header.
    `rows` holds `row_number` (int: the 1-based physical line of the CSV record's
    first line, or the worksheet row; the header is on `header_row`, usually 1)
    and one object column per label with `str` or `None` cells.
    `cell_origin` is `excel` when cells were typed by Excel and rendered here:
    dates ISO `yyyy-mm-dd[THH:MM:SS]`, numbers with a decimal point, booleans
    `TRUE`/`FALSE`, percent-formatted numbers as `74.5%`; `text` for CSV.
    `blank_rows` lists the empty rows skipped between data rows (trailing ones
    are not listed). `preamble` holds the non-blank lines above the header
    (title or report lines, a two-row header's first row) as (line, text);
    `date_system` is the workbook's (1900 or 1904) for .xlsx, None for CSV.
    """

    path: Path
    feed: Feed
    format: Format
    sha256: str
    size: int
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    header_row: int
    headers: list[str]
    columns: list[str]
    rows: pd.DataFrame
    cell_origin: CellOrigin
    issues: list[RowIssue] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preamble: list[tuple[int, str]] = field(default_factory=list)
    date_system: int | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def issues_by_row(self) -> dict[int, list[RowIssue]]:
        out: dict[int, list[RowIssue]] = {}
        for issue in self.issues:
            out.setdefault(issue.row_number, []).append(issue)
        return out


class FileContentError(ValueError):
    """Raised by the readers when a file's content cannot be read; `read_file`
    turns it into an `UnreadableFileError` naming the file."""


class UnreadableFileError(InputError):
    """A file that cannot be read at all; the caller reports it and goes on."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot be read: {reason}")

"""Read the night's files into RawTables; an unreadable file is reported, not fatal.

A CSV file is decoded by `sniff.decode_text` under its feed's encodings (`mappings/feeds.yaml`);
its delimiter comes from a first line `sep=X` (that line is then skipped) or from the content;
lines whose bytes are not in the file's encoding become row issues of the rows they belong to.
An .xlsx file is checked against zip bombs and read by `xlsx_reader`. The caller's header rule
(`is_header`: does this record hold a known patient-code header?) picks the header row below
leading title lines (`table.choose_header`).
"""

from __future__ import annotations

import bisect
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from etl.extract.csv_reader import parse_csv
from etl.extract.delimiter import detect_delimiter, sep_hint
from etl.extract.discover import scan
from etl.extract.feeds import feed_text
from etl.extract.model import (
    ROW_NUMBER,
    CellOrigin,
    Feed,
    FeedFile,
    FileContentError,
    HeaderRule,
    RawTable,
    RowIssue,
    UnreadableFileError,
)
from etl.extract.sniff import BadLine, decode_text
from etl.extract.xlsx_reader import parse_xlsx

log = logging.getLogger(__name__)


def read_file(feed_file: FeedFile, is_header: HeaderRule | None = None) -> RawTable:
    """One feed file as received; raises UnreadableFileError when it cannot be read at all.

    `is_header`: the rule telling the header row (None: the first non-blank row).
    """
    path = feed_file.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"it cannot be opened ({exc.strerror or exc})") from exc
    try:
        return _read(feed_file, data, is_header)
    except FileContentError as exc:
        raise UnreadableFileError(path, str(exc)) from exc


def _read(feed_file: FeedFile, data: bytes, is_header: HeaderRule | None) -> RawTable:
    if not data:
        raise FileContentError("the file is empty (0 bytes)")
    rules = feed_text(feed_file.feed)
    date_system = None
    origin: CellOrigin
    if feed_file.format == "xlsx":
        sheet, parsed, date_system = parse_xlsx(data, is_header)
        encoding = delimiter = None
        warnings: list[str] = []
        origin = "excel"
    else:
        decoded = decode_text(data, rules.encodings)
        hint = sep_hint(decoded.text)
        delimiter = hint or detect_delimiter(decoded.text, rules.delimiter)
        parsed = parse_csv(decoded.text, delimiter, is_header, skip_lines=1 if hint else 0)
        if decoded.bad_lines:
            parsed.issues.extend(_bad_line_issues(decoded.bad_lines, parsed.rows[ROW_NUMBER].tolist()))
        encoding, sheet, origin = decoded.encoding, None, "text"
        warnings = [f"encoding {decoded.encoding!r} is charset-normalizer's guess"] if decoded.guessed else []
        if not decoded.contract:
            warnings.append(f"read as {decoded.encoding}: the {feed_file.feed} feed is expected in UTF-8")
        if hint:
            warnings.append(f"line 1 'sep={hint}' (Excel's delimiter hint) names the delimiter; it is not data")
    return RawTable(
        path=feed_file.path,
        feed=feed_file.feed,
        format=feed_file.format,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        header_row=parsed.header_row,
        headers=parsed.headers,
        columns=parsed.columns,
        rows=parsed.rows,
        cell_origin=origin,
        issues=parsed.issues,
        blank_rows=parsed.blank_rows,
        warnings=warnings + parsed.warnings,
        preamble=parsed.preamble,
        date_system=date_system,
    )


def _bad_line_issues(bad_lines: tuple[BadLine, ...], row_numbers: list[int]) -> list[RowIssue]:
    """Each line that did not decode, as an issue of the data row it belongs to (the row whose record
    starts on it or before it); lines of the header or preamble are left to the header's mapping."""
    issues: list[RowIssue] = []
    for bad in bad_lines:
        at = bisect.bisect_right(row_numbers, bad.line)  # row numbers ascend
        if at:
            issues.append(RowIssue(row_numbers[at - 1], bad.kind, bad.describe()))
    return issues


def read_folder(
    folder: Path | str, header_rules: Callable[[Feed], HeaderRule] | None = None
) -> tuple[list[RawTable], list[UnreadableFileError]]:
    """Every feed file of the night's folder read; unreadable ones returned as errors.

    Ignored entries (other names, subfolders such as `truth/`) are logged; use
    `scan(folder)` to get them as data.
    """
    found = scan(folder)
    for ignored in found.ignored:
        log.info("ignored %s: %s", ignored.path, ignored.reason)
    tables: list[RawTable] = []
    errors: list[UnreadableFileError] = []
    for feed_file in found.files:
        try:
            tables.append(read_file(feed_file, header_rules(feed_file.feed) if header_rules else None))
        except UnreadableFileError as exc:
            log.warning("%s", exc)
            errors.append(exc)
    return tables, errors

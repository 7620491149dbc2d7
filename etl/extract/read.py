"""Read the night's files into RawTables; an unreadable file is reported, not fatal."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from etl.extract.csv_reader import parse_csv
from etl.extract.discover import scan
from etl.extract.model import Feed, FeedFile, FileContentError, RawTable, UnreadableFileError
from etl.extract.sniff import decode_text, detect_delimiter
from etl.extract.xlsx_reader import parse_xlsx

log = logging.getLogger(__name__)

# The delimiter a feed usually has; it only breaks a tie the content leaves open.
USUAL_DELIMITER: dict[Feed, str] = {"registry_ru": ";", "registry_en": ",", "labs": ","}


def read_file(feed_file: FeedFile) -> RawTable:
    """One feed file as received; raises UnreadableFileError when it cannot be read at all."""
    path = feed_file.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"it cannot be opened ({exc.strerror or exc})") from exc
    try:
        return _read(feed_file, data)
    except FileContentError as exc:
        raise UnreadableFileError(path, str(exc)) from exc


def _read(feed_file: FeedFile, data: bytes) -> RawTable:
    if not data:
        raise FileContentError("the file is empty (0 bytes)")
    provenance = {
        "path": feed_file.path,
        "feed": feed_file.feed,
        "format": feed_file.format,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    if feed_file.format == "xlsx":
        sheet, parsed = parse_xlsx(data)
        encoding = delimiter = None
        warnings: list[str] = []
        origin = "excel"
    else:
        decoded = decode_text(data)
        delimiter = detect_delimiter(decoded.text, USUAL_DELIMITER[feed_file.feed])
        parsed = parse_csv(decoded.text, delimiter)
        encoding, sheet, origin = decoded.encoding, None, "text"
        warnings = [f"encoding {decoded.encoding!r} is charset-normalizer's guess"] if decoded.guessed else []
    return RawTable(
        **provenance,
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
    )


def read_folder(folder: Path | str) -> tuple[list[RawTable], list[UnreadableFileError]]:
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
            tables.append(read_file(feed_file))
        except UnreadableFileError as exc:
            log.warning("%s", exc)
            errors.append(exc)
    return tables, errors

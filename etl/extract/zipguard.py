"""Check an .xlsx (a zip archive) before it is parsed: refuse what would expand without bound.

A workbook is a zip of XML parts; a small file can hold a sheet that expands to
gigabytes (a "zip bomb"), and a parser then exhausts memory long before it
fails. The rule is Apache POI's `ZipSecureFile`, which Excel tooling has used
for years: no part may expand more than `MAX_INFLATE_RATIO` times its
compressed size (POI's minimum inflate ratio 0.01), counted while the part is
actually inflated (its declared sizes may lie), with a grace for parts too
small to matter; and the whole workbook may not expand past `MAX_EXPANDED`.
Only a bounded buffer is held while checking.

The same pass tells whether the worksheets hold formulas (an `<f>` element),
so that the reader looks for formulas without a saved value only then.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from etl.extract.model import FileContentError

MAX_INFLATE_RATIO = 100  # expanded / compressed, per part (POI: MIN_INFLATE_RATIO = 0.01)
GRACE_BYTES = 1 << 20  # a part expanding to less than this is never refused for its ratio
MAX_EXPANDED = 2 << 30  # the whole workbook, expanded: 2 GiB of XML is far beyond any registry export
CHUNK = 1 << 20
FORMULA_TAGS = (b"<f>", b"<f ", b"<f/>", b":f>", b":f ")


@dataclass(frozen=True)
class ZipFacts:
    """What the check found: the expanded size and whether a worksheet holds a formula."""

    expanded: int
    has_formulas: bool


def check_workbook(data: bytes) -> ZipFacts:
    """Inflate every part once, counting; raises FileContentError naming the part that is too large."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileContentError(f"the workbook cannot be opened (not a valid zip: {exc})") from exc
    total = 0
    formulas = False
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            limit = max(MAX_INFLATE_RATIO * max(info.compress_size, 1), GRACE_BYTES)
            sheet = info.filename.startswith("xl/worksheets/")
            size, found = _inflate(archive, info, limit, MAX_EXPANDED - total, sheet)
            total += size
            formulas = formulas or found
    return ZipFacts(total, formulas)


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, left: int, sheet: bool) -> tuple[int, bool]:
    size = 0
    found = False
    tail = b""
    try:
        with archive.open(info) as part:
            while chunk := part.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FileContentError(
                        f"its part {info.filename} expands more than {MAX_INFLATE_RATIO} times its compressed size "
                        f"({info.compress_size:,} bytes): refused as a possible zip bomb; open the workbook in Excel, "
                        "check its contents and save it again"
                    )
                if size > left:
                    raise FileContentError(
                        f"it expands to more than {MAX_EXPANDED >> 20:,} MiB of XML: refused before reading; "
                        "split the export or deliver it as CSV"
                    )
                if sheet and not found:
                    window = tail + chunk
                    found = any(tag in window for tag in FORMULA_TAGS)
                    tail = chunk[-4:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise FileContentError(f"its part {info.filename} cannot be read ({type(exc).__name__}: {exc})") from exc
    return size, found

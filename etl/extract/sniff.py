"""Tell a CSV file's encoding and delimiter by deterministic rules.

Encoding, in order: a UTF-8 byte-order mark → `utf-8-sig`; bytes that decode
as strict UTF-8 → `utf-8`; bytes that decode as Windows-1251 into Russian-
looking text → `cp1251`; only then charset-normalizer's guess, flagged as a
guess. A Windows-1251 file therefore never reaches the guesser. Binary content
(a workbook renamed `.csv`, NUL bytes, control characters) is refused.

Delimiter: `;` or `,`, whichever splits the header into more than one column
and gives the sample's records the header's cell count most often (quoted
fields and decimal commas in `;` files do not mislead it); then the one giving
more header columns; then the feed's usual delimiter.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import islice

from charset_normalizer import from_bytes

from etl.extract.model import FileContentError

UTF8_BOM = b"\xef\xbb\xbf"
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = (";", ",")
SAMPLE_CHARS = 256 * 1024
# A record of nothing but these is blank whichever delimiter is tried.
BLANK_CHARS = " \t\r\n;,"
SAMPLE_RECORDS = 1000
# Non-letters a Russian Windows-1251 text commonly holds.
RUSSIAN_PUNCTUATION = frozenset("«»—–№°±…\u00a0“”„‘’•·§")
MAX_CONTROL_SHARE = 0.01
MAX_LATIN_ADJACENT_SHARE = 0.5


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    guessed: bool = False


def decode_text(data: bytes) -> DecodedText:
    """Decode a CSV file's bytes by the rules in the module docstring."""
    if not data:
        raise FileContentError("the file is empty (0 bytes)")
    if data.startswith(ZIP_MAGIC):
        raise FileContentError("it is a zip archive (an .xlsx workbook named .csv?), not CSV text")
    decoded = _decode(data)
    _check_is_text(decoded.text)
    return decoded


def _decode(data: bytes) -> DecodedText:
    if data.startswith(UTF8_BOM):
        try:
            return DecodedText(data[len(UTF8_BOM) :].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileContentError(
                f"it starts with a UTF-8 byte-order mark but byte {exc.start + len(UTF8_BOM)} is not UTF-8"
            ) from exc
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        text = None
    if text is not None and looks_russian(text[: 4 * SAMPLE_CHARS]):
        return DecodedText(text, "cp1251")
    best = from_bytes(data).best()
    if best is None:
        raise FileContentError("its bytes are neither UTF-8 nor Windows-1251 text, and no other encoding fits")
    return DecodedText(str(best), best.encoding, guessed=True)


def looks_russian(text: str) -> bool:
    """Whether Windows-1251-decoded text reads as Russian/English, not as mojibake.

    Its non-ASCII characters must be mostly Cyrillic letters or Russian
    punctuation, and most Cyrillic letters must not sit against a Latin letter
    (text in another 8-bit code page decoded as 1251 gives `cafй`).
    """
    non_ascii = cyrillic = latin_adjacent = 0
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        non_ascii += 1
        if "\u0400" <= ch <= "\u04ff":
            cyrillic += 1
            if (i > 0 and _is_latin(text[i - 1])) or (i < last and _is_latin(text[i + 1])):
                latin_adjacent += 1
    if non_ascii == 0:
        return True
    other = non_ascii - cyrillic - sum(text.count(p) for p in RUSSIAN_PUNCTUATION)
    return other <= 0.1 * non_ascii and latin_adjacent <= MAX_LATIN_ADJACENT_SHARE * max(cyrillic, 1)


def _is_latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _check_is_text(text: str) -> None:
    if "\x00" in text:
        raise FileContentError("it holds NUL bytes: binary content, not CSV text")
    sample = text[:SAMPLE_CHARS]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    if controls > MAX_CONTROL_SHARE * len(sample):
        raise FileContentError("it is mostly control characters: binary content, not CSV text")


def detect_delimiter(text: str, default: str) -> str:
    """`;` or `,` for this CSV text; `default` (the feed's usual one) breaks ties."""
    sample = text[:SAMPLE_CHARS]
    truncated = len(text) > len(sample)
    return max(DELIMITERS, key=lambda d: _score(sample, d, truncated, default))


def _score(sample: str, delimiter: str, truncated: bool, default: str) -> tuple[bool, float, int, bool]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        records = [r for r in islice(reader, SAMPLE_RECORDS + 1) if any(c.strip(BLANK_CHARS) for c in r)]
    except csv.Error:
        return (False, 0.0, 0, delimiter == default)
    if truncated and len(records) > 1:
        records.pop()  # the sample may have cut the last record
    width = len(records[0]) if records else 0
    data = records[1:]
    consistency = sum(len(r) == width for r in data) / len(data) if data else 1.0
    return (width > 1, consistency, width, delimiter == default)

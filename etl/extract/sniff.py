"""Tell a CSV file's encoding by deterministic rules (its delimiter: etl.extract.delimiter).

Encoding, in order:
1. a byte-order mark is unambiguous: UTF-8 → `utf-8-sig` (a line that is not UTF-8 is
   `undecodable_text`, as in rule 4), UTF-32 LE/BE, UTF-16 LE/BE (Excel's "Unicode text",
   tab-separated) → that encoding, strictly;
2. NUL bytes without a mark: refused, naming UTF-16 and the fix (a binary file is refused too);
3. bytes that decode as strict UTF-8 → `utf-8`;
4. otherwise the file is read line by line (lines as the CSV reader counts them: `\n`, `\r\n`,
   `\r`). Each line holding a byte ≥ 0x80 is a UTF-8 line if it decodes as UTF-8, else an 8-bit
   line. When the feed allows an 8-bit code page (`mappings/feeds.yaml`: Windows-1251 for
   registry_ru) and the 8-bit lines are the majority, the file is Windows-1251 (when its text
   reads as Russian, else charset-normalizer's guess, flagged as a guess) and its UTF-8 lines are
   `mixed_encoding`; otherwise the file is UTF-8 and its 8-bit lines are `undecodable_text`. Such
   lines are kept with the foreign bytes written `\x96` (nothing is lost) and named, with the byte
   offset, in `DecodedText.bad_lines`, so that the rows holding them are quarantined rather than
   the file. When they are more than half of the file's lines the file is refused instead; but a
   file wholly in Windows-1251 (no UTF-8 line, most lines 8-bit, Russian text) is read as such even
   for a feed whose contract says UTF-8, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from charset_normalizer import from_bytes

from etl.extract.model import FileContentError

UTF8_BOM = b"\xef\xbb\xbf"
BOMS: tuple[tuple[bytes, str], ...] = (  # longest first: the UTF-32 LE mark starts like UTF-16 LE's
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (UTF8_BOM, "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
ZIP_MAGIC = b"PK\x03\x04"
SAMPLE_CHARS = 256 * 1024
# Non-letters a Russian Windows-1251 text commonly holds.
RUSSIAN_PUNCTUATION = frozenset("«»—–№°±…\u00a0“”„‘’•·§")
MAX_CONTROL_SHARE = 0.01
MAX_LATIN_ADJACENT_SHARE = 0.5
MAX_BAD_LINE_SHARE = 0.5  # more lines than this in another encoding: the file is refused, not its rows
LINE_BREAK = re.compile(rb"\r\n|\r|\n")

BadLineKind = Literal["undecodable_text", "mixed_encoding"]


@dataclass(frozen=True)
class BadLine:
    """A physical line whose bytes are not in the file's encoding (kept as `\\xNN`, or decoded as
    UTF-8 for a UTF-8 line of a Windows-1251 file); `offset` is the file's byte offset of its first
    foreign byte, `byte` that byte's value."""

    line: int
    offset: int
    byte: int
    kind: BadLineKind
    encoding: str  # what the rest of the file is read as

    def describe(self) -> str:
        if self.kind == "mixed_encoding":
            return (
                f"line {self.line} is UTF-8 text in a {self.encoding} file (byte offset {self.offset}, "
                f"0x{self.byte:02x}): save the whole file in one encoding"
            )
        return (
            f"line {self.line}: byte 0x{self.byte:02x} at byte offset {self.offset} is not {self.encoding} text; "
            "correct that row in the source system or save the file as CSV UTF-8"
        )


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    guessed: bool = False
    bad_lines: tuple[BadLine, ...] = field(default=())
    contract: bool = True  # False: the encoding is not one the feed's contract names (a warning)


def decode_text(data: bytes, encodings: Sequence[str] | None = None) -> DecodedText:
    """Decode a CSV file's bytes by the rules in the module docstring.

    `encodings`: the codecs the feed allows (`utf-8`, `cp1251`); None allows both and a guess.
    Raises FileContentError naming what was found (and where) when the file cannot be read as text.
    """
    if not data:
        raise FileContentError("the file is empty (0 bytes)")
    if data.startswith(ZIP_MAGIC):
        raise FileContentError("it is a zip archive (an .xlsx workbook named .csv?), not CSV text")
    decoded = _decode(data, tuple(encodings) if encodings is not None else ("utf-8", "cp1251", "guess"))
    _check_is_text(decoded.text)
    return decoded


def _decode(data: bytes, allowed: tuple[str, ...]) -> DecodedText:
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _decode_bom(data, bom, codec)
    if b"\x00" in data[:SAMPLE_CHARS]:
        raise FileContentError(_nul_reason(data))
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_lines(data, allowed)


def _decode_bom(data: bytes, bom: bytes, codec: str) -> DecodedText:
    body = data[len(bom) :]
    name = "utf-8" if codec == "utf-8-sig" else codec
    try:
        return DecodedText(body.decode(name), codec)
    except UnicodeDecodeError as exc:
        if codec == "utf-8-sig":  # a UTF-8 file with a stray byte: only the lines holding one are bad
            lines = _lines(body)
            bad = [i for i, (_, raw) in enumerate(lines) if not _is_utf8(raw)]
            decoded = _utf8_file([(start + len(bom), raw) for start, raw in lines], bad)
            return DecodedText(decoded.text, codec, bad_lines=decoded.bad_lines)
        offset = exc.start + len(bom)
        raise FileContentError(
            f"it starts with a {name.upper()} byte-order mark but the bytes at byte offset {offset} are not "
            f"{name.upper()} (line {_line_of(data, offset)}); save the file again as CSV UTF-8"
        ) from exc


def _nul_reason(data: bytes) -> str:
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if sample and max(even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)) > 0.3:
        return (
            "it is UTF-16 text without a byte-order mark (Excel 'Unicode text'?): save it as "
            "CSV UTF-8 or CSV (;) and deliver it again"
        )
    return "it holds NUL bytes: binary content, not CSV text"


def _lines(data: bytes) -> list[tuple[int, bytes]]:
    """(byte offset, bytes with the line break) of each physical line."""
    out, start = [], 0
    for match in LINE_BREAK.finditer(data):
        out.append((start, data[start : match.end()]))
        start = match.end()
    if start < len(data):
        out.append((start, data[start:]))
    return out


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _line_of(data: bytes, offset: int) -> int:
    return len(LINE_BREAK.findall(data[:offset])) + 1


def _decode_lines(data: bytes, allowed: tuple[str, ...]) -> DecodedText:
    """A file that is not strict UTF-8, read line by line (module docstring, rule 4)."""
    lines = _lines(data)
    eight_bit = next((e for e in allowed if e not in ("utf-8", "guess")), None)
    utf8: list[int] = []
    other: list[int] = []
    for i, (_, raw) in enumerate(lines):
        if raw.isascii():
            continue
        if _is_utf8(raw) and not (eight_bit and _russian_by_chance(raw, eight_bit)):
            utf8.append(i)
        else:
            other.append(i)
    if eight_bit is not None and len(other) > len(utf8):
        return _eight_bit_file(data, lines, utf8, other, eight_bit, "guess" in allowed)
    if eight_bit is None and not utf8 and len(other) > MAX_BAD_LINE_SHARE * len(lines):
        # a whole file in Windows-1251 where the feed promises UTF-8: read it, and say so
        decoded = _eight_bit_file(data, lines, utf8, other, "cp1251", False)
        return DecodedText(decoded.text, decoded.encoding, decoded.guessed, decoded.bad_lines, contract=False)
    return _utf8_file(lines, other)


def _russian_by_chance(raw: bytes, codec: str) -> bool:
    """Whether a line that happens to be valid UTF-8 is Windows-1251 Russian text: `ВЁ` (C2 A8) is
    also UTF-8 for `¨`. It is when its UTF-8 reading holds no Cyrillic letter and its 8-bit reading
    holds one and reads as Russian."""
    text = raw.decode("utf-8")
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return False
    other = raw.decode(codec, errors="replace")
    return any("\u0400" <= ch <= "\u04ff" for ch in other) and looks_russian(other)


def _utf8_file(lines: list[tuple[int, bytes]], other: list[int]) -> DecodedText:
    bad: list[BadLine] = []
    pieces = []
    wanted = set(other)
    for i, (start, raw) in enumerate(lines):
        if i in wanted:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad.append(BadLine(i + 1, start + exc.start, raw[exc.start], "undecodable_text", "UTF-8"))
            pieces.append(raw.decode("utf-8", errors="backslashreplace"))
        else:
            pieces.append(raw.decode("utf-8"))
    _refuse_if_mostly_bad(bad, lines)
    return DecodedText("".join(pieces), "utf-8", bad_lines=tuple(bad))


def _eight_bit_file(
    data: bytes, lines: list[tuple[int, bytes]], utf8: list[int], other: list[int], codec: str, may_guess: bool
) -> DecodedText:
    mixed = set(utf8)
    foreign = b"".join(raw for i, (_, raw) in enumerate(lines) if i not in mixed) if mixed else data
    text = foreign.decode(codec, errors="replace")
    guessed = False
    if not looks_russian(text[: 4 * SAMPLE_CHARS]) or "\ufffd" in text:
        if not may_guess or mixed:
            first = lines[other[0]]
            raise FileContentError(
                f"its bytes are neither UTF-8 nor {codec} text (line {other[0] + 1}, byte offset {first[0]}); "
                "save it as CSV UTF-8"
            )
        best = from_bytes(data).best()
        if best is None:
            raise FileContentError("its bytes are neither UTF-8 nor Windows-1251 text, and no other encoding fits")
        return DecodedText(str(best), best.encoding, guessed=True)
    name = "Windows-1251" if codec == "cp1251" else codec
    if not mixed:  # one encoding throughout: the text decoded above is the file's
        return DecodedText(text, codec, guessed)
    bad: list[BadLine] = []
    pieces = []
    for i, (start, raw) in enumerate(lines):
        if i in mixed:
            high = next(j for j, b in enumerate(raw) if b >= 0x80)
            bad.append(BadLine(i + 1, start + high, raw[high], "mixed_encoding", name))
            pieces.append(raw.decode("utf-8"))
        else:
            pieces.append(raw.decode(codec))
    _refuse_if_mostly_bad(bad, lines)
    return DecodedText("".join(pieces), codec, guessed, tuple(bad))


def _refuse_if_mostly_bad(bad: list[BadLine], lines: list[tuple[int, bytes]]) -> None:
    if bad and len(bad) > MAX_BAD_LINE_SHARE * len(lines):
        raise FileContentError(
            f"{len(bad)} of its {len(lines)} lines are not {bad[0].encoding} text (first: {bad[0].describe()})"
        )


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

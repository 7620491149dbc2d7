"""Real-world mutations of a night's feed files, for the feed-level fuzzer of issue 14.

Issue 14 ("How to prove it") asks for a fuzzer that "takes a valid generated night and applies
random real-world mutations to whole files (encoding, BOM, delimiter, `sep=` line, title rows,
repeated headers, decimal and grouping marks, date systems, formula cells, truncated files,
dropped files, code formatting)". Each mutation below is a small named function over ONE file of
the night (its name and bytes in, its new bytes out, or None to drop it), registered in
`MUTATIONS`. CSV files are decoded, changed line by line (lines a mutation does not touch keep
their bytes) and encoded again in their own encoding; .xlsx files go through openpyxl.

Every mutation either preserves the meaning of every row (the run must load the same values as
for the unmutated night) or destroys it in a way the invariants can judge (the damaged row, or
the whole file, must be quarantined or refused, never loaded with another value). Which one is
in each entry's `effect`; `imitates` names the kind of public bug report it is taken from.

=============================  ===========  ==========================================================
mutation                       effect       the bug reports it imitates
=============================  ===========  ==========================================================
utf16_tab                      preserving   Excel "Unicode text" export: UTF-16LE with BOM, tab-separated
                                            ("read_csv: 'utf-8' codec can't decode byte 0xff")
reencode                       preserving*  a file saved again in another encoding (UTF-8 with/without
                                            BOM, Windows-1251, UTF-16 with BOM): "CSV UTF-8" vs "CSV"
bom_toggle                     preserving   a UTF-8 BOM added or removed (header read as '\\ufeffPatient ID')
sep_line                       preserving   Excel's `sep=;` first line ("header is 'sep='")
title_lines                    preserving   a report title / export date / blank lines above the header
                                            (skiprows questions; "header not found")
blank_lines                    preserving   empty lines and delimiter-only lines (`;;;;`) inside and after
                                            the data (Excel ranges that extend past the data)
line_endings                   preserving   CRLF/LF/CR-only (Excel for Mac "CSV (Macintosh)") / mixed
header_case_space              preserving   a header re-typed in capitals, with stray or no-break spaces
repeat_column_same             preserving   a repeated header, or an equivalent header (`Дата ТГСК` and
                                            `HSCT date`), with identical cells ("first column silently wins")
repeat_column_conflict         destroying   the same, the copy disagreeing on one or two rows; the
                                            copy may stand before the original (first-wins loads it)
decimal_mark_swap              preserving   lab values re-saved under another locale: `0.19` <-> `0,19`,
                                            the `,` file turning into a `;` file (Excel ru-RU "CSV (;)")
thousands_grouping             preserving*  grouped big numbers: `"1,500"` in a point-decimal file, `1.500`
                                            or `1 500` in a comma-decimal one ("1,500 read as 1.5")
csv_serial_dates               destroying   a bare Excel serial day (1900 or 1904 system) pasted into a CSV
                                            date column (`45291` for 2023-12-31)
stray_cp1251_byte              destroying   one Windows-1251 byte (0x96 en dash, 0xAB, 0xB9 №, ...) typed
                                            into a UTF-8 file ("UnicodeDecodeError: byte 0x96 in position")
mixed_encoding_line            destroying   one line of a Windows-1251 file re-typed in UTF-8 (rows pasted in)
ragged_unquoted_delimiter      destroying   a text cell holding the delimiter, written unquoted (the row's
                                            cells shift: "Expected 44 fields in line 7, saw 45")
truncate                       destroying   a file cut at a random byte (interrupted transfer, disk full)
drop_file                      destroying   a file missing from the night (partial delivery)
code_format                    preserving*  registry codes re-typed: case, Latin/Cyrillic look-alike
                                            letters, leading zeros (`2019-014` -> `2019-0014`, `2019-14`),
                                            dash variants (en/em dash, minus, non-breaking hyphen)
unknown_code_header            destroying   a patient-code header no mapping knows (`MRN`): the file must be
                                            refused whole, never read as "the registry is empty"
header_only                    destroying   an export with no data rows (header only, or 0 bytes)
duplicate_row                  preserving   a registry row exported twice
overlong_code                  destroying   notes typed into the code cell (longer than the column: PostgreSQL
                                            "value too long for type character varying(32)")
future_date                    destroying   an `Updated at` / a date in the future (typo'd year, wrong clock)
xlsx_serial_dates              preserving   date cells turned into serial numbers in General format
                                            (Paste Special > Values)
xlsx_1904_dates                preserving   the workbook switched to the 1904 date system with every date
                                            written consistently in it (serials in General format or
                                            date-formatted cells): the "4 years and 1 day off" reports
formula_without_value          destroying   formula cells with no cached value (a workbook written by a
                                            script, never opened in Excel: openpyxl/pandas read None)
excel_error_cell               destroying   a cell holding #N/A / #VALUE! / #REF! / #DIV/0!
xlsx_title_rows                preserving   title rows above the header of a sheet
=============================  ===========  ==========================================================

(*) preserving when the pipeline supports what the mutation wrote (for instance a Windows-1251
labs file or an unknown code spelling); otherwise the rows it cannot read must be quarantined
with a reason, which the invariants accept as well.

After `truncate`, `drop_file`, `unknown_code_header` and `header_only` (`WHOLE_FILE_DAMAGE`) a file
may rightly be refused whole; after any other mutation the contract (/work/spec14.md) reads the file
and quarantines at most the rows the mutation damaged (invariant `refused_whole_file`).

A mutation that leaves a file no longer decodable as clean text (`truncate`, `stray_cp1251_byte`,
`mixed_encoding_line`) tags the file "dirty": later text mutations of the same example skip it, so
that no mutation re-encodes bytes it misread (which would destroy meaning silently, by the fuzzer's
own hand). `apply_mutations` applies a list of names in order, each to one file the rng picks among
the files it accepts, and logs what each did.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, to_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

REPO = Path(__file__).resolve().parents[2]

Effect = Literal["preserving", "destroying", "preserving*"]
FileChange = tuple[bytes | None, str]  # the file's new bytes (None: dropped) and what was done
FileMutation = Callable[[str, bytes, random.Random], FileChange]

DATE_FIELDS = frozenset(
    {"birth_date", "therapy_start_date", "hsct_date", "last_contact_date", "relapse_date_cell", "result_date"}
)
DATETIME_FIELDS = frozenset({"updated_at"})
DASHES = "-‐‑‒–—−"
BOMS: list[tuple[bytes, str]] = [
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]
# a registry code as any feed may write it: letters, separator, year, separator, number
CODE_RE = re.compile(r"[^\W\d_]{2,}\s*[" + DASHES + r"_ ]?\s*(\d{4})\s*[" + DASHES + r"_ ]\s*(\d{1,6})(?!\d)")


# --------------------------------------------------------------------------- the night


@dataclass
class Night:
    """A night's files in memory while mutations apply; `tags` per file ("dirty", "grouped", ...)."""

    files: dict[str, bytes]
    tags: dict[str, set[str]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    applied: dict[str, list[str]] = field(default_factory=dict)  # file -> the mutations that changed it

    def tagged(self, name: str) -> set[str]:
        return self.tags.setdefault(name, set())

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)


@dataclass(frozen=True)
class Mutation:
    """A registered mutation: `apply` changes one file; `accepts(name, data, tags)` says which files it may."""

    name: str
    apply: FileMutation
    accepts: Callable[[str, bytes, set[str]], bool]
    effect: Effect
    imitates: str
    adds_tags: frozenset[str] = frozenset()

    @property
    def may_refuse_file(self) -> bool:
        """Whether the file may rightly be refused whole after this mutation (spec14: only a file that cannot
        be opened, has no recognisable patient-code header, or holds no row)."""
        return self.name in WHOLE_FILE_DAMAGE


# the mutations after which a file may be refused whole; after any other, the spec reads the file and
# quarantines at most the rows it damaged
WHOLE_FILE_DAMAGE = frozenset({"truncate", "drop_file", "unknown_code_header", "header_only"})
MUTATIONS: dict[str, Mutation] = {}


def register(
    accepts: Callable[[str, bytes, set[str]], bool], effect: Effect, imitates: str, adds_tags: tuple[str, ...] = ()
) -> Callable[[FileMutation], FileMutation]:
    def wrap(func: FileMutation) -> FileMutation:
        MUTATIONS[func.__name__] = Mutation(func.__name__, func, accepts, effect, imitates, frozenset(adds_tags))
        return func

    return wrap


def eligible(name: str, night: Night) -> list[str]:
    """The files of `night` that mutation `name` may change, sorted."""
    mutation = MUTATIONS[name]
    return sorted(f for f, data in night.files.items() if mutation.accepts(f, data, night.tagged(f)))


def apply_mutations(files: dict[str, bytes], names: list[str], rng: random.Random) -> Night:
    """Apply the named mutations in order, each to one file it accepts (picked by `rng`)."""
    night = Night(dict(files))
    for name in names:
        candidates = eligible(name, night)
        if not candidates:
            night.log.append(f"{name}: no file it applies to (skipped)")
            continue
        target = rng.choice(candidates)
        mutation = MUTATIONS[name]
        new, detail = mutation.apply(target, night.files[target], rng)
        night.applied.setdefault(target, []).append(name)
        if new is None:
            del night.files[target]
        else:
            night.files[target] = new
            night.tagged(target).update(mutation.adds_tags)
        night.log.append(f"{name}({target}): {detail}")
    return night


# --------------------------------------------------------------------------- headers and fields


def fold_header(text: str) -> str:
    """A header as compared with the catalogue's spellings here (a simple fold: case, spaces, ×, ≤, superscripts)."""
    text = text.replace("\ufeff", "").replace("\u00a0", " ").replace("×", "x").replace("≤", "<=").replace("≥", ">=")
    text = text.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
    text = re.sub(r"\^", "", text)
    return re.sub(r"\s+", "", text).casefold()


@cache
def _aliases() -> dict[str, dict[str, list[str]]]:
    """family ('registry' / 'labs') -> field -> its spellings, from mappings/field_catalogue.yaml."""
    from etl.harmonize.catalogue import load_catalogue

    return {feed.name: {f.name: f.headers for f in feed.fields} for feed in load_catalogue().feeds}


def family_of(file_name: str) -> str:
    return "labs" if file_name.casefold().startswith("labs") else "registry"


def field_of(header: str | None, family: str) -> str | None:
    """The field a header maps to (exact spelling after `fold_header`, or its part before a comma)."""
    if not header:
        return None
    folded = fold_header(str(header))
    short = fold_header(str(header).split(",")[0])
    for name, spellings in _aliases()[family].items():
        for spelling in spellings:
            if fold_header(str(spelling)) in (folded, short):
                return name
    return None


def aliases_of(field_name: str, family: str) -> list[str]:
    return [str(s) for s in _aliases()[family].get(field_name, [])]


def is_code_header(header: str | None, family: str) -> bool:
    return field_of(header, family) == "registry_code"


# --------------------------------------------------------------------------- CSV text


@dataclass
class CsvText:
    """A CSV file as text: its physical lines (each with its own line ending), codec and BOM."""

    lines: list[str]
    codec: str
    bom: bytes

    def encode(self) -> bytes:
        return self.bom + "".join(self.lines).encode(self.codec)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)


def detect_codec(data: bytes) -> tuple[str, bytes] | None:
    """(codec, BOM) of a CSV file's bytes, or None when they do not decode cleanly."""
    if data.startswith(b"\xff\xfe\x00\x00") or data.startswith(b"\x00\x00\xfe\xff"):
        return None  # UTF-32: not produced here
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                return None
            return codec, bom
    for codec in ("utf-8", "cp1251"):
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec, b""
    return None


def decode_csv(data: bytes) -> CsvText:
    found = detect_codec(data)
    if found is None:
        raise ValueError("not clean text")
    codec, bom = found
    return CsvText(split_lines(data[len(bom) :].decode(codec)), codec, bom)


def ending(line: str) -> str:
    for end in ("\r\n", "\r", "\n"):
        if line.endswith(end):
            return end
    return ""


def body(line: str) -> str:
    return line[: len(line) - len(ending(line))]


def newline_of(ct: CsvText) -> str:
    for line in ct.lines:
        if ending(line):
            return ending(line)
    return "\r\n"


def sniff_delimiter(ct: CsvText) -> str:
    for line in ct.lines:
        text = body(line)
        if text.casefold().startswith("sep=") and len(text) >= 5:
            return text[4]
    header = ct.lines[header_index(ct, None)] if ct.lines else ""
    counts = {d: body(header).count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_line(line: str, delim: str) -> list[str]:
    rows = list(csv.reader([body(line)], delimiter=delim))
    return rows[0] if rows else []


def format_line(cells: list[str], delim: str, end: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buf.getvalue() + end


def header_index(ct: CsvText, delim: str | None, family: str | None = None) -> int:
    """The line of the header: the first of the first 12 lines holding a patient-code header, else 0."""
    for i, line in enumerate(ct.lines[:12]):
        for d in [delim] if delim else [";", ",", "\t"]:
            cells = parse_line(line, d)
            fams = [family] if family else ["registry", "labs"]
            if any(is_code_header(c, f) for c in cells for f in fams):
                return i
    return 0


@dataclass
class CsvTable:
    """A decoded CSV file with its delimiter, header line and the fields of its columns."""

    ct: CsvText
    delim: str
    header: int
    family: str

    @classmethod
    def of(cls, name: str, data: bytes) -> CsvTable:
        ct = decode_csv(data)
        family = family_of(name)
        delim = sniff_delimiter(ct)
        return cls(ct, delim, header_index(ct, delim, family), family)

    @property
    def headers(self) -> list[str]:
        return parse_line(self.ct.lines[self.header], self.delim)

    def columns(self, *fields: str) -> list[int]:
        return [i for i, h in enumerate(self.headers) if field_of(h, self.family) in fields]

    def data_lines(self) -> list[int]:
        """Indexes of the data lines (after the header, not blank)."""
        return [
            i for i in range(self.header + 1, len(self.ct.lines)) if body(self.ct.lines[i]).strip(self.delim + " \t")
        ]

    def cells(self, i: int) -> list[str]:
        return parse_line(self.ct.lines[i], self.delim)

    def set_cells(self, i: int, cells: list[str], delim: str | None = None) -> None:
        self.ct.lines[i] = format_line(cells, delim or self.delim, ending(self.ct.lines[i]))

    def encode(self) -> bytes:
        return self.ct.encode()


def is_csv(name: str) -> bool:
    return name.casefold().endswith(".csv")


def is_xlsx(name: str) -> bool:
    return name.casefold().endswith(".xlsx")


def clean_csv(name: str, data: bytes, tags: set[str]) -> bool:
    """A CSV file whose text a mutation may decode and write again."""
    return is_csv(name) and "dirty" not in tags and bool(data.strip()) and detect_codec(data) is not None


def labs_csv(name: str, data: bytes, tags: set[str]) -> bool:
    return clean_csv(name, data, tags) and family_of(name) == "labs"


def utf8_csv(name: str, data: bytes, tags: set[str]) -> bool:
    return clean_csv(name, data, tags) and detect_codec(data) in (("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"))


def cp1251_csv(name: str, data: bytes, tags: set[str]) -> bool:
    return clean_csv(name, data, tags) and detect_codec(data) == ("cp1251", b"")


def xlsx_file(name: str, data: bytes, tags: set[str]) -> bool:
    return is_xlsx(name) and "dirty" not in tags and data.startswith(b"PK")


def any_file(name: str, data: bytes, tags: set[str]) -> bool:
    return True


def code_file(name: str, data: bytes, tags: set[str]) -> bool:
    return clean_csv(name, data, tags) or xlsx_file(name, data, tags)


# --------------------------------------------------------------------------- values


DATE_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
]


def parse_date(text: str) -> tuple[dt.datetime, str] | None:
    """A date cell's value and format, for the formats the generator writes; None otherwise."""
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt), fmt
        except ValueError:
            continue
    return None


def system_name(epoch: dt.datetime) -> str:
    return "1904" if epoch == CALENDAR_MAC_1904 else "1900"


def serial_of(value: dt.datetime, epoch: dt.datetime, with_time: bool) -> int | float:
    serial = to_excel(value, epoch) if with_time else to_excel(value.date(), epoch)
    return serial if with_time else int(serial)


NUMBER = re.compile(r"^(?P<sign>\s*(?:[<>]=?|≤|≥)?\s*)(?P<int>\d+)(?:(?P<mark>[.,])(?P<frac>\d+))?(?P<tail>\s*)$")


def decimal_evidence(values: list[str]) -> str | None:
    """'.' or ',' when some value has that decimal mark followed by other than exactly three digits."""
    marks = set()
    for v in values:
        m = NUMBER.match(v)
        if m and m["mark"] and len(m["frac"]) != 3:
            marks.add(m["mark"])
    return marks.pop() if len(marks) == 1 else None


def shifted(value: str, rng: random.Random) -> str:
    """A different value of the same kind: a date a few days off, a number plus one, else a marker."""
    parsed = parse_date(value)
    if parsed:
        when, fmt = parsed
        return (when + dt.timedelta(days=rng.choice([-3, -1, 1, 2, 7]))).strftime(fmt)
    m = NUMBER.match(value)
    if m:
        return f"{m['sign']}{int(m['int']) + 1}{m['mark'] or ''}{m['frac'] or ''}{m['tail']}"
    code = CODE_RE.search(value)
    if code:
        number = int(code.group(2)) + 1
        return value[: code.start(2)] + str(number).zfill(len(code.group(2))) + value[code.end(2) :]
    return value + " (2)"


# --------------------------------------------------------------------------- encodings and framing


@register(clean_csv, "preserving", "Excel 'Unicode text': UTF-16LE with BOM, tab-separated")
def utf16_tab(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    for i, line in enumerate(table.ct.lines):
        if body(line).casefold().startswith("sep="):
            table.ct.lines[i] = "sep=\t" + ending(line)
        else:
            table.set_cells(i, table.cells(i), "\t")
    codec = rng.choice(["utf-16-le", "utf-16-be"])
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    out = CsvText(table.ct.lines, codec, bom)
    return out.encode(), f"{table.ct.codec} {table.delim!r} -> {codec} with BOM, tab-separated"


@register(clean_csv, "preserving*", "a file saved again in another encoding")
def reencode(name: str, data: bytes, rng: random.Random) -> FileChange:
    ct = decode_csv(data)
    text = "".join(ct.lines)
    targets = [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("cp1251", b""),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
    ]
    options = []
    for codec, bom in targets:
        if (codec, bom) == (ct.codec, ct.bom):
            continue
        try:
            text.encode(codec)
        except UnicodeEncodeError:
            continue
        options.append((codec, bom))
    if not options:
        return data, "no other encoding can hold this text (unchanged)"
    codec, bom = rng.choice(options)
    detail = f"{ct.codec}{' BOM' if ct.bom else ''} -> {codec}{' BOM' if bom else ''}"
    return CsvText(ct.lines, codec, bom).encode(), detail


@register(utf8_csv, "preserving", "a UTF-8 byte-order mark added or removed")
def bom_toggle(name: str, data: bytes, rng: random.Random) -> FileChange:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:], "UTF-8 BOM removed"
    return b"\xef\xbb\xbf" + data, "UTF-8 BOM added"


@register(clean_csv, "preserving", "Excel's sep= first line")
def sep_line(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    table.ct.lines.insert(0, f"sep={table.delim}" + newline_of(table.ct))
    return table.encode(), f"'sep={table.delim}' line added"


TITLES = [
    "Выгрузка регистра ТГСК",
    "Лабораторные исследования: выгрузка",
    "Registry export, generated 01.01.2024 06:00",
    "Отчёт сформирован 01.01.2024",
    "Laboratory report",
]


@register(clean_csv, "preserving", "title / report lines above the header")
def title_lines(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    width = len(table.headers)
    nl = newline_of(table.ct)
    new: list[str] = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["title", "padded", "blank", "empty_row"])
        if kind == "title":
            new.append(rng.choice(TITLES) + nl)
        elif kind == "padded":
            new.append(rng.choice(TITLES).replace(table.delim, " ") + table.delim * (width - 1) + nl)
        elif kind == "blank":
            new.append(nl)
        else:
            new.append(table.delim * (width - 1) + nl)
    at = 1 if table.ct.lines and body(table.ct.lines[0]).casefold().startswith("sep=") else 0
    table.ct.lines[at:at] = new
    return table.encode(), f"{len(new)} line(s) above the header: {[body(x) for x in new]}"


@register(clean_csv, "preserving", "blank and delimiter-only lines in and after the data")
def blank_lines(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    width = len(table.headers)
    nl = newline_of(table.ct)
    if not ending(table.ct.lines[-1]):
        table.ct.lines[-1] += nl
    done = []
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(table.header + 1, len(table.ct.lines))
        line = rng.choice(["", table.delim * (width - 1), " "]) + nl
        table.ct.lines.insert(at, line)
        done.append(at + 1)
    return table.encode(), f"blank lines inserted at lines {sorted(done)}"


@register(clean_csv, "preserving", "CRLF / LF / CR-only / mixed line endings")
def line_endings(name: str, data: bytes, rng: random.Random) -> FileChange:
    ct = decode_csv(data)
    style = rng.choice(["\r\n", "\n", "\r", "mixed"])
    out = []
    for line in ct.lines:
        if ending(line):
            end = rng.choice(["\r\n", "\n"]) if style == "mixed" else style
            out.append(body(line) + end)
        else:
            out.append(line)
    ct.lines = out
    return ct.encode(), f"line endings -> {style!r}"


@register(clean_csv, "preserving", "headers re-typed: capitals, stray and no-break spaces")
def header_case_space(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    headers = table.headers
    changed = []
    for j in rng.sample(range(len(headers)), k=min(len(headers), rng.randint(1, 3))):
        h = headers[j]
        style = rng.choice(["upper", "lower", "pad", "nbsp", "double"])
        headers[j] = {
            "upper": h.upper(),
            "lower": h.lower(),
            "pad": f" {h}  ",
            "nbsp": h.replace(" ", "\u00a0"),
            "double": h.replace(" ", "  "),
        }[style]
        if headers[j] == h:
            headers[j] = h.upper() if h.upper() != h else h.lower()
        changed.append(f"{h!r}->{headers[j]!r}")
    table.set_cells(table.header, headers)
    return table.encode(), ", ".join(changed)


# --------------------------------------------------------------------------- repeated headers


def _repeat_column(name: str, data: bytes, rng: random.Random, conflict: bool) -> FileChange:
    table = CsvTable.of(name, data)
    headers = table.headers
    rows = table.data_lines()
    candidates = [j for j in range(len(headers)) if any(j < len(table.cells(i)) and table.cells(i)[j] for i in rows)]
    j = rng.choice(candidates or list(range(len(headers))))
    fld = field_of(headers[j], table.family)
    spellings = [s for s in aliases_of(fld, table.family) if fold_header(s) != fold_header(headers[j])] if fld else []
    copy_header = rng.choice(spellings) if spellings and rng.random() < 0.5 else headers[j]
    at = rng.randint(0, len(headers))
    disagree: set[int] = set()
    if conflict:
        filled = [i for i in rows if j < len(table.cells(i)) and table.cells(i)[j].strip()]
        disagree = set(rng.sample(filled, k=min(len(filled), rng.randint(1, 2))))
    for i in [table.header, *rows]:
        cells = table.cells(i)
        cells += [""] * (len(headers) - len(cells))
        value = cells[j]
        if i == table.header:
            value = copy_header
        elif i in disagree:
            value = shifted(cells[j], rng)
        cells.insert(at, value)
        table.set_cells(i, cells)
    where = "before" if at <= j else "after"
    lines = sorted(i + 1 for i in disagree)
    return table.encode(), f"{headers[j]!r} repeated as {copy_header!r} {where} it" + (
        f", disagreeing on lines {lines}" if conflict else ""
    )


@register(clean_csv, "preserving", "a repeated or equivalent header with identical cells")
def repeat_column_same(name: str, data: bytes, rng: random.Random) -> FileChange:
    return _repeat_column(name, data, rng, conflict=False)


@register(clean_csv, "destroying", "a repeated or equivalent header that disagrees on some rows")
def repeat_column_conflict(name: str, data: bytes, rng: random.Random) -> FileChange:
    return _repeat_column(name, data, rng, conflict=True)


# --------------------------------------------------------------------------- numbers


def _lab_values(table: CsvTable) -> tuple[int | None, list[int]]:
    cols = table.columns("value")
    return (cols[0] if cols else None), table.data_lines()


@register(
    lambda n, d, t: labs_csv(n, d, t) and "grouped" not in t,
    "preserving",
    "lab values re-saved under the other locale's decimal mark",
)
def decimal_mark_swap(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    col, rows = _lab_values(table)
    if col is None:
        return data, "no result column (unchanged)"
    values = [table.cells(i)[col] for i in rows if col < len(table.cells(i))]
    mark = decimal_evidence(values) or "."
    new_mark = "," if mark == "." else "."
    new_delim = ";" if new_mark == "," and table.delim == "," else table.delim
    changed = 0
    for i in range(len(table.ct.lines)):
        if body(table.ct.lines[i]).casefold().startswith("sep="):
            table.ct.lines[i] = f"sep={new_delim}" + ending(table.ct.lines[i])
            continue
        cells = table.cells(i)
        if i in rows and col < len(cells):
            m = NUMBER.match(cells[col])
            if m and m["mark"] == mark:
                cells[col] = f"{m['sign']}{m['int']}{new_mark}{m['frac']}{m['tail']}"
                changed += 1
        if new_delim != table.delim or i in rows:
            table.set_cells(i, cells, new_delim)
    return table.encode(), f"{changed} values {mark!r} -> {new_mark!r}, delimiter {table.delim!r} -> {new_delim!r}"


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[k : k + 3] for k in range(head, len(digits), 3)]
    return sep.join(parts)


def _has_big_value(name: str, data: bytes, tags: set[str]) -> bool:
    if not labs_csv(name, data, tags) or "grouped" in tags:
        return False
    table = CsvTable.of(name, data)
    col, rows = _lab_values(table)
    return col is not None and any(
        (m := NUMBER.match(table.cells(i)[col] if col < len(table.cells(i)) else "")) and len(m["int"]) >= 4
        for i in rows
    )


@register(
    _has_big_value,
    "preserving*",
    "grouped thousands: '1,500' in a point-decimal file, '1.500' / '1 500' in a comma-decimal file",
    adds_tags=("grouped",),
)
def thousands_grouping(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    col, rows = _lab_values(table)
    if col is None:
        return data, "no result column (unchanged)"
    values = [table.cells(i)[col] for i in rows if col < len(table.cells(i))]
    mark = decimal_evidence(values)
    sep = "," if mark == "." else rng.choice([".", " ", "\u00a0"]) if mark == "," else ","
    changed = []
    for i in rows:
        cells = table.cells(i)
        if col >= len(cells):
            continue
        m = NUMBER.match(cells[col])
        if m and len(m["int"]) >= 4:
            grouped = _group(m["int"], sep)
            cells[col] = f"{m['sign']}{grouped}{(m['mark'] or '')}{m['frac'] or ''}{m['tail']}"
            table.set_cells(i, cells)
            changed.append(f"line {i + 1}: {m['int']} -> {grouped!r}")
    evidence = f"decimal evidence {mark!r}" if mark else "no decimal evidence"
    return table.encode(), f"{evidence}; " + ("; ".join(changed) if changed else "no value >= 1000 (unchanged)")


@register(clean_csv, "destroying", "a bare Excel serial day in a CSV date column")
def csv_serial_dates(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    cols = table.columns(*DATE_FIELDS)
    cells_at = [
        (i, j) for i in table.data_lines() for j in cols if j < len(table.cells(i)) and parse_date(table.cells(i)[j])
    ]
    if not cells_at:
        return data, "no date cell (unchanged)"
    epoch = rng.choice([CALENDAR_WINDOWS_1900, CALENDAR_MAC_1904])
    done = []
    for i, j in rng.sample(cells_at, k=min(len(cells_at), rng.randint(1, 3))):
        cells = table.cells(i)
        parsed = parse_date(cells[j])
        assert parsed is not None
        cells[j] = str(serial_of(parsed[0], epoch, with_time=False))
        table.set_cells(i, cells)
        done.append(f"line {i + 1} {table.headers[j]!r}: {parsed[0].date()} -> {cells[j]}")
    return table.encode(), f"{system_name(epoch)} date system: " + "; ".join(done)


# --------------------------------------------------------------------------- damaged bytes


STRAY_BYTES = [0x96, 0x97, 0xAB, 0xBB, 0xB9, 0xA0, 0xB0, 0x85]


def _text_cell_span(table: CsvTable, i: int, rng: random.Random) -> tuple[int, int] | None:
    """(start, end) character offsets in line i of a non-code, non-empty cell."""
    line = body(table.ct.lines[i])
    codes = set(table.columns("registry_code"))
    cells = table.cells(i)
    spans = []
    pos = 0
    for j, cell in enumerate(cells):
        found = line.find(cell, pos) if cell else -1
        if found >= 0:
            if j not in codes and cell.strip():
                spans.append((found, found + len(cell)))
            pos = found + len(cell)
    return rng.choice(spans) if spans else None


@register(utf8_csv, "destroying", "one Windows-1251 byte typed into a UTF-8 file", adds_tags=("dirty",))
def stray_cp1251_byte(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    rows = table.data_lines()
    if not rows:
        return data, "no data line (unchanged)"
    i = rng.choice(rows)
    span = _text_cell_span(table, i, rng)
    line = table.ct.lines[i]
    at = rng.randint(span[0], span[1]) if span else len(body(line))
    byte = rng.choice(STRAY_BYTES)
    before = table.ct.bom + "".join(table.ct.lines[:i]).encode("utf-8")
    new = before + line[:at].encode("utf-8") + bytes([byte]) + line[at:].encode("utf-8")
    new += "".join(table.ct.lines[i + 1 :]).encode("utf-8")
    return new, f"byte 0x{byte:02X} at line {i + 1}, character {at + 1}"


@register(cp1251_csv, "destroying", "one UTF-8 line in a Windows-1251 file", adds_tags=("dirty",))
def mixed_encoding_line(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    rows = [i for i in table.data_lines() if any(ord(c) > 127 for c in table.ct.lines[i])]
    if not rows:
        return data, "no non-ASCII line (unchanged)"
    i = rng.choice(rows)
    parts = [line.encode("cp1251") if k != i else line.encode("utf-8") for k, line in enumerate(table.ct.lines)]
    return b"".join(parts), f"line {i + 1} written in UTF-8"


@register(clean_csv, "destroying", "a text cell holding the delimiter, written unquoted")
def ragged_unquoted_delimiter(name: str, data: bytes, rng: random.Random) -> FileChange:
    table = CsvTable.of(name, data)
    codes = set(table.columns("registry_code"))
    options = [
        (i, j)
        for i in table.data_lines()
        for j, cell in enumerate(table.cells(i))
        if j not in codes and len(cell.strip()) >= 2 and table.delim not in cell
    ]
    if not options:
        return data, "no text cell to split (unchanged)"
    i, j = rng.choice(options)
    cells = table.cells(i)
    cell = cells[j]
    spaces = [k for k, c in enumerate(cell) if c == " " and 0 < k < len(cell) - 1]
    cut = rng.choice(spaces) if spaces else rng.randint(1, len(cell) - 1)
    cells[j : j + 1] = [cell[:cut], cell[cut:]]
    table.set_cells(i, cells)
    return table.encode(), f"line {i + 1}, {table.headers[j] if j < len(table.headers) else j!r}: {cell!r} split"


@register(any_file, "destroying", "a file cut at a random byte (interrupted transfer)", adds_tags=("dirty",))
def truncate(name: str, data: bytes, rng: random.Random) -> FileChange:
    if len(data) < 2:
        return data, "too short to cut (unchanged)"
    cut = rng.randint(1, len(data) - 1)
    return data[:cut], f"cut at byte {cut} of {len(data)}"


@register(any_file, "destroying", "a file missing from the night (partial delivery)")
def drop_file(name: str, data: bytes, rng: random.Random) -> FileChange:
    return None, "file removed"


# --------------------------------------------------------------------------- registry codes


_LATIN = "HCTKAEOPXMBhctkaeopxmb"
_CYRILLIC = "НСТКАЕОРХМВнсткаеорхмв"
LOOKALIKE = str.maketrans(_LATIN + _CYRILLIC, _CYRILLIC + _LATIN)
CODE_STYLES = ["lower", "lookalike", "pad_zero", "strip_zeros", "en_dash", "em_dash", "minus", "nb_hyphen", "spaces"]


def restyle_code(code: str, style: str) -> str:
    """A registry code re-typed in one style; the registry digits (the patient key) are unchanged."""
    m = CODE_RE.search(code)
    if not m:
        return code
    prefix = code[: m.start(1)]
    letters = re.match(r"\s*[^\W\d_]+", prefix)
    lead = letters.group(0) if letters else prefix
    year, number = m.group(1), m.group(2)
    sep1, sep2 = "-", "-"
    if style == "lower":
        lead = lead.lower()
    elif style == "lookalike":
        lead = lead.translate(LOOKALIKE)
    elif style == "pad_zero":
        number = "0" + number
    elif style == "strip_zeros":
        number = str(int(number))
    elif style in ("en_dash", "em_dash", "minus", "nb_hyphen"):
        sep1 = sep2 = {"en_dash": "–", "em_dash": "—", "minus": "−", "nb_hyphen": "‑"}[style]
    elif style == "spaces":
        sep1 = sep2 = " - "
    return f"{lead}{sep1}{year}{sep2}{number}{code[m.end() :]}"


@register(code_file, "preserving*", "registry codes re-typed (case, look-alikes, leading zeros, dashes)", ("codes",))
def code_format(name: str, data: bytes, rng: random.Random) -> FileChange:
    styles = rng.sample(CODE_STYLES, k=rng.randint(1, 2))
    share = rng.choice([1.0, 0.5])
    if is_xlsx(name):
        wb, ws, header = _open_xlsx(data)
        family = family_of(name)
        cols = [c.column for c in ws[header] if is_code_header(c.value, family)]
        count = 0
        for row in ws.iter_rows(min_row=header + 1):
            for cell in row:
                if cell.column in cols and isinstance(cell.value, str) and rng.random() < share:
                    new = cell.value
                    for style in styles:
                        new = restyle_code(new, style)
                    count += new != cell.value
                    cell.value = new
        return _save_xlsx(wb), f"{count} codes re-typed ({', '.join(styles)})"
    table = CsvTable.of(name, data)
    cols = table.columns("registry_code")
    count = 0
    for i in table.data_lines():
        cells = table.cells(i)
        if rng.random() >= share:
            continue
        for j in cols:
            if j < len(cells):
                new = cells[j]
                for style in styles:
                    candidate = restyle_code(new, style)
                    try:
                        candidate.encode(table.ct.codec)
                    except UnicodeEncodeError:
                        continue  # the file's code page cannot hold this dash: keep the code as it was
                    new = candidate
                count += new != cells[j]
                cells[j] = new
        table.set_cells(i, cells)
    return table.encode(), f"{count} codes re-typed ({', '.join(styles)}, share {share})"


# --------------------------------------------------------------------------- rows and headers


def registry_file(name: str, data: bytes, tags: set[str]) -> bool:
    return family_of(name) == "registry" and code_file(name, data, tags)


UNKNOWN_CODE_HEADERS = ["MRN", "Номер истории болезни", "ID", "Пациент №"]


@register(code_file, "destroying", "a patient-code header no mapping knows (`MRN`): the file must be refused whole")
def unknown_code_header(name: str, data: bytes, rng: random.Random) -> FileChange:
    new = rng.choice(UNKNOWN_CODE_HEADERS)
    if is_xlsx(name):
        wb, ws, header = _open_xlsx(data)
        cells = [c for c in ws[header] if is_code_header(c.value, family_of(name))]
        for c in cells:
            c.value = new
        return _save_xlsx(wb), f"{len(cells)} code header(s) -> {new!r}"
    table = CsvTable.of(name, data)
    headers = table.headers
    cols = table.columns("registry_code")
    for j in cols:
        headers[j] = new
    table.set_cells(table.header, headers)
    return table.encode(), f"{len(cols)} code header(s) -> {new!r}"


@register(code_file, "destroying", "an export with no data rows: a header-only file, or an empty (0-byte) file")
def header_only(name: str, data: bytes, rng: random.Random) -> FileChange:
    if rng.random() < 0.3:
        return b"", "file emptied (0 bytes)"
    if is_xlsx(name):
        wb, ws, header = _open_xlsx(data)
        rows = ws.max_row - header
        ws.delete_rows(header + 1, amount=rows)
        return _save_xlsx(wb), f"{rows} data rows removed, header kept"
    table = CsvTable.of(name, data)
    rows = len(table.ct.lines) - table.header - 1
    table.ct.lines = table.ct.lines[: table.header + 1]
    return table.encode(), f"{rows} data lines removed, header kept"


@register(registry_file, "preserving", "a registry row exported twice (identical rows must merge, not conflict)")
def duplicate_row(name: str, data: bytes, rng: random.Random) -> FileChange:
    if is_xlsx(name):
        wb, ws, header = _open_xlsx(data)
        if ws.max_row <= header:
            return data, "no data row (unchanged)"
        r = rng.randint(header + 1, ws.max_row)
        ws.append([c.value for c in ws[r]])
        return _save_xlsx(wb), f"row {r} repeated as row {ws.max_row}"
    table = CsvTable.of(name, data)
    if not table.data_lines():
        return data, "no data line (unchanged)"
    i = rng.choice(table.data_lines())
    line = table.ct.lines[i]
    if not ending(table.ct.lines[-1]):
        table.ct.lines[-1] += newline_of(table.ct)
    table.ct.lines.append(body(line) + (ending(line) or newline_of(table.ct)))
    return table.encode(), f"line {i + 1} repeated as line {len(table.ct.lines)}"


OVERLONG_SUFFIXES = [
    " (перевод из РДКБ, см. выписку от 12.03)",
    " / повторная ТГСК, карта 2 из 2",
    " - dup of old record 77",
]


@register(registry_file, "destroying", "notes typed into the code cell: a registry code longer than its column")
def overlong_code(name: str, data: bytes, rng: random.Random) -> FileChange:
    suffix = rng.choice(OVERLONG_SUFFIXES)
    if is_xlsx(name):
        wb, ws, header = _open_xlsx(data)
        cols = [c.column for c in ws[header] if is_code_header(c.value, "registry")]
        cells = [ws.cell(r, c) for r in range(header + 1, ws.max_row + 1) for c in cols if ws.cell(r, c).value]
        if not cells:
            return data, "no code cell (unchanged)"
        cell = rng.choice(cells)
        cell.value = f"{cell.value}{suffix}"
        return _save_xlsx(wb), f"{cell.coordinate}: {cell.value!r} ({len(cell.value)} characters)"
    table = CsvTable.of(name, data)
    cols = table.columns("registry_code")
    rows = [i for i in table.data_lines() for j in cols[:1] if j < len(table.cells(i)) and table.cells(i)[j]]
    if not rows:
        return data, "no code cell (unchanged)"
    i = rng.choice(rows)
    cells = table.cells(i)
    j = cols[0]
    try:
        suffix.encode(table.ct.codec)
    except UnicodeEncodeError:
        suffix = OVERLONG_SUFFIXES[-1]
    cells[j] = cells[j] + suffix
    table.set_cells(i, cells)
    return table.encode(), f"line {i + 1}: {cells[j]!r} ({len(cells[j])} characters)"


def _future(value: str, rng: random.Random) -> str | None:
    parsed = parse_date(value)
    if parsed is None or "%y" in parsed[1]:
        return None
    when, fmt = parsed
    year = dt.date.today().year + rng.choice([1, 2, 10, 100])  # after today, whatever day the fuzzer runs
    return when.replace(year=year, day=min(when.day, 28)).strftime(fmt)


@register(registry_file, "destroying", "an edit or a date in the future (a typo'd year, a clock set wrong)")
def future_date(name: str, data: bytes, rng: random.Random) -> FileChange:
    fields = DATETIME_FIELDS if rng.random() < 0.6 else DATE_FIELDS | DATETIME_FIELDS
    if is_xlsx(name):
        wb, ws, header = _open_xlsx(data)
        cols = _xlsx_columns(ws, header, "registry", frozenset(fields))
        cells = [
            ws.cell(r, c)
            for r in range(header + 1, ws.max_row + 1)
            for c in cols
            if isinstance(ws.cell(r, c).value, str) and _future(ws.cell(r, c).value, rng)
        ]
        if not cells:
            return data, "no date cell written as text (unchanged)"
        cell = rng.choice(cells)
        old = cell.value
        cell.value = _future(str(old), rng)
        return _save_xlsx(wb), f"{cell.coordinate}: {old!r} -> {cell.value!r}"
    table = CsvTable.of(name, data)
    cols = table.columns(*fields)
    options = [
        (i, j) for i in table.data_lines() for j in cols if j < len(table.cells(i)) and _future(table.cells(i)[j], rng)
    ]
    if not options:
        return data, "no date cell (unchanged)"
    i, j = rng.choice(options)
    cells = table.cells(i)
    old = cells[j]
    cells[j] = _future(old, rng) or old
    table.set_cells(i, cells)
    return table.encode(), f"line {i + 1} {table.headers[j]!r}: {old!r} -> {cells[j]!r}"


# --------------------------------------------------------------------------- xlsx


def _open_xlsx(data: bytes) -> tuple[Workbook, Worksheet, int]:
    """The workbook, its first sheet and the row number of its header."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=1, max_row=12):
        if any(isinstance(c.value, str) and is_code_header(c.value, "registry") for c in row):
            return wb, ws, row[0].row
    return wb, ws, 1


def _save_xlsx(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_columns(ws: Worksheet, header: int, family: str, fields: frozenset[str]) -> dict[int, str]:
    return {c.column: str(field_of(c.value, family)) for c in ws[header] if field_of(c.value, family) in fields}


def _as_datetime(value: object, epoch: dt.datetime) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        got = from_excel(value, epoch)
        return got if isinstance(got, dt.datetime) else None
    if isinstance(value, str):
        parsed = parse_date(value)
        return parsed[0] if parsed else None
    return None


def _xlsx_dates(data: bytes, rng: random.Random, epoch: dt.datetime | None) -> FileChange:
    """Every date cell as a serial of the workbook's date system (switched to `epoch` when given),
    in General format or (1904 only, at random per column) formatted as a date."""
    wb, ws, header = _open_xlsx(data)
    old = wb.epoch
    new = epoch or old
    cols = _xlsx_columns(ws, header, "registry", DATE_FIELDS | DATETIME_FIELDS)
    formatted = {col: epoch is not None and rng.random() < 0.5 for col in cols}
    count = 0
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            if cell.column not in cols or cell.data_type == "f":
                continue
            when = _as_datetime(cell.value, old)
            if when is None:
                continue
            with_time = cols[cell.column] in DATETIME_FIELDS
            if formatted[cell.column]:
                cell.value = when if with_time else when.date()
                cell.number_format = "DD.MM.YYYY HH:MM" if with_time else "DD.MM.YYYY"
            else:
                cell.value = serial_of(when, new, with_time)
                cell.number_format = "General"
            count += 1
    wb.epoch = new
    kinds = "mixed"
    if all(formatted.values()) or not any(formatted.values()):
        kinds = "date-formatted" if any(formatted.values()) else "General serials"
    return _save_xlsx(wb), f"{count} date cells -> {kinds}, {system_name(new)} date system (was {system_name(old)})"


@register(xlsx_file, "preserving", "date cells pasted as values: serial numbers in General format")
def xlsx_serial_dates(name: str, data: bytes, rng: random.Random) -> FileChange:
    return _xlsx_dates(data, rng, None)


@register(xlsx_file, "preserving", "a workbook in the 1904 date system, every date written consistently in it")
def xlsx_1904_dates(name: str, data: bytes, rng: random.Random) -> FileChange:
    return _xlsx_dates(data, rng, CALENDAR_MAC_1904)


def _filled_cells(ws: Worksheet, header: int) -> list[tuple[int, int]]:
    return [
        (c.row, c.column)
        for row in ws.iter_rows(min_row=header + 1)
        for c in row
        if c.value is not None and str(c.value).strip() and c.data_type != "f"
    ]


def _formula_for(value: object, rng: random.Random) -> str:
    if isinstance(value, bool):
        return "=TRUE()" if value else "=FALSE()"
    if isinstance(value, int | float):
        return f"={value!r}*1"
    if isinstance(value, dt.datetime | dt.date):
        return f"=DATE({value.year},{value.month},{value.day})"
    text = str(value)
    if re.fullmatch(r"\d+", text.strip()) and rng.random() < 0.5:
        return f"={text.strip()}*1"
    parsed = parse_date(text)
    if parsed and rng.random() < 0.5:
        return f'=DATEVALUE("{text}")'
    return '="' + text.replace('"', '""') + '"'


@register(xlsx_file, "destroying", "formula cells without a cached value (written by a script)")
def formula_without_value(name: str, data: bytes, rng: random.Random) -> FileChange:
    wb, ws, header = _open_xlsx(data)
    cells = _filled_cells(ws, header)
    done = []
    for r, c in rng.sample(cells, k=min(len(cells), rng.randint(1, 2))):
        cell = ws.cell(r, c)
        formula = _formula_for(cell.value, rng)
        done.append(f"{cell.coordinate} {ws.cell(header, c).value!r}: {cell.value!r} -> {formula}")
        cell.value = formula
    return _save_xlsx(wb), "; ".join(done)


@register(xlsx_file, "destroying", "an Excel error value in a cell (#N/A, #VALUE!, ...)")
def excel_error_cell(name: str, data: bytes, rng: random.Random) -> FileChange:
    wb, ws, header = _open_xlsx(data)
    cells = _filled_cells(ws, header)
    if not cells:
        return data, "no filled cell (unchanged)"
    r, c = rng.choice(cells)
    cell = ws.cell(r, c)
    error = rng.choice(["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?"])
    old = cell.value
    cell.value = error
    return _save_xlsx(wb), f"{cell.coordinate} {ws.cell(header, c).value!r}: {old!r} -> {error}"


@register(xlsx_file, "preserving", "title rows above the header of a sheet")
def xlsx_title_rows(name: str, data: bytes, rng: random.Random) -> FileChange:
    wb, ws, _ = _open_xlsx(data)
    n = rng.randint(1, 3)
    ws.insert_rows(1, amount=n)
    ws.cell(1, 1).value = rng.choice(TITLES)
    if n >= 2 and rng.random() < 0.5:
        ws.cell(2, 1).value = "Сформировано 01.01.2024 06:00"
    return _save_xlsx(wb), f"{n} row(s) inserted above the header"


# --------------------------------------------------------------------------- reading codes back


def lenient_text(data: bytes) -> str:
    """A CSV file's text for scanning codes: BOM honoured, else UTF-8 with replacement, else Windows-1251."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= 3:
        return text
    return data.decode("cp1251", errors="replace")


def key_of(year: str, number: str) -> str:
    """The patient key as issue 14's identity rule defines it: `YYYY-N`, N written with at least 3 digits."""
    return f"{year}-{int(number):03d}"


def keys_in(text: str) -> set[str]:
    return {key_of(m.group(1), m.group(2)) for m in CODE_RE.finditer(text)}


def xlsx_rows(data: bytes) -> list[list[object]] | None:
    """The first sheet's rows as values (formulas as their text), or None when openpyxl cannot open it."""
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # any damage: a truncated zip, a broken part
        return None
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    except Exception:
        return None
    finally:
        wb.close()


def mentioned_keys(name: str, data: bytes) -> dict[str, int] | None:
    """How many lines (rows) of the file name each patient key; None when the file cannot be scanned
    (an xlsx openpyxl cannot open: the whole file must then be refused)."""
    counts: dict[str, int] = {}
    if is_xlsx(name):
        rows = xlsx_rows(data)
        if rows is None:
            return None
        lines = [" | ".join("" if v is None else str(v) for v in row) for row in rows]
    else:
        lines = [body(x) for x in split_lines(lenient_text(data))]
    for line in lines:
        for key in keys_in(line):
            counts[key] = counts.get(key, 0) + 1
    return counts

"""Setup builders: inputs a case cannot commit as plain files, written into the copied night at test time.

A case names them in `setup:` (every run step) or in a step's `setup:` (that step only):

    setup: fill_dates                                   # a name
    setup: {name: rename, args: {from: a.csv, to: "b\\n.csv"}}
    setup: [{xlsx: {file: registry_ru_20240101.xlsx, header: registry_ru, rows: [[...]]}}]
    setup: [{name: encode, step: night2, args: {...}}]  # `step`: only for that run step

Each builder gets the copied night folder (it writes there), its arguments and the context
(the case's work folder, outside the night; the step's name; the case folder, read only).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

Args = dict[str, Any]


@dataclass(frozen=True)
class BuildContext:
    night: Path  # the copied night folder: the builder writes here
    work: Path  # the case's work folder (the night's parent's parent): "outside" the night
    step: str  # the run step's name
    case: Path  # the case folder (read only)


Builder = Callable[[Args, BuildContext], None]
BUILDERS: dict[str, Builder] = {}

# Column headers of the feeds, as the hospital systems write them (mappings/field_catalogue.yaml).
# fmt: off
HEADERS: dict[str, list[str]] = {
    "registry_ru": [
        "Код пациента", "ФИО", "Пол", "Дата рождения", "Диагноз", "Статус", "Экспрессия CD22, %",
        "Терапия перед ТГСК", "Дата начала терапии", "Дозы ИнО, мг/м2", "Интратекально", "Ответ перед ТГСК",
        "МОБ перед ТГСК", "Дата ТГСК", "Тип донора", "Источник трансплантата", "CD34+, ×10⁶/кг", "CD3+, ×10⁷/кг",
        "Режим кондиционирования", "Профилактика РТПХ", "ИСТ", "Нейтрофилы ≤500", "Тромбоциты ≤20",
        "Фебрильная нейтропения", "Сепсис", "Полинейропатия", "Мукозит, степень", "ССО до ТГСК", "Приживление",
        "Тромбоциты >50", "Лимфоциты >0,3 на Д+30", "оРТПХ, степень", "ССО", "ТМА", "Инфекции до Д+100", "Рецидив",
        "Дата рецидива", "Локализация рецидива", "Потеря HLA-гаплотипа", "ИДЛ", "Исход", "Дата последнего контакта",
        "Причина смерти", "Изменено",
    ],
    "registry_en": [
        "Patient ID", "Full name", "Sex", "Date of birth", "Diagnosis", "Disease status", "CD22 expression, %",
        "Bridging therapy", "Therapy start date", "InO doses, mg/m2", "Intrathecal therapy", "Response before HSCT",
        "MRD before HSCT", "HSCT date", "Donor type", "Graft source", "CD34+ x10^6/kg", "CD3+ x10^7/kg",
        "Conditioning", "GVHD prophylaxis", "Immunosuppression", "Neutrophils <=500", "Platelets <=20",
        "Febrile neutropenia", "Sepsis", "Polyneuropathy", "Mucositis grade", "SOS before HSCT", "Engraftment day",
        "Platelet recovery >50", "Lymphocytes >0.3 at D+30", "Acute GVHD grade", "SOS", "TMA",
        "Infection before D+100", "Relapse", "Relapse date", "Relapse site", "HLA loss", "DLI", "Vital status",
        "Last contact date", "Cause of death", "Updated at",
    ],
    "labs_ru": ["Код пациента", "Дата", "Исследование", "Результат", "Ед."],
    "labs_en": ["Patient ID", "Date", "Test", "Result", "Unit"],
}
# fmt: on


def builder(name: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        BUILDERS[name] = fn
        return fn

    return register


def parse_specs(spec: Any) -> list[tuple[str, Args, str | None]]:
    """(name, args, step or None) of a `setup:` value: a name, a mapping, or a list of those."""
    if spec is None:
        return []
    if isinstance(spec, list):
        return [item for s in spec for item in parse_specs(s)]
    if isinstance(spec, str):
        return [(spec, {}, None)]
    if isinstance(spec, dict) and "name" in spec:
        return [(spec["name"], dict(spec.get("args") or {}), spec.get("step"))]
    if isinstance(spec, dict) and len(spec) == 1:
        ((name, args),) = spec.items()
        return [(name, dict(args or {}), None)]
    raise ValueError(f"setup: cannot read {spec!r}")


def apply_builders(spec: Any, night: Path, work: Path, step: str, case: Path) -> None:
    ctx = BuildContext(night=night, work=work, step=step, case=case)
    for name, args, only_step in parse_specs(spec):
        if only_step is not None and only_step != step:
            continue
        if name not in BUILDERS:
            raise ValueError(f"setup: no builder {name!r} (builders: {', '.join(sorted(BUILDERS))})")
        BUILDERS[name](args, ctx)


def _header(value: Any) -> list[Any]:
    if isinstance(value, str):
        return list(HEADERS[value])
    return list(value)


# ----------------------------------------------------------------------------- files and names


@builder("symlink_outside")
def symlink_outside(args: Args, ctx: BuildContext) -> None:
    """A link `link` in the night to a file outside it (`text` or the case's file `source`), relative
    (`../../outside/...`) or `absolute: true`."""
    outside = ctx.work / "outside"
    outside.mkdir(exist_ok=True)
    target = outside / args.get("target_name", Path(args["link"]).name)
    if "source" in args:
        target.write_bytes((ctx.case / args["source"]).read_bytes())
    else:
        target.write_text(args["text"], encoding=args.get("encoding", "utf-8"), newline="")
    link = ctx.night / args["link"]
    link.unlink(missing_ok=True)
    if args.get("absolute"):
        link.symlink_to(target.resolve())
    else:
        link.symlink_to(Path("..") / ".." / "outside" / target.name)
    assert link.resolve() == target.resolve(), "the link must point at the outside file"


@builder("rename")
def rename(args: Args, ctx: BuildContext) -> None:
    """Give a file a name a repository cannot hold well (a newline, a tab, a control character)."""
    (ctx.night / args["from"]).rename(ctx.night / args["to"])


@builder("write")
def write(args: Args, ctx: BuildContext) -> None:
    """A file of `text` (in `encoding`), or of bytes: `hex` repeated `repeat` times."""
    path = ctx.night / args["file"]
    if "hex" in args:
        path.write_bytes(bytes.fromhex(args["hex"]) * int(args.get("repeat", 1)))
    else:
        path.write_text(args["text"], encoding=args.get("encoding", "utf-8"), newline="")


@builder("fill_dates")
def fill_dates(args: Args, ctx: BuildContext) -> None:
    """{{TODAY}}, {{TOMORROW}}, {{YESTERDAY}} in the night's CSV files (UTF-8) become today's ISO dates;
    `format: "%d.%m.%Y"` writes them so instead."""
    from tests.scenarios.harness import date_placeholders

    marks = date_placeholders()
    fmt = args.get("format")
    for path in ctx.night.glob("*.csv"):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        for mark, iso in marks.items():
            value = iso if not fmt else _reformat(iso, fmt)
            text = text.replace(mark, value)
        path.write_bytes(text.encode("utf-8"))


def _reformat(iso: str, fmt: str) -> str:
    import datetime as dt

    return dt.date.fromisoformat(iso).strftime(fmt)


# ----------------------------------------------------------------------------- encodings


@builder("encode")
def encode(args: Args, ctx: BuildContext) -> None:
    """Re-encode a UTF-8 CSV of the case: `encoding` (utf-16-le, utf-16-be, cp1251, ...), `bom` (the
    encoding's byte-order mark first), `delimiter: [from, to]` (re-delimited through the csv module),
    `lines: {N: encoding}` (physical line N in another encoding), `append_bytes: {N: "96"}` (raw bytes
    added before line N's line break)."""
    path = ctx.night / args["file"]
    text = path.read_bytes().decode("utf-8-sig")
    if "delimiter" in args:
        source, target = args["delimiter"]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=target, lineterminator="\r\n")
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=source):
            writer.writerow(record)
        text = out.getvalue()
    encoding = args.get("encoding", "utf-8")
    others = {int(k): v for k, v in (args.get("lines") or {}).items()}
    extra = {int(k): bytes.fromhex(v) for k, v in (args.get("append_bytes") or {}).items()}
    data = b""
    if args.get("bom"):
        data += "\ufeff".encode(encoding)
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        data += body.encode(others.get(number, encoding)) + extra.get(number, b"") + end.encode(encoding)
    path.write_bytes(data)


# ----------------------------------------------------------------------------- workbooks


def workbook_bytes(header: list[Any], rows: list[list[Any]], date1904: bool = False, sheet: str = "Sheet") -> bytes:
    """An .xlsx as a script writes it: formulas (`=...`) without saved values, `#N/A`-like strings as
    error cells, numbers as General-format numbers (serials stay serials), YAML dates as dates."""
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@builder("xlsx")
def xlsx(args: Args, ctx: BuildContext) -> None:
    """`file`: a workbook of `header` (a name of HEADERS or a list) and `rows`; `date1904: true` for the
    1904 date system; `remove`: files of the night to delete (e.g. the CSV the rows were copied from)."""
    data = workbook_bytes(
        _header(args["header"]), args.get("rows") or [], bool(args.get("date1904")), args.get("sheet", "Sheet")
    )
    (ctx.night / args["file"]).write_bytes(data)
    for name in args.get("remove") or []:
        (ctx.night / name).unlink()


@builder("zip_bomb_xlsx")
def zip_bomb_xlsx(args: Args, ctx: BuildContext) -> None:
    """`file`: an .xlsx whose sheet repeats one row until it is `megabytes` large (default 300): about
    1 MB on disk. Written member by member and the sheet chunk by chunk, so that building it stays small."""
    small = workbook_bytes(_header(args["header"]), [list(args["row"])])
    megabytes = float(args.get("megabytes", 300))
    with zipfile.ZipFile(io.BytesIO(small)) as src, zipfile.ZipFile(ctx.night / args["file"], "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", info.filename):
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            xml = data.decode("utf-8")
            found = re.search(r"<row r=\"2\".*?</row>", xml, re.S)
            assert found, "the workbook's second row"
            row = re.sub(r' r="[A-Z]*\d+"', "", found.group(0)).encode("utf-8")  # positions implied
            head, tail = xml[: found.end()].encode("utf-8"), xml[found.end() :].encode("utf-8")
            chunk = row * max(1, (1 << 20) // len(row))
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(member, "w", force_zip64=True) as out:
                out.write(head)
                written = len(head)
                while written < megabytes * (1 << 20):
                    out.write(chunk)
                    written += len(chunk)
                out.write(tail)

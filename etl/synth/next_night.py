"""The next night's folder: last night's files as the hospital systems export them again, a little changed.

The feeds are full exports, so the next night is last night's files with a few
rows edited, removed or added, every other byte as it was. Which rows, by
`NightChanges` (shares of patients or of lab rows) and a seed; the same
arguments give byte-identical files. What changes, per file kind:

    registry .csv   `changed` patients: the CD3+ dose of each of their rows + 0.1 (one field);
                    `deleted` patients: every row of theirs removed (their lab rows stay, and
                    so are quarantined as naming nobody); `new` patients: a copy of an existing
                    patient's row under a new registry code, appended
    registry .xlsx  copied unchanged (the workbook is not exported again)
    labs .csv       `labs_changed` rows: the result x 1.1; `labs_withdrawn` rows removed;
                    `labs_appended` rows: an existing row 3 days later, appended (where that
                    patient, test and day are not already in the file)

Only patients whose rows are all in the .csv files are changed or deleted, so
that the change is whole. Rows are edited as text, in each file's encoding,
delimiter and number style; a file nothing touched is copied byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

from etl.synth.files import csv_bytes

CODE = re.compile(r"^(?P<prefix>\D+-\d{4}-)(?P<number>\d+)$")
DATE_FORMATS = ("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d")


@dataclass(frozen=True)
class NightChanges:
    """Shares (0-1) of the registry's patients, and of the lab rows, that the next night changes."""

    changed: float = 0.0
    deleted: float = 0.0
    new: float = 0.0
    labs_changed: float = 0.0
    labs_withdrawn: float = 0.0
    labs_appended: float = 0.0


@dataclass
class _Csv:
    """A CSV feed file as text rows, with what it takes to write it back the same way."""

    header: list[str]
    rows: list[list[str]]
    delimiter: str
    encoding: str
    touched: bool = False  # a row was edited, removed or added: written back, not copied

    @classmethod
    def read(cls, path: Path) -> _Csv:
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        else:
            try:
                data.decode("utf-8")
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1251"
        text = data.decode(encoding)
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        return cls(lines[0], lines[1:], delimiter, encoding)

    def write(self, path: Path) -> None:
        path.write_bytes(csv_bytes(self.header, self.rows, self.delimiter, self.encoding))


def next_night(previous: Path, out: Path, changes: NightChanges, seed: int = 1) -> dict[str, int]:
    """Write the next night of `previous` into `out`; returns how many patients and lab rows were
    changed, deleted, added, withdrawn and appended."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    files = sorted(p for p in previous.iterdir() if p.is_file())
    registry = {p: _Csv.read(p) for p in files if p.name.startswith("registry_") and p.suffix == ".csv"}
    labs = {p: _Csv.read(p) for p in files if p.name.startswith("labs") and p.suffix == ".csv"}
    in_workbooks = {c for p in files if p.suffix == ".xlsx" for c in _workbook_codes(p)}
    counts = _change_registry(registry, in_workbooks, changes, rng) | _change_labs(labs, changes, rng)
    tables = {**registry, **labs}
    for path in files:
        if path in tables and tables[path].touched:
            tables[path].write(out / path.name)
        else:
            shutil.copyfile(path, out / path.name)
    return counts


def _workbook_codes(path: Path) -> set[str]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    return {str(row[0]).strip() for row in sheet.iter_rows(min_row=2, max_col=1, values_only=True) if row[0]}


def _pick(rng: np.random.Generator, items: list[str], n: int) -> list[str]:
    n = min(len(items), n)
    return [items[i] for i in sorted(rng.choice(len(items), size=n, replace=False))] if n else []


def _change_registry(
    registry: dict[Path, _Csv], in_workbooks: set[str], changes: NightChanges, rng: np.random.Generator
) -> dict[str, int]:
    codes = sorted({r[0].strip() for t in registry.values() for r in t.rows} - in_workbooks)
    everyone = {r[0].strip() for t in registry.values() for r in t.rows} | in_workbooks
    chosen = _pick(rng, codes, round(len(everyone) * (changes.changed + changes.deleted)))
    deleted = set(chosen[: round(len(everyone) * changes.deleted)])
    changed = set(chosen) - deleted
    for table in registry.values():
        cd3 = next(i for i, h in enumerate(table.header) if h.startswith("CD3+"))
        kept = []
        for row in table.rows:
            code = row[0].strip()
            if code in deleted:
                table.touched = True
                continue
            if code in changed and row[cd3].strip():
                row[cd3] = _plus(row[cd3], 0.1)
                table.touched = True
            kept.append(row)
        table.rows = kept
    new = round(len(everyone) * changes.new)
    if new:
        target = max(registry.values(), key=lambda t: len(t.rows))
        numbers = [int(m["number"]) for c in everyone if (m := CODE.match(c))]
        top = max(numbers)
        donors = [target.rows[i] for i in rng.choice(len(target.rows), size=new, replace=True)]
        for k, donor in enumerate(donors, start=1):
            m = CODE.match(donor[0].strip())
            assert m is not None, donor[0]
            target.rows.append([f"{m['prefix']}{top + k:0{len(m['number'])}d}", *donor[1:]])
        target.touched = True
    return {"patients_changed": len(changed), "patients_deleted": len(deleted), "patients_new": new}


def _change_labs(labs: dict[Path, _Csv], changes: NightChanges, rng: np.random.Generator) -> dict[str, int]:
    counts = {"lab_rows_changed": 0, "lab_rows_withdrawn": 0, "lab_rows_appended": 0}
    for table in labs.values():
        result = next(i for i, h in enumerate(table.header) if h in {"Результат", "Result"})
        date = next(i for i, h in enumerate(table.header) if h in {"Дата", "Date"})
        n = len(table.rows)
        order = rng.permutation(n)
        n_changed, n_withdrawn = round(n * changes.labs_changed), round(n * changes.labs_withdrawn)
        changed = {int(i) for i in order[:n_changed] if _number(table.rows[int(i)][result]) is not None}
        withdrawn = {int(i) for i in order[n_changed : n_changed + n_withdrawn]}
        for i in changed:
            table.rows[i][result] = _times(table.rows[i][result], 1.1)
        keys = {(r[0], r[date], r[2]) for r in table.rows}
        appended = []
        for i in rng.choice(n, size=round(n * changes.labs_appended), replace=False) if n else []:
            row = list(table.rows[int(i)])
            row[date] = _later(row[date], 3)
            if (row[0], row[date], row[2]) not in keys:
                keys.add((row[0], row[date], row[2]))
                appended.append(row)
        table.rows = [r for i, r in enumerate(table.rows) if i not in withdrawn] + appended
        table.touched = bool(changed or withdrawn or appended)
        counts["lab_rows_changed"] += len(changed)
        counts["lab_rows_withdrawn"] += len(withdrawn)
        counts["lab_rows_appended"] += len(appended)
    return counts


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _plus(text: str, delta: float) -> str:
    value = _number(text)
    return text if value is None else _format(value + delta, text)


def _times(text: str, factor: float) -> str:
    value = _number(text)
    return text if value is None else _format(value * factor, text)


def _format(value: float, like: str) -> str:
    out = f"{value:.2f}".rstrip("0").rstrip(".")
    return out.replace(".", ",") if "," in like else out


def _later(text: str, days: int) -> str:
    for form in DATE_FORMATS:
        try:
            return (dt.datetime.strptime(text.strip(), form) + dt.timedelta(days=days)).strftime(form)
        except ValueError:
            continue
    return text

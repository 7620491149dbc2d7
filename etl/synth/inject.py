"""--inject-errors: one extra bad row of each kind, a file without the patient code, a damaged workbook.

Every injected row is a patient that is not in the truth, valid except for the
one cell named in the manifest, so the harmonized database must equal the
truth once the bad input is quarantined.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from etl.synth.files import csv_bytes, write_xlsx
from etl.synth.messy import Mess
from etl.synth.registry import headers, render
from etl.synth.truth import write_csv

P = dict[str, Any]
MANIFEST_COLUMNS = ["file", "row", "column", "kind", "expected_reason"]


@dataclass
class Bad:
    """One bad row: its target file key, the patient, the header of the bad cell and the text put there."""

    target: str  # "ru_xlsx", "ru_csv" or "en"
    patient: P
    column: str | None
    text: str | None
    kind: str
    reason: str


def _fresh(p: P, key: str) -> P:
    q = copy.copy(p)
    q["patient_key"] = key
    q["registry_code_ru"] = f"ТГСК-{key}"
    q["registry_code_en"] = f"HSCT-{key}"
    q["full_name_ru"] = q["full_name_ru"] or "Синтетов Иван Петрович"
    q["full_name_en"] = q["full_name_en"] or "Sintetov Ivan Petrovich"
    return q


def plan(records: list[P], rng: np.random.Generator) -> list[Bad]:
    """The bad rows (the file-level errors are written by `write_file_errors`)."""
    used = {r["patient_key"] for r in records}
    keys = [k for k in (f"2019-{n:06d}" for n in range(990000, 990100)) if k not in used]
    alive = [r for r in records if r["vital_status"] == "alive" and r["engrafted"]]
    relapsed = [r for r in records if r["relapse"] and r["vital_status"] == "alive"]

    def base(pool: list[P], i: int) -> P:
        return _fresh(pool[int(rng.integers(len(pool)))], keys[i])

    bads: list[Bad] = []
    p = base(alive, 0)
    bads.append(Bad("ru_xlsx", p, "Дата ТГСК", "31.02.2019", "nonexistent_date", "invalid_date"))
    p = base(relapsed, 1)
    before = p["hsct_date"] - dt.timedelta(days=10)
    bads.append(Bad("en", p, "Relapse date", before.isoformat(), "relapse_before_transplant", "date_order"))
    p = base(alive, 2)
    birth = p["hsct_date"].replace(year=p["hsct_date"].year - 25, day=min(p["hsct_date"].day, 28))
    bads.append(Bad("ru_csv", p, "Дата рождения", birth.strftime("%d.%m.%Y"), "age_25_at_transplant",
                    "age_out_of_range"))
    p = base(alive, 3)
    bads.append(Bad("en", p, "Engraftment day", "D+140", "engraftment_d140", "engraftment_day_out_of_range"))
    p = base(alive, 4)
    bads.append(Bad("ru_xlsx", p, "Экспрессия CD22, %", "150", "cd22_150_percent", "percent_out_of_range"))
    p = base(alive, 5)
    bads.append(Bad("ru_csv", p, "Тип донора", "инопланетный", "unknown_donor_type", "unmapped_value"))
    p = base(alive, 6)
    twin = copy.copy(p)
    twin["sex"] = "female" if p["sex"] == "male" else "male"
    bads.append(Bad("en", p, "Patient ID", None, "duplicate_code_different_content", "duplicate_conflict"))
    bads.append(Bad("en", twin, "Patient ID", None, "duplicate_code_different_content", "duplicate_conflict"))
    return bads


def render_bad(bad: Bad, m: Mess, header: list[str]) -> list[str]:
    """The patient's row with the bad text in the named cell (`header` is the ru/en header list it names)."""
    cells = render(bad.patient, m)
    if bad.text is not None and bad.column is not None:
        cells[header.index(bad.column)] = bad.text
    return cells


def write_file_errors(out: Path, night: str, records: list[P], rng: np.random.Generator) -> list[dict[str, Any]]:
    """A registry_en file whose header has no patient code, and a truncated workbook."""

    rows: list[dict[str, Any]] = []
    header = headers("en")
    keep = [h for h in header if h != "Patient ID"]
    m = Mess(rng, "en")
    body = []
    for i, key in enumerate(("2019-990101", "2019-990102")):
        p = _fresh(records[int(rng.integers(len(records)))], key)
        cells = dict(zip(header, render(p, m), strict=True))
        body.append([cells[h] for h in keep])
        rows.append({"file": f"registry_en_{night}_nocode.csv", "row": i + 2, "column": None,
                     "kind": "header_without_patient_code", "expected_reason": "missing_patient_code"})
    (out / f"registry_en_{night}_nocode.csv").write_bytes(csv_bytes(keep, body, ",", "utf-8"))
    damaged = out / f"registry_ru_{night}_damaged.xlsx"
    write_xlsx(damaged, headers("ru"), [render(_fresh(records[0], "2019-990103"), Mess(rng, "ru"))])
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    rows.append({"file": damaged.name, "row": None, "column": None, "kind": "truncated_workbook",
                 "expected_reason": "unreadable_file"})
    return rows


def write_manifest(out: Path, rows: list[dict[str, Any]]) -> None:
    write_csv(out / "truth" / "injected_errors.csv", MANIFEST_COLUMNS, rows)

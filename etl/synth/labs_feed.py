"""The labs feed: one row per result, Russian-headed (`;`, decimal comma) and English-headed (`,`) files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from etl.synth.files import csv_bytes
from etl.synth.messy import Mess

P = dict[str, Any]
HEAD = {"ru": ["Код пациента", "Дата", "Исследование", "Результат", "Ед."],
        "en": ["Patient ID", "Date", "Test", "Result", "Unit"]}
TEST = {
    "ru": {"mrd_flow": "МОБ (проточная цитометрия)", "cd22_blasts": "CD22 на бластах", "anc": "Нейтрофилы",
           "plt": "Тромбоциты", "alc": "Лимфоциты", "chimerism": "Донорский химеризм",
           "hla_loss_str": "Потеря HLA-гаплотипа (STR)"},
    "en": {"mrd_flow": "MRD (flow cytometry)", "cd22_blasts": "CD22 on blasts", "anc": "ANC", "plt": "PLT",
           "alc": "ALC", "chimerism": "Donor chimerism", "hla_loss_str": "HLA haplotype loss (STR, 6 markers)"},
}
STR = {"ru": {"loss": "потеря", "no_loss": "нет потери"}, "en": {"loss": "loss", "no_loss": "no loss"}}
UNIT_G = {"ru": ["×10⁹/л", "x10^9/L"], "en": ["x10^9/L", "×10⁹/L"]}
UNIT_CELLS = {"ru": "кл/мкл", "en": "cells/uL"}


def _row(lab: P, code: str, m: Mess) -> list[str]:
    lang = m.lang
    test = TEST[lang][lab["test"]]
    if lab["value_code"] is not None:
        return [code, m.date(lab["result_date"]), test, STR[lang][lab["value_code"]], ""]
    value, unit = lab["value_num"], lab["unit"]
    if unit == "10*9/L":
        if lab["test"] in ("anc", "alc") and m.rng.random() < 0.4:
            return [code, m.date(lab["result_date"]), test, str(round(value * 1000)), UNIT_CELLS[lang]]
        unit = m.one(UNIT_G[lang])
    text = m.number(value)
    if lab["value_comparator"]:
        text = lab["value_comparator"] + text
    return [code, m.date(lab["result_date"]), m.pad(test), text, unit]


def write_labs(out: Path, night: str, patients: list[P], labs: list[P], rng: np.random.Generator) -> None:
    """Patients' labs go to the Russian or the English file by a coin; codes are in the file's language."""
    lang_of = {p["patient_key"]: ("ru" if rng.random() < 0.5 else "en") for p in patients}
    files = {"ru": (out / f"labs_{night}.csv", ";", "utf-8"), "en": (out / f"labs_{night}_2.csv", ",", "utf-8-sig")}

    for lang, (path, delim, enc) in files.items():
        m = Mess(rng, lang)
        rows = []
        for lab in labs:
            if lang_of[lab["patient_key"]] != lang:
                continue
            code = ("ТГСК-" if lang == "ru" else "HSCT-") + lab["patient_key"]
            rows.append(_row(lab, code, m))
        path.write_bytes(csv_bytes(HEAD[lang], rows, delim, enc))

"""A small reader of the generated feeds, independent of etl.synth: feeds in, canonical rows out.

Documented normalization (what it undoes): surrounding spaces and letter case,
Latin look-alike letters inside Cyrillic words, hyphen/en/em dash/minus, the
day notations (Д+22, D+22, д+ 22, 22), Roman grades, every boolean spelling,
decimal commas, both date styles of each feed, both lab unit spellings
(500 cells/uL = 0.5 x10^9/L). Names are compared title-cased. Registry rows
of the same patient are merged field by field: the newer edit's value wins
when it is not empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import openpyxl

LATIN_TO_CYR = str.maketrans("ABCEHKMOPTXaceopxy", "АВСЕНКМОРТХасеорху")
DASHES = str.maketrans({"–": "-", "—": "-", "−": "-"})


def norm(text: str) -> str:
    t = re.sub(r"\s+", " ", text.strip().translate(DASHES))
    if re.search("[А-Яа-яЁё]", t):  # a Cyrillic word with Latin letters typed in
        t = t.translate(LATIN_TO_CYR)
    return t.lower()


def _syn(table: dict[str, list[str]]) -> dict[str, str]:
    return {norm(s): key for key, spellings in table.items() for s in spellings}


VOCAB = {
    "sex": _syn({"male": ["М", "муж", "M", "male"], "female": ["Ж", "жен", "F", "female"]}),
    "disease_status": _syn({"relapse": ["рецидив", "relapse"], "early_relapse": ["ранний рецидив", "early relapse"],
                            "second_relapse": ["повторный рецидив", "second relapse"],
                            "refractory": ["резистентное течение", "refractory"]}),
    "bridging_therapy": _syn({"ino": ["ИнО", "инотузумаб озогамицин", "Беспонса", "InO", "inotuzumab ozogamicin",
                                      "Besponsa"],
                              "hd_mtx": ["HD-MTX", "блоковая ПХТ с ВД-МТХ", "high-dose methotrexate block"],
                              "flu_based": ["флударабин-содержащая схема", "FLAG", "fludarabine-based"]}),
    "response": _syn({"cri": ["КГР с неполным восстановлением", "КГРн", "CRi", "CR with incomplete recovery"],
                      "refractory": ["резистентный рецидив", "нет ответа", "refractory", "no response"]}),
    "donor_type": _syn({"haplo": ["гаплоидентичный", "гапло", "haploidentical", "haplo"],
                        "matched_related": ["родственный совместимый", "сиблинг", "MSD", "matched related"],
                        "matched_unrelated": ["неродственный совместимый", "MUD", "matched unrelated"]}),
    "graft_source": _syn({"bm": ["КМ", "костный мозг", "BM", "bone marrow"], "pbsc": ["ПСКК", "PBSC"]}),
    "conditioning": _syn({"mac_bu": ["МАК (бусульфан 12 мг/кг)", "MAC busulfan"],
                          "rtc_treo": ["МАК-СТ (треосульфан)", "RTC treosulfan"],
                          "ric_mel": ["РИК (мелфалан 140 мг/м2)", "RIC melphalan"]}),
    "gvhd_prophylaxis": _syn({"ptcy": ["ПТЦф", "ПТЦ 50 мг/кг Д+3,+4", "PTCy"],
                              "atg": ["АТГ", "серопрофилактика", "ATG"]}),
    "immunosuppression": _syn({"cni_mtor": ["ИКН + mTOR", "CNI + mTOR"],
                               "tac_sir": ["такролимус + сиролимус", "tacrolimus + sirolimus"],
                               "csa_sir": ["циклоспорин + сиролимус", "ciclosporin + sirolimus"],
                               "sir": ["сиролимус", "sirolimus alone", "sirolimus"]}),
    "relapse_site": _syn({"bm": ["КМ", "костномозговой", "BM"], "cns": ["ЦНС", "CNS"],
                          "extramedullary": ["экстрамедуллярный", "extramedullary"], "bm_cns": ["КМ+ЦНС", "BM+CNS"],
                          "combined": ["комбинированный", "combined"]}),
    "hla_loss": _syn({"loss": ["да", "yes"], "no_loss": ["нет", "no"], "not_tested": ["не исследовано", "not tested"]}),
    "vital_status": _syn({"alive": ["жив", "alive"], "dead": ["умер", "dead"]}),
    "cause_of_death": _syn({"relapse": ["рецидив", "relapse"], "sos": ["ССО", "SOS"],
                            "infection": ["инфекция", "infection"], "gvhd": ["РТПХ", "GVHD"], "tma": ["ТМА", "TMA"],
                            "other": ["другое", "other"]}),
}
TRUE = {norm(s) for s in ("да", "yes", "+", "1", "3 препарата", "triple IT")}
FALSE = {norm(s) for s in ("нет", "no", "-", "0")}
ROMAN = {"0": 0, "i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4, "нет": 0, "none": 0}

# header (normalized, ru or en, unit/ASCII variants) -> field
HEADER = {
    "код пациента": "code", "patient id": "code", "фио": "full_name", "full name": "full_name", "пол": "sex",
    "sex": "sex", "дата рождения": "birth_date", "date of birth": "birth_date", "диагноз": "diagnosis",
    "diagnosis": "diagnosis", "статус": "disease_status", "disease status": "disease_status",
    "экспрессия cd22": "cd22_percent", "cd22 expression": "cd22_percent", "терапия перед тгск": "bridging_therapy",
    "bridging therapy": "bridging_therapy", "дата начала терапии": "therapy_start_date",
    "therapy start date": "therapy_start_date", "дозы ино": "ino_doses", "ino doses": "ino_doses",
    "интратекально": "intrathecal", "intrathecal therapy": "intrathecal", "ответ перед тгск": "response",
    "response before hsct": "response", "моб перед тгск": "mrd", "mrd before hsct": "mrd", "дата тгск": "hsct_date",
    "hsct date": "hsct_date", "тип донора": "donor_type", "donor type": "donor_type",
    "источник трансплантата": "graft_source", "graft source": "graft_source", "cd34+": "cd34_dose",
    "cd34+ x10^6/kg": "cd34_dose", "cd3+": "cd3_dose", "cd3+ x10^7/kg": "cd3_dose",
    "режим кондиционирования": "conditioning", "conditioning": "conditioning",
    "профилактика ртпх": "gvhd_prophylaxis", "gvhd prophylaxis": "gvhd_prophylaxis", "ист": "immunosuppression",
    "immunosuppression": "immunosuppression", "нейтрофилы ≤500": "tox_neutropenia",
    "нейтрофилы <=500": "tox_neutropenia", "neutrophils <=500": "tox_neutropenia",
    "тромбоциты ≤20": "tox_thrombocytopenia", "тромбоциты <=20": "tox_thrombocytopenia",
    "platelets <=20": "tox_thrombocytopenia", "фебрильная нейтропения": "tox_febrile_neutropenia",
    "febrile neutropenia": "tox_febrile_neutropenia", "сепсис": "tox_sepsis", "sepsis": "tox_sepsis",
    "полинейропатия": "tox_polyneuropathy", "polyneuropathy": "tox_polyneuropathy",
    "мукозит": "tox_mucositis_grade", "mucositis grade": "tox_mucositis_grade", "ссо до тгск": "tox_sos",
    "sos before hsct": "tox_sos", "приживление": "engraftment", "engraftment day": "engraftment",
    "тромбоциты >50": "platelets", "platelet recovery >50": "platelets",
    "лимфоциты >0": "lymphocytes_d30_gt_0_3", "lymphocytes >0.3 at d+30": "lymphocytes_d30_gt_0_3",
    "ортпх": "agvhd_grade", "acute gvhd grade": "agvhd_grade", "ссо": "sos", "sos": "sos", "тма": "tma",
    "tma": "tma", "инфекции до д+100": "infection_d100", "infection before d+100": "infection_d100",
    "рецидив": "relapse", "relapse": "relapse", "дата рецидива": "relapse_date", "relapse date": "relapse_date",
    "локализация рецидива": "relapse_site", "relapse site": "relapse_site", "потеря hla-гаплотипа": "hla_loss",
    "hla loss": "hla_loss", "идл": "dli", "dli": "dli", "исход": "vital_status", "vital status": "vital_status",
    "дата последнего контакта": "last_contact_date", "last contact date": "last_contact_date",
    "причина смерти": "cause_of_death", "cause of death": "cause_of_death", "изменено": "updated_at",
    "updated at": "updated_at",
}


def header_field(h: str) -> str:
    n = h.strip().lower()  # headers: no look-alike letters (CD34+ beside Cyrillic units)
    return HEADER.get(n) or HEADER[n.split(",")[0].strip()]


def parse_date(text: str) -> dt.date | None:
    t = text.strip()
    if not t:
        return None
    for fmt in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def parse_day(text: str) -> int | None:
    m = re.fullmatch(r"[дd]?\s*\+?\s*(\d+)", norm(text).replace("д", "д"))
    return int(m.group(1)) if m else None


def parse_bool(text: str) -> bool | None:
    t = norm(text)
    if not t:
        return None
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def num(text: str) -> float | None:
    t = text.strip().rstrip("%").strip().replace(",", ".")
    return float(t) if t else None


def _coded(field: str, text: str) -> str | None:
    t = norm(text)
    return VOCAB[field][t] if t else None


def parse_registry_row(cells: dict[str, str], lang: str) -> dict[str, Any]:
    r: dict[str, Any] = {}
    for h, raw in cells.items():
        f = header_field(h)
        text = "" if raw is None else str(raw)
        if f == "code":
            key = re.search(r"\d{4}-\d{3,6}", text).group(0)  # type: ignore[union-attr]
            r["patient_key"] = key
            r["registry_code_" + lang] = ("ТГСК-" if lang == "ru" else "HSCT-") + key
        elif f == "full_name":
            r["full_name_" + lang] = text.strip().title() or None
        elif f in VOCAB:
            r[f] = _coded(f, text)
        elif f in ("birth_date", "therapy_start_date", "hsct_date", "last_contact_date"):
            r[f] = parse_date(text)
        elif f == "diagnosis":
            head, _, note = text.partition(", ")
            assert norm(head) in {"в-олл", "c91.0", "b-all", "с91.0"}, head
            r["diagnosis"], r["diagnosis_note"] = "b_all", note.strip() or None
        elif f in ("cd22_percent", "cd34_dose", "cd3_dose"):
            r[f] = num(text)
        elif f == "ino_doses":
            parts = [num(x) for x in text.split("/")] if text.strip() else [None, None, None]
            r["ino_dose_d1"], r["ino_dose_d8"], r["ino_dose_d15"] = parts
        elif f == "mrd":
            r.update(_mrd(text))
        elif f == "tox_mucositis_grade" or f == "agvhd_grade":
            r[f] = ROMAN[norm(text)] if norm(text) else None
        elif f in ("engraftment", "platelets"):
            flag, day = ("engrafted", "engraftment_day") if f == "engraftment" else (
                "platelet_recovered", "platelet_recovery_day")
            t = norm(text)
            r[flag], r[day] = (None, None) if not t else (False, None) if t in FALSE else (True, parse_day(text))
        elif f in ("sos", "tma"):
            day = parse_day(text) if re.search(r"[дd]\s*\+", norm(text)) else None
            r[f], r[f + "_day"] = (True, day) if day is not None else (parse_bool(text), None)
        elif f == "relapse_date":
            r[f] = text
        elif f == "updated_at":
            t = text.strip()
            fmt = "%d.%m.%Y %H:%M" if "." in t else "%Y-%m-%d %H:%M:%S"
            r[f] = dt.datetime.strptime(t, fmt)
        else:
            r[f] = parse_bool(text)
    rel = r.pop("relapse_date")
    day = parse_day(rel) if re.search(r"[дd]\s*\+", norm(rel)) else None
    r["relapse_date"] = r["hsct_date"] + dt.timedelta(days=day) if day is not None else parse_date(rel)
    return r


def _mrd(text: str) -> dict[str, Any]:
    t = norm(text)
    if t.startswith("<"):
        return {"mrd_status": "negative", "mrd_value_percent": num(t[1:]), "mrd_value_comparator": "<"}
    if t.endswith("%"):
        v = num(t)
        return {"mrd_status": "negative" if v < 0.01 else "positive", "mrd_value_percent": v,
                "mrd_value_comparator": None}
    if t in {"моб-", "mrd-", "отр.", "negative"}:
        return {"mrd_status": "negative", "mrd_value_percent": None, "mrd_value_comparator": None}
    raise ValueError(f"MRD {text!r}")


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows (header -> text) of a feed file; row i of the list is physical row i + 2."""
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in row]
                for row in ws.iter_rows(values_only=True)]
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1251")
        first = text.splitlines()[0]
        delim = ";" if first.count(";") > first.count(",") else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def merge(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Newer edit wins, field by field, when its value is not empty."""
    out: dict[str, Any] = {}
    for r in sorted(rows, key=lambda x: x["updated_at"]):
        for k, v in r.items():
            if v is not None:
                out[k] = v
    return out


def read_registry(night: Path, skip: set[tuple[str, int]], skip_files: set[str]) -> dict[str, dict[str, Any]]:
    by_key: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(night.glob("registry_*")):
        if path.name in skip_files:
            continue
        lang = "ru" if path.name.startswith("registry_ru") else "en"
        for i, cells in enumerate(read_table(path)):
            if (path.name, i + 2) in skip:
                continue
            r = parse_registry_row(cells, lang)
            by_key.setdefault(r["patient_key"], []).append(r)
    return {k: merge(v) for k, v in by_key.items()}


LAB_TESTS = {norm(s): k for k, names in {
    "mrd_flow": ["МОБ (проточная цитометрия)", "MRD (flow cytometry)"], "cd22_blasts": ["CD22 на бластах",
    "CD22 on blasts"], "anc": ["Нейтрофилы", "ANC"], "plt": ["Тромбоциты", "PLT"], "alc": ["Лимфоциты", "ALC"],
    "chimerism": ["Донорский химеризм", "Donor chimerism"],
    "hla_loss_str": ["Потеря HLA-гаплотипа (STR)", "HLA haplotype loss (STR, 6 markers)"]}.items() for s in names}
STR_CODES = {"потеря": "loss", "нет потери": "no_loss", "loss": "loss", "no loss": "no_loss"}
G_L = {"×10⁹/л", "x10^9/l", "×10⁹/l"}
CELLS = {"кл/мкл", "cells/ul"}


def read_labs(night: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(night.glob("labs_*.csv")):
        for cells in read_table(path):
            v = list(cells.values())
            code, day, test, result, unit = (x.strip() for x in v)
            key = re.search(r"\d{4}-\d{3,6}", code).group(0)  # type: ignore[union-attr]
            rec: dict[str, Any] = {"patient_key": key, "result_date": parse_date(day), "test": LAB_TESTS[norm(test)],
                                   "value_num": None, "value_comparator": None, "value_code": None, "unit": None}
            if rec["test"] == "hla_loss_str":
                rec["value_code"] = STR_CODES[norm(result)]
            else:
                comp = "<" if result.startswith("<") else None
                value = num(result.lstrip("<"))
                u = unit.lower()
                if u in CELLS:
                    value, u = value / 1000, "10*9/L"  # type: ignore[operator]
                elif u in G_L:
                    u = "10*9/L"
                rec.update(value_num=value, value_comparator=comp, unit=u)
            out.append(rec)
    return out

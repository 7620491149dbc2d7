"""One registry row (registry_ru or registry_en) rendered from a canonical patient, habits included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from etl.synth.messy import DIAGNOSIS, Mess

P = dict[str, Any]

# (ru header, en header, renderer); the ASCII spelling of a ru header is used in Windows-1251 files
HEADERS: list[tuple[str, str, str]] = [
    ("Код пациента", "Patient ID", "code"),
    ("ФИО", "Full name", "name"),
    ("Пол", "Sex", "sex"),
    ("Дата рождения", "Date of birth", "birth_date"),
    ("Диагноз", "Diagnosis", "diagnosis"),
    ("Статус", "Disease status", "disease_status"),
    ("Экспрессия CD22, %", "CD22 expression, %", "cd22"),
    ("Терапия перед ТГСК", "Bridging therapy", "bridging_therapy"),
    ("Дата начала терапии", "Therapy start date", "therapy_start_date"),
    ("Дозы ИнО, мг/м2", "InO doses, mg/m2", "ino_doses"),
    ("Интратекально", "Intrathecal therapy", "intrathecal"),
    ("Ответ перед ТГСК", "Response before HSCT", "response"),
    ("МОБ перед ТГСК", "MRD before HSCT", "mrd"),
    ("Дата ТГСК", "HSCT date", "hsct_date"),
    ("Тип донора", "Donor type", "donor_type"),
    ("Источник трансплантата", "Graft source", "graft_source"),
    ("CD34+, ×10⁶/кг", "CD34+ x10^6/kg", "cd34_dose"),
    ("CD3+, ×10⁷/кг", "CD3+ x10^7/kg", "cd3_dose"),
    ("Режим кондиционирования", "Conditioning", "conditioning"),
    ("Профилактика РТПХ", "GVHD prophylaxis", "gvhd_prophylaxis"),
    ("ИСТ", "Immunosuppression", "immunosuppression"),
    ("Нейтрофилы ≤500", "Neutrophils <=500", "tox_neutropenia"),
    ("Тромбоциты ≤20", "Platelets <=20", "tox_thrombocytopenia"),
    ("Фебрильная нейтропения", "Febrile neutropenia", "tox_febrile_neutropenia"),
    ("Сепсис", "Sepsis", "tox_sepsis"),
    ("Полинейропатия", "Polyneuropathy", "tox_polyneuropathy"),
    ("Мукозит, степень", "Mucositis grade", "mucositis"),
    ("ССО до ТГСК", "SOS before HSCT", "tox_sos"),
    ("Приживление", "Engraftment day", "engraftment"),
    ("Тромбоциты >50", "Platelet recovery >50", "platelets"),
    ("Лимфоциты >0,3 на Д+30", "Lymphocytes >0.3 at D+30", "lymphocytes_d30_gt_0_3"),
    ("оРТПХ, степень", "Acute GVHD grade", "agvhd"),
    ("ССО", "SOS", "sos"),
    ("ТМА", "TMA", "tma"),
    ("Инфекции до Д+100", "Infection before D+100", "infection_d100"),
    ("Рецидив", "Relapse", "relapse"),
    ("Дата рецидива", "Relapse date", "relapse_date"),
    ("Локализация рецидива", "Relapse site", "relapse_site"),
    ("Потеря HLA-гаплотипа", "HLA loss", "hla_loss"),
    ("ИДЛ", "DLI", "dli"),
    ("Исход", "Vital status", "vital_status"),
    ("Дата последнего контакта", "Last contact date", "last_contact_date"),
    ("Причина смерти", "Cause of death", "cause_of_death"),
    ("Изменено", "Updated at", "updated_at"),
]
ASCII_HEADERS = {"CD34+, ×10⁶/кг": "CD34+, x10^6/кг", "CD3+, ×10⁷/кг": "CD3+, x10^7/кг",
                 "Нейтрофилы ≤500": "Нейтрофилы <=500", "Тромбоциты ≤20": "Тромбоциты <=20"}
CODED = ("disease_status", "bridging_therapy", "response", "donor_type", "graft_source", "conditioning",
         "gvhd_prophylaxis", "immunosuppression", "relapse_site", "hla_loss", "vital_status", "cause_of_death")
DATES = ("birth_date", "therapy_start_date", "hsct_date", "last_contact_date")
BOOLS = ("tox_neutropenia", "tox_thrombocytopenia", "tox_febrile_neutropenia", "tox_sepsis", "tox_polyneuropathy",
         "tox_sos", "lymphocytes_d30_gt_0_3", "infection_d100", "relapse", "dli")


def headers(lang: str, ascii_only: bool = False) -> list[str]:
    if lang == "en":
        return [en for _, en, _ in HEADERS]
    return [ASCII_HEADERS.get(ru, ru) if ascii_only else ru for ru, _, _ in HEADERS]


def _code(p: P, m: Mess) -> str:
    if m.lang == "ru":
        code = p["registry_code_ru"]
        return m.pad(code.replace("Т", "T", 1) if m.rng.random() < 0.1 else code)  # Latin T typed in
    return m.pad(p["registry_code_en"])


def _diagnosis(p: P, m: Mess) -> str:
    text = m.one(DIAGNOSIS[m.lang])
    return f"{text}, {p['diagnosis_note']}" if p["diagnosis_note"] else text


def _mrd(p: P, m: Mess) -> str:
    value = p["mrd_value_percent"]
    if p["mrd_status"] == "negative" and value is None:
        if m.lang == "ru":
            return m.pad(m.one([f"МОБ{m.dash()}", f"MOБ{m.dash()}", "отр."]))
        return m.pad(m.one([f"MRD{m.dash()}", "negative"]))
    prefix = "<" if p["mrd_value_comparator"] == "<" else ""
    return f"{prefix}{m.number(value)}%"


def _event_day(flag: bool | None, day: int | None, m: Mess) -> str:
    if flag is None:
        return ""
    if flag and day is not None:
        return m.day(day, bare_ok=False)
    return m.boolean(flag)


def _day_or_no(flag: bool | None, day: int | None, m: Mess) -> str:
    if flag is None:
        return ""
    if not flag:
        return m.pad(m.case("нет" if m.lang == "ru" else "no"))
    assert day is not None  # the cohort gives every event that happened its day
    return m.day(int(day))


def _relapse_date(p: P, m: Mess) -> str:
    if p["relapse_date"] is None:
        return ""
    if m.rng.random() < 0.3:
        return m.day((p["relapse_date"] - p["hsct_date"]).days, bare_ok=False)
    return m.date(p["relapse_date"])


RENDER: dict[str, Callable[[P, Mess], str]] = {
    "code": _code,
    "name": lambda p, m: m.case(p["full_name_ru"] if m.lang == "ru" else p["full_name_en"]),
    "sex": lambda p, m: m.coded("sex", p["sex"]),
    "diagnosis": _diagnosis,
    "cd22": lambda p, m: m.number(p["cd22_percent"]) + ("%" if m.rng.random() < 0.4 else ""),
    "ino_doses": lambda p, m: "" if p["ino_dose_d1"] is None else "/".join(
        m.number(p[k]) for k in ("ino_dose_d1", "ino_dose_d8", "ino_dose_d15")),
    "intrathecal": lambda p, m: m.one(["3 препарата", "да", "+"] if m.lang == "ru" else ["triple IT", "yes"]),
    "mrd": _mrd,
    "cd34_dose": lambda p, m: m.number(p["cd34_dose"]),
    "cd3_dose": lambda p, m: m.number(p["cd3_dose"]),
    "mucositis": lambda p, m: m.grade(p["tox_mucositis_grade"], none_word=False),
    "engraftment": lambda p, m: _day_or_no(p["engrafted"], p["engraftment_day"], m),
    "platelets": lambda p, m: _day_or_no(p["platelet_recovered"], p["platelet_recovery_day"], m),
    "agvhd": lambda p, m: m.grade(p["agvhd_grade"]),
    "sos": lambda p, m: _event_day(p["sos"], p["sos_day"], m),
    "tma": lambda p, m: _event_day(p["tma"], p["tma_day"], m),
    "relapse_date": _relapse_date,
    "updated_at": lambda p, m: m.datetime(p["updated_at"]),
}


def _coded(f: str) -> Callable[[P, Mess], str]:
    return lambda p, m: m.coded(f, p[f])


def _date(f: str) -> Callable[[P, Mess], str]:
    return lambda p, m: m.date(p[f])


def _boolean(f: str) -> Callable[[P, Mess], str]:
    return lambda p, m: m.boolean(p[f])


RENDER.update({f: _coded(f) for f in CODED})
RENDER.update({f: _date(f) for f in DATES})
RENDER.update({f: _boolean(f) for f in BOOLS})


def render(p: P, m: Mess) -> list[str]:
    """The row's cells in HEADERS order."""
    return [RENDER[key](p, m) for _, _, key in HEADERS]

"""Every spelling of source-feeds.md maps to its concept, and every header to its field."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.harmonize.vocab import load_vocabulary, lookup

VALUES = {
    "sex": {
        "male": ["М", "м", "муж", "M", "male"],
        "female": ["Ж", "ж", "жен", "F", "female"],
    },
    "diagnosis": {"b_all": ["В-ОЛЛ", "B-ALL", "C91.0"]},
    "disease_status": {
        "relapse": ["рецидив", "relapse"],
        "early_relapse": ["ранний рецидив", "early relapse"],
        "second_relapse": ["повторный рецидив", "second relapse"],
        "refractory": ["резистентное течение", "refractory"],
    },
    "bridging_therapy": {
        "ino": ["ИнО", "инотузумаб озогамицин", "Беспонса", "InO", "inotuzumab ozogamicin", "Besponsa", "ИнO"],
        "hd_mtx": ["HD-MTX", "блоковая ПХТ с ВД-МТХ", "high-dose methotrexate block"],
        "flu_based": ["флударабин-содержащая схема", "FLAG", "fludarabine-based"],
    },
    "intrathecal": {"true": ["3 препарата", "triple IT", "да"], "false": ["нет"]},
    "response": {
        "cri": ["КГР с неполным восстановлением", "КГРн", "CRi", "CR with incomplete recovery"],
        "refractory": ["резистентный рецидив", "нет ответа", "refractory", "no response"],
    },
    "mrd_status": {
        "negative": ["МОБ-", "МОБ–", "MRD−", "отр.", "negative", "MOБ-"],
        "positive": ["МОБ+", "пол.", "positive"],
    },
    "donor_type": {
        "haplo": ["гаплоидентичный", "гапло", "haploidentical", "haplo"],
        "matched_related": ["родственный совместимый", "сиблинг", "MSD", "matched related"],
        "matched_unrelated": ["неродственный совместимый", "MUD", "matched unrelated"],
    },
    "graft_source": {"bm": ["КМ", "костный мозг", "BM", "bone marrow"], "pbsc": ["ПСКК", "PBSC"]},
    "conditioning": {
        "mac_bu": ["МАК (бусульфан 12 мг/кг)", "MAC busulfan"],
        "rtc_treo": ["МАК-СТ (треосульфан)", "RTC treosulfan"],
        "ric_mel": ["РИК (мелфалан 140 мг/м2)", "RIC melphalan"],
    },
    "gvhd_prophylaxis": {
        "ptcy": ["ПТЦф", "ПТЦ 50 мг/кг Д+3,+4", "PTCy"],
        "atg": ["серопрофилактика", "АТГ", "ATG"],
    },
    "immunosuppression": {
        "cni_mtor": ["ИКН + mTOR", "CNI + mTOR"],
        "tac_sir": ["такролимус + сиролимус", "tacrolimus + sirolimus"],
        "csa_sir": ["циклоспорин + сиролимус"],
        "sir": ["сиролимус", "sirolimus alone"],
    },
    "relapse_site": {
        "bm": ["КМ", "костномозговой", "BM"],
        "cns": ["ЦНС", "CNS"],
        "extramedullary": ["экстрамедуллярный", "extramedullary"],
        "bm_cns": ["КМ+ЦНС", "BM+CNS"],
        "combined": ["комбинированный", "combined"],
    },
    "hla_loss": {
        "loss": ["да", "yes", "потеря", "loss"],
        "no_loss": ["нет", "no", "нет потери", "no loss"],
        "not_tested": ["не исследовано", "not tested"],
    },
    "vital_status": {"alive": ["жив", "alive"], "dead": ["умер", "dead"]},
    "cause_of_death": {
        "relapse": ["рецидив", "relapse"],
        "sos": ["ССО", "SOS"],
        "infection": ["инфекция", "infection"],
        "gvhd": ["РТПХ", "GVHD"],
        "tma": ["ТМА", "TMA"],
        "other": ["другое", "other"],
    },
    "lab_test": {
        "mrd_flow": ["МОБ (проточная цитометрия)", "MRD (flow cytometry)"],
        "cd22_blasts": ["CD22 на бластах", "CD22 on blasts"],
        "anc": ["Нейтрофилы", "ANC"],
        "plt": ["Тромбоциты", "PLT"],
        "alc": ["Лимфоциты", "ALC"],
        "chimerism": ["Донорский химеризм", "Donor chimerism"],
        "hla_loss_str": ["Потеря HLA-гаплотипа (STR)", "HLA haplotype loss (STR, 6 markers)"],
    },
    "unit": {
        "%": ["%"],
        "10*9/L": ["×10⁹/л", "x10^9/L"],
        "/uL": ["кл/мкл", "cells/uL"],
    },
    "boolean": {
        "true": ["да", "yes", "+", "1", "true", "есть", "Да", "YES"],
        "false": ["нет", "no", "-", "–", "0", "false"],
    },
    "grade": {"0": ["0", "нет", "none"], "1": ["I", "1"], "2": ["II", "2"], "3": ["III", "3", "ІІІ"], "4": ["IV", "4"]},
}
CASES = [(d, k, s) for d, keys in VALUES.items() for k, spellings in keys.items() for s in spellings]


@pytest.mark.parametrize(("domain", "key", "spelling"), CASES, ids=[f"{d}:{s}" for d, _, s in CASES])
def test_every_documented_value_spelling_maps(domain: str, key: str, spelling: str) -> None:
    found = lookup(pd.Series([spelling, f"  {spelling.upper()} "]), domain)
    assert list(found.keys) == [key, key]
    assert not found.unmapped.any()


def test_diagnosis_note_is_kept_apart() -> None:
    found = lookup(pd.Series(["В-ОЛЛ, второй рецидив", "B-ALL (second relapse)", "C91.0", "ОЛЛ"]), "diagnosis")
    assert list(found.keys[:3]) == ["b_all"] * 3
    assert list(found.notes[:2]) == ["второй рецидив", "second relapse"]
    assert pd.isna(found.notes[2])
    assert list(found.unmapped) == [False, False, False, True]


def test_unknown_value_is_reported_not_guessed() -> None:
    found = lookup(pd.Series(["тётя", "гапло", None, "", "н/д"]), "donor_type")
    assert list(found.unmapped) == [True, False, False, False, False]
    assert pd.isna(found.keys[0])


REGISTRY_HEADERS = {
    "registry_code": ["Код пациента", "Patient ID"],
    "full_name": ["ФИО", "Full name"],
    "sex": ["Пол", "Sex"],
    "birth_date": ["Дата рождения", "Date of birth"],
    "diagnosis": ["Диагноз", "Diagnosis"],
    "disease_status": ["Статус", "Disease status"],
    "cd22_percent": ["Экспрессия CD22, %", "CD22 expression, %", "Экспрессия CD22"],
    "bridging_therapy": ["Терапия перед ТГСК", "Bridging therapy"],
    "therapy_start_date": ["Дата начала терапии", "Therapy start date"],
    "ino_doses": ["Дозы ИнО, мг/м2", "InO doses, mg/m2"],
    "intrathecal": ["Интратекально", "Intrathecal therapy"],
    "response": ["Ответ перед ТГСК", "Response before HSCT"],
    "mrd": ["МОБ перед ТГСК", "MRD before HSCT"],
    "hsct_date": ["Дата ТГСК", "HSCT date"],
    "donor_type": ["Тип донора", "Donor type"],
    "graft_source": ["Источник трансплантата", "Graft source"],
    "cd34_dose": ["CD34+, ×10⁶/кг", "CD34+, x10^6/кг", "CD34+ x10^6/kg"],
    "cd3_dose": ["CD3+, ×10⁷/кг", "CD3+, x10^7/кг", "CD3+ x10^7/kg"],
    "conditioning": ["Режим кондиционирования", "Conditioning"],
    "gvhd_prophylaxis": ["Профилактика РТПХ", "GVHD prophylaxis"],
    "immunosuppression": ["ИСТ", "Immunosuppression"],
    "tox_neutropenia": ["Нейтрофилы ≤500", "Нейтрофилы <=500", "Neutrophils <=500"],
    "tox_thrombocytopenia": ["Тромбоциты ≤20", "Тромбоциты <=20", "Platelets <=20"],
    "tox_febrile_neutropenia": ["Фебрильная нейтропения", "Febrile neutropenia"],
    "tox_sepsis": ["Сепсис", "Sepsis"],
    "tox_polyneuropathy": ["Полинейропатия", "Polyneuropathy"],
    "tox_mucositis_grade": ["Мукозит, степень", "Mucositis grade"],
    "tox_sos": ["ССО до ТГСК", "SOS before HSCT"],
    "engraftment": ["Приживление", "Engraftment day"],
    "platelet_recovery": ["Тромбоциты >50", "Platelet recovery >50"],
    "lymphocytes_d30_gt_0_3": ["Лимфоциты >0,3 на Д+30", "Lymphocytes >0.3 at D+30"],
    "agvhd_grade": ["оРТПХ, степень", "Acute GVHD grade"],
    "sos_cell": ["ССО", "SOS"],
    "tma_cell": ["ТМА", "TMA"],
    "infection_d100": ["Инфекции до Д+100", "Infection before D+100"],
    "relapse": ["Рецидив", "Relapse"],
    "relapse_date_cell": ["Дата рецидива", "Relapse date"],
    "relapse_site": ["Локализация рецидива", "Relapse site"],
    "hla_loss": ["Потеря HLA-гаплотипа", "HLA loss"],
    "dli": ["ИДЛ", "DLI"],
    "vital_status": ["Исход", "Vital status"],
    "last_contact_date": ["Дата последнего контакта", "Last contact date"],
    "cause_of_death": ["Причина смерти", "Cause of death"],
    "updated_at": ["Изменено", "Updated at"],
}
LAB_HEADERS = {
    "registry_code": ["Код пациента", "Patient ID"],
    "result_date": ["Дата", "Date"],
    "test": ["Исследование", "Test"],
    "value": ["Результат", "Result"],
    "unit": ["Ед.", "Unit"],
}
HEADER_CASES = [
    (feed, f, h)
    for feed, table in (("registry_ru", REGISTRY_HEADERS), ("registry_en", REGISTRY_HEADERS), ("labs", LAB_HEADERS))
    for f, headers in table.items()
    for h in headers
]


@pytest.mark.parametrize(("feed", "field", "header"), HEADER_CASES, ids=[f"{a}:{c}" for a, _, c in HEADER_CASES])
def test_every_documented_header_maps(feed: str, field: str, header: str) -> None:
    index = load_vocabulary().header_index(feed)
    assert index.match(header) == field
    assert index.match(f"  {header.upper()}  ") == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Экспрессия CD22, % бластов", "cd22_percent"),
        ("Тип донора, код", "donor_type"),
        ("Дата ТГСК (дд.мм.гггг)", "hsct_date"),
        ("Нейтрофилы ≤ 500", "tox_neutropenia"),
        ("Мукозит, степень (0-IV)", "tox_mucositis_grade"),
    ],
)
def test_header_with_unit_or_note_matches_on_its_head(header: str, field: str) -> None:
    assert load_vocabulary().header_index("registry_ru").match(header) == field


def test_unknown_header_is_none() -> None:
    assert load_vocabulary().header_index("registry_en").match("Favourite colour") is None


def test_every_header_field_is_known_in_both_record_and_fields_yaml() -> None:
    vocab = load_vocabulary()
    assert set(vocab.header_index("registry").fields) == set(REGISTRY_HEADERS)
    assert set(vocab.header_index("labs").fields) == set(LAB_HEADERS)

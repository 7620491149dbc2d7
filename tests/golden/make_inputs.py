"""Write the golden scenarios' input nights, deterministically: `.venv/bin/python tests/golden/make_inputs.py`.

Every input file of tests/golden/<scenario>/input/ is written here from the rows below and committed
(the test never runs this script). Running it again must give the same bytes: the workbook is written
by xlsxwriter with a fixed creation date (its zip members carry a fixed time of their own), the CSV
files with fixed encodings, delimiters and line ends. Shapes follow ../shared/study/source-feeds.md:

* registry_ru: Windows-1251 CSV with `;` (no `×`, `⁶`, `≤`: `x10^6`, `<=`), or an .xlsx whose dates
  are date cells and doses number cells; decimal commas, `Д+22` / `д+ 33` / bare day numbers;
* registry_en: UTF-8 CSV with `,`, ISO and dd/mm/yyyy dates, `D+22`, Roman grades;
* labs: `;` with Russian headers and decimal commas, or `,` with English headers and points.

All names and codes are synthetic. Headers are written in mixed case on purpose (`КОД ПАЦИЕНТА`,
`patient id`): the mappings match them after case folding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import xlsxwriter

HERE = Path(__file__).resolve().parent

# The feeds' headers as the hospital systems write them (../shared/study/source-feeds.md), a copy of
# their own: a change elsewhere must not change these inputs.
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

Row = dict[str, Any]
CREATED = dt.datetime(2024, 3, 1, 6, 0, 0)  # the workbook's fixed creation date (docProps/core.xml)

# Headers written in another case than the mapping's spelling: matched after case folding.
RU_CASE = {"Код пациента": "КОД ПАЦИЕНТА", "Пол": "пол", "Дата ТГСК": "ДАТА ТГСК", "Приживление": "приживление"}
EN_CASE = {"Patient ID": "patient id", "HSCT date": "HSCT DATE", "Engraftment day": "ENGRAFTMENT DAY"}


# ----------------------------------------------------------------------------- registry_ru


def ru_base() -> Row:
    """A complete, valid registry_ru row (text as a clinician types it into the CSV)."""
    values = [
        "ТГСК-2023-001", "Тестова Алина Сергеевна", "ж", "14.03.2011", "В-ОЛЛ, второй рецидив",
        "повторный рецидив", "74,5", "ИнО", "02.02.2023", "0,8/0,5/0,5", "3 препарата", "КГРн", "МОБ–",
        "06.03.2023", "гапло", "КМ", "4,8", "7,1", "РИК (мелфалан 140 мг/м2)", "ПТЦф", "такролимус + сиролимус",
        "да", "да", "нет", "нет", "нет", "II", "нет", "Д+22", "Д+33", "да", "II", "Д+14", "нет", "да", "да",
        "Д+164", "КМ", "да", "да", "умер", "01.12.2023", "рецидив", "02.02.2024 09:00",
    ]  # fmt: skip
    return dict(zip(HEADERS["registry_ru"], values, strict=True))


def ru_rows() -> list[Row]:
    """Five rows: two plain patients, one loaded with every free-text habit, one row the mappings
    reject (engraftment on D+140, quarantined), and one patient twice with identical cells (merged)."""
    first = ru_base() | {"Потеря HLA-гаплотипа": "не исследовано"}
    second = ru_base() | {
        "Код пациента": " ТГСК-2023-002 ", "ФИО": "Примерова Дарья Олеговна", "Пол": "Ж",
        "Дата рождения": "05.06.2014", "Диагноз": "C91.0", "Статус": "рецидив", "Экспрессия CD22, %": "80%",
        "Дата начала терапии": "01.02.2023", "Интратекально": "нет",
        "Ответ перед ТГСК": "КГР с неполным восстановлением", "МОБ перед ТГСК": "0,8%", "Дата ТГСК": "03.03.2023",
        "Тип донора": "гаплоидентичный", "Источник трансплантата": "ПСКК",
        "CD34+, ×10⁶/кг": "6,4", "CD3+, ×10⁷/кг": "7,57", "Режим кондиционирования": "МАК (бусульфан 12 мг/кг)",
        "ИСТ": "ИКН + mTOR", "Фебрильная нейтропения": "+", "Сепсис": "-", "Полинейропатия": "0",
        "Мукозит, степень": "0", "Приживление": "19", "Тромбоциты >50": "д+ 33", "Лимфоциты >0,3 на Д+30": "нет",
        "оРТПХ, степень": "нет", "ССО": "нет", "ТМА": "д+ 40", "Инфекции до Д+100": "0", "Рецидив": "нет",
        "Дата рецидива": "", "Локализация рецидива": "", "Потеря HLA-гаплотипа": "", "ИДЛ": "нет", "Исход": "жив",
        "Дата последнего контакта": "01.02.2024", "Причина смерти": "", "Изменено": "15.01.2024 12:30",
    }  # fmt: skip
    third = ru_base() | {
        "Код пациента": "ТГСК-2023-003", "ФИО": "Образцов Тимур Андреевич", "Пол": "муж",
        "Дата рождения": "21.09.2016", "Диагноз": "В-ОЛЛ", "Статус": "резистентное течение",
        "Экспрессия CD22, %": "91", "Терапия перед ТГСК": "блоковая ПХТ с ВД-МТХ", "Дозы ИнО, мг/м2": "",
        "Интратекально": "да", "Ответ перед ТГСК": "КГРн", "МОБ перед ТГСК": "<0,01%", "Дата ТГСК": "10.04.2023",
        "Тип донора": "неродственный совместимый", "Источник трансплантата": "костный мозг", "CD34+, ×10⁶/кг": "5",
        "CD3+, ×10⁷/кг": "3,25", "Режим кондиционирования": "МАК-СТ (треосульфан)", "Профилактика РТПХ": "АТГ",
        "ИСТ": "циклоспорин + сиролимус", "Мукозит, степень": "3", "ССО до ТГСК": "нет", "Приживление": "Д+17",
        "Тромбоциты >50": "нет", "оРТПХ, степень": "IV", "ССО": "да", "ТМА": "нет", "Рецидив": "нет",
        "Дата рецидива": "", "Локализация рецидива": "", "Потеря HLA-гаплотипа": "", "ИДЛ": "нет",
        "Исход": "умер", "Дата последнего контакта": "15.08.2023", "Причина смерти": "РТПХ",
        "Изменено": "20.01.2024 10:00",
    }  # fmt: skip
    rejected = ru_base() | {
        "Код пациента": "ТГСК-2023-004", "ФИО": "Пробная Вера Ильинична", "Дата рождения": "02.02.2012",
        "Дата ТГСК": "12.05.2023", "Приживление": "Д+140", "Изменено": "21.01.2024 10:00",
    }  # fmt: skip
    twice = ru_base() | {
        "Код пациента": "ТГСК-2023-005", "ФИО": "Повторова Ника Львовна", "Дата рождения": "30.11.2013",
        "Дата ТГСК": "01.06.2023", "Рецидив": "нет", "Дата рецидива": "", "Локализация рецидива": "",
        "Потеря HLA-гаплотипа": "", "ИДЛ": "нет", "Исход": "жив", "Причина смерти": "",
        "Дата последнего контакта": "01.02.2024", "Изменено": "22.01.2024 08:15",
    }  # fmt: skip
    return [first, second, third, rejected, twice, dict(twice)]


def ru_csv_text(rows: list[Row]) -> str:
    """The rows as the clinic's CSV export: `;`, and the header's symbols a Windows-1251 file cannot hold."""
    ascii_header = {"CD34+, ×10⁶/кг": "CD34+, x10^6/кг", "CD3+, ×10⁷/кг": "CD3+, x10^7/кг",
                    "Нейтрофилы ≤500": "Нейтрофилы <=500", "Тромбоциты ≤20": "Тромбоциты <=20"}  # fmt: skip
    header = [ascii_header.get(h, RU_CASE.get(h, h)) for h in HEADERS["registry_ru"]]
    return _csv(header, [[r[h] for h in HEADERS["registry_ru"]] for r in rows], ";")


def _ru_cell(header: str, text: str) -> Any:
    """A cell as Excel holds it when typed in: dates as dates, plain numbers as numbers, the rest text."""
    if not text or text != text.strip():
        return text
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    number = text.replace(",", ".")
    if header.startswith(("CD34", "CD3+", "Экспрессия")) and number.replace(".", "", 1).isdigit():
        return float(number) if "." in number else int(number)
    return text


def ru_workbook(rows: list[Row]) -> bytes:
    """The rows as an .xlsx of one sheet `Регистр`, the header in bold; byte-for-byte reproducible."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    wb.set_properties({"created": CREATED, "author": "hsct golden scenarios"})
    ws = wb.add_worksheet("Регистр")
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    stamp_fmt = wb.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    headers = HEADERS["registry_ru"]
    for col, header in enumerate(headers):
        ws.write_string(0, col, RU_CASE.get(header, header), bold)
    for r, row in enumerate(rows, start=1):
        for col, header in enumerate(headers):
            cell = _ru_cell(header, row[header])
            if isinstance(cell, dt.datetime):
                ws.write_datetime(r, col, cell, stamp_fmt if cell.hour or cell.minute else date_fmt)
            elif isinstance(cell, int | float):
                ws.write_number(r, col, cell)
            elif cell:
                ws.write_string(r, col, cell)
    wb.close()
    return out.getvalue()


# ----------------------------------------------------------------------------- registry_en


def en_base() -> Row:
    values = [
        "HSCT-2023-011", "Fictional Olivia", "F", "2010-07-19", "B-ALL", "second relapse", "74", "InO",
        "2023-02-01", "0.8/0.5/0.5", "triple IT", "CRi", "negative", "2023-03-06", "haplo", "BM", "4.8", "7.1",
        "RIC melphalan", "PTCy", "tacrolimus + sirolimus", "yes", "yes", "no", "no", "no", "II", "no", "D+22",
        "33", "yes", "III", "D+14", "no", "yes", "yes", "D+164", "BM", "yes", "yes", "dead", "2023-12-01",
        "relapse", "2024-02-02T09:00:00",
    ]  # fmt: skip
    return dict(zip(HEADERS["registry_en"], values, strict=True))


def en_rows() -> list[Row]:
    """Five rows: a complete patient, one in dd/mm/yyyy with lower-case spellings, one that relapsed
    before the transplant (quarantined), and one patient twice with identical cells (merged). The first
    leaves its CD3+ dose empty: the older registry_ru row of the same patient (en_overlap_ru_rows) fills it."""
    first = en_base() | {"CD3+ x10^7/kg": ""}
    second = en_base() | {
        "Patient ID": "HSCT-2023-012", "Full name": "Sample Noah", "Sex": "male", "Date of birth": "05/01/2012",
        "Diagnosis": "C91.0", "Disease status": "refractory", "CD22 expression, %": "88%",
        "Bridging therapy": "high-dose methotrexate block", "Therapy start date": "01/02/2023",
        "InO doses, mg/m2": "", "Intrathecal therapy": "no", "Response before HSCT": "refractory",
        "MRD before HSCT": "0.8%", "HSCT date": "10/03/2023", "Donor type": "MUD", "Graft source": "PBSC",
        "CD34+ x10^6/kg": "6.1", "CD3+ x10^7/kg": "1.25", "Conditioning": "MAC busulfan", "GVHD prophylaxis": "ATG",
        "Immunosuppression": "sirolimus alone", "Febrile neutropenia": "yes", "Mucositis grade": "2",
        "Engraftment day": "d+ 18", "Platelet recovery >50": "no", "Lymphocytes >0.3 at D+30": "no",
        "Acute GVHD grade": "none", "SOS": "no", "TMA": "D+40", "Infection before D+100": "no", "Relapse": "no",
        "Relapse date": "", "Relapse site": "", "HLA loss": "", "DLI": "no", "Vital status": "alive",
        "Last contact date": "2024-01-15", "Cause of death": "", "Updated at": "2024-01-10T08:00:00",
    }  # fmt: skip
    third = en_base() | {
        "Patient ID": " HSCT-2023-013", "Full name": "Example Leo", "Sex": "M", "Date of birth": "2015-02-11",
        "MRD before HSCT": "<0.01%", "HSCT date": "2023-04-10", "Donor type": "matched related",
        "Graft source": "bone marrow", "Conditioning": "RTC treosulfan", "GVHD prophylaxis": "ATG",
        "Engraftment day": "16", "Platelet recovery >50": "D+29", "Acute GVHD grade": "I", "SOS": "yes",
        "Relapse date": "D+200", "Relapse site": "CNS", "HLA loss": "not tested", "DLI": "no",
        "Vital status": "alive", "Cause of death": "", "Last contact date": "2024-01-20",
        "Updated at": "2024-01-12T11:30:00",
    }  # fmt: skip
    rejected = en_base() | {
        "Patient ID": "HSCT-2023-014", "Full name": "Mock Ada", "Date of birth": "2011-01-01",
        "HSCT date": "2023-05-15", "Relapse date": "2023-04-01", "Updated at": "2024-01-13T10:00:00",
    }  # fmt: skip
    twice = en_base() | {
        "Patient ID": "HSCT-2023-015", "Full name": "Twin Row Mia", "Date of birth": "2013-08-08",
        "HSCT date": "2023-06-01", "Relapse": "no", "Relapse date": "", "Relapse site": "", "HLA loss": "",
        "DLI": "no", "Vital status": "alive", "Cause of death": "", "Last contact date": "2024-02-01",
        "Updated at": "2024-01-14T09:45:00",
    }  # fmt: skip
    return [first, second, third, rejected, twice, dict(twice)]


def en_overlap_ru_rows() -> list[Row]:
    """The registry_en scenario's registry_ru file: HSCT-2023-011 again as ТГСК-2023-011, edited before
    the English row, so that the English row wins; it disagrees on CD22 and the acute GVHD grade
    (conflicts recorded) and holds the CD3+ dose the English row lacks (taken from it)."""
    return [
        ru_base() | {
            "Код пациента": "ТГСК-2023-011", "ФИО": "Фиктивная Оливия", "Дата рождения": "19.07.2010",
            "Диагноз": "В-ОЛЛ", "Экспрессия CD22, %": "70", "Дата начала терапии": "01.02.2023",
            "оРТПХ, степень": "II", "Изменено": "01.02.2024 09:00",
        }
    ]  # fmt: skip


def en_csv_text(rows: list[Row]) -> str:
    header = [EN_CASE.get(h, h) for h in HEADERS["registry_en"]]
    return _csv(header, [[r[h] for h in HEADERS["registry_en"]] for r in rows], ",")


# ----------------------------------------------------------------------------- labs

# the two patients the labs scenario's registry_en file holds, and one no registry has
LAB_PATIENTS = ("HSCT-2023-021", "HSCT-2023-022")


def labs_registry_rows() -> list[Row]:
    """The registry the labs refer to: two patients of registry_en."""
    return [
        en_base() | {"Patient ID": LAB_PATIENTS[0], "Full name": "Labtest Eva", "Updated at": "2024-01-05T08:00:00"},
        en_base() | {
            "Patient ID": LAB_PATIENTS[1], "Full name": "Labtest Ivan", "Sex": "M", "Date of birth": "2012-01-05",
            "HSCT date": "2023-03-10", "Relapse": "no", "Relapse date": "", "Relapse site": "", "HLA loss": "",
            "DLI": "no", "Vital status": "alive", "Cause of death": "", "Last contact date": "2024-01-20",
            "Updated at": "2024-01-06T08:00:00",
        },
    ]  # fmt: skip


def labs_ru_rows() -> list[list[str]]:
    """Russian headers, `;`, decimal commas, cells/uL and x10^9/l units, `<0,01`, an STR result, one
    row twice (identical: merged), one row for a patient no registry has (quarantined)."""
    a, b = "ТГСК-2023-021", "ТГСК-2023-022"
    return [
        [a, "20.02.2023", "CD22 на бластах", "80,5", "%"],
        [a, "28.03.2023", "Нейтрофилы", "600", "кл/мкл"],
        [a, "05.04.2023", "Лимфоциты", "0,45", "x10^9/л"],
        [a, "06.04.2023", "МОБ (проточная цитометрия)", "<0,01", "%"],
        [a, "06.04.2023", "МОБ (проточная цитометрия)", "<0,01", "%"],
        [a, "10.05.2023", "Донорский химеризм", "98,7", "%"],
        [a, "05.11.2023", "Потеря HLA-гаплотипа (STR)", "потеря", ""],
        [b, " 30.03.2023 ", "нейтрофилы", "1,2", "×10⁹/л"],
        ["ТГСК-2099-999", "05.11.2023", "Тромбоциты", "55", "x10^9/л"],
    ]


def labs_en_rows() -> list[list[str]]:
    """English headers, `,`, points, ISO and dd/mm/yyyy dates; a unit no mapping knows (quarantined)."""
    a, b = LAB_PATIENTS
    return [
        [b, "2023-04-02", "PLT", "55", "x10^9/L"],
        [b, "2023-04-02", "ALC", "350", "cells/uL"],
        [b, "12/04/2023", "MRD (flow cytometry)", "0.02", "%"],
        [b, "2023-11-05", "HLA haplotype loss (STR, 6 markers)", "no loss", ""],
        [a, "2023-06-01", "Donor chimerism", "99.5", "%"],
        [a, "2023-06-02", "ANC", "1.5", "g/dL"],
    ]


# ----------------------------------------------------------------------------- files


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def inputs() -> dict[str, bytes]:
    """Every input file, by its path under tests/golden/."""
    ru, en = ru_rows(), en_rows()
    return {
        "registry_ru_xlsx/input/registry_ru_20240301.xlsx": ru_workbook(ru),
        "registry_ru_csv/input/registry_ru_20240301.csv": ru_csv_text(ru).encode("cp1251"),
        "registry_en_csv/input/registry_en_20240301.csv": en_csv_text(en).encode("utf-8"),
        "registry_en_csv/input/registry_ru_20240301.csv": ru_csv_text(en_overlap_ru_rows()).encode("cp1251"),
        "labs_csv/input/registry_en_20240301.csv": en_csv_text(labs_registry_rows()).encode("utf-8"),
        "labs_csv/input/labs_20240301.csv": _csv(HEADERS["labs_ru"], labs_ru_rows(), ";").encode("utf-8-sig"),
        "labs_csv/input/labs_20240302.csv": _csv(HEADERS["labs_en"], labs_en_rows(), ",").encode("utf-8"),
    }


def main() -> None:
    for rel, data in inputs().items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {rel} ({len(data)} bytes)")


if __name__ == "__main__":
    main()

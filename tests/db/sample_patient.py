"""One hand-written, fully populated synthetic patient: a row in every table.

The names, dates and codes are invented.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

D = dt.date
RUN = 1
FILE = 1
RAW_RU = 1
RAW_EN = 2
RAW_LAB = 3
PATIENT = 1
TX = 1
THERAPY = 1

ROWS: dict[str, list[dict[str, Any]]] = {
    "etl_run": [
        {
            "run_id": RUN,
            "started_at": dt.datetime(2024, 1, 2, 1, 0),
            "finished_at": dt.datetime(2024, 1, 2, 1, 5),
            "status": "completed",
            "source_dir": "/nightly/20240101",
            "rows_in": 4,
            "rows_loaded": 2,
            "rows_merged": 1,
            "rows_quarantined": 1,
            "message": None,
            "inputs_sha256": "b" * 64,
            "as_of": dt.date(2024, 1, 2),
        }
    ],
    "source_file": [
        {
            "file_id": FILE,
            "checksum_sha256": "a" * 64,
            "file_name": "registry_ru_20240101.csv",
            "feed": "registry_ru",
            "format": "csv",
            "size_bytes": 2048,
            "encoding": "cp1251",
            "delimiter": ";",
            "sheet": None,
            "header_row": 1,
            "preamble": None,
            "date_system": None,
        }
    ],
    "run_file": [
        {
            "run_id": RUN,
            "file_name": "registry_ru_20240101.csv",
            "file_id": FILE,
            "status": "read",
            "error": None,
            "rows_in": 4,
            "rows_loaded": 2,
            "rows_merged": 1,
            "rows_quarantined": 1,
            "rows_unchanged": 0,
        }
    ],
    "run_change": [
        {
            "run_id": RUN,
            "table_name": "patient",
            "stored_before": 0,
            "inserted": 1,
            "updated": 0,
            "deleted": 0,
            "cascaded": 0,
            "deleted_keys": None,
            "inserted_keys": "2019-014",
        }
    ],
    "source_column": [
        {"file_id": FILE, "column_index": 0, "header": "Код пациента", "field": "registry_code"},
        {"file_id": FILE, "column_index": 1, "header": "Тип донора", "field": "donor_type"},
        {"file_id": FILE, "column_index": 2, "header": "Примечание врача", "field": None},
    ],
    "raw_row": [
        {
            "raw_row_id": RAW_RU,
            "file_id": FILE,
            "row_number": 2,
            "cells": {"Код пациента": "ТГСК-2019-014", "Тип донора": "гапло", "Примечание врача": None},
        },
        {
            "raw_row_id": RAW_EN,
            "file_id": FILE,
            "row_number": 3,
            "cells": {"Код пациента": "ТГСК-2019-014", "Тип донора": "гаплоидентичный", "Примечание врача": "—"},
        },
        {
            "raw_row_id": RAW_LAB,
            "file_id": FILE,
            "row_number": 4,
            "cells": {"Код пациента": "ТГСК-2019-014", "Тип донора": "инопланетный", "Примечание врача": None},
        },
    ],
    "quarantine": [
        {
            "quarantine_id": 1,
            "run_id": RUN,
            "file_id": FILE,
            "row_number": 4,
            "column_name": "Тип донора",
            "raw_value": "инопланетный",
            "reason_code": "unmapped_value",
            "message": "donor type 'инопланетный' is known to no mapping",
            "raw_row_id": RAW_LAB,
        }
    ],
    "run_quarantine": [{"run_id": RUN, "quarantine_id": 1}],
    "deleted_patient": [{"patient_id": 99, "deleted_run_id": RUN}],
    "patient": [
        {
            "patient_id": PATIENT,
            "sex_id": "sex/female",
            "birth_year": 2009,
            "source_updated_at": dt.datetime(2023, 12, 30, 17, 45),
            "raw_row_id": RAW_RU,
            "changed_run_id": RUN,
        }
    ],
    "person": [
        {
            "patient_id": PATIENT,
            "patient_key": "2019-014",
            "registry_code_ru": "ТГСК-2019-014",
            "registry_code_en": "HSCT-2019-014",
            "full_name_ru": "Синтетова Анна Петровна",
            "full_name_en": "Sintetova Anna Petrovna",
            "birth_date": D(2009, 4, 17),
        }
    ],
    "merge_conflict": [
        {
            "conflict_id": 1,
            "patient_id": PATIENT,
            "field": "donor_type",
            "kept_value": "гапло",
            "discarded_value": "гаплоидентичный",
            "kept_raw_row_id": RAW_RU,
            "discarded_raw_row_id": RAW_EN,
            "reason": "newer edit wins (2023-12-30T17:45 > 2023-11-02T09:00)",
            "run_id": RUN,
        }
    ],
    "value_source": [
        {"patient_id": PATIENT, "field": "cd3_dose", "raw_row_id": RAW_EN},
    ],
    "patient_record_digest": [
        {"patient_id": PATIENT, "record_sha256": "d" * 64},
    ],
    "diagnosis": [
        {
            "patient_id": PATIENT,
            "diagnosis_id": "diagnosis/b_all",
            "note": "второй рецидив",
            "disease_status_id": "disease_status/second_relapse",
            "cd22_percent": 74.5,
            "raw_row_id": RAW_RU,
        }
    ],
    "transplant": [
        {
            "transplant_id": TX,
            "patient_id": PATIENT,
            "hsct_date": D(2019, 5, 20),
            "age_years_at_hsct": 10,
            "donor_type_id": "donor_type/haplo",
            "graft_source_id": "graft_source/bm",
            "cd34_dose": 4.8,
            "cd3_dose": 7.1,
            "conditioning_id": "conditioning/ric_mel",
            "gvhd_prophylaxis_id": "gvhd_prophylaxis/ptcy",
            "immunosuppression_id": "immunosuppression/tac_sir",
            "raw_row_id": RAW_RU,
        }
    ],
    "bridging_therapy": [
        {
            "therapy_id": THERAPY,
            "patient_id": PATIENT,
            "transplant_id": TX,
            "regimen_id": "bridging_therapy/ino",
            "start_date": D(2019, 4, 20),
            "start_day": -30,
            "intrathecal": True,
            "raw_row_id": RAW_RU,
        }
    ],
    "drug_administration": [
        {
            "administration_id": i + 1,
            "patient_id": PATIENT,
            "transplant_id": TX,
            "therapy_id": THERAPY,
            "drug_id": "drug/inotuzumab",
            "purpose": "bridging",
            "therapy_day": day,
            "admin_date": D(2019, 4, 20) + dt.timedelta(days=day - 1),
            "admin_day": -30 + day - 1,
            "dose": dose,
            "dose_unit": "mg/m2",
            "raw_row_id": RAW_RU,
        }
        for i, (day, dose) in enumerate([(1, 0.8), (8, 0.5), (15, 0.5)])
    ]
    + [
        {
            "administration_id": 4,
            "patient_id": PATIENT,
            "transplant_id": TX,
            "therapy_id": None,
            "drug_id": "drug/melphalan",
            "purpose": "conditioning",
            "therapy_day": 0,
            "admin_date": None,
            "admin_day": None,
            "dose": 140.0,
            "dose_unit": "mg/m2",
            "raw_row_id": RAW_RU,
        },
        {
            "administration_id": 5,
            "patient_id": PATIENT,
            "transplant_id": TX,
            "therapy_id": None,
            "drug_id": "drug/cyclophosphamide",
            "purpose": "gvhd_prophylaxis",
            "therapy_day": 3,
            "admin_date": D(2019, 5, 23),
            "admin_day": 3,
            "dose": 50.0,
            "dose_unit": "mg/kg",
            "raw_row_id": RAW_RU,
        },
    ],
    "disease_assessment": [
        {
            "transplant_id": TX,
            "response_id": "response/cri",
            "mrd_status_id": "mrd_status/negative",
            "mrd_value_percent": 0.01,
            "mrd_comparator": "<",
            "raw_row_id": RAW_RU,
        }
    ],
    "pretransplant_toxicity": [
        {
            "transplant_id": TX,
            "toxicity_id": "toxicity/neutropenia",
            "present": True,
            "grade": None,
            "raw_row_id": RAW_RU,
        },
        {"transplant_id": TX, "toxicity_id": "toxicity/mucositis", "present": True, "grade": 2, "raw_row_id": RAW_RU},
        {"transplant_id": TX, "toxicity_id": "toxicity/sepsis", "present": False, "grade": None, "raw_row_id": RAW_RU},
    ],
    "recovery": [
        {
            "transplant_id": TX,
            "neutrophil_engrafted": True,
            "neutrophil_date": D(2019, 6, 11),
            "neutrophil_day": 22,
            "platelet_recovered": True,
            "platelet_date": D(2019, 6, 22),
            "platelet_day": 33,
            "lymphocytes_d30_gt_0_3": True,
            "raw_row_id": RAW_RU,
        }
    ],
    "complication": [
        {
            "transplant_id": TX,
            "complication_id": "complication/agvhd",
            "present": True,
            "grade": 3,
            "onset_date": None,
            "onset_day": None,
            "raw_row_id": RAW_RU,
        },
        {
            "transplant_id": TX,
            "complication_id": "complication/sos",
            "present": True,
            "grade": None,
            "onset_date": D(2019, 6, 3),
            "onset_day": 14,
            "raw_row_id": RAW_RU,
        },
        {
            "transplant_id": TX,
            "complication_id": "complication/tma",
            "present": False,
            "grade": None,
            "onset_date": None,
            "onset_day": None,
            "raw_row_id": RAW_RU,
        },
    ],
    "relapse": [
        {
            "transplant_id": TX,
            "relapse_date": D(2019, 10, 31),
            "relapse_day": 164,
            "site_id": "relapse_site/bm",
            "hla_loss_id": "hla_loss/loss",
            "raw_row_id": RAW_RU,
        }
    ],
    "dli": [{"transplant_id": TX, "dli_date": None, "dli_day": None, "raw_row_id": RAW_RU}],
    "follow_up": [
        {
            "transplant_id": TX,
            "relapsed": True,
            "dli_given": True,
            "vital_status_id": "vital_status/dead",
            "last_contact_date": D(2020, 3, 1),
            "last_contact_day": 286,
            "cause_of_death_id": "cause_of_death/relapse",
            "raw_row_id": RAW_RU,
        }
    ],
    "lab_result": [
        {
            "lab_result_id": 1,
            "patient_id": PATIENT,
            "transplant_id": TX,
            "test_id": "lab_test/anc",
            "result_date": D(2019, 6, 11),
            "result_day": 22,
            "seq": 0,
            "value_num": 0.6,
            "value_comparator": None,
            "value_concept_id": None,
            "unit": "10*9/L",
            "raw_row_id": RAW_LAB,
            "changed_run_id": RUN,
        },
        {
            "lab_result_id": 2,
            "patient_id": PATIENT,
            "transplant_id": TX,
            "test_id": "lab_test/hla_loss_str",
            "result_date": D(2019, 11, 5),
            "result_day": 169,
            "seq": 0,
            "value_num": None,
            "value_comparator": None,
            "value_concept_id": "hla_loss/loss",
            "unit": None,
            "raw_row_id": RAW_EN,
            "changed_run_id": RUN,
        },
    ],
}

# The quality stage (schemas/quality.py): the night's checks and its publication.
ROWS.update(
    {
        "quality_run": [
            {
                "quality_run_id": 1,
                "run_id": RUN,
                "trigger": "run",
                "checked_at": dt.datetime(2024, 1, 2, 1, 4),
                "success": False,
                "checks": 2,
                "blocking_failures": 1,
                "warning_failures": 0,
                "docs_path": "/srv/hsct/quality-docs/index.html",
            }
        ],
        "quality_result": [
            {
                "result_id": 1,
                "quality_run_id": 1,
                "check_id": "rule_group_vs_ino",
                "suite": "harmonized.group_vs_ino",
                "expectation_type": "expect_column_values_to_be_in_set",
                "category": "plausibility",
                "frame": "group_vs_ino",
                "field": "holds",
                "severity": "blocking",
                "threshold": 0.0,
                "success": False,
                "observed_value": "1 of 1 rows fail (100.00%; allowed 0%)",
                "element_count": 1,
                "unexpected_count": 1,
                "unexpected_percent": 100.0,
                "unexpected_sample": [{"holds": False, "raw_row_id": RAW_RU, "file": "registry_ru.csv", "row": 2}],
            },
            {
                "result_id": 2,
                "quality_run_id": 1,
                "check_id": "patient_rows",
                "suite": "harmonized.patient",
                "expectation_type": "expect_table_row_count_to_be_between",
                "category": "completeness",
                "frame": "patient",
                "field": None,
                "severity": "warning",
                "threshold": 0.0,
                "success": True,
                "observed_value": "1",
                "element_count": None,
                "unexpected_count": None,
                "unexpected_percent": None,
                "unexpected_sample": None,
            },
        ],
        "batch_publication": [
            {
                "run_id": RUN,
                "status": "published",
                "decided_by": "A. Petrova",
                "decided_at": dt.datetime(2024, 1, 2, 9, 30),
                "note": "the InO doses were confirmed with the pharmacy",
                "held_reason": "rule_group_vs_ino: 1 of 1 rows fail (100.00%; allowed 0%)",
            }
        ],
    }
)

# FHIR export bookkeeping (schemas/export.py): one export, its ledger, a pushed bundle, the partner's mark
ROWS.update(
    {
        "export_batch": [
            {
                "export_id": 1,
                "partner": "demo",
                "format": "bundle",
                "since_run_id": None,
                "up_to_run_id": RUN,
                "created_at": dt.datetime(2024, 1, 2, 2, 0),
                "out_dir": "/exports/demo/20240101",
                "patients": 1,
                "resources": 42,
                "deleted": 0,
                "status": "pushed",
            }
        ],
        "export_ledger": [
            {
                "partner": "demo",
                "patient_id": PATIENT,
                "as_of_run_id": RUN,
                "resource_keys": "Condition/all\nPatient/1",
                "content_sha256": "a" * 64 + "\n" + "b" * 64,  # one hash per key, in the same order
                "acknowledged": True,  # written as the partner's server confirmed the bundle
            }
        ],
        "export_push": [
            {
                "partner": "demo",
                "bundle": "a1b2c3-01.json",
                "content_sha256": "c" * 64,
                "up_to_run_id": RUN,
                "acknowledged_at": dt.datetime(2024, 1, 2, 2, 5),
            }
        ],
        "export_partner": [{"partner": "demo", "acked_run_id": RUN, "acked_at": dt.datetime(2024, 1, 2, 2, 5)}],
    }
)

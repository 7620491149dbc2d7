"""Read the harmonized tables back as canonical records: the inverse of `builders.build_table`.

Used to compare a loaded database with a truth file field by field, and by
anyone who wants the registry as flat `PatientRecord` rows (with personal data:
this reads `person`; never hand its output to a partner).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, text

from etl.load.builders import INO_DAYS, TOXICITY_FLAGS
from schemas.records import CODED_FIELDS, LabRecord, PatientRecord

PATIENTS_SQL = """
SELECT pe.patient_key, pe.registry_code_ru, pe.registry_code_en, pe.full_name_ru, pe.full_name_en, pe.birth_date,
       p.sex_id AS sex, d.diagnosis_id AS diagnosis, d.note AS diagnosis_note, d.disease_status_id AS disease_status,
       d.cd22_percent, bt.regimen_id AS bridging_therapy, bt.start_date AS therapy_start_date, bt.intrathecal,
       da.response_id AS response, da.mrd_status_id AS mrd_status, da.mrd_value_percent,
       da.mrd_comparator AS mrd_value_comparator, t.hsct_date, t.donor_type_id AS donor_type,
       t.graft_source_id AS graft_source, t.cd34_dose, t.cd3_dose, t.conditioning_id AS conditioning,
       t.gvhd_prophylaxis_id AS gvhd_prophylaxis, t.immunosuppression_id AS immunosuppression,
       r.neutrophil_engrafted AS engrafted, r.neutrophil_day AS engraftment_day,
       r.platelet_recovered, r.platelet_day AS platelet_recovery_day, r.lymphocytes_d30_gt_0_3,
       rl.relapse_date, rl.site_id AS relapse_site, rl.hla_loss_id AS hla_loss,
       f.relapsed AS relapse, f.dli_given AS dli, f.vital_status_id AS vital_status, f.last_contact_date,
       f.cause_of_death_id AS cause_of_death, p.source_updated_at AS updated_at, t.transplant_id
FROM person pe
JOIN patient p ON p.patient_id = pe.patient_id
JOIN transplant t ON t.patient_id = p.patient_id
LEFT JOIN diagnosis d ON d.patient_id = p.patient_id
LEFT JOIN bridging_therapy bt ON bt.transplant_id = t.transplant_id
LEFT JOIN disease_assessment da ON da.transplant_id = t.transplant_id
LEFT JOIN recovery r ON r.transplant_id = t.transplant_id
LEFT JOIN relapse rl ON rl.transplant_id = t.transplant_id
LEFT JOIN follow_up f ON f.transplant_id = t.transplant_id
ORDER BY pe.patient_key
"""
# the builders' maps read the other way round
TOXICITY_FIELDS = {concept: field for field, concept in TOXICITY_FLAGS.items()}
INO_SLOTS = {day: field for field, day in INO_DAYS.items()}


def _strip_domain(values: pd.Series) -> pd.Series:
    return values.map(lambda v: v.split("/", 1)[1] if isinstance(v, str) else None)


def read_patients(conn: Connection) -> pd.DataFrame:
    """One row per patient with exactly the PatientRecord fields (concept keys, Python values)."""
    df = pd.read_sql(text(PATIENTS_SQL), conn)
    for field in CODED_FIELDS:
        df[field] = _strip_domain(df[field])
    tx = df["transplant_id"]
    tox = pd.read_sql(text("SELECT transplant_id, toxicity_id, present, grade FROM pretransplant_toxicity"), conn)
    for concept, field in TOXICITY_FIELDS.items():
        rows = tox[tox["toxicity_id"] == concept].set_index("transplant_id")["present"]
        df[field] = tx.map(rows)
    muco = tox[tox["toxicity_id"] == "toxicity/mucositis"].set_index("transplant_id")["grade"]
    df["tox_mucositis_grade"] = tx.map(muco)
    comp = pd.read_sql(text("SELECT transplant_id, complication_id, present, grade, onset_day FROM complication"), conn)

    def complication(concept: str, column: str) -> pd.Series:
        return tx.map(comp[comp["complication_id"] == concept].set_index("transplant_id")[column])

    df["agvhd_grade"] = complication("complication/agvhd", "grade")
    df["sos"], df["sos_day"] = (
        complication("complication/sos", "present"),
        complication("complication/sos", "onset_day"),
    )
    df["tma"], df["tma_day"] = (
        complication("complication/tma", "present"),
        complication("complication/tma", "onset_day"),
    )
    df["infection_d100"] = complication("complication/infection", "present")
    ino = pd.read_sql(
        text("SELECT transplant_id, therapy_day, dose FROM drug_administration WHERE drug_id = 'drug/inotuzumab'"), conn
    )
    for day, field in INO_SLOTS.items():
        df[field] = tx.map(ino[ino["therapy_day"] == day].set_index("transplant_id")["dose"])
    return _typed(df[list(PatientRecord.model_fields)])


def read_labs(conn: Connection) -> pd.DataFrame:
    """Every lab result as LabRecord fields, ordered by patient, test, date."""
    df = pd.read_sql(
        text(
            "SELECT pe.patient_key, l.result_date, l.test_id AS test, l.value_num, l.value_comparator, "
            "l.value_concept_id AS value_code, l.unit FROM lab_result l JOIN person pe ON pe.patient_id = l.patient_id "
            "ORDER BY pe.patient_key, l.test_id, l.result_date, l.seq"
        ),
        conn,
    )
    df["test"], df["value_code"] = _strip_domain(df["test"]), _strip_domain(df["value_code"])
    return _typed(df[list(LabRecord.model_fields)])


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Python values (date, datetime, bool, int, float, str) with None for missing, as the records hold them."""
    out = df.astype(object).where(df.notna(), None)
    for column in out.columns:
        out[column] = out[column].map(_plain_value)
    return out


def _plain_value(v: object) -> object:
    if v is None:
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v

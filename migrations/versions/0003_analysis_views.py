"""analysis views: one row per patient, and one view per published table

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25

The researchers' harmonized views (issue 8). Frozen SQL: a later change is a
new migration. Portable on SQLite and PostgreSQL: no casts with `::`, no date
arithmetic (every post-transplant event already stores its D+N day), booleans
turned into 0/1 integers with CASE, percentages as double precision (never
rounded in SQL: `round(double, int)` does not exist on PostgreSQL). No view
reads `person`: the views carry no personal data.

analysis_patient — one row per patient (their first transplant), every analysis
variable; coded values are concept keys (`haplo`, `ric`, ...), flags 0/1/NULL.
The group is derived from the recorded administrations: `InO+` when the
transplant has any `drug/inotuzumab` administration, else `InO-`.

analysis_table1..4 — the paper's Tables 1-4 as rows (row_order, row_key, grp,
n, denom, pct), each row with the paper's own denominator (written next to the
row below, also where the paper's denominators differ between its columns).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("analysis",)
depends_on: str | Sequence[str] | None = None


def _flag(expr: str) -> str:
    """A boolean column as 0/1, NULL kept (SQLite stores 0/1, PostgreSQL a boolean)."""
    return f"CASE WHEN {expr} IS NULL THEN NULL WHEN {expr} THEN 1 ELSE 0 END"


ANALYSIS_PATIENT = f"""
CREATE VIEW analysis_patient AS
SELECT
    tx.patient_id,
    tx.transplant_id,
    CASE WHEN ino.n_doses > 0 THEN 'InO+' ELSE 'InO-' END AS ino_group,
    COALESCE(ino.n_doses, 0) AS ino_doses,
    ino.dose_d1 AS ino_dose_d1,
    ino.dose_d8 AS ino_dose_d8,
    ino.dose_d15 AS ino_dose_d15,
    sex.key AS sex,
    tx.age_years_at_hsct AS age_years,
    dstat.key AS disease_status,
    dx.cd22_percent,
    regimen.key AS bridging_therapy,
    -bt.start_day AS days_to_hsct,
    {_flag('bt.intrathecal')} AS intrathecal,
    resp.key AS response,
    mrd.key AS mrd_status,
    da.mrd_value_percent,
    da.mrd_comparator,
    donor.key AS donor_type,
    graft.key AS graft_source,
    tx.cd34_dose,
    tx.cd3_dose,
    cond.key AS conditioning,
    cond_class.key AS conditioning_class,
    gvhd.key AS gvhd_prophylaxis,
    ist.key AS immunosuppression,
    ist_class.key AS immunosuppression_class,
    tox.tox_neutropenia,
    tox.tox_thrombocytopenia,
    tox.tox_febrile_neutropenia,
    tox.tox_sepsis,
    tox.tox_polyneuropathy,
    tox.tox_mucositis_grade,
    tox.tox_sos,
    {_flag('rec.neutrophil_engrafted')} AS engrafted,
    rec.neutrophil_day AS engraftment_day,
    {_flag('rec.platelet_recovered')} AS platelet_recovered,
    rec.platelet_day AS platelet_recovery_day,
    {_flag('rec.lymphocytes_d30_gt_0_3')} AS lymphocytes_d30,
    cx.agvhd,
    cx.agvhd_grade,
    CASE WHEN cx.agvhd_grade IS NULL THEN NULL WHEN cx.agvhd_grade >= 3 THEN 1 ELSE 0 END AS agvhd_3_4,
    cx.sos,
    cx.sos_day,
    cx.tma,
    cx.tma_day,
    cx.infection,
    cx.infection_day,
    {_flag('fu.relapsed')} AS relapse,
    rel.relapse_day,
    site.key AS relapse_site,
    hla.key AS hla_loss,
    {_flag('fu.dli_given')} AS dli,
    dli.dli_day,
    CASE WHEN vital.key IS NULL THEN NULL WHEN vital.key = 'dead' THEN 1 ELSE 0 END AS dead,
    cod.key AS cause_of_death,
    fu.last_contact_day,
    fu.last_contact_day AS os_time,
    CASE WHEN vital.key IS NULL THEN NULL WHEN vital.key = 'dead' THEN 1 ELSE 0 END AS os_event,
    CASE WHEN fu.relapsed IS NULL THEN NULL WHEN fu.relapsed THEN rel.relapse_day
         ELSE fu.last_contact_day END AS relapse_time,
    CASE WHEN fu.relapsed IS NULL THEN NULL WHEN fu.relapsed THEN 1
         WHEN vital.key = 'dead' THEN 2 ELSE 0 END AS relapse_event
FROM transplant AS tx
JOIN (SELECT patient_id, MIN(hsct_date) AS first_hsct FROM transplant GROUP BY patient_id) AS first_tx
    ON first_tx.patient_id = tx.patient_id AND first_tx.first_hsct = tx.hsct_date
JOIN patient AS pt ON pt.patient_id = tx.patient_id
LEFT JOIN concept AS sex ON sex.concept_id = pt.sex_id
LEFT JOIN diagnosis AS dx ON dx.patient_id = tx.patient_id
LEFT JOIN concept AS dstat ON dstat.concept_id = dx.disease_status_id
LEFT JOIN bridging_therapy AS bt ON bt.therapy_id = (
    SELECT MIN(b2.therapy_id) FROM bridging_therapy AS b2 WHERE b2.transplant_id = tx.transplant_id)
LEFT JOIN concept AS regimen ON regimen.concept_id = bt.regimen_id
LEFT JOIN (
    SELECT transplant_id,
           COUNT(*) AS n_doses,
           MAX(CASE WHEN therapy_day = 1 THEN dose END) AS dose_d1,
           MAX(CASE WHEN therapy_day = 8 THEN dose END) AS dose_d8,
           MAX(CASE WHEN therapy_day = 15 THEN dose END) AS dose_d15
    FROM drug_administration
    WHERE drug_id = 'drug/inotuzumab'
    GROUP BY transplant_id
) AS ino ON ino.transplant_id = tx.transplant_id
LEFT JOIN disease_assessment AS da ON da.transplant_id = tx.transplant_id
LEFT JOIN concept AS resp ON resp.concept_id = da.response_id
LEFT JOIN concept AS mrd ON mrd.concept_id = da.mrd_status_id
LEFT JOIN concept AS donor ON donor.concept_id = tx.donor_type_id
LEFT JOIN concept AS graft ON graft.concept_id = tx.graft_source_id
LEFT JOIN concept AS cond ON cond.concept_id = tx.conditioning_id
LEFT JOIN concept AS cond_class ON cond_class.concept_id = cond.parent_id
LEFT JOIN concept AS gvhd ON gvhd.concept_id = tx.gvhd_prophylaxis_id
LEFT JOIN concept AS ist ON ist.concept_id = tx.immunosuppression_id
LEFT JOIN concept AS ist_class ON ist_class.concept_id = ist.parent_id
LEFT JOIN (
    SELECT transplant_id,
           MAX(CASE WHEN toxicity_id = 'toxicity/neutropenia' THEN {_flag('present')} END) AS tox_neutropenia,
           MAX(CASE WHEN toxicity_id = 'toxicity/thrombocytopenia' THEN {_flag('present')} END)
               AS tox_thrombocytopenia,
           MAX(CASE WHEN toxicity_id = 'toxicity/febrile_neutropenia' THEN {_flag('present')} END)
               AS tox_febrile_neutropenia,
           MAX(CASE WHEN toxicity_id = 'toxicity/sepsis' THEN {_flag('present')} END) AS tox_sepsis,
           MAX(CASE WHEN toxicity_id = 'toxicity/polyneuropathy' THEN {_flag('present')} END) AS tox_polyneuropathy,
           MAX(CASE WHEN toxicity_id = 'toxicity/mucositis' THEN grade END) AS tox_mucositis_grade,
           MAX(CASE WHEN toxicity_id = 'toxicity/sos' THEN {_flag('present')} END) AS tox_sos
    FROM pretransplant_toxicity
    GROUP BY transplant_id
) AS tox ON tox.transplant_id = tx.transplant_id
LEFT JOIN recovery AS rec ON rec.transplant_id = tx.transplant_id
LEFT JOIN (
    SELECT transplant_id,
           MAX(CASE WHEN complication_id = 'complication/agvhd' THEN {_flag('present')} END) AS agvhd,
           MAX(CASE WHEN complication_id = 'complication/agvhd' THEN grade END) AS agvhd_grade,
           MAX(CASE WHEN complication_id = 'complication/sos' THEN {_flag('present')} END) AS sos,
           MAX(CASE WHEN complication_id = 'complication/sos' THEN onset_day END) AS sos_day,
           MAX(CASE WHEN complication_id = 'complication/tma' THEN {_flag('present')} END) AS tma,
           MAX(CASE WHEN complication_id = 'complication/tma' THEN onset_day END) AS tma_day,
           MAX(CASE WHEN complication_id = 'complication/infection' THEN {_flag('present')} END) AS infection,
           MAX(CASE WHEN complication_id = 'complication/infection' THEN onset_day END) AS infection_day
    FROM complication
    GROUP BY transplant_id
) AS cx ON cx.transplant_id = tx.transplant_id
LEFT JOIN relapse AS rel ON rel.transplant_id = tx.transplant_id
LEFT JOIN concept AS site ON site.concept_id = rel.site_id
LEFT JOIN concept AS hla ON hla.concept_id = rel.hla_loss_id
LEFT JOIN dli ON dli.transplant_id = tx.transplant_id
LEFT JOIN follow_up AS fu ON fu.transplant_id = tx.transplant_id
LEFT JOIN concept AS vital ON vital.concept_id = fu.vital_status_id
LEFT JOIN concept AS cod ON cod.concept_id = fu.cause_of_death_id
"""


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _col(condition: str, name: str) -> str:
    return f"{_count(condition)} AS {name}"


def _table_view(name: str, counts: str, rows: list[tuple[str, str, str]], groups: str, grouping: str) -> str:
    """A table view: per-group counts (one scan of analysis_patient), then one row per (row, group)."""
    selects = "\nUNION ALL\n".join(
        f"SELECT {order} AS row_order, '{key}' AS row_key, grp, {n} AS n, {denom} AS denom FROM s"
        for order, (key, n, denom) in enumerate(rows, 1)
    )
    return f"""
CREATE VIEW {name} AS
WITH g AS ({groups}),
s AS (
    SELECT g.grp,
           COUNT(p.transplant_id) AS n_group,
           {counts}
    FROM g LEFT JOIN analysis_patient AS p ON {grouping}
    GROUP BY g.grp
),
r AS (
{selects}
)
SELECT row_order, row_key, grp, n, denom,
       CASE WHEN denom > 0 THEN CAST(n AS DOUBLE PRECISION) * 100 / denom END AS pct
FROM r
"""


INO_GROUPS = "SELECT 'all' AS grp UNION ALL SELECT 'InO+' UNION ALL SELECT 'InO-'"
BY_INO_GROUP = "g.grp = 'all' OR p.ino_group = g.grp"

# Table 1 and the response rows of Table 2. The paper's denominators: MRD+/MRD- of the CRi patients
# in the InO+ column (5/21, 16/21) but of the whole group in the InO- column (3/31, 12/31).
RESPONSE_COUNTS = ",\n           ".join([
    _col("p.response = 'cri'", "cri"),
    _col("p.response = 'cri' AND p.mrd_status = 'positive'", "cri_mrd_pos"),
    _col("p.response = 'cri' AND p.mrd_status = 'negative'", "cri_mrd_neg"),
    _col("p.response = 'refractory'", "refractory"),
])
MRD_DENOM = "CASE WHEN grp = 'InO+' THEN cri ELSE n_group END"
RESPONSE_ROWS = [
    ("cri", "cri", "n_group"),
    ("cri_mrd_pos", "cri_mrd_pos", MRD_DENOM),
    ("cri_mrd_neg", "cri_mrd_neg", MRD_DENOM),
    ("refractory", "refractory", "n_group"),
]
ALL_N = "(SELECT COUNT(*) FROM analysis_patient)"

TABLE1 = _table_view(
    "analysis_table1",
    ",\n           ".join([
        RESPONSE_COUNTS,
        _col("p.donor_type = 'haplo'", "donor_haplo"),
        _col("p.donor_type = 'matched_related'", "donor_mrd"),
        _col("p.donor_type = 'matched_unrelated'", "donor_mud"),
        _col("p.conditioning = 'mac_bu'", "cond_mac_bu"),
        _col("p.conditioning = 'ric_mel'", "cond_ric_mel"),
        _col("p.conditioning = 'rtc_treo'", "cond_rtc_treo"),
        _col("p.gvhd_prophylaxis = 'ptcy'", "gvhd_ptcy"),
        _col("p.gvhd_prophylaxis = 'atg'", "gvhd_sero"),
        _col("p.immunosuppression_class = 'cni_mtor'", "ist_cni_mtor"),
        _col("p.immunosuppression_class = 'mtor_alone'", "ist_mtor"),
    ]),
    [
        ("patients", "n_group", ALL_N),  # all: 55 of 55; InO+: 24 of 55; InO-: 31 of 55
        *RESPONSE_ROWS,
        ("donor_haplo", "donor_haplo", "n_group"),
        ("donor_mrd", "donor_mrd", "n_group"),
        ("donor_mud", "donor_mud", "n_group"),
        ("cond_mac_bu", "cond_mac_bu", "n_group"),
        ("cond_ric_mel", "cond_ric_mel", "n_group"),
        ("cond_rtc_treo", "cond_rtc_treo", "n_group"),
        ("gvhd_ptcy", "gvhd_ptcy", "n_group"),
        ("gvhd_sero", "gvhd_sero", "n_group"),
        ("ist_cni_mtor", "ist_cni_mtor", "n_group"),
        ("ist_mtor", "ist_mtor", "n_group"),
    ],
    INO_GROUPS,
    BY_INO_GROUP,
)

# Table 2: toxicity of the bridging therapy, every row of the whole group; "infection" is the
# bloodstream infection (sepsis) that followed febrile neutropenia (the paper's text).
TABLE2 = _table_view(
    "analysis_table2",
    ",\n           ".join([
        RESPONSE_COUNTS,
        _col("p.tox_sos = 1", "tox_sos"),
        _col("p.tox_neutropenia = 1", "neutropenia"),
        _col("p.tox_thrombocytopenia = 1", "thrombocytopenia"),
        _col("p.tox_febrile_neutropenia = 1", "febrile_neutropenia"),
        _col("p.tox_sepsis = 1", "sepsis"),
        _col("p.tox_polyneuropathy = 1", "polyneuropathy"),
        _col("p.tox_mucositis_grade = 2", "mucositis_g2"),
    ]),
    [
        ("tox_sos", "tox_sos", "n_group"),
        ("neutropenia", "neutropenia", "n_group"),
        ("thrombocytopenia", "thrombocytopenia", "n_group"),
        ("infection", "sepsis", "n_group"),
        ("febrile_neutropenia", "febrile_neutropenia", "n_group"),
        ("sepsis", "sepsis", "n_group"),
        ("polyneuropathy", "polyneuropathy", "n_group"),
        ("mucositis_g2", "mucositis_g2", "n_group"),
        *RESPONSE_ROWS,
    ],
    INO_GROUPS,
    BY_INO_GROUP,
)

# Table 3: results of the transplant. The paper's denominators: platelet recovery and acute GVHD
# of the whole InO+ group (22/24, 10/24) but of the engrafted InO- patients (20/25, 11/25);
# relapse of the engrafted in both (11/20, 15/25); grade III-IV of those with acute GVHD;
# death from SOS of those with SOS; everything else of the whole group.
ENGRAFTED_IN_NEG = "CASE WHEN grp = 'InO+' THEN n_group ELSE engrafted END"
TABLE3 = _table_view(
    "analysis_table3",
    ",\n           ".join([
        _col("p.engrafted = 1", "engrafted"),
        _col("p.lymphocytes_d30 = 1", "lymphocytes_d30"),
        _col("p.platelet_recovered = 1", "platelet_recovery"),
        _col("p.agvhd = 1", "agvhd"),
        _col("p.agvhd = 1 AND p.agvhd_3_4 = 1", "agvhd_3_4"),
        _col("p.relapse = 1", "relapse"),
        _col("p.relapse = 1 AND p.hla_loss = 'loss'", "relapse_hla_loss"),
        _col("p.relapse = 1 AND p.hla_loss = 'no_loss'", "relapse_no_hla_loss"),
        _col("p.tma = 1", "tma"),
        _col("p.sos = 1", "sos"),
        _col("p.sos = 1 AND p.cause_of_death = 'sos'", "sos_death"),
    ]),
    [
        ("lymphocytes_d30", "lymphocytes_d30", "n_group"),
        ("engraftment", "engrafted", "n_group"),
        ("platelet_recovery", "platelet_recovery", ENGRAFTED_IN_NEG),
        ("agvhd", "agvhd", ENGRAFTED_IN_NEG),
        ("agvhd_3_4", "agvhd_3_4", "agvhd"),
        ("relapse", "relapse", "engrafted"),
        ("relapse_hla_loss", "relapse_hla_loss", "n_group"),
        ("relapse_no_hla_loss", "relapse_no_hla_loss", "n_group"),
        ("tma", "tma", "n_group"),
        ("sos", "sos", "n_group"),
        ("sos_death", "sos_death", "sos"),
    ],
    INO_GROUPS,
    BY_INO_GROUP,
)

# Table 4: the InO+ group by conditioning class; complications before D+100 (a recorded day
# <= 100; infection is recorded as "before D+100"), deaths at any time; of the class's patients.
TABLE4 = _table_view(
    "analysis_table4",
    ",\n           ".join([
        _col("p.infection = 1", "infection"),
        _col("p.tma = 1 AND p.tma_day <= 100", "tma"),
        _col("p.sos = 1 AND p.sos_day <= 100", "sos"),
        _col("p.relapse = 1 AND p.relapse_day <= 100", "relapse"),
        _col("p.dead = 1", "death"),
        _col("p.dead = 1 AND p.cause_of_death = 'relapse'", "death_relapse"),
        _col("p.dead = 1 AND p.cause_of_death = 'sos'", "death_sos"),
    ]),
    [
        ("patients", "n_group", "(SELECT COUNT(*) FROM analysis_patient WHERE ino_group = 'InO+')"),
        ("infection", "infection", "n_group"),
        ("tma", "tma", "n_group"),
        ("sos", "sos", "n_group"),
        ("relapse", "relapse", "n_group"),
        ("death", "death", "n_group"),
        ("death_relapse", "death_relapse", "n_group"),
        ("death_sos", "death_sos", "n_group"),
    ],
    "SELECT 'ric' AS grp UNION ALL SELECT 'mac' UNION ALL SELECT 'rtc'",
    "p.ino_group = 'InO+' AND p.conditioning_class = g.grp",
)

VIEWS = {
    "analysis_patient": ANALYSIS_PATIENT,
    "analysis_table1": TABLE1,
    "analysis_table2": TABLE2,
    "analysis_table3": TABLE3,
    "analysis_table4": TABLE4,
}


def upgrade() -> None:
    for sql in VIEWS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")

"""Derived frames for the cross-field rules and the run's row accounting.

Each transform is named in expectations/checks.csv (the `frame` column) and
implemented once here: it reads what it needs through the given connection
and returns one row per record the rule applies to, with a boolean column the
check expects to be True and the lineage column (`raw_row_id`, or `file_name`
for the accounting). Booleans are computed in pandas, so the SQL stays the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import Connection, text

from etl.quality.read import read_frame

MRD_THRESHOLD = 0.01  # percent: MRD negative means < 0.01% blasts
ANC_ENGRAFTED = 0.5  # x10^9/L
INO_REGIMEN = "bridging_therapy/ino"
INO_DRUG = "drug/inotuzumab"
DEAD = "vital_status/dead"

Transform = Callable[[Connection, int | None], pd.DataFrame]


def _read(conn: Connection, sql: str, **params: object) -> pd.DataFrame:
    return read_frame(conn, text(sql).bindparams(**params) if params else text(sql))


def _flag(values: pd.Series) -> pd.Series:
    """A nullable 0/1/True/False column (SQLite gives ints) as True/False/None."""
    return values.map(lambda v: None if pd.isna(v) else bool(v))


def mrd_value_vs_status(conn: Connection, _run_id: int | None) -> pd.DataFrame:
    df = _read(
        conn,
        "SELECT transplant_id, mrd_status_id, mrd_value_percent, mrd_comparator, raw_row_id FROM disease_assessment"
        " WHERE mrd_status_id IS NOT NULL AND mrd_value_percent IS NOT NULL",
    )
    value, below = df["mrd_value_percent"].astype(float), df["mrd_comparator"].eq("<")
    negative = (value < MRD_THRESHOLD) | (below & (value <= MRD_THRESHOLD))
    positive = (value >= MRD_THRESHOLD) & ~below
    status = df["mrd_status_id"]
    return df.assign(
        holds=(status.eq("mrd_status/negative") & negative) | (status.eq("mrd_status/positive") & positive)
    )


def group_vs_ino(conn: Connection, _run_id: int | None) -> pd.DataFrame:
    df = _read(
        conn,
        "SELECT bt.transplant_id, bt.regimen_id, bt.raw_row_id, COUNT(da.administration_id) AS ino_administrations"
        " FROM bridging_therapy AS bt LEFT JOIN drug_administration AS da"
        " ON da.transplant_id = bt.transplant_id AND da.drug_id = :drug"
        " GROUP BY bt.transplant_id, bt.regimen_id, bt.raw_row_id",
        drug=INO_DRUG,
    )
    return df.assign(holds=df["regimen_id"].eq(INO_REGIMEN) == (df["ino_administrations"].astype(int) > 0))


def engraftment_vs_anc(conn: Connection, _run_id: int | None) -> pd.DataFrame:
    engrafted = _read(
        conn, "SELECT transplant_id, neutrophil_day, raw_row_id FROM recovery WHERE neutrophil_day IS NOT NULL"
    )
    anc = _read(
        conn,
        "SELECT transplant_id, result_day, seq, value_num FROM lab_result"
        " WHERE test_id = 'lab_test/anc' AND transplant_id IS NOT NULL AND result_day IS NOT NULL"
        " AND value_num IS NOT NULL",
    )
    series = anc.merge(engrafted[["transplant_id", "neutrophil_day"]], on="transplant_id")
    series = series[series["result_day"] >= series["neutrophil_day"]].sort_values(
        ["transplant_id", "result_day", "seq"]
    )
    first = series.drop_duplicates("transplant_id")[["transplant_id", "result_day", "value_num"]]
    df = engrafted.merge(first, on="transplant_id")  # only transplants with a result on or after engraftment
    return df.assign(holds=df["value_num"].astype(float) > ANC_ENGRAFTED)


def cause_only_when_dead(conn: Connection, _run_id: int | None) -> pd.DataFrame:
    df = _read(
        conn,
        "SELECT transplant_id, vital_status_id, cause_of_death_id, raw_row_id FROM follow_up"
        " WHERE cause_of_death_id IS NOT NULL",
    )
    return df.assign(holds=df["vital_status_id"].eq(DEAD))


def site_only_with_relapse(conn: Connection, _run_id: int | None) -> pd.DataFrame:
    df = _read(
        conn,
        "SELECT r.transplant_id, r.site_id, r.hla_loss_id, r.raw_row_id, f.relapsed FROM relapse AS r"
        " LEFT JOIN follow_up AS f ON f.transplant_id = r.transplant_id"
        " WHERE r.site_id IS NOT NULL OR r.hla_loss_id IS NOT NULL",
    )
    return df.assign(holds=_flag(df["relapsed"]).eq(True))


def relapse_before_last_contact(conn: Connection, _run_id: int | None) -> pd.DataFrame:
    df = _read(
        conn,
        "SELECT r.transplant_id, r.relapse_day, f.last_contact_day, r.raw_row_id FROM relapse AS r"
        " JOIN follow_up AS f ON f.transplant_id = r.transplant_id WHERE r.relapse_day IS NOT NULL",
    )
    return df.assign(holds=df["relapse_day"].astype(int) <= df["last_contact_day"].astype(int))


def run_accounting(conn: Connection, run_id: int | None) -> pd.DataFrame:
    """One row per file of the run: rows in = loaded + merged + quarantined, raw layer and quarantine complete."""
    df = _read(
        conn,
        "SELECT rf.file_name, rf.status, rf.rows_in, rf.rows_loaded, rf.rows_merged, rf.rows_quarantined,"
        " (SELECT COUNT(*) FROM raw_row AS rr WHERE rr.file_id = rf.file_id) AS raw_rows,"
        " (SELECT COUNT(DISTINCT q.row_number) FROM quarantine AS q"
        "  WHERE q.file_id = rf.file_id AND q.row_number > 0) AS quarantine_rows"
        " FROM run_file AS rf WHERE rf.run_id = :run_id ORDER BY rf.file_name",
        run_id=-1 if run_id is None else run_id,
    )
    read = df["status"].eq("read")
    return df.assign(
        balanced=df["rows_in"] == df["rows_loaded"] + df["rows_merged"] + df["rows_quarantined"],
        raw_complete=~read | (df["raw_rows"] == df["rows_in"]),
        quarantine_recorded=~read | (df["rows_quarantined"] <= df["quarantine_rows"]),
    )


TRANSFORMS: dict[str, Transform] = {
    "mrd_value_vs_status": mrd_value_vs_status,
    "group_vs_ino": group_vs_ino,
    "engraftment_vs_anc": engraftment_vs_anc,
    "cause_only_when_dead": cause_only_when_dead,
    "site_only_with_relapse": site_only_with_relapse,
    "relapse_before_last_contact": relapse_before_last_contact,
    "run_accounting": run_accounting,
}
LINEAGE = {"run_accounting": ["file_name"]}  # the others carry raw_row_id

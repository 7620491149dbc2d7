"""Read the analysis views (created by migration 0003) by name; the statistics read nothing else."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, text

from etl.errors import DatabaseError

PATIENT_VIEW = "analysis_patient"
TABLE_VIEWS = {1: "analysis_table1", 2: "analysis_table2", 3: "analysis_table3", 4: "analysis_table4"}
VIEWS = (PATIENT_VIEW, *TABLE_VIEWS.values())

# Columns that hold text; every other column of analysis_patient is numeric (flags are 0/1).
TEXT_COLUMNS = frozenset({
    "ino_group", "sex", "disease_status", "bridging_therapy", "response", "mrd_status", "mrd_comparator",
    "donor_type", "graft_source", "conditioning", "conditioning_class", "gvhd_prophylaxis", "immunosuppression",
    "immunosuppression_class", "relapse_site", "hla_loss", "cause_of_death",
})  # fmt: skip


def _read(engine: Engine, sql: str) -> pd.DataFrame:
    try:
        with engine.connect() as conn:
            return pd.read_sql(text(sql), conn)
    except Exception as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseError.of("error.analysis_views", where=where, error=exc.__class__.__name__) from exc


def read_patients(engine: Engine) -> pd.DataFrame:
    """analysis_patient, one row per patient ordered by patient_id; numbers as float (NaN = not recorded)."""
    df = _read(engine, f"SELECT * FROM {PATIENT_VIEW} ORDER BY patient_id")
    for column in df.columns:
        if column not in TEXT_COLUMNS:
            df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    return df


def read_table(engine: Engine, number: int) -> pd.DataFrame:
    """analysis_tableN ordered by row and group: row_order, row_key, grp, n, denom, pct (NaN without a base)."""
    df = _read(engine, f"SELECT * FROM {TABLE_VIEWS[number]} ORDER BY row_order, grp")
    df["n"] = df["n"].astype(int)
    df["denom"] = df["denom"].astype(int)
    df["pct"] = pd.to_numeric(df["pct"], errors="coerce").astype(float)
    return df

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

from etl.config import load_config
from etl.harmonize.identity import near_identical
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


def night_feeds(conn: Connection, run_id: int | None) -> pd.DataFrame:
    """One row per feed the night must bring (`hsct.toml` [night] expected_feeds: a list, or the feeds
    of the last night published before this run): `present` when a file of it was read tonight."""
    run = -1 if run_id is None else run_id
    expected = load_config().night.expected_feeds
    read = (
        "SELECT DISTINCT sf.feed FROM run_file AS rf JOIN source_file AS sf ON sf.file_id = rf.file_id"
        " WHERE rf.run_id = :run_id AND rf.status = 'read'"
    )
    if expected == "previous":
        last = _read(
            conn,
            "SELECT MAX(run_id) AS run_id FROM batch_publication WHERE status = 'published' AND run_id < :run_id",
            run_id=run,
        )["run_id"].iloc[0]
        feeds = [] if pd.isna(last) else sorted(_read(conn, read, run_id=int(last))["feed"])
    else:
        feeds = sorted(expected)
    tonight = set(_read(conn, read, run_id=run)["feed"])
    return pd.DataFrame({"feed": pd.Series(feeds, dtype=object), "present": [f in tonight for f in feeds]})


def _deletions(table_name: str) -> Transform:
    """The deletion guard of one table: one row (when the run changed it) with `within_limit`."""

    def frame(conn: Connection, run_id: int | None) -> pd.DataFrame:
        # the lab results that went with deleted patients are guarded with the patients (hsct.toml), not here
        df = _read(
            conn,
            "SELECT table_name, stored_before - cascaded AS stored_before, deleted - cascaded AS deleted "
            "FROM run_change WHERE run_id = :run_id AND table_name = :name",
            run_id=-1 if run_id is None else run_id,
            name=table_name,
        )
        guard = getattr(load_config().deletion_guard, GUARDED[table_name])
        limits = df["stored_before"].map(lambda n: guard.limit(int(n)))
        within = [guard.allows(int(d), int(n)) for d, n in zip(df["deleted"], df["stored_before"], strict=True)]
        return df.assign(allowed=limits, within_limit=pd.Series(within, index=df.index, dtype=bool))

    return frame


def code_drift(conn: Connection, run_id: int | None) -> pd.DataFrame:
    """One row per patient key deleted tonight: `holds` unless a key new tonight is near-identical to it
    (one digit changed, added, dropped or two swapped: `near_identical`), the sign of a mistyped code."""
    df = _read(
        conn,
        "SELECT deleted_keys, inserted_keys FROM run_change WHERE run_id = :run_id AND table_name = 'patient'",
        run_id=-1 if run_id is None else run_id,
    )
    deleted = [k for text in df["deleted_keys"].dropna() for k in str(text).splitlines()]
    inserted = [k for text in df["inserted_keys"].dropna() for k in str(text).splitlines()]
    near = [", ".join(n for n in inserted if near_identical(k, n)) for k in deleted]
    return pd.DataFrame(
        {"deleted_key": pd.Series(deleted, dtype=object), "new_key": near, "holds": [not n for n in near]}
    )


GUARDED = {"patient": "patients", "lab_result": "lab_results"}

TRANSFORMS: dict[str, Transform] = {
    "mrd_value_vs_status": mrd_value_vs_status,
    "group_vs_ino": group_vs_ino,
    "engraftment_vs_anc": engraftment_vs_anc,
    "cause_only_when_dead": cause_only_when_dead,
    "site_only_with_relapse": site_only_with_relapse,
    "relapse_before_last_contact": relapse_before_last_contact,
    "run_accounting": run_accounting,
    "night_feeds": night_feeds,
    "patient_deletions": _deletions("patient"),
    "lab_result_deletions": _deletions("lab_result"),
    "code_drift": code_drift,
}
NIGHT_FRAMES = frozenset(  # frames of the night itself (its files, accounting, deletions): checked every night
    {"run_accounting", "night_feeds", "patient_deletions", "lab_result_deletions", "code_drift"}
)  # the others read the harmonized tables alone: an unchanged night may carry their results (etl.quality.carry)
LINEAGE = {  # the others carry raw_row_id
    "run_accounting": ["file_name"],
    "night_feeds": ["feed"],
    "patient_deletions": ["stored_before", "deleted", "allowed"],
    "lab_result_deletions": ["stored_before", "deleted", "allowed"],
    "code_drift": ["deleted_key", "new_key"],
}

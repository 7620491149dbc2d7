"""Which patients a changed registry night leaves as they are: one sha-256 per merged record.

The registry feeds are full exports, so a registry file that changed by a few
rows still brings every patient. Every harmonized row of a patient (the
clinical tables, `person`, `value_source`) is built from the patient's merged
record alone (etl.load.builders), so a patient whose merged record is the same
as the one the stored rows were built from needs nothing written. The digest
(`patient_record_digest.record_sha256`) covers all it takes to say so:

1. what judged the rows (`salt`: etl.run.inputs, the code, mappings, checks and
   migrations; another code builds other rows from the same record);
2. the merged record, every field but the ids (`repr` of the values in column
   order: a missing value, the text "None", 1 and "1", 0.1 and 0.1000000001 all
   differ);
3. where its values came from, as the lineage rule of etl.load.sync sees it:
   the feed, date system and cells sha-256 of the patient's row and of every
   row a merged field was taken from (`value_source`), so that a patient whose
   values stay but whose source cells changed is relinked.

A patient without a digest (tonight's rows came without their cells' sha-256,
as when a held night is published from the raw layer) is synchronized, and its
stored digest removed. Digests are read only by a night that may trust them
(not `hsct run --full`); every synchronized patient's digest is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, select

from schemas.tables import PatientRecordDigest

IDS = frozenset({"patient_id", "transplant_id", "raw_row_id"})


@dataclass(frozen=True)
class RecordSources:
    """What a night's record digests are made with: `sources` (raw_row_id → source text, every
    registry row of the night: `source_texts`), `salt` (etl.run.inputs) and whether stored digests
    may spare a patient (`reuse`: False for `hsct run --full`, which writes them all the same)."""

    sources: pd.Series
    salt: str
    reuse: bool = True


def source_texts(feed: str, date_system: int | None, raw_ids: pd.Series, cell_digests: pd.Series) -> pd.Series:
    """raw_row_id → "feed|date system|cells sha-256" for one file's rows (`raw_ids`: row number →
    raw_row_id; `cell_digests`: row number → the sha-256 of the row's cells text)."""
    digests = cell_digests.reindex(raw_ids.index)
    text = f"{feed}|{date_system}|" + digests.astype(object).where(digests.notna(), None)
    return pd.Series(text.to_numpy(), index=raw_ids.to_numpy(), name="source")


def record_digests(patients: pd.DataFrame, value_sources: pd.DataFrame, sources: pd.Series, salt: str) -> pd.Series:
    """The sha-256 (hex) of each merged record (`patients`: PatientRecord fields, patient_key,
    raw_row_id), by the rules of the module docstring, aligned with `patients`; None where a source
    row's text is unknown. `value_sources`: patient_key, field, raw_row_id; `sources`: raw_row_id →
    source text (`source_texts`)."""
    if patients.empty:
        return pd.Series([], index=patients.index, dtype=object)
    columns = sorted(c for c in patients.columns if c not in IDS)
    records = [repr(values) for values in patients[columns].itertuples(index=False, name=None)]
    own = patients["raw_row_id"].map(sources)
    taken = value_sources.assign(text=value_sources["field"] + "=" + value_sources["raw_row_id"].map(sources))
    unknown_taken = set(taken.loc[taken["text"].isna(), "patient_key"])
    known = taken.dropna(subset=["text"]).sort_values(["patient_key", "field"])
    per_patient = known.groupby("patient_key")["text"].agg("\x1f".join)
    taken_texts = patients["patient_key"].map(per_patient).fillna("")
    unknown = own.isna() | patients["patient_key"].isin(unknown_taken)
    head = f"{salt}\x1e{columns!r}\x1e"
    out = [
        None if missing else hashlib.sha256(f"{head}{record}\x1e{mine}\x1e{theirs}".encode()).hexdigest()
        for record, mine, theirs, missing in zip(records, own, taken_texts, unknown, strict=True)
    ]
    return pd.Series(out, index=patients.index, dtype=object)


def unchanged_records(conn: Connection, patient_ids: pd.Series, digests: pd.Series) -> pd.Series:
    """True where the stored digest of the patient (`patient_ids`, aligned with `digests`) is
    tonight's: the patient's stored rows are those tonight's record builds."""
    stored = dict(conn.execute(select(PatientRecordDigest.patient_id, PatientRecordDigest.record_sha256)).all())
    if not stored:
        return pd.Series(False, index=patient_ids.index)
    return (patient_ids.map(stored) == digests) & digests.notna()

"""One patient from several registry rows: the newer edit wins, every disagreement recorded.

The same patient may come in registry_ru and in registry_en (same registry-code
digits). For each field the value of the row with the newer `Изменено` /
`Updated at` wins when that row has one; a field the newer row leaves empty is
taken from the older row (and its lineage says so). Every field on which two
rows hold different values is recorded as a conflict: both values, which won,
and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from schemas.records import PatientRecord

RECORD_FIELDS = list(PatientRecord.model_fields)
# fields that differ between the feeds by design, never conflicts
PER_FEED_FIELDS = {"registry_code_ru", "registry_code_en", "full_name_ru", "full_name_en", "updated_at"}
FEED_ORDER = {"registry_ru": 0, "registry_en": 1}


@dataclass(frozen=True)
class Merged:
    patients: pd.DataFrame  # one row per patient_key: record fields + raw_row_id (the winning row)
    value_sources: pd.DataFrame  # patient_key, field, raw_row_id: fields taken from a non-winning row
    conflicts: pd.DataFrame  # patient_key, field, kept_value, discarded_value, kept/discarded raw_row_id, reason
    merged_rows: pd.Series  # raw_row_id of every row merged into another (not the winner)


def _text(values: pd.Series) -> pd.Series:
    """Comparable, readable text of record values (dates ISO, floats repr)."""
    return values.map(lambda v: None if v is None or v != v else (v.isoformat() if hasattr(v, "isoformat") else str(v)))


def merge_patients(rows: pd.DataFrame) -> Merged:
    """Merge harmonized rows (record fields + raw_row_id + feed) into one row per patient_key."""
    order = rows.assign(
        _has_edit=rows["updated_at"].notna(),
        _feed_rank=rows["feed"].map(FEED_ORDER).fillna(9),
    ).sort_values(
        ["patient_key", "_has_edit", "updated_at", "_feed_rank", "raw_row_id"],
        ascending=[True, False, False, True, True],
        kind="stable",
    )
    grouped = order.groupby("patient_key", sort=True)
    patients = grouped[RECORD_FIELDS].first()  # first non-missing value, newest row first
    winners = grouped["raw_row_id"].first()
    patients["raw_row_id"] = winners
    patients = patients.reset_index(drop=True)
    patients["patient_key"] = winners.index.to_numpy()

    multi = order[order.duplicated("patient_key", keep=False)]
    merged_rows = multi.loc[~multi["raw_row_id"].isin(set(winners)), "raw_row_id"]
    sources, conflicts = _lineage_and_conflicts(multi, winners)
    return Merged(patients, sources, conflicts, merged_rows.reset_index(drop=True))


def _lineage_and_conflicts(multi: pd.DataFrame, winners: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    source_parts: list[pd.DataFrame] = []
    conflict_parts: list[pd.DataFrame] = []
    if multi.empty:
        return _empty_sources(), _empty_conflicts()
    is_winner = multi["raw_row_id"].isin(set(winners))
    win = multi[is_winner].set_index("patient_key")
    rest = multi[~is_winner]
    for field in RECORD_FIELDS:
        if field == "patient_key":
            continue
        present = multi[multi[field].notna()]
        first_present = present.groupby("patient_key", sort=True)["raw_row_id"].first()
        taken = first_present[~first_present.isin(set(winners))]
        if not taken.empty:
            source_parts.append(
                pd.DataFrame({"patient_key": taken.index, "field": field, "raw_row_id": taken.to_numpy()})
            )
        if field in PER_FEED_FIELDS:
            continue
        other = rest[rest[field].notna()]
        if other.empty:
            continue
        kept_value = _text(win[field].reindex(other["patient_key"]).reset_index(drop=True))
        kept_row = win["raw_row_id"].reindex(other["patient_key"]).reset_index(drop=True)
        kept_at = win["updated_at"].reindex(other["patient_key"]).reset_index(drop=True)
        other_value = _text(other[field].reset_index(drop=True))
        differs = kept_value.notna() & (kept_value != other_value)
        if not differs.any():
            continue
        o = other.reset_index(drop=True)[differs]
        reason = (
            "newer edit wins ("
            + _text(kept_at[differs]).fillna("no edit time")
            + " over "
            + _text(o["updated_at"]).fillna("no edit time")
            + ")"
        )
        conflict_parts.append(
            pd.DataFrame(
                {
                    "patient_key": o["patient_key"].to_numpy(),
                    "field": field,
                    "kept_value": kept_value[differs].to_numpy(),
                    "discarded_value": other_value[differs].to_numpy(),
                    "kept_raw_row_id": kept_row[differs].astype(int).to_numpy(),
                    "discarded_raw_row_id": o["raw_row_id"].astype(int).to_numpy(),
                    "reason": reason.to_numpy(),
                }
            )
        )
    sources = pd.concat(source_parts, ignore_index=True) if source_parts else _empty_sources()
    conflicts = pd.concat(conflict_parts, ignore_index=True) if conflict_parts else _empty_conflicts()
    return sources, conflicts


def _empty_sources() -> pd.DataFrame:
    return pd.DataFrame(
        {"patient_key": pd.Series(dtype=str), "field": pd.Series(dtype=str), "raw_row_id": pd.Series(dtype=int)}
    )


def _empty_conflicts() -> pd.DataFrame:
    cols = [
        "patient_key",
        "field",
        "kept_value",
        "discarded_value",
        "kept_raw_row_id",
        "discarded_raw_row_id",
        "reason",
    ]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})

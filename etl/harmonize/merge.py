"""One patient from several registry rows: the newer edit wins, every disagreement recorded.

The same patient may come in registry_ru and in registry_en (same registry-code
digits). For each source cell (a column of the feeds) the value of the row
with the newer `Изменено` / `Updated at` wins when that row has one; a cell
the newer row leaves empty is taken from the older row (and its lineage says
so). A cell is merged whole: `Д+14` in the SOS column gives sos=True and
sos_day=14 together, so both come from the same row. Every cell on which two
rows hold different values is recorded as a conflict: both values, which won,
and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pydantic import ValidationError

from etl.harmonize.catalogue import load_catalogue
from etl.harmonize.origins import cell_groups
from etl.harmonize.registry import explain, plain_records
from etl.performance import each_distinct

# cells that differ between the feeds by design, never conflicts
PER_FEED_FIELDS = {"registry_code_ru", "registry_code_en", "full_name_ru", "full_name_en", "updated_at"}
FEED_ORDER = {"registry_ru": 0, "registry_en": 1}
# pandas' names of a column holding values of one Python type (see _text)
SINGLE_KINDS = {"string", "integer", "floating", "boolean", "date", "datetime", "empty"}


@dataclass(frozen=True)
class Merged:
    patients: pd.DataFrame  # one row per patient_key: record fields + raw_row_id (the winning row)
    value_sources: pd.DataFrame  # patient_key, field, raw_row_id: fields taken from a non-winning row
    conflicts: pd.DataFrame  # patient_key, field, kept_value, discarded_value, kept/discarded raw_row_id, reason
    merged_rows: pd.Series  # raw_row_id of every row merged into another (not the winner)


def _text(values: pd.Series) -> pd.Series:
    """Comparable, readable text of record values (dates ISO, floats repr), each distinct value once."""
    if pd.api.types.infer_dtype(values, skipna=True) not in SINGLE_KINDS:
        # factorize would take 1, 1.0 and True for one value: text each cell
        return values.map(lambda v: None if v is None or v != v else _value_text(v))
    return pd.Series(each_distinct(values, lambda uniques: map(_value_text, uniques)), index=values.index)


def _value_text(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _cell_text(frame: pd.DataFrame, fields: tuple[str, ...]) -> pd.Series:
    """One text per row for a cell's fields (a single field's text, or 'a / b / c')."""
    parts = [_text(frame[f]) for f in fields]
    if len(parts) == 1:
        return parts[0]
    present = pd.concat([p.notna() for p in parts], axis=1).any(axis=1)
    joined = parts[0].fillna("-")
    for part in parts[1:]:
        joined = joined + " / " + part.fillna("-")
    return joined.where(present, None)


def merge_patients(rows: pd.DataFrame) -> Merged:
    """Merge harmonized rows (record fields + raw_row_id + feed) into one row per patient_key.

    Patients with one row pass through as they are; only those with several are merged.
    """
    several = rows["patient_key"].duplicated(keep=False)
    singles = rows.loc[~several, [*load_catalogue().record_fields("registry"), "raw_row_id"]]
    merged = _merge_several(rows[several])
    patients = pd.concat([p for p in (singles, merged.patients) if not p.empty], ignore_index=True)
    if patients.empty:
        patients = merged.patients
    patients = patients.sort_values("patient_key", kind="stable", ignore_index=True)
    return Merged(patients, merged.value_sources, merged.conflicts, merged.merged_rows)


def _merge_several(rows: pd.DataFrame) -> Merged:
    order = rows.assign(
        _has_edit=rows["updated_at"].notna(),
        _feed_rank=rows["feed"].map(FEED_ORDER).fillna(9),
    ).sort_values(
        ["patient_key", "_has_edit", "updated_at", "_feed_rank", "raw_row_id"],
        ascending=[True, False, False, True, True],
        kind="stable",
    )
    winners = order.groupby("patient_key", sort=True)["raw_row_id"].first()
    columns: dict[str, pd.Series] = {}
    sources: list[pd.DataFrame] = []
    conflicts: list[pd.DataFrame] = []
    winner_set = set(winners)
    for source, fields in _merge_units():
        if fields == ("patient_key",):
            continue
        # a narrow frame per cell: copying the whole record for each of ~40 cells is what costs
        cell = order[list(dict.fromkeys(["patient_key", "raw_row_id", "updated_at", *fields]))]
        cell = cell[cell[list(fields)].notna().any(axis=1)]
        chosen = cell.drop_duplicates("patient_key").set_index("patient_key")  # rows are newest first
        for f in fields:
            column = chosen[f].reindex(winners.index).astype(object)
            columns[f] = column.where(column.notna(), None)
        taken = chosen.loc[~chosen["raw_row_id"].isin(winner_set), "raw_row_id"]
        for f in fields:
            sources.append(pd.DataFrame({"patient_key": taken.index, "field": f, "raw_row_id": taken.to_numpy()}))
        if not set(fields) & PER_FEED_FIELDS:
            conflicts.append(_conflicts(cell, chosen, fields, source))
    columns["patient_key"] = pd.Series(winners.index.to_numpy(), index=winners.index)
    patients = pd.DataFrame(columns).reset_index(drop=True)[load_catalogue().record_fields("registry")]
    patients["raw_row_id"] = winners.to_numpy()
    merged_rows = order.loc[~order["raw_row_id"].isin(winner_set), "raw_row_id"].reset_index(drop=True)
    found = [s for s in sources if not s.empty]
    value_sources = pd.concat(found, ignore_index=True) if found else _empty_sources()
    value_sources = value_sources.sort_values(["patient_key", "field"], ignore_index=True)
    found = [c for c in conflicts if not c.empty]
    conflict_frame = pd.concat(found, ignore_index=True) if found else _empty_conflicts()
    return Merged(patients, value_sources, conflict_frame, merged_rows)


def _merge_units() -> list[tuple[str, tuple[str, ...]]]:
    """What is merged as one: each source cell's fields, except per-feed fields, one by one."""
    units: list[tuple[str, tuple[str, ...]]] = []
    for source, fields in cell_groups().items():
        if set(fields) & PER_FEED_FIELDS or source == "registry_code":
            units.extend((f, (f,)) for f in fields)
        else:
            units.append((source, fields))
    return units


def _conflicts(present: pd.DataFrame, chosen: pd.DataFrame, fields: tuple[str, ...], source: str) -> pd.DataFrame:
    """Rows holding the cell with another value than the one kept."""
    others = present[~present["raw_row_id"].isin(set(chosen["raw_row_id"]))]
    if others.empty:
        return _empty_conflicts()
    kept = chosen.reindex(others["patient_key"])
    kept_text = _cell_text(kept, fields).to_numpy()
    other_text = _cell_text(others, fields).to_numpy()
    differs = kept_text != other_text
    if not differs.any():
        return _empty_conflicts()
    o = others[differs]
    k = kept[differs]
    reason = (
        "newer edit wins ("
        + _text(k["updated_at"]).fillna("no edit time").to_numpy()
        + " over "
        + _text(o["updated_at"]).fillna("no edit time").to_numpy()
        + ")"
    )
    return pd.DataFrame(
        {
            "patient_key": o["patient_key"].to_numpy(),
            "field": fields[0] if len(fields) == 1 else source,
            "kept_value": kept_text[differs],
            "discarded_value": other_text[differs],
            "kept_raw_row_id": k["raw_row_id"].astype(int).to_numpy(),
            "discarded_raw_row_id": o["raw_row_id"].astype(int).to_numpy(),
            "reason": reason,
        }
    )


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


def invalid_merged(patients: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    """Merged patients (among `keys`) whose combined record breaks a PatientRecord rule.

    Each row was valid alone; cells taken from two rows can still disagree (a
    relapse date from one feed before the transplant date of the other).
    Returns patient_key, field, reason, message.
    """
    failures = []
    candidates = patients[patients["patient_key"].isin(keys)]
    model = load_catalogue().record_model("registry")  # PatientRecord and the catalogue's added plain fields
    for record in plain_records(candidates, list(model.model_fields)):
        try:
            model.model_validate(record)
        except ValidationError as exc:
            field, reason, message = explain(exc)
            failures.append((record["patient_key"], field, reason, f"after merging the registry feeds: {message}"))
    return pd.DataFrame(failures, columns=["patient_key", "field", "reason", "message"])

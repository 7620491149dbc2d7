"""Merging a patient's rows from both registry feeds: newer edit wins, conflicts and lineage recorded."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from etl.harmonize.merge import merge_patients
from tests.load.records import make


def _rows(*specs: tuple[str, int, str, dict]) -> pd.DataFrame:
    out = []
    for key, raw_row_id, feed, changes in specs:
        row = make(key, **changes).model_dump()
        row.update(raw_row_id=raw_row_id, feed=feed)
        out.append(row)
    return pd.DataFrame(out)


def test_newer_edit_wins_and_each_disagreement_is_recorded() -> None:
    old = dt.datetime(2023, 1, 5, 10, 0)
    new = dt.datetime(2023, 6, 1, 9, 30)
    rows = _rows(
        (
            "2019-014",
            11,
            "registry_ru",
            {"updated_at": old, "agvhd_grade": 2, "cd3_dose": 7.1, "registry_code_en": None},
        ),
        (
            "2019-014",
            21,
            "registry_en",
            {"updated_at": new, "agvhd_grade": 3, "cd3_dose": None, "registry_code_ru": None},
        ),
        ("2019-015", 12, "registry_ru", {"updated_at": old}),
    )
    merged = merge_patients(rows)
    p = merged.patients.set_index("patient_key")
    assert list(p.index) == ["2019-014", "2019-015"]
    assert p.loc["2019-014", "agvhd_grade"] == 3  # newer wins
    assert p.loc["2019-014", "cd3_dose"] == 7.1  # the newer row left it empty
    assert p.loc["2019-014", "registry_code_ru"] == "ТГСК-2019-014"
    assert p.loc["2019-014", "raw_row_id"] == 21
    assert list(merged.merged_rows) == [11]

    conflicts = merged.conflicts
    assert list(conflicts["field"]) == ["agvhd_grade"]
    c = conflicts.iloc[0]
    assert (c["kept_value"], c["discarded_value"], c["kept_raw_row_id"], c["discarded_raw_row_id"]) == (
        "3",
        "2",
        21,
        11,
    )
    assert "2023-06-01T09:30:00 over 2023-01-05T10:00:00" in c["reason"]

    sources = merged.value_sources.sort_values("field")
    assert {(r.patient_key, r.field, r.raw_row_id) for r in sources.itertuples()} == {
        ("2019-014", "cd3_dose", 11),
        ("2019-014", "registry_code_ru", 11),
    }


def test_a_patient_in_one_feed_is_passed_through_without_conflicts() -> None:
    merged = merge_patients(_rows(("2019-016", 5, "registry_en", {})))
    assert len(merged.patients) == 1
    assert merged.conflicts.empty and merged.value_sources.empty and merged.merged_rows.empty

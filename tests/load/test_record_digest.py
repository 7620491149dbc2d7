"""A patient's record digest changes with anything its rows are built from, and with nothing else."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from etl.load.record_digest import record_digests, source_texts

SALT = "a" * 64


def _patients(**changes: object) -> pd.DataFrame:
    row = {
        "patient_key": "2015-001",
        "patient_id": 1,
        "transplant_id": 1,
        "raw_row_id": 10,
        "note": None,
        "dose": 0.1,
        "hsct_date": dt.date(2015, 3, 1),
    }
    return pd.DataFrame([{**row, **changes}])


NO_SOURCES = pd.DataFrame(columns=["patient_key", "field", "raw_row_id"])
SOURCES = pd.Series({10: "registry_ru|None|c0", 11: "registry_en|None|c1", 12: "registry_en|None|c2"})


def _digest(patients: pd.DataFrame, value_sources: pd.DataFrame = NO_SOURCES, **kw: object) -> str | None:
    sources = kw.get("sources", SOURCES)
    salt = kw.get("salt", SALT)
    return record_digests(patients, value_sources, sources, salt).iloc[0]  # type: ignore[arg-type]


def test_the_same_record_from_the_same_cells_has_the_same_digest() -> None:
    first = _digest(_patients())
    assert first is not None and len(first) == 64
    assert _digest(_patients()) == first
    assert _digest(_patients(patient_id=7, transplant_id=9)) == first  # ids are the database's, not the record's


def test_every_value_counts_exactly() -> None:
    first = _digest(_patients())
    assert _digest(_patients(note="None")) != first  # the text "None" is not a missing value
    assert _digest(_patients(dose=0.1000000000000001)) != first
    assert _digest(_patients(hsct_date=dt.date(2015, 3, 2))) != first
    assert _digest(_patients(), salt="b" * 64) != first  # other code or mappings build other rows


def test_the_source_cells_count() -> None:
    first = _digest(_patients())
    assert _digest(_patients(raw_row_id=11)) != first  # another row, other cells
    taken = pd.DataFrame({"patient_key": ["2015-001"], "field": ["dose"], "raw_row_id": [11]})
    with_source = _digest(_patients(), taken)
    assert with_source != first
    assert _digest(_patients(), taken.assign(raw_row_id=12)) != with_source
    assert _digest(_patients(), taken.assign(field="note")) != with_source


def test_unknown_cells_give_no_digest() -> None:
    assert _digest(_patients(raw_row_id=99)) is None
    taken = pd.DataFrame({"patient_key": ["2015-001"], "field": ["dose"], "raw_row_id": [99]})
    assert _digest(_patients(), taken) is None


def test_source_texts_name_feed_date_system_and_cells() -> None:
    raw_ids = pd.Series([10, 11], index=[2, 3])  # row number → raw_row_id
    texts = source_texts("registry_ru", 1904, raw_ids, pd.Series({2: "c0"}))
    assert texts[10] == "registry_ru|1904|c0"
    assert pd.isna(texts[11])  # a row without its cells' sha-256: unknown

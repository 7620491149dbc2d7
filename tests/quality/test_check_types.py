"""Every check type of the catalog, through Great Expectations, on data that passes and data that fails."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.quality.catalog import CHECK_TYPES, Check
from etl.quality.frames import Frame
from etl.quality.runner import QualityContext


def _check(check_type: str, field: str, argument: str = "", threshold: float = 0) -> Check:
    return Check(
        check_id=f"t_{check_type}",
        layer="harmonized",
        frame="t",
        field=field,
        category="conformance",
        check_type=check_type,
        argument=argument,
        threshold=threshold,
        severity="blocking",
        note="test",
    )


def _run(check: Check, data: dict[str, list[object]]) -> bool:
    frame = pd.DataFrame(data)
    frame["raw_row_id"] = range(100, 100 + len(frame))
    [result] = QualityContext([check]).validate("harmonized.t", Frame(frame, ["raw_row_id"]))
    assert result.observed_value and not result.observed_value.startswith("error"), result.observed_value
    return result.success


# check type -> (the check, data that passes, data that fails)
CASES: dict[str, tuple[Check, dict[str, list[object]], dict[str, list[object]]]] = {
    "not_null": (
        _check("not_null", "x", threshold=25),
        {"x": [1, 2, 3, None]},  # 25% missing is allowed
        {"x": [1, 2, None, None]},
    ),
    "value_set": (
        _check("value_set", "x", "domain:donor_type"),
        {"x": ["donor_type/haplo", "donor_type/matched_unrelated", None]},
        {"x": ["donor_type/haplo", "donor_type/xeno"]},
    ),
    "format": (
        _check("format", "x", "patient_code"),
        {"x": ["ТГСК-2019-014", " HSCT-2021-007 ", "2020-001"]},
        {"x": ["ТГСК-2019-014", "Иванов"]},
    ),
    "type": (
        _check("type", "x", "date"),
        {"x": [dt.date(2020, 1, 1), dt.date(2021, 5, 2)]},
        {"x": [dt.date(2020, 1, 1), "2021-05-02"]},
    ),
    "range": (
        _check("range", "x", "1..100"),
        {"x": [1, 22, 100, None]},
        {"x": [1, 22, 101]},
    ),
    "unique": (
        _check("unique", "a+b"),
        {"a": [1, 1, 2], "b": ["x", "y", "x"]},
        {"a": [1, 1, 2], "b": ["x", "x", "x"]},
    ),
    "foreign_key": (
        _check("foreign_key", "x", "parent.id"),
        {"x_in_parent_id": [True, True]},  # the derived column frames.py adds (see test_harmonized for the DB side)
        {"x_in_parent_id": [True, False]},
    ),
    "rule": (
        _check("rule", "holds"),
        {"holds": [True, True]},
        {"holds": [True, False]},
    ),
    "row_count": (
        _check("row_count", "", "1.."),
        {"x": [1]},
        {"x": []},
    ),
}


def test_every_check_type_has_a_case() -> None:
    assert set(CASES) == set(CHECK_TYPES)


@pytest.mark.parametrize("check_type", sorted(CASES))
def test_check_type_passes_and_fails(check_type: str) -> None:
    check, good, bad = CASES[check_type]
    assert _run(check, good) is True
    assert _run(check, bad) is False


def test_single_column_unique_fails_on_a_repeat() -> None:
    assert _run(_check("unique", "x"), {"x": [1, 2, 3]}) is True
    assert _run(_check("unique", "x"), {"x": [1, 2, 2]}) is False


def test_a_failing_sample_names_the_lineage_of_the_rows() -> None:
    frame = pd.DataFrame({"x": [5, 500, 7], "raw_row_id": [11, 12, 13]})
    [result] = QualityContext([_check("range", "x", "0..100")]).validate("harmonized.t", Frame(frame, ["raw_row_id"]))
    assert result.unexpected_count == 1
    assert result.sample == [{"x": 500, "raw_row_id": 12}]
    assert "1 of 3 rows fail" in (result.observed_value or "")

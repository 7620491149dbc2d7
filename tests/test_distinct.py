"""etl.performance.each_distinct: one conversion per distinct value, spread back in place."""

from __future__ import annotations

import pandas as pd

from etl.performance import each_distinct


def test_each_distinct_value_is_converted_once_and_missing_cells_get_missing() -> None:
    seen: list[list[object]] = []

    def upper(uniques: pd.Series) -> list[str]:
        seen.append(list(uniques))
        return [str(u).upper() for u in uniques]

    values = pd.Series(["a", None, "b", "a", float("nan"), pd.NaT, "b"], index=[5, 4, 3, 2, 1, 0, 9])
    out = each_distinct(values, upper, missing="-")
    assert out.tolist() == ["A", "-", "B", "A", "-", "-", "B"]
    assert seen == [["a", "b"]]


def test_all_missing_cells_get_missing() -> None:
    out = each_distinct(pd.Series([None, None]), lambda uniques: list(uniques), missing=True)
    assert out.tolist() == [True, True]


def test_a_mask_comes_back_as_bool() -> None:
    out = each_distinct(pd.Series(["", "x", None]), lambda uniques: [u == "" for u in uniques], True, dtype=bool)
    assert out.dtype == bool
    assert out.tolist() == [True, False, True]

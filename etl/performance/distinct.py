"""Compute once per distinct value, spread back over every cell.

A night's million cells hold a few thousand distinct values (dates, tests,
patient codes, blanks), so the parsers, the merge, the quality frames and the
bulk writer convert each distinct value once and take the results back by
position (`pd.factorize`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype


def each_distinct(
    values: pd.Series, convert: Callable[[pd.Series], Iterable[Any]], missing: Any = None, dtype: Any = object
) -> np.ndarray:
    """`convert`'s result for every cell of `values`, computed once per distinct value.

    `convert` gets the distinct values as an object Series (missing ones, None,
    NaN and NaT, left out) and returns one result for each; a missing cell gets
    `missing`. Equal values are one value: 1, 1.0 and True hash alike and are
    converted once (a caller that must tell them apart checks the kinds first).
    Returns an array of `dtype` aligned with `values` (bool for a mask: no
    Python object per cell).
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    results = list(convert(pd.Series(uniques, dtype=object)))
    spread: np.ndarray = np.array([*results, missing], dtype=dtype)[codes]  # code -1 (missing) → the last
    return spread


T = TypeVar("T")


def once_per_distinct(
    values: pd.Series, compute: Callable[[pd.Series], T], take: Callable[[T, np.ndarray], T], max_share: float = 1.0
) -> T:
    """`compute(values)`, computed on the distinct values only and taken back row by row.

    For a computation whose result for a value depends on that value alone and has
    several columns (a parser's values, errors and notes): `take(result, positions)`
    returns the result for the rows, `positions[i]` being row i's distinct value.
    Text values only (`factorize` would take 1, 1.0 and True for one value): other
    values, or more than `max_share` of them distinct, are computed row by row.
    """
    if len(values) < 2 or infer_dtype(values, skipna=True) not in ("string", "empty"):
        return compute(values)
    positions, distinct = pd.factorize(values, use_na_sentinel=False)
    if len(distinct) > max_share * len(values):
        return compute(values)
    return take(compute(pd.Series(distinct, dtype=object)), positions)


def frame_per_distinct(values: pd.Series, compute: Callable[[pd.Series], pd.DataFrame]) -> pd.DataFrame:
    """`compute`'s frame for the distinct values of `values` (no missing ones), taken back for every
    row: `compute` gets the distinct values as an object Series with a RangeIndex, in order of first
    appearance, and returns a frame on that index; the result is indexed like `values`."""
    positions, distinct = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    return compute(pd.Series(distinct, dtype=object)).iloc[positions].set_axis(values.index)

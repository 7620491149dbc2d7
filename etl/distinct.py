"""Compute once per distinct value, spread back over every cell.

A night's million cells hold a few thousand distinct values (dates, tests,
patient codes, blanks), so the parsers, the merge, the quality frames and the
bulk writer convert each distinct value once and take the results back by
position (`pd.factorize`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd


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
    return np.array([*results, missing], dtype=dtype)[codes]  # code -1 (missing) → the last

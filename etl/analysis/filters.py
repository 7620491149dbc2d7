"""Subsets of analysis_patient as data: the filter syntax of study/reproduction.yaml, applied vectorized.

A filter is
  * a name of the spec's `subsets:` (e.g. ``ino_pos``),
  * a mapping column -> condition, all of which must hold, where a condition is a value (equal), a list
    (one of), or a mapping of one operator to a value: ``{le: 100}``, ``{ge: 3}``, ``{lt: ..}``,
    ``{gt: ..}``, ``{ne: ..}``, ``{null: true}`` (not recorded) / ``{null: false}`` (recorded),
  * or a list of filters, all of which must hold.
A missing value never equals anything and fails every comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from etl.errors import InputError

OPERATORS = {
    "le": lambda s, v: s <= v,
    "lt": lambda s, v: s < v,
    "ge": lambda s, v: s >= v,
    "gt": lambda s, v: s > v,
    "ne": lambda s, v: s.notna() & (s != v),
    "null": lambda s, v: s.isna() if v else s.notna(),
}


def mask(df: pd.DataFrame, spec: Any, subsets: Mapping[str, Any]) -> pd.Series:
    """The rows of `df` a filter selects, as a boolean Series."""
    if spec is None:
        return pd.Series(True, index=df.index)
    if isinstance(spec, str):
        if spec not in subsets:
            raise InputError(f"unknown subset {spec!r}; define it under `subsets:` in the reproduction spec")
        return mask(df, subsets[spec], subsets)
    if isinstance(spec, list):
        out = pd.Series(True, index=df.index)
        for part in spec:
            out &= mask(df, part, subsets)
        return out
    if isinstance(spec, Mapping):
        out = pd.Series(True, index=df.index)
        for column, condition in spec.items():
            out &= _condition(df, column, condition)
        return out
    raise InputError(f"a filter is a subset name, a mapping or a list; got {spec!r}")


def _condition(df: pd.DataFrame, column: str, condition: Any) -> pd.Series:
    if column not in df.columns:
        raise InputError(f"unknown column {column!r} of analysis_patient in a filter")
    values = df[column]
    if isinstance(condition, list):
        return values.isin(condition)
    if isinstance(condition, Mapping):
        if len(condition) != 1 or next(iter(condition)) not in OPERATORS:
            raise InputError(f"condition on {column!r} must be one of {', '.join(OPERATORS)}; got {condition!r}")
        op, value = next(iter(condition.items()))
        return OPERATORS[op](values, value).fillna(False).astype(bool)
    return values.eq(condition).fillna(False).astype(bool)

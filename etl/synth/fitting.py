"""Value sets that hit a published median and range exactly.

A published median is an order statistic, so it can be built rather than
searched for: the middle element(s) take the median, the extremes take the
range, and the rest are drawn between them from the seeded generator.
"""

from __future__ import annotations

import numpy as np


def fit_values(
    n: int,
    median: float,
    rng: np.random.Generator,
    lo: float | None = None,
    hi: float | None = None,
    decimals: int = 0,
    spread: float = 0.5,
) -> np.ndarray:
    """`n` values, shuffled, whose median is `median` and min/max are `lo`/`hi`.

    Without `lo`/`hi` the extremes are drawn at +-`spread` of the median. The
    values are rounded to `decimals`; for an even `n` both middle values equal
    the median, so the median is exact at any precision.
    """
    if n <= 0:
        return np.empty(0)
    lo = median * (1 - spread * rng.uniform(0.6, 1.0)) if lo is None else lo
    hi = median * (1 + spread * rng.uniform(0.6, 1.0)) if hi is None else hi
    if n == 1:
        return np.array([round(median, decimals)])
    mid = [median] if n % 2 else [median, median]
    k = (n - len(mid)) // 2
    below = np.sort(rng.uniform(lo, median, k))
    above = np.sort(rng.uniform(median, hi, k))
    if k >= 1:
        below[0], above[-1] = lo, hi
    values = np.round(np.concatenate([below, mid, above]), decimals)
    if decimals == 0:
        values = values.astype(int)
    return rng.permutation(values)


def pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    """`k` distinct indices drawn from the index array `pool` (sorted result)."""
    if k > len(pool):
        raise ValueError(f"cannot pick {k} from a pool of {len(pool)}")
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else np.empty(0, dtype=int)

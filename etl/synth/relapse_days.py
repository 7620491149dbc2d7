"""Seeded search for relapse days that meet overlapping median/range/count targets.

The published relapse days are order statistics of overlapping subsets (all
InO+ CRi relapses, the MRD-negative ones among them, the HLA-loss ones...),
so no single subset can be fitted on its own: a small annealed search over
integer days finds a set where every target holds.
"""

from __future__ import annotations

import math

import numpy as np

Target = tuple[np.ndarray, float | None, int | None, int | None, tuple[int, int] | None]
# (mask of the subset, median, least day, greatest day, (day, how many on or before it)); a None is not targeted
Indexed = tuple[list[int], float | None, int | None, int | None, tuple[int, int] | None]  # the mask as indices


def _loss(days: np.ndarray, targets: list[Indexed]) -> float:
    values = days.tolist()
    total = 0.0
    for idx, median, lo, hi, count in targets:
        sub = sorted(values[i] for i in idx)
        m = len(sub)
        if median is not None:
            total += abs((sub[(m - 1) // 2] + sub[m // 2]) / 2 - median)
        if lo is not None:
            total += abs(sub[0] - lo)
        if hi is not None:
            total += abs(sub[-1] - hi)
        if count is not None:
            total += 30 * abs(sum(v <= count[0] for v in sub) - count[1])
    return total


def solve_days(
    bounds: np.ndarray, targets: list[Target], rng: np.random.Generator, restarts: int = 400
) -> np.ndarray:
    """Integer days within `bounds` (n x 2) meeting every target; raises if none was found."""
    indexed: list[Indexed] = [
        (np.flatnonzero(mask).tolist(), median, lo, hi, count) for mask, median, lo, hi, count in targets
    ]
    best = math.inf
    for _ in range(restarts):
        days, cur = _anneal(bounds, indexed, rng)
        if cur == 0:
            return days
        best = min(best, cur)
    raise RuntimeError(f"no relapse days meet the targets (best loss {best})")


def _anneal(
    bounds: np.ndarray, targets: list[Indexed], rng: np.random.Generator, iterations: int = 4000
) -> tuple[np.ndarray, float]:
    anchors = sorted(
        {int(v) for _, m, lo, hi, _c in targets for v in (m, lo, hi) if v is not None and float(v).is_integer()}
    )
    days = rng.integers(bounds[:, 0], bounds[:, 1] + 1)
    cur = _loss(days, targets)
    temp = 8.0
    for it in range(iterations):
        if cur == 0:
            break
        i = int(rng.integers(len(days)))
        new = days.copy()
        r = rng.random()
        if r < 0.3 and anchors:
            new[i] = anchors[int(rng.integers(len(anchors)))]
        elif r < 0.45:
            new[i] = anchors[int(rng.integers(len(anchors)))] + int(rng.integers(-3, 4))
        elif r < 0.8:
            new[i] = days[i] + int(rng.integers(-15, 16))
        else:
            new[i] = rng.integers(bounds[i, 0], bounds[i, 1] + 1)
        new[i] = np.clip(new[i], bounds[i, 0], bounds[i, 1])
        cand = _loss(new, targets)
        if cand <= cur or rng.random() < math.exp(-(cand - cur) / max(temp, 1e-3)):
            days, cur = new, cand
        temp = 8.0 * (1 - it / iterations) ** 2
    return days, cur

"""Bounds on order statistics of a group whose members fall into parts with known ranges and medians.

A part is `k` members with values in [lo, hi] (each end either a printed minimum/maximum, which some member
equals, or a bound from a definition such as "before D+100", which none need equal) and optionally a
printed median. For a threshold v, `max_below(v)` is the largest number of the part's members that can
lie strictly below v; the group's j-th smallest value is then at least every v for which the parts
together cannot place j members below it. Step functions change only at breakpoints, so the bounds are
found among them. Sound but not always tight (a median of an even part is handled exactly; parts are
treated as independent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

INF = math.inf


@dataclass(frozen=True)
class Part:
    k: int
    lo: float = -INF
    hi: float = INF
    lo_attained: bool = False
    hi_attained: bool = False
    median: float | None = None

    def mirrored(self) -> Part:
        return Part(self.k, -self.hi, -self.lo, self.hi_attained, self.lo_attained,
                    None if self.median is None else -self.median)

    def clipped(self, lo: float, hi: float) -> Part:
        new_lo, new_hi = max(self.lo, lo), min(self.hi, hi)
        return replace(self, lo=new_lo, hi=new_hi,
                       lo_attained=self.lo_attained and new_lo == self.lo,
                       hi_attained=self.hi_attained and new_hi == self.hi)

    def breakpoints(self) -> set[float]:
        points = {self.lo, self.hi}
        if self.median is not None:
            points |= {self.median, 2 * self.median - self.hi, 2 * self.median - self.lo}
        return {p for p in points if math.isfinite(p)}


def max_below(part: Part, v: float) -> int:
    """The largest number of the part's members that can be < v."""
    if part.k == 0 or v <= part.lo:
        return 0
    cap = part.k - 1 if (part.hi_attained and part.hi >= v) else part.k
    m = part.median
    if m is not None and v <= m:
        half = part.k // 2
        # odd: the middle member equals m >= v; even: x[half] < v forces its partner
        # x[half+1] = 2m - x[half] above 2m - v, which must stay <= hi
        even_cap = half if 2 * m - v < part.hi else half - 1
        cap = min(cap, half if part.k % 2 else even_cap)
    return max(cap, 0)


def max_above(part: Part, v: float) -> int:
    return max_below(part.mirrored(), -v)


def order_stat_bounds(parts: list[Part], j: int) -> tuple[float, float]:
    """(lowest, highest) possible value of the j-th smallest (1-based) member over all parts."""
    n = sum(p.k for p in parts)
    points = sorted(set().union(*(p.breakpoints() for p in parts)))
    lows = [b for b in points if sum(max_below(p, b) for p in parts) <= j - 1]
    highs = [b for b in points if sum(max_above(p, b) for p in parts) <= n - j]
    return (max(lows) if lows else -INF, min(highs) if highs else INF)


def median_bounds(parts: list[Part]) -> tuple[float, float]:
    n = sum(p.k for p in parts)
    if n % 2:
        return order_stat_bounds(parts, (n + 1) // 2)
    lo1, hi1 = order_stat_bounds(parts, n // 2)
    lo2, hi2 = order_stat_bounds(parts, n // 2 + 1)
    return ((lo1 + lo2) / 2, (hi1 + hi2) / 2)

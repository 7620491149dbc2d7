"""Seeded search for transplant dates and death days that hit survival targets.

The generator needs thousands of survival estimates per second, so it uses
these small numpy estimators; the tests recompute every figure with lifelines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _sorted(time: Sequence[float], event: Sequence[int]) -> list[tuple[float, int]]:
    # deaths before censorings at a tied time: the censored still count as at risk
    return sorted(zip(time, event, strict=True), key=lambda te: (te[0], -te[1]))


def km_at(time: Sequence[float], event: Sequence[int], t: float) -> float:
    """Kaplan-Meier survival (0..1) at `t`."""
    at_risk, surv = len(time), 1.0
    for u, e in _sorted(time, event):
        if u > t:
            break
        if e:
            surv *= 1 - 1 / at_risk
        at_risk -= 1
    return surv


def cif_at(time: Sequence[float], cause: Sequence[int], t: float) -> float:
    """Aalen-Johansen cumulative incidence (0..1) of cause 1 at `t` (cause 2 competes, 0 censored)."""
    at_risk, surv, cif = len(time), 1.0, 0.0
    for u, c in sorted(zip(time, cause, strict=True), key=lambda tc: (tc[0], -min(tc[1], 1))):
        if u > t:
            break
        if c:
            if c == 1:
                cif += surv / at_risk
            surv *= 1 - 1 / at_risk
        at_risk -= 1
    return cif


def logrank_p(t_a: Sequence[float], e_a: Sequence[int], t_b: Sequence[float], e_b: Sequence[int]) -> float:
    """Two-sided log-rank p-value (chi-square, 1 df, hypergeometric variance)."""
    rows = sorted(
        [(t, e, 1) for t, e in zip(t_a, e_a, strict=True)] + [(t, e, 0) for t, e in zip(t_b, e_b, strict=True)]
    )
    n, n_a = len(rows), len(t_a)
    o_e, var, i = 0.0, 0.0, 0
    while i < len(rows):
        u = rows[i][0]
        d = d_a = c = c_a = 0
        while i < len(rows) and rows[i][0] == u:
            _, e, in_a = rows[i]
            c += 1
            c_a += in_a
            if e:
                d += 1
                d_a += in_a
            i += 1
        if d:
            o_e += d_a - d * n_a / n
            if n > 1:
                var += d * (n_a / n) * (1 - n_a / n) * (n - d) / (n - 1)
        n -= c
        n_a -= c_a
    if var <= 0:
        return 1.0
    return math.erfc(math.sqrt(o_e**2 / var) / math.sqrt(2))


@dataclass
class SurvivalProblem:
    """Per patient: bounds of the transplant offset and of the death day; masks of the target groups."""

    dead: np.ndarray  # bool
    relapse_day: np.ndarray  # float, nan without relapse
    death_lo: np.ndarray  # int
    death_hi: np.ndarray  # int
    follow_min: np.ndarray  # int, least follow-up of an alive patient
    span: int  # days between the first transplant date and the censoring date
    km: list[tuple[np.ndarray, int, float, float, str]]  # (mask, day, lo, hi, kind): estimate in [lo, hi)
    logrank: list[tuple[np.ndarray, np.ndarray, float, float, str]]  # (mask a, mask b, p lo, p hi, kind)

    def __post_init__(self) -> None:
        self.dead_l: list[bool] = self.dead.tolist()
        self.event = [int(d) for d in self.dead_l]
        self.rday = [None if np.isnan(r) else float(r) for r in self.relapse_day]
        self.time_lo: list[int] = np.where(self.dead, self.death_lo, self.follow_min).tolist()
        self.time_hi: list[int] = np.where(self.dead, self.death_hi, self.span).tolist()
        # the masks as patient indices: (indices, day, lo, hi, kind) and (indices a, indices b, p lo, p hi, kind)
        self.km_idx: list[tuple[list[int], int, float, float, str]] = [
            (np.flatnonzero(m).tolist(), day, lo, hi, kind) for m, day, lo, hi, kind in self.km
        ]
        self.logrank_idx: list[tuple[list[int], list[int], float, float, str]] = [
            (np.flatnonzero(a).tolist(), np.flatnonzero(b).tolist(), lo, hi, kind)
            for a, b, lo, hi, kind in self.logrank
        ]


def _relapse_times(p: SurvivalProblem, os_time: Sequence[float]) -> tuple[list[float], list[int]]:
    rtime = [os_time[i] if r is None else r for i, r in enumerate(p.rday)]
    cause = [1 if r is not None else 2 if d else 0 for r, d in zip(p.rday, p.dead_l, strict=True)]
    return rtime, cause


def _interval_gap(value: float, lo: float, hi: float) -> float:
    return 0.0 if lo <= value < hi else min(abs(value - lo), abs(value - hi))


def estimates(p: SurvivalProblem, time: Sequence[float]) -> list[float]:
    """Each km estimate (percent) then each log-rank p, in target order."""
    event = p.event
    rtime, rcause = _relapse_times(p, time)
    rev = [int(c == 1) for c in rcause]
    out: list[float] = []
    for idx, day, _lo, _hi, kind in p.km_idx:
        if kind == "cir":
            out.append(100 * cif_at([rtime[i] for i in idx], [rcause[i] for i in idx], day))
        else:
            out.append(100 * km_at([time[i] for i in idx], [event[i] for i in idx], day))
    for ia, ib, _lo, _hi, kind in p.logrank_idx:
        t, e = (rtime, rev) if kind == "cir" else (time, event)
        out.append(logrank_p([t[i] for i in ia], [e[i] for i in ia], [t[i] for i in ib], [e[i] for i in ib]))
    return out


def loss(p: SurvivalProblem, time: Sequence[float]) -> float:
    values = estimates(p, time)
    total = 0.0
    bounds = [(lo, hi) for _i, _d, lo, hi, _k in p.km_idx]
    for value, (lo, hi) in zip(values, bounds, strict=False):
        total += _interval_gap(value, lo, hi)
    for pv, (_a, _b, lo, hi, _k) in zip(values[len(bounds):], p.logrank_idx, strict=True):
        total += 20 * _interval_gap(math.log(max(pv, 1e-300)), math.log(lo), math.log(hi))
    return total


def _anneal(p: SurvivalProblem, rng: np.random.Generator, iterations: int) -> tuple[list[int], float]:
    n = len(p.dead_l)
    lo, hi = p.time_lo, p.time_hi
    time = [int(rng.integers(lo[i], hi[i] + 1)) for i in range(n)]
    cur = best = loss(p, time)
    best_time = list(time)
    for it in range(iterations):
        if best == 0:
            break
        i = int(rng.integers(n))
        r = rng.random()
        if r < 0.35:
            new = int(rng.integers(lo[i], hi[i] + 1))
        elif r < 0.7:
            new = time[i] + int(rng.integers(-60, 61))
        else:  # just before or after another patient's time: reorders two events
            new = time[int(rng.integers(n))] + int(rng.choice([-1, 1]))
        new = min(max(new, lo[i]), hi[i])
        old = time[i]
        time[i] = new
        cand = loss(p, time)
        temp = 1.0 - it / iterations
        if cand <= cur or rng.random() < math.exp(-(cand - cur) / max(temp, 1e-6)):
            cur = cand
            if cur < best:
                best, best_time = cur, list(time)
        else:
            time[i] = old
    return best_time, best


def solve(
    p: SurvivalProblem, rng: np.random.Generator, iterations: int = 20000, restarts: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """Annealed search over follow-up times (alive) and death days; returns (transplant offset, death day).

    A dead patient's transplant offset is then drawn so that the death falls before the censoring date.
    """
    best_time, best = None, math.inf
    for _ in range(restarts):
        time, value = _anneal(p, rng, iterations)
        if value < best:
            best_time, best = time, value
        if best == 0:
            break
    assert best_time is not None
    times = np.array(best_time)
    offset = np.where(p.dead, [int(rng.integers(0, max(p.span - t - 1, 0) + 1)) for t in times], p.span - times)
    death = np.where(p.dead, times, 0)
    return offset, death

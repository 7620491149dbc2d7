"""The cohort engine: a `CohortSpec` in, a table of outcome-level patients out.

Steps, each seeded from one numpy Generator: expand the strata, draw the
quotas, fit the medians, search the relapse days, draw the event days (with
the platelet/neutrophil tests checked), then search the transplant dates and
death days for the survival targets. `records.py` turns the result into
canonical `PatientRecord` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from etl.synth.fitting import fit_values, pick
from etl.synth.relapse_days import solve_days
from etl.synth.study_spec import CohortSpec, Quota
from etl.synth.survival import SurvivalProblem, estimates, loss, solve

DEATH_WINDOWS = {"sos": (15, 60), "infection": (20, 200), "gvhd": (40, 250), "other": (30, 400)}


@dataclass
class Cohort:
    """Outcome-level patients (one row each) and what the searches achieved."""

    table: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


def match(df: pd.DataFrame, where: dict[str, Any]) -> np.ndarray:
    """Rows whose fields equal every value of `where` (None matches a missing value; group 'all' matches all)."""
    mask = np.ones(len(df), dtype=bool)
    for key, value in where.items():
        if key == "grp" and value == "all":
            continue
        col = df[key]
        if value is None:
            mask &= col.isna().to_numpy()
        else:
            mask &= np.array([v is not None and not (isinstance(v, float) and np.isnan(v)) and v == value
                              and type(v) is type(value) for v in col], dtype=bool)
    return mask


def expand(spec: CohortSpec) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for n, stratum in spec.strata:
        rows.extend({**spec.defaults, **stratum} for _ in range(n))
    df = pd.DataFrame(rows).astype(object)
    df = df.where(pd.notna(df), None)
    for col in ("cond", "donor", "graft", "gvhd_px", "ist"):
        if col not in df:
            df[col] = None
    df["donor"] = df["donor"].fillna("haplo")
    df["graft"] = df["graft"].fillna("bm")
    df["gvhd_px"] = df["gvhd_px"].fillna("atg")
    df["ist"] = df["ist"].fillna("cni")
    return df


def apply_quota(df: pd.DataFrame, q: Quota, rng: np.random.Generator) -> None:
    group = np.ones(len(df), bool) if q.group == "all" else match(df, {"grp": q.group})
    pool = np.flatnonzero(group & match(df, q.pool))
    chosen = pick(rng, pool, q.k)
    col = df.columns.get_loc(q.field) if q.field in df else None
    if col is None:
        df[q.field] = None
        col = df.columns.get_loc(q.field)
    for i in chosen:
        df.iat[int(i), col] = q.value
    if q.rest != "keep":
        for i in np.setdiff1d(pool, chosen):
            df.iat[int(i), col] = q.rest


def _fit_medians(df: pd.DataFrame, spec: CohortSpec, rng: np.random.Generator) -> None:
    for target in spec.medians:
        if target.field not in df:
            df[target.field] = None
        idx = np.flatnonzero(match(df, target.where))
        values = fit_values(len(idx), target.median, rng, target.lo, target.hi, target.decimals)
        col = df.columns.get_loc(target.field)
        for i, v in zip(idx, values, strict=True):
            df.iat[int(i), col] = v.item() if hasattr(v, "item") else v


def _refit_until(df: pd.DataFrame, spec: CohortSpec, rng: np.random.Generator, name: str,
                 ok: Any, tries: int = 2000) -> float:
    """Redraw the fitted values of `name` until `ok(p)` holds for the pos-vs-neg Mann-Whitney p."""
    targets = [t for t in spec.medians if t.field == name]
    p = float("nan")
    for _ in range(tries):
        sub = CohortSpec(**{**spec.__dict__, "medians": targets})
        _fit_medians(df, sub, rng)
        a = np.array([v for v, g in zip(df[name], df["grp"], strict=True) if g == "pos" and v is not None], float)
        b = np.array([v for v, g in zip(df[name], df["grp"], strict=True) if g == "neg" and v is not None], float)
        p = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
        if ok(p):
            return p
    raise RuntimeError(f"no draw of {name} met its p-value target (last p {p:.4f})")


def _relapse_days(df: pd.DataFrame, spec: CohortSpec, rng: np.random.Generator) -> None:
    rel = np.flatnonzero(match(df, {"rel": True}))
    sub = df.iloc[rel].reset_index(drop=True)
    bounds = np.array([list(b) for b in sub["rday"]], dtype=int)
    targets = [(match(sub, t.where), t.median, t.lo, t.hi, t.count_at_most) for t in spec.relapse_days]
    days = solve_days(bounds, targets, rng)
    df["relapse_day"] = _obj([None] * len(df))
    col = df.columns.get_loc("relapse_day")
    for i, d in zip(rel, days, strict=True):
        df.iat[int(i), col] = int(d)


def _obj(values: list[Any]) -> pd.Series:
    return pd.Series(values, dtype=object)


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _event_days(df: pd.DataFrame, rng: np.random.Generator) -> None:
    n = len(df)
    df["sos_day"] = _obj([int(rng.integers(7, 29)) if s else None for s in df["sos"]])
    df["tma_day"] = _obj([
        int(rng.integers(15, 96)) if t == "early" else int(rng.integers(105, 400)) if t == "late" else None
        for t in df["tma"]
    ])
    df["engr_day"] = _obj([_none(d) if e else None for d, e in zip(df["engr_day"], df["engr"], strict=True)])
    df["plt_day"] = _obj([_none(d) if p is True else None for d, p in zip(df["plt_day"], df["plt"], strict=True)])
    last = np.zeros(n, dtype=int)
    for name in ("engr_day", "plt_day", "sos_day", "tma_day", "relapse_day"):
        last = np.maximum(last, np.array([_none(v) or 0 for v in df[name]], dtype=int))
    last = np.maximum(last, np.where(df["lymph"].to_numpy() == True, 30, 0))  # noqa: E712 - object column
    df["last_event_day"] = last


def _survival(df: pd.DataFrame, spec: CohortSpec, rng: np.random.Generator) -> dict[str, Any]:
    first = dt.date.fromisoformat(spec.first_date)
    censor = dt.date.fromisoformat(spec.censor_date)
    span = (censor - first).days
    dead = (df["vital"] == "dead").to_numpy()
    rday = np.array([np.nan if _none(v) is None else v for v in df["relapse_day"]], dtype=float)
    last = df["last_event_day"].to_numpy(dtype=int)
    lo = np.zeros(len(df), dtype=int)
    hi = np.zeros(len(df), dtype=int)
    for i, cause in enumerate(df["cause"]):
        if not dead[i]:
            continue
        w = (int(rday[i]) + 20, int(rday[i]) + 1400) if cause == "relapse" else DEATH_WINDOWS[cause]
        lo[i] = max(w[0], last[i] + 1)
        hi[i] = max(w[1], lo[i] + 30)
    follow = np.maximum(last + 14, 45)
    # an alive patient without relapse is followed past the group's last relapse (so CIR is not censored early)
    for grp in ("pos", "neg"):
        g = (df["grp"] == grp).to_numpy()
        last_rel = np.nanmax(np.where(g, rday, np.nan))
        follow = np.where(g & ~dead & np.isnan(rday), np.maximum(follow, int(last_rel) + 1), follow)
    km = []
    for t in spec.km:
        mask = match(df, t.where)
        half = 0.5 * 10 ** (-t.decimals)
        km.append((mask, t.day, t.value - half, t.value + half, t.kind))
    lr = [(match(df, t.a), match(df, t.b), t.lo, t.hi, t.kind) for t in spec.logrank]
    problem = SurvivalProblem(dead, rday, lo, hi, follow, span, km, lr)
    offset, death = solve(problem, rng)
    df["hsct_date"] = _obj([first + dt.timedelta(days=int(o)) for o in offset])
    df["death_day"] = _obj([int(d) if x else None for d, x in zip(death, dead, strict=True)])
    names = [t.catalog_id for t in spec.km] + [t.catalog_id for t in spec.logrank]
    time = np.where(dead, death, span - offset).tolist()
    return {"survival_loss": loss(problem, time), "survival": dict(zip(names, estimates(problem, time), strict=True))}


def build(spec: CohortSpec, rng: np.random.Generator) -> Cohort:
    """Run the engine on a spec; raises if a constructive step cannot meet its targets."""
    df = expand(spec)
    for quota in spec.quotas:
        apply_quota(df, quota, rng)
    _fit_medians(df, spec, rng)
    report: dict[str, Any] = {}
    lo, hi = spec.platelet_p
    report["platelet_p"] = _refit_until(df, spec, rng, "plt_day", lambda p: lo <= p < hi)
    report["neutrophil_p"] = _refit_until(df, spec, rng, "engr_day", lambda p: p >= spec.neutrophil_p_min)
    _relapse_days(df, spec, rng)
    _event_days(df, rng)
    report.update(_survival(df, spec, rng))
    return Cohort(df, report)

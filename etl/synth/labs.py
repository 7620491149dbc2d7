"""Laboratory series that agree with the registry fields (canonical UCUM units)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

G_L = "10*9/L"


def _lab(key: str, day: dt.date, test: str, value: float | None = None, comparator: str | None = None,
         code: str | None = None, unit: str | None = G_L) -> dict[str, Any]:
    return {"patient_key": key, "result_date": day, "test": test, "value_num": value,
            "value_comparator": comparator, "value_code": code, "unit": unit}


def patient_labs(p: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """CD22 and MRD before HSCT, ANC around engraftment, PLT, ALC on D+30, chimerism, STR at relapse."""
    hsct: dt.date = p["hsct_date"]
    key, last = p["patient_key"], p["last_contact_date"]
    alive_until = (last - hsct).days

    def on(d: int) -> dt.date:
        return hsct + dt.timedelta(days=d)

    rows = [_lab(key, p["therapy_start_date"] - dt.timedelta(days=2), "cd22_blasts", p["cd22_percent"], unit="%")]
    if p["mrd_status"] == "negative":
        rows.append(_lab(key, on(-7), "mrd_flow", 0.01, "<", unit="%"))
    else:
        rows.append(_lab(key, on(-7), "mrd_flow", p["mrd_value_percent"], unit="%"))
    rows.append(_lab(key, on(-3), "anc", round(float(rng.uniform(0.0, 0.3)), 2)))
    rows.append(_lab(key, on(-3), "plt", float(rng.integers(5, 20))))
    engr = p["engraftment_day"]
    days = [d for d in (7, 14) if engr is None or d < engr - 1]
    if engr is not None:
        days += [engr - 1]
    elif alive_until >= 21:
        days += [21, 28]
    for d in days:
        if d <= alive_until:
            rows.append(_lab(key, on(d), "anc", round(float(rng.uniform(0.01, 0.45)), 2)))
    if engr is not None:
        rows.append(_lab(key, on(engr), "anc", round(float(rng.uniform(0.55, 1.2)), 2)))
    plt_day = p["platelet_recovery_day"]
    if plt_day is not None:
        rows.append(_lab(key, on(plt_day - 1), "plt", float(rng.integers(25, 49))))
        rows.append(_lab(key, on(plt_day), "plt", float(rng.integers(52, 140))))
    if alive_until >= 30:
        alc = rng.uniform(0.35, 1.4) if p["lymphocytes_d30_gt_0_3"] else rng.uniform(0.02, 0.29)
        rows.append(_lab(key, on(30), "alc", round(float(alc), 2)))
        chim = rng.uniform(95, 100) if p["engrafted"] else rng.uniform(0, 5)
        rows.append(_lab(key, on(30), "chimerism", round(float(chim), 1), unit="%"))
    if p["hla_loss"] in ("loss", "no_loss"):
        rows.append(_lab(key, p["relapse_date"], "hla_loss_str", code=p["hla_loss"], unit=None))
    return rows


def cohort_labs(records: list[dict[str, Any]], rng: np.random.Generator) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in records:
        rows.extend(patient_labs(p, rng))
    return rows

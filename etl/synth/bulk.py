"""Large cohorts for benchmarks: the study's distributions, drawn column by column with numpy.

The statistics of a bulk cohort are not the published ones (only the study
cohort is solved); its rows are valid PatientRecords of the same shapes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from etl.synth.people import full_names, patient_keys

EPOCH = dt.date(2015, 1, 1)
STATUSES = np.array(["relapse", "early_relapse", "second_relapse", "refractory"], dtype=object)
SITES = np.array(["bm", "cns", "extramedullary", "bm_cns", "combined"], dtype=object)
CNI = np.array(["tac_sir", "csa_sir", "cni_mtor"], dtype=object)


def _choice(rng: np.random.Generator, options: list[Any], p: list[float], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _int_around(
    rng: np.random.Generator, median: float | np.ndarray, lo: int, hi: int, n: int, sd: float
) -> np.ndarray:
    return np.clip(np.rint(rng.normal(median, sd, n)), lo, hi).astype(int)


def _dates(offsets: np.ndarray) -> list[dt.date]:
    base = np.datetime64(EPOCH.isoformat())
    dates: list[dt.date] = (base + offsets.astype("timedelta64[D]")).astype(dt.date).tolist()
    return dates


def _opt(mask: np.ndarray, values: np.ndarray) -> list[Any]:
    return [v if m else None for m, v in zip(mask.tolist(), values.tolist(), strict=True)]


def bulk_records(n: int, rng: np.random.Generator, censor: dt.date) -> list[dict[str, Any]]:
    """`n` canonical patients drawn from the study's distributions (vectorized draws)."""
    span = (censor - EPOCH).days
    pos = rng.random(n) < 24 / 55
    cond = np.where(
        pos,
        _choice(rng, ["ric_mel", "mac_bu"], [0.75, 0.25], n),
        _choice(rng, ["mac_bu", "rtc_treo", "ric_mel"], [14 / 31, 5 / 31, 12 / 31], n),
    )
    cri = rng.random(n) < np.where(pos, 21 / 24, 15 / 31)
    mrd_neg = cri & (rng.random(n) < np.where(pos, 16 / 21, 12 / 15))
    donor = _choice(rng, ["haplo", "matched_related", "matched_unrelated"], [53 / 55, 1 / 55, 1 / 55], n)
    haplo = donor == "haplo"
    pbsc = haplo & (rng.random(n) < 7 / 53)
    engr = rng.random(n) < np.where(pos, 20 / 24, 25 / 31)
    engr_day = _int_around(rng, np.where(pos, 22, 19), 12, 34, n, 4)
    plt = engr & (rng.random(n) < 0.85) | (~engr & pos & (rng.random(n) < 0.5))
    plt_day = _int_around(rng, np.where(pos, 33, 26), 15, 62, n, 7)
    lymph = engr & (rng.random(n) < 0.6)
    agvhd_any = engr & (rng.random(n) < 0.43)
    grade = np.where(agvhd_any, np.where(rng.random(n) < 0.38, rng.integers(3, 5, n), rng.integers(1, 3, n)), 0)
    sos = rng.random(n) < np.where(pos, 8 / 24, 3 / 31)
    sos_day = rng.integers(7, 29, n)
    tma = rng.random(n) < np.where(pos, 6 / 24, 3 / 31)
    tma_day = np.where(rng.random(n) < 0.4, rng.integers(15, 96, n), rng.integers(105, 400, n))
    offset = rng.integers(0, span - 60, n)
    follow = span - offset
    rday = np.clip(np.rint(rng.lognormal(np.log(180), 0.8, n)), 30, 1000).astype(int)
    relapse = engr & (rng.random(n) < 26 / 45) & (rday <= follow - 14)
    tma_day = np.where(tma & (tma_day > follow - 14), np.minimum(follow - 14, 95), tma_day)
    first_events = np.maximum.reduce(
        [
            np.where(engr, engr_day, 0),
            np.where(plt, plt_day, 0),
            np.where(sos, sos_day, 0),
            np.where(tma, tma_day, 0),
            np.where(lymph, 30, 0),
            np.where(relapse, rday, 0),
        ]
    )
    death_rel = relapse & (rng.random(n) < 0.6)
    death_sos = sos & ~relapse & (rng.random(n) < 0.4)
    death_inf = ~engr & ~death_sos & (rng.random(n) < 0.6)
    death_gvhd = (grade >= 3) & ~relapse & ~death_sos & (rng.random(n) < 0.3)
    dead = death_rel | death_sos | death_inf | death_gvhd
    death_day = np.where(death_rel, rday + rng.integers(20, 700, n), first_events + rng.integers(5, 120, n))
    death_day = np.minimum(death_day, follow - 1)
    ok = death_day > first_events
    dead &= ok
    cause = np.where(death_rel, "relapse", np.where(death_sos, "sos", np.where(death_inf, "infection", "gvhd")))
    hla_tested = relapse & (rng.random(n) < 0.4)
    hla = np.where(hla_tested, np.where(rng.random(n) < 0.3, "loss", "no_loss"), "not_tested")
    age = np.clip(np.rint(rng.normal(10, 3.5, n)), 3, 17).astype(int)
    hsct = _dates(offset)
    birth = _dates(offset - np.rint(age * 365.25).astype(int) - rng.integers(1, 364, n))
    birth = [_fix_age(b, h, int(a)) for b, h, a in zip(birth, hsct, age.tolist(), strict=True)]
    days_to = np.where(pos, _int_around(rng, 30, 26, 48, n, 5), _int_around(rng, 35, 24, 70, n, 8))
    start = _dates(offset - days_to)
    rel_date = _dates(offset + rday)
    last = _dates(np.where(dead, offset + death_day, span))
    cd22 = np.where(pos, _int_around(rng, 74, 50, 100, n, 12), _int_around(rng, 68, 20, 100, n, 18)).astype(float)
    cd34 = np.round(np.where(pbsc, rng.normal(6.4, 1.3, n), rng.normal(4.8, 1.4, n)).clip(0.5, 12), 1)
    cd3 = np.round(np.where(pbsc, rng.normal(7.57, 1.6, n), rng.normal(7.1, 2.0, n)).clip(0.8, 15), 2)
    mrd_val = np.where(
        mrd_neg, 0.01, np.where(cri, np.round(rng.uniform(0.02, 3.5, n), 2), np.round(rng.uniform(5, 60, n), 1))
    )
    febrile = rng.random(n) < np.where(pos, 3 / 24, 13 / 31)
    female = rng.random(n) < 0.45
    names_ru, names_en = full_names(female, rng)
    keys = patient_keys(np.array([d.year for d in hsct]), rng)
    feeds = rng.choice(np.array(["ru", "en", "both"], dtype=object), size=n, p=[0.5, 0.25, 0.25])
    ist = np.where((cond == "ric_mel") & (rng.random(n) < 2 / 3), "sir", CNI[rng.integers(0, 3, n)])
    status = np.where(~cri & (rng.random(n) < 0.5), "refractory", STATUSES[rng.integers(0, 3, n)])
    updated = rng.integers(8 * 60, 20 * 60, n)
    upd_day = rng.integers(0, 355, n)
    site = SITES[rng.choice(5, size=n, p=[0.45, 0.25, 0.1, 0.1, 0.1])]
    cols: dict[str, list[Any]] = {
        "patient_key": keys,
        "registry_code_ru": [f"ТГСК-{k}" if f != "en" else None for k, f in zip(keys, feeds, strict=True)],
        "registry_code_en": [f"HSCT-{k}" if f != "ru" else None for k, f in zip(keys, feeds, strict=True)],
        "full_name_ru": [x if f != "en" else None for x, f in zip(names_ru, feeds, strict=True)],
        "full_name_en": [x if f != "ru" else None for x, f in zip(names_en, feeds, strict=True)],
        "birth_date": birth,
        "sex": np.where(female, "female", "male").tolist(),
        "diagnosis": ["b_all"] * n,
        "diagnosis_note": [None] * n,
        "disease_status": status.tolist(),
        "cd22_percent": cd22.tolist(),
        "bridging_therapy": np.where(pos, "ino", np.where(rng.random(n) < 0.6, "hd_mtx", "flu_based")).tolist(),
        "therapy_start_date": start,
        "ino_dose_d1": _opt(pos, np.full(n, 0.8)),
        "ino_dose_d8": _opt(pos, np.full(n, 0.5)),
        "ino_dose_d15": _opt(pos, np.full(n, 0.5)),
        "intrathecal": [True] * n,
        "response": np.where(cri, "cri", "refractory").tolist(),
        "mrd_status": np.where(mrd_neg, "negative", "positive").tolist(),
        "mrd_value_percent": mrd_val.tolist(),
        "mrd_value_comparator": _opt(mrd_neg, np.full(n, "<", dtype=object)),
        "hsct_date": hsct,
        "donor_type": donor.tolist(),
        "graft_source": np.where(pbsc, "pbsc", "bm").tolist(),
        "cd34_dose": cd34.tolist(),
        "cd3_dose": cd3.tolist(),
        "conditioning": cond.tolist(),
        "gvhd_prophylaxis": np.where(haplo & (rng.random(n) < 49 / 53), "ptcy", "atg").tolist(),
        "immunosuppression": ist.tolist(),
        "tox_neutropenia": [True] * n,
        "tox_thrombocytopenia": [True] * n,
        "tox_febrile_neutropenia": febrile.tolist(),
        "tox_sepsis": (febrile & ~pos & (rng.random(n) < 0.15)).tolist(),
        "tox_polyneuropathy": (~pos & (rng.random(n) < 0.065)).tolist(),
        "tox_mucositis_grade": np.where(pos, 0, 2).tolist(),
        "tox_sos": [False] * n,
        "engrafted": engr.tolist(),
        "engraftment_day": _opt(engr, engr_day),
        "platelet_recovered": _opt(engr | pos, plt),
        "platelet_recovery_day": _opt(plt, plt_day),
        "lymphocytes_d30_gt_0_3": lymph.tolist(),
        "agvhd_grade": _opt(engr | pos, grade),
        "sos": sos.tolist(),
        "sos_day": _opt(sos, sos_day),
        "tma": tma.tolist(),
        "tma_day": _opt(tma, tma_day),
        "infection_d100": (rng.random(n) < 0.55).tolist(),
        "relapse": relapse.tolist(),
        "relapse_date": _opt(relapse, np.array(rel_date, dtype=object)),
        "relapse_site": _opt(relapse, site),
        "hla_loss": _opt(relapse, hla),
        "dli": (relapse & ~dead & (rng.random(n) < 0.5)).tolist(),
        "vital_status": np.where(dead, "dead", "alive").tolist(),
        "last_contact_date": last,
        "cause_of_death": _opt(dead, cause),
    }
    rows = [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]
    for r, f, minute, day in zip(rows, feeds.tolist(), updated.tolist(), upd_day.tolist(), strict=True):
        r["_feeds"] = f
        when = max(min(r["last_contact_date"], dt.date(2023, 12, 31)), dt.date(2023, 1, 10))
        when = min(when + dt.timedelta(days=day), dt.date(2023, 12, 31))
        r["updated_at"] = dt.datetime(when.year, when.month, when.day, minute // 60, minute % 60)
    rows.sort(key=lambda r: r["patient_key"])
    return rows


def _fix_age(birth: dt.date, hsct: dt.date, age: int) -> dt.date:
    got = hsct.year - birth.year - ((hsct.month, hsct.day) < (birth.month, birth.day))
    if got == age:
        return birth
    return birth + dt.timedelta(days=365 if got > age else -365)

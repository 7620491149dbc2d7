"""A generated cohort's truth file: loaded through the real loader, and its statistics computed independently.

The independent side reads only truth/patients.csv (PatientRecord fields) with pandas, takes the group
from the recorded InO doses, counts days from the dates, and uses scipy and the generator's own numpy
estimators (etl.synth.survival) — none of the views, the reproduction spec or lifelines.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner
from scipy import stats
from sqlalchemy import Engine

from etl.cli import main
from etl.synth.survival import cif_at, km_at, logrank_p
from schemas.records import PatientRecord
from tests.analysis.cohort import load_records

CLASS = {"mac_bu": "mac", "ric_mel": "ric", "rtc_treo": "rtc"}


def generate(out: Path, *args: str) -> Path:
    result = CliRunner().invoke(main, ["generate", "--out", str(out), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out / "truth" / "patients.csv"


def read_records(truth: Path) -> list[PatientRecord]:
    t = pd.read_csv(truth, dtype=str, keep_default_na=False)
    return [PatientRecord(**{k: (None if v == "" else v) for k, v in row.items()}) for row in t.to_dict("records")]


def load_truth(engine: Engine, truth: Path) -> None:
    load_records(engine, read_records(truth))


def truth_frame(truth: Path) -> pd.DataFrame:
    t = pd.read_csv(truth, keep_default_na=True)
    for col in ("hsct_date", "relapse_date", "last_contact_date", "therapy_start_date"):
        t[col] = pd.to_datetime(t[col])
    flags = ["engrafted", "relapse", "sos", "tma", "infection_d100", "platelet_recovered", "lymphocytes_d30_gt_0_3"]
    for col in flags:
        t[col] = t[col].map({True: True, False: False, "true": True, "false": False}).eq(True)
    t["pos"] = t["ino_dose_d1"].notna()
    t["cls"] = t["conditioning"].map(CLASS)
    t["relapse_day"] = (t["relapse_date"] - t["hsct_date"]).dt.days
    t["os_time"] = (t["last_contact_date"] - t["hsct_date"]).dt.days
    t["dead"] = t["vital_status"].eq("dead")
    return t


def _fisher(t: pd.DataFrame, a: pd.Series, b: pd.Series, outcome: pd.Series) -> float:
    table = [[int((g & outcome).sum()), int((g & ~outcome).sum())] for g in (a, b)]
    return float(stats.fisher_exact(table).pvalue)


def _pearson_c(a: pd.Series, b: pd.Series, outcome: pd.Series) -> float:
    table = np.array([[(a & outcome).sum(), (a & ~outcome).sum()], [(b & outcome).sum(), (b & ~outcome).sum()]])
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return math.sqrt(chi2 / (chi2 + table.sum()))


def _cir(t: pd.DataFrame, rows: pd.Series, day: int) -> float:
    sub = t[rows]
    time = np.where(sub["relapse"], sub["relapse_day"], sub["os_time"]).astype(float)
    cause = np.where(sub["relapse"], 1, np.where(sub["dead"], 2, 0))
    return 100 * cif_at(time, cause, day)


def expected(t: pd.DataFrame) -> dict[str, float | int | list[float]]:
    """Published ids of every kind, computed from the truth alone."""
    pos, neg, cri, eng, rel = t["pos"], ~t["pos"], t["response"].eq("cri"), t["engrafted"], t["relapse"]
    haplo, ric, mac = t["donor_type"].eq("haplo"), t["cls"].eq("ric"), t["cls"].eq("mac")
    mrdneg = t["mrd_status"].eq("negative")
    os_t, dead = t["os_time"].to_numpy(float), t["dead"].to_numpy(int)
    checks: dict[str, Callable[[], float | int | list[float]]] = {
        "t1.ino_pos.n": lambda: int(pos.sum()),
        "t1.ino_neg.cri": lambda: int((neg & cri).sum()),
        "t1.all.age_median": lambda: float(t.apply(lambda r: r.hsct_date.year - pd.Timestamp(r.birth_date).year - (
            (r.hsct_date.month, r.hsct_date.day) < (pd.Timestamp(r.birth_date).month, pd.Timestamp(r.birth_date).day)),
            axis=1).median()),
        "t1.all.ist_mtor": lambda: int(t["immunosuppression"].eq("sir").sum()),
        "m.haplo.graft_pbsc": lambda: int((haplo & t["graft_source"].eq("pbsc")).sum()),
        "m.haplo_bm.cd3_median": lambda: float(t.loc[haplo & t["graft_source"].eq("bm"), "cd3_dose"].median()),
        "m.ino_pos.cd22_min": lambda: [float(t.loc[pos, "cd22_percent"].min()),
                                       float(t.loc[pos, "cd22_percent"].max())],
        "r.ino_neg.days_to_hsct_median": lambda: float(
            (t["hsct_date"] - t["therapy_start_date"]).dt.days[neg].median()),
        "t2.ino_neg.febrile_neutropenia": lambda: int((neg & t["tox_febrile_neutropenia"].eq(True)).sum()),
        "t3.ino_neg.neutrophil_recovery_median": lambda: float(t.loc[neg & eng, "engraftment_day"].median()),
        "t3.ino_pos.relapse": lambda: int((pos & rel).sum()),
        "t3.ino_neg.agvhd_3_4": lambda: int((neg & t["agvhd_grade"].ge(3)).sum()),
        "t3.ino_neg.relapse_day_median": lambda: float(t.loc[neg & rel, "relapse_day"].median()),
        "t3.ino_pos.tma": lambda: int((pos & t["tma"]).sum()),
        "r.ino_neg_cri.relapse_day_range": lambda: [float(t.loc[neg & cri & rel, "relapse_day"].min()),
                                                    float(t.loc[neg & cri & rel, "relapse_day"].max())],
        "r.hla.no_loss": lambda: int((rel & t["hla_loss"].eq("no_loss")).sum()),
        "t4.ino_pos_mac.sos": lambda: int((pos & mac & t["sos"] & t["sos_day"].le(100)).sum()),
        "t4.ino_pos_ric.death": lambda: int((pos & ric & t["dead"]).sum()),
        "t2.response.p": lambda: _fisher(t, pos, neg, cri),
        "t3.engraftment.p": lambda: _fisher(t, pos, neg, eng),
        "t3.platelet_recovery.p": lambda: float(stats.mannwhitneyu(
            t.loc[pos & t["platelet_recovered"], "platelet_recovery_day"],
            t.loc[neg & t["platelet_recovered"], "platelet_recovery_day"], alternative="two-sided").pvalue),
        "r.cri.contingency_coef": lambda: _pearson_c(pos & cri, neg & cri, rel),
        "f2.ino_pos.os": lambda: 100 * km_at(os_t[pos], dead[pos], 730),
        "f3.ino_pos_mac.os": lambda: 100 * km_at(os_t[pos & mac], dead[pos & mac], 1096),
        "f2.ino_neg.cir": lambda: _cir(t, neg & eng, 1096),
        "f3.os.p": lambda: logrank_p(os_t[pos & ric], dead[pos & ric], os_t[pos & mac], dead[pos & mac]),
        "r.ino_pos_cri_mrdneg.relapse": lambda: int((pos & cri & mrdneg & rel).sum()),
    }
    return {stat_id: f() for stat_id, f in checks.items()}

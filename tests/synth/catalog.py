"""Every entry of study/published_statistics.yaml, computed from truth/patients.csv.

Counts, medians and ranges with pandas; tests and estimates with scipy and
lifelines only. Groups and denominators follow study/decisions.yaml.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lifelines import AalenJohansenFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy.stats import chi2_contingency, fisher_exact, mannwhitneyu

CENSOR = pd.Timestamp("2024-01-01")
DATES = ["birth_date", "therapy_start_date", "hsct_date", "relapse_date", "last_contact_date"]


def load_truth(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    for c in DATES:
        df[c] = pd.to_datetime(df[c])
    for c in ("engraftment_day", "platelet_recovery_day", "agvhd_grade", "sos_day", "tma_day",
              "cd22_percent", "cd34_dose", "cd3_dose", "ino_dose_d1", "ino_dose_d8", "ino_dose_d15"):
        df[c] = pd.to_numeric(df[c])
    for c in ("engrafted", "platelet_recovered", "lymphocytes_d30_gt_0_3", "sos", "tma", "infection_d100",
              "relapse", "tox_neutropenia", "tox_thrombocytopenia", "tox_febrile_neutropenia", "tox_sepsis",
              "tox_polyneuropathy", "tox_sos"):
        df[c] = df[c].map({"true": True, "false": False, None: None})
    df["tox_mucositis_grade"] = pd.to_numeric(df["tox_mucositis_grade"])
    df["age"] = [b.year - a.year - ((b.month, b.day) < (a.month, a.day))
                 for a, b in zip(df["birth_date"], df["hsct_date"], strict=True)]
    df["relapse_day"] = (df["relapse_date"] - df["hsct_date"]).dt.days
    df["os_days"] = (df["last_contact_date"] - df["hsct_date"]).dt.days
    df["dead"] = df["vital_status"] == "dead"
    df["days_to_hsct"] = (df["hsct_date"] - df["therapy_start_date"]).dt.days
    return df


@dataclass
class Value:
    """A computed figure: n/denom for counts, value for medians/p/km/coef, min/max for ranges."""

    n: int | None = None
    denom: int | None = None
    value: float | None = None
    min: float | None = None
    max: float | None = None


Sel = Callable[[pd.DataFrame], pd.Series]


def is_(col: str, value: Any) -> Sel:
    return lambda d: d[col] == value


def isin(col: str, values: list[Any]) -> Sel:
    return lambda d: d[col].isin(values)


def T(col: str) -> Sel:
    return lambda d: d[col] == True  # noqa: E712 - object column


GROUPS: dict[str, Sel] = {
    "all": lambda d: pd.Series(True, index=d.index),
    "ino_pos": is_("bridging_therapy", "ino"),
    "ino_neg": lambda d: d["bridging_therapy"] != "ino",
    "haplo": is_("donor_type", "haplo"),
}
GROUPS["haplo_bm"] = lambda d: GROUPS["haplo"](d) & (d["graft_source"] == "bm")
GROUPS["haplo_pbsc"] = lambda d: GROUPS["haplo"](d) & (d["graft_source"] == "pbsc")
GROUPS["mrd"] = is_("donor_type", "matched_related")
GROUPS["mud"] = is_("donor_type", "matched_unrelated")
for _g in ("ino_pos", "ino_neg"):
    GROUPS[f"{_g}_cri"] = lambda d, g=_g: GROUPS[g](d) & (d["response"] == "cri")
    GROUPS[f"{_g}_cri_mrdneg"] = lambda d, g=_g: GROUPS[f"{g}_cri"](d) & (d["mrd_status"] == "negative")
GROUPS["ino_pos_ric"] = lambda d: GROUPS["ino_pos"](d) & (d["conditioning"] == "ric_mel")
GROUPS["ino_pos_mac"] = lambda d: GROUPS["ino_pos"](d) & (d["conditioning"] != "ric_mel")
GROUPS["ino_pos_haplo"] = lambda d: GROUPS["ino_pos"](d) & GROUPS["haplo"](d)

# count entries: (numerator selector, denominator population within the group or None for the group itself)
RECORDED: Callable[[str], Sel] = lambda col: (lambda d: d[col].notna())  # noqa: E731
ENGRAFTED = T("engrafted")
REL = T("relapse")
COUNTS: dict[str, tuple[Sel, Sel | None]] = {
    "n": (lambda d: pd.Series(True, index=d.index), "cohort"),  # type: ignore[dict-item]
    "cri": (is_("response", "cri"), None),
    "cri_mrd_pos": (lambda d: (d["response"] == "cri") & (d["mrd_status"] == "positive"), is_("response", "cri")),
    "cri_mrd_neg": (lambda d: (d["response"] == "cri") & (d["mrd_status"] == "negative"), is_("response", "cri")),
    # Table 1 gives InO-'s MRD split over the whole group (3/31, 12/31), InO+'s over CRi (5/21, 16/21)
    "neg:cri_mrd_pos": (lambda d: (d["response"] == "cri") & (d["mrd_status"] == "positive"), None),
    "neg:cri_mrd_neg": (lambda d: (d["response"] == "cri") & (d["mrd_status"] == "negative"), None),
    "refractory": (is_("response", "refractory"), None),
    "donor_haplo": (is_("donor_type", "haplo"), None),
    "donor_mrd": (is_("donor_type", "matched_related"), None),
    "donor_mud": (is_("donor_type", "matched_unrelated"), None),
    "graft_bm": (is_("graft_source", "bm"), None),
    "graft_pbsc": (is_("graft_source", "pbsc"), None),
    "cond_mac_bu": (is_("conditioning", "mac_bu"), None),
    "cond_rtc_treo": (is_("conditioning", "rtc_treo"), None),
    "cond_ric_mel": (is_("conditioning", "ric_mel"), None),
    "gvhd_ptcy": (is_("gvhd_prophylaxis", "ptcy"), None),
    "gvhd_sero": (is_("gvhd_prophylaxis", "atg"), None),
    "ist_cni_mtor": (isin("immunosuppression", ["cni_mtor", "tac_sir", "csa_sir"]), None),
    "ist_mtor": (is_("immunosuppression", "sir"), None),
    "neutropenia": (T("tox_neutropenia"), None),
    "thrombocytopenia": (T("tox_thrombocytopenia"), None),
    "infection": (T("tox_sepsis"), None),
    "febrile_neutropenia": (T("tox_febrile_neutropenia"), None),
    "sepsis": (T("tox_sepsis"), None),
    "polyneuropathy": (T("tox_polyneuropathy"), None),
    "mucositis_g2": (is_("tox_mucositis_grade", 2), None),
    "lymphocytes_d30": (T("lymphocytes_d30_gt_0_3"), None),
    "engraftment": (ENGRAFTED, None),
    "platelet_recovery": (T("platelet_recovered"), RECORDED("platelet_recovered")),
    "agvhd": (lambda d: d["agvhd_grade"] >= 1, RECORDED("agvhd_grade")),
    "agvhd_3_4": (lambda d: d["agvhd_grade"] >= 3, lambda d: d["agvhd_grade"] >= 1),
    "relapse": (REL, ENGRAFTED),
    "relapse_hla_loss": (is_("hla_loss", "loss"), None),
    "relapse_no_hla_loss": (is_("hla_loss", "no_loss"), None),
    "tma": (T("tma"), None),
    "sos": (T("sos"), None),
    "sos_death": (is_("cause_of_death", "sos"), T("sos")),
    "sos_death_mac": (lambda d: d["conditioning"] != "ric_mel", is_("cause_of_death", "sos")),
    "sos_death_ric": (is_("conditioning", "ric_mel"), is_("cause_of_death", "sos")),
    "relapse_bm": (is_("relapse_site", "bm"), REL),
    "relapse_extramedullary": (isin("relapse_site", ["cns", "extramedullary"]), REL),
    "relapse_cns": (isin("relapse_site", ["cns", "extramedullary"]), REL),
    "relapse_combined": (is_("relapse_site", "bm_cns"), REL),
    "hla_loss": (is_("hla_loss", "loss"), REL),
    "death": (T("dead"), None),
    "death_relapse": (is_("cause_of_death", "relapse"), None),
    "death_sos": (is_("cause_of_death", "sos"), None),
}
T2_SOS = (T("tox_sos"), None)
T4: dict[str, tuple[Sel, Sel | None]] = {
    "infection": (T("infection_d100"), None),
    "tma": (lambda d: (d["tma"] == True) & (d["tma_day"] <= 100), None),  # noqa: E712
    "sos": (lambda d: (d["sos"] == True) & (d["sos_day"] <= 100), None),  # noqa: E712
    "relapse": (lambda d: d["relapse_day"] <= 100, None),
    "death": (T("dead"), None),
    "n": (lambda d: pd.Series(True, index=d.index), "group_of_ino_pos"),  # type: ignore[dict-item]
}
MEDIAN_FIELDS = {
    "age_median": "age", "cd34_median": "cd34_dose", "cd3_median": "cd3_dose", "cd34": "cd34_dose", "cd3": "cd3_dose",
    "cd22_median": "cd22_percent", "days_to_hsct_median": "days_to_hsct", "neutrophil_recovery_median":
    "engraftment_day", "platelet_recovery_median": "platelet_recovery_day", "relapse_day_median": "relapse_day",
}


def _count(d: pd.DataFrame, g: pd.Series, num: Sel, den: Any) -> Value:
    if den == "cohort":
        return Value(int(g.sum()), len(d))
    if den == "group_of_ino_pos":
        return Value(int(g.sum()), int(GROUPS["ino_pos"](d).sum()))
    pop = g if den is None else g & den(d).fillna(False).astype(bool)
    return Value(int((pop & num(d).fillna(False).astype(bool)).sum()), int(pop.sum()))


def _median(series: pd.Series) -> Value:
    s = series.dropna()
    return Value(value=float(np.median(s)), min=float(s.min()), max=float(s.max()))


def _km(d: pd.DataFrame, g: pd.Series, day: int) -> float:
    kmf = KaplanMeierFitter().fit(d.loc[g, "os_days"], d.loc[g, "dead"])
    return 100 * float(kmf.survival_function_at_times(day).iloc[0])


def _cir(d: pd.DataFrame, g: pd.Series, day: int) -> float:
    sub = d[g & ENGRAFTED(d).fillna(False).astype(bool)]
    time = sub["relapse_day"].fillna(sub["os_days"]).to_numpy(dtype=float)  # arrays: lifelines aligns Series
    event = np.where(sub["relapse"] == True, 1, np.where(sub["dead"], 2, 0))  # noqa: E712
    ajf = AalenJohansenFitter(seed=1).fit(time, event, event_of_interest=1)
    cif = ajf.cumulative_density_
    return 100 * float(cif[cif.index <= day].iloc[-1, 0])


def _logrank(d: pd.DataFrame, a: pd.Series, b: pd.Series, relapse: bool = False) -> float:
    if relapse:
        eng = ENGRAFTED(d).fillna(False).astype(bool)
        a, b = a & eng, b & eng
        time = d["relapse_day"].fillna(d["os_days"])
        event = d["relapse"] == True  # noqa: E712
    else:
        time, event = d["os_days"], d["dead"]
    return float(logrank_test(time[a], time[b], event[a], event[b]).p_value)


def _fisher(d: pd.DataFrame, num: Sel, den: Sel | None = None) -> float:
    pos, neg = GROUPS["ino_pos"](d), GROUPS["ino_neg"](d)
    rows = []
    for g in (pos, neg):
        pop = g if den is None else g & den(d).fillna(False).astype(bool)
        k = int((pop & num(d).fillna(False).astype(bool)).sum())
        rows.append([k, int(pop.sum()) - k])
    return float(fisher_exact(rows).pvalue)


def _coef(d: pd.DataFrame, mrdneg: bool) -> float:
    key = "_cri_mrdneg" if mrdneg else "_cri"
    table = []
    for g in ("ino_pos", "ino_neg"):
        sub = d[GROUPS[g + key](d)]
        k = int((sub["relapse"] == True).sum())  # noqa: E712
        table.append([k, len(sub) - k])
    chi2 = chi2_contingency(table, correction=False)[0]
    return float(np.sqrt(chi2 / (chi2 + np.sum(table))))


def _mwu(d: pd.DataFrame, col: str) -> float:
    a = d.loc[GROUPS["ino_pos"](d), col].dropna()
    b = d.loc[GROUPS["ino_neg"](d), col].dropna()
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def _p_values(d: pd.DataFrame) -> dict[str, float]:
    pos, neg = GROUPS["ino_pos"](d), GROUPS["ino_neg"](d)
    return {
        "t2.response.p": _fisher(d, is_("response", "cri")),
        "t3.neutrophil_recovery.p": _mwu(d, "engraftment_day"),
        "t3.lymphocytes_d30.p": _fisher(d, T("lymphocytes_d30_gt_0_3")),
        "t3.engraftment.p": _fisher(d, ENGRAFTED),
        "t3.platelet_recovery.p": _mwu(d, "platelet_recovery_day"),
        "t3.agvhd.p": _fisher(d, lambda x: x["agvhd_grade"] >= 3, lambda x: x["agvhd_grade"] >= 1),
        "t3.relapse.p": _fisher(d, REL, ENGRAFTED),
        "t3.hla_loss.p": _fisher(d, is_("hla_loss", "loss"), isin("hla_loss", ["loss", "no_loss"])),
        "f2.os.p": _logrank(d, pos, neg),
        "f2.cir.p": _logrank(d, pos, neg, relapse=True),
        "f3.os.p": _logrank(d, GROUPS["ino_pos_ric"](d), GROUPS["ino_pos_mac"](d)),
    }


KM_DAYS = {"f1": 1096, "f2": 730, "f3": 1096}  # study/decisions.yaml: survival-time-points
CIR_DAY = 1096
HLA: dict[str, tuple[Sel, str | None]] = {
    "tested": (isin("hla_loss", ["loss", "no_loss"]), None),
    "loss": (is_("hla_loss", "loss"), None),
    "no_loss": (is_("hla_loss", "no_loss"), None),
    "loss_bm": (lambda d: (d["hla_loss"] == "loss") & (d["relapse_site"] == "bm"), None),
    "loss_combined_cns": (lambda d: (d["hla_loss"] == "loss") & (d["relapse_site"] == "bm_cns"), None),
    "no_loss_bm": (lambda d: (d["hla_loss"] == "no_loss") & (d["relapse_site"] == "bm"), None),
    "no_loss_combined": (lambda d: (d["hla_loss"] == "no_loss") & (d["relapse_site"] == "combined"), None),
}


def compute(entry: dict[str, Any], d: pd.DataFrame) -> Value:
    """The figure an entry publishes, computed from the truth."""
    eid, kind = entry["id"], entry["kind"]
    prefix, group, stat = eid.split(".")
    if kind == "p_value":
        return Value(value=_p_values(d)[eid])
    if kind == "km":
        day = KM_DAYS[prefix]
        if stat == "cir":
            return Value(value=_cir(d, GROUPS[group](d), CIR_DAY))
        return Value(value=_km(d, GROUPS[group](d), day))
    if kind == "coef":
        return Value(value=_coef(d, "mrdneg" in group))
    if kind == "constant":
        col = "ino_dose_d1" if stat == "ino_dose_d1" else "ino_dose_d8"
        vals = set(d.loc[GROUPS[group](d), col]) | (
            set(d.loc[GROUPS[group](d), "ino_dose_d15"]) if stat == "ino_dose_d8_d15" else set())
        return Value(value=vals.pop() if len(vals) == 1 else float("nan"))
    if group == "hla":
        rel = d[REL(d).fillna(False).astype(bool)]
        if stat.endswith("_day_median") or stat.endswith("_day_range"):
            sub = rel[rel["hla_loss"] == ("loss" if stat.startswith("loss") else "no_loss")]
            return _median(sub["relapse_day"])
        num, _ = HLA[stat]
        return Value(int(num(rel).sum()))
    g = GROUPS[group](d)
    if kind in ("median", "range"):
        field = {"age_min": "age", "cd22_min": "cd22_percent", "relapse_day_range": "relapse_day"}.get(
            stat) or MEDIAN_FIELDS[stat]
        sub = d.loc[g]
        if field == "relapse_day":
            sub = sub[sub["relapse"] == True]  # noqa: E712
        return _median(sub[field])
    if prefix == "t4":
        num, den = T4[stat]
        return _count(d, g, num, den)
    if prefix == "t2" and stat == "sos":
        return _count(d, g, *T2_SOS)
    num, den = COUNTS.get(f"neg:{stat}" if group == "ino_neg" else stat, COUNTS[stat])
    if prefix == "r" and stat == "relapse":
        den = None  # the results text counts relapses over the whole subgroup (10/21, 8/15, 5/16, 6/12)
    return _count(d, g, num, den)

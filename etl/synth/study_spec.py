"""The study cohort as a specification: strata, quotas and value targets.

This is data, not code: the cohort engine (`cohort.py`) expands the strata,
draws the quotas, fits the numeric targets and searches the dates. Another
cohort is another `CohortSpec`.

How the numbers were derived from `study/published_statistics.yaml` (and
which printed figures cannot all hold) is written down, entry by entry, in
`study/decisions.yaml`; the comments here only point there.

Strata fix the interlocked outcomes (conditioning x response x engraftment x
relapse x death); everything counted only within a group (lymphocytes on
D+30, aGVHD, febrile neutropenia, ...) is a quota drawn at random from a pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class Quota:
    """Set `field` to `value` for exactly `k` members of `group` matching `pool` (drawn at random)."""

    group: str
    field: str
    value: Any
    k: int
    pool: Row = dataclass_field(default_factory=dict)  # field -> required value (all must match)
    rest: Any = "keep"  # value for the pool members not drawn; "keep" leaves them


@dataclass(frozen=True)
class MedianTarget:
    """Values of `field` for the members of `where` with an exact median and range."""

    field: str
    where: Row
    median: float
    lo: float | None = None
    hi: float | None = None
    decimals: int = 0


@dataclass(frozen=True)
class OrderTarget:
    """A median/range (or count of days <= `at_most`) over relapse days of a subset, for the day search."""

    where: Row
    median: float | None = None
    lo: int | None = None
    hi: int | None = None
    count_at_most: tuple[int, int] | None = None  # (day, count): `count` relapses on or before `day`


@dataclass(frozen=True)
class KmTarget:
    """A Kaplan-Meier (or Aalen-Johansen) estimate at `day`, in percent, to hit at printed precision."""

    catalog_id: str
    where: Row
    day: int
    value: float
    decimals: int
    kind: str = "os"  # "os" (Kaplan-Meier) or "cir" (Aalen-Johansen, engrafted only)


@dataclass(frozen=True)
class LogrankTarget:
    """A log-rank p-value between two subsets: inside [lo, hi)."""

    catalog_id: str
    a: Row
    b: Row
    lo: float
    hi: float
    kind: str = "os"


@dataclass(frozen=True)
class CohortSpec:
    strata: list[tuple[int, Row]]
    quotas: list[Quota]
    medians: list[MedianTarget]
    relapse_days: list[OrderTarget]
    km: list[KmTarget]
    logrank: list[LogrankTarget]
    platelet_p: tuple[float, float] = (0.035, 0.045)  # Mann-Whitney of recovery days, pos vs neg
    neutrophil_p_min: float = 0.05
    first_date: str = "2015-01-01"
    censor_date: str = "2024-01-01"
    age: tuple[int, int, int] = (3, 10, 17)  # min, median, max
    defaults: Row = dataclass_field(default_factory=dict)


# ---------------------------------------------------------------------------
# strata of the published study (55 = 24 InO+ + 31 InO-); see decisions.yaml
# keys: grp, cond, resp, mrd, engr, plt, sos, rel, site, hla, vital, cause, tma, inf, agvhd, rday
# ---------------------------------------------------------------------------
_P = {"grp": "pos"}
_N = {"grp": "neg"}
_MAC = {**_P, "cond": "mac_bu", "inf": True}
_RIC = {**_P, "cond": "ric_mel"}
_DEAD_REL = {"vital": "dead", "cause": "relapse"}
_ALIVE = {"vital": "alive"}

STUDY_STRATA: list[tuple[int, Row]] = [
    # InO+ with myeloablative conditioning (6): 3 SOS deaths, 1 relapse death, 2 alive after relapse
    (2, {**_MAC, "resp": "cri", "mrd": "negative", "engr": False, "plt": False, "sos": True,
         "vital": "dead", "cause": "sos"}),
    (1, {**_MAC, "resp": "cri", "mrd": "negative", "sos": True, "vital": "dead", "cause": "sos"}),
    (1, {**_MAC, "resp": "cri", "mrd": "positive", "rel": True, "site": "extramedullary", "rday": (30, 100),
         "tma": "early", **_DEAD_REL}),
    (1, {**_MAC, "resp": "cri", "mrd": "positive", "rel": True, "site": "extramedullary", "rday": (30, 100),
         **_ALIVE}),
    (1, {**_MAC, "resp": "refractory", "rel": True, "site": "bm", "rday": (30, 100), **_ALIVE}),
    # InO+ with reduced-intensity conditioning (18): 8 relapses (5 fatal), 1 SOS death, 1 infection death
    (1, {**_RIC, "resp": "cri", "mrd": "positive", "rel": True, "site": "bm", "hla": "no_loss", **_DEAD_REL}),
    (1, {**_RIC, "resp": "cri", "mrd": "positive", "rel": True, "site": "bm", "hla": "no_loss", **_ALIVE}),
    (1, {**_RIC, "resp": "cri", "mrd": "positive", "rel": True, "site": "extramedullary", **_DEAD_REL}),
    (1, {**_RIC, "resp": "cri", "mrd": "negative", "rel": True, "site": "bm", "hla": "loss", **_DEAD_REL}),
    (1, {**_RIC, "resp": "cri", "mrd": "negative", "rel": True, "site": "bm", "hla": "no_loss", **_ALIVE}),
    (2, {**_RIC, "resp": "cri", "mrd": "negative", "rel": True, "site": "cns", **_DEAD_REL}),
    (1, {**_RIC, "resp": "cri", "mrd": "negative", "rel": True, "site": "cns", **_ALIVE}),
    (1, {**_RIC, "resp": "cri", "mrd": "negative", "engr": False, "plt": True, **_ALIVE}),
    (1, {**_RIC, "resp": "cri", "mrd": "negative", "engr": False, "plt": True, "vital": "dead",
         "cause": "infection"}),
    (1, {**_RIC, "resp": "cri", "mrd": "negative", "sos": True, "vital": "dead", "cause": "sos"}),
    (5, {**_RIC, "resp": "cri", "mrd": "negative", **_ALIVE}),
    (2, {**_RIC, "resp": "refractory", **_ALIVE}),
    # InO- (31): 15 relapses among 25 engrafted (9 fatal), 6 not engrafted (4 died)
    (2, {**_N, "resp": "cri", "mrd": "negative", "rel": True, "site": "bm", **_DEAD_REL}),
    (2, {**_N, "resp": "cri", "mrd": "negative", "rel": True, "site": "cns", "vital": "alive"}),
    (1, {**_N, "resp": "cri", "mrd": "negative", "rel": True, "site": "cns", **_DEAD_REL}),
    (1, {**_N, "resp": "cri", "mrd": "negative", "rel": True, "site": "bm_cns", "vital": "alive"}),
    (1, {**_N, "resp": "cri", "mrd": "positive", "rel": True, "site": "bm", "vital": "alive"}),
    (1, {**_N, "resp": "cri", "mrd": "positive", "rel": True, "site": "bm", "hla": "loss", **_DEAD_REL}),
    (1, {**_N, "resp": "refractory", "rel": True, "site": "bm_cns", "hla": "loss", **_DEAD_REL}),
    (2, {**_N, "resp": "refractory", "rel": True, "site": "bm", "hla": "no_loss", **_DEAD_REL}),
    (1, {**_N, "resp": "refractory", "rel": True, "site": "combined", "hla": "no_loss", **_DEAD_REL}),
    (1, {**_N, "resp": "refractory", "rel": True, "site": "combined", "hla": "no_loss", **_ALIVE}),
    (1, {**_N, "resp": "refractory", "rel": True, "site": "bm", "vital": "alive"}),
    (1, {**_N, "resp": "refractory", "rel": True, "site": "cns", **_DEAD_REL}),
    (3, {**_N, "resp": "refractory", "engr": False, "plt": None, "agvhd": None, "vital": "dead",
         "cause": "infection"}),
    (1, {**_N, "resp": "refractory", "engr": False, "plt": None, "agvhd": None, "vital": "dead", "cause": "other"}),
    (1, {**_N, "resp": "refractory", "engr": False, "plt": None, "agvhd": None, **_ALIVE}),
    (1, {**_N, "resp": "cri", "mrd": "negative", "engr": False, "plt": None, "agvhd": None, **_ALIVE}),
    (1, {**_N, "resp": "cri", "mrd": "negative", "sos": True, "vital": "dead", "cause": "sos"}),
    (2, {**_N, "resp": "refractory", "agvhd": "severe", "vital": "dead", "cause": "gvhd"}),
    (4, {**_N, "resp": "cri", "mrd": "negative", **_ALIVE}),
    (1, {**_N, "resp": "cri", "mrd": "positive", **_ALIVE}),
    (2, {**_N, "resp": "refractory", **_ALIVE}),
]

STUDY_DEFAULTS: Row = {
    "engr": True, "plt": "draw", "sos": False, "rel": False, "site": None, "hla": None, "tma": None,
    "inf": "draw", "agvhd": "draw", "mrd": "positive", "cause": None, "rday": (30, 1000),
}

_ENGR = {"engr": True}
STUDY_QUOTAS: list[Quota] = [
    # conditioning of InO- (55 = 20 MAC-Bu + 5 treosulfan + 30 RIC; InO+ has 6 MAC + 18 RIC)
    Quota("neg", "cond", "rtc_treo", 5, rest="keep"),
    Quota("neg", "cond", "ric_mel", 12, pool={"cond": None}),
    Quota("neg", "cond", "mac_bu", 14, pool={"cond": None}),
    # donors: the two fully matched transplants are InO- (so figure 1's haplo group is all of InO+)
    Quota("neg", "donor", "matched_related", 1, pool={"rel": False, "engr": True}),
    Quota("neg", "donor", "matched_unrelated", 1, pool={"rel": False, "engr": True, "donor": "haplo"}),
    Quota("all", "graft", "pbsc", 7, pool={"donor": "haplo"}, rest="bm"),
    Quota("all", "gvhd_px", "atg", 4, pool={"donor": "haplo"}, rest="ptcy"),
    Quota("all", "ist", "sir", 20, pool={"cond": "ric_mel"}, rest="cni"),
    # platelets > 50: InO+ 22/24 (two of them after graft failure), InO- 20 of the 25 engrafted
    Quota("pos", "plt", True, 20, pool={"plt": "draw"}),
    Quota("neg", "plt", True, 20, pool={"plt": "draw"}, rest=False),
    # toxicity before HSCT (Table 2); "infection" is the bloodstream infection (sepsis) row
    Quota("pos", "febrile", True, 3, rest=False),
    Quota("neg", "febrile", True, 13, rest=False),
    Quota("neg", "sepsis", True, 2, pool={"febrile": True}, rest=False),
    Quota("pos", "sepsis", False, 0, rest=False),
    Quota("neg", "polyneuropathy", True, 2, rest=False),
    Quota("pos", "polyneuropathy", False, 0, rest=False),
    # after HSCT (Table 3)
    Quota("pos", "lymph", True, 14, pool=_ENGR, rest=False),
    Quota("neg", "lymph", True, 15, pool=_ENGR, rest=False),
    Quota("pos", "agvhd", "mild", 7, pool={"agvhd": "draw", "engr": True}),
    Quota("pos", "agvhd", "severe", 3, pool={"agvhd": "draw", "engr": True}),
    Quota("neg", "agvhd", "severe", 3, pool={"agvhd": "draw", "engr": True}),
    Quota("neg", "agvhd", "mild", 6, pool={"agvhd": "draw", "engr": True}),
    Quota("all", "agvhd", "none", 0, pool={"agvhd": "draw"}, rest="none"),
    Quota("pos", "sos", True, 4, pool={"sos": False, "cond": "ric_mel", "vital": "alive"}),
    Quota("neg", "sos", True, 2, pool={"sos": False, "engr": True, "vital": "alive"}),
    Quota("pos", "tma", "early", 1, pool={"cond": "ric_mel", "tma": None, "vital": "alive"}),
    Quota("pos", "tma", "late", 4, pool={"cond": "ric_mel", "tma": None, "vital": "alive"}),
    Quota("neg", "tma", "early", 1, pool={"tma": None, "engr": True}),
    Quota("neg", "tma", "late", 2, pool={"tma": None, "engr": True, "vital": "alive"}),
    # infections before D+100 (Table 4: InO+ RIC 10/18, MAC 6/6); InO- about half
    Quota("pos", "inf", True, 10, pool={"inf": "draw"}, rest=False),
    Quota("neg", "inf", True, 16, pool={"inf": "draw"}, rest=False),
]

_POS_CRI = {"grp": "pos", "resp": "cri", "rel": True}
_NEG_CRI = {"grp": "neg", "resp": "cri", "rel": True}
STUDY_RELAPSE_DAYS: list[OrderTarget] = [
    OrderTarget(_POS_CRI, median=106, lo=53, hi=213),
    OrderTarget({**_POS_CRI, "mrd": "negative"}, median=105, lo=58, hi=169),
    OrderTarget(_NEG_CRI, median=422, lo=108, hi=929),
    OrderTarget({**_NEG_CRI, "mrd": "negative"}, median=296, lo=108, hi=929),
    OrderTarget({"grp": "neg", "rel": True}, median=203),
    OrderTarget({"hla": "loss"}, median=166, lo=41, hi=545),
    OrderTarget({"hla": "no_loss"}, median=136, lo=59, hi=300),
    OrderTarget({"grp": "pos", "cond": "mac_bu", "rel": True}, count_at_most=(100, 3)),
]

_POS_RIC = {"grp": "pos", "cond": "ric_mel"}
_POS_MAC = {"grp": "pos", "cond": "mac_bu"}
STUDY_KM: list[KmTarget] = [
    KmTarget("f1.ino_pos_haplo.os", {"grp": "pos", "donor": "haplo"}, 1096, 50, 0),
    KmTarget("f2.ino_pos.os", {"grp": "pos"}, 730, 56.5, 1),
    KmTarget("f2.ino_neg.os", {"grp": "neg"}, 730, 48.4, 1),
    KmTarget("f3.ino_pos_ric.os", _POS_RIC, 1096, 61.1, 1),
    KmTarget("f3.ino_pos_mac.os", _POS_MAC, 1096, 25, 0),
    KmTarget("f2.ino_pos.cir", {"grp": "pos", "engr": True}, 1096, 55, 0, kind="cir"),
    KmTarget("f2.ino_neg.cir", {"grp": "neg", "engr": True}, 1096, 60, 0, kind="cir"),
]
STUDY_LOGRANK: list[LogrankTarget] = [
    LogrankTarget("f3.os.p", _POS_RIC, _POS_MAC, 0.015, 0.025),
    LogrankTarget("f2.os.p", {"grp": "pos"}, {"grp": "neg"}, 0.05, 1.0),
    LogrankTarget("f2.cir.p", {"grp": "pos", "engr": True}, {"grp": "neg", "engr": True}, 0.05, 1.0, kind="cir"),
]

STUDY_MEDIANS: list[MedianTarget] = [
    MedianTarget("cd22", {"grp": "pos"}, 74, 50, 100),
    MedianTarget("cd22", {"grp": "neg"}, 68, 20, 100),
    MedianTarget("days_to_hsct", {"grp": "pos"}, 30, 26, 48),
    MedianTarget("days_to_hsct", {"grp": "neg"}, 35, 24, 70),
    MedianTarget("engr_day", {"grp": "pos", "engr": True}, 22, 13, 34),
    MedianTarget("engr_day", {"grp": "neg", "engr": True}, 19, 12, 31),
    MedianTarget("cd34", {"donor": "haplo", "graft": "bm"}, 4.8, 2.1, 9.6, 1),
    MedianTarget("cd3", {"donor": "haplo", "graft": "bm"}, 7.1, 3.2, 14.5, 1),
    MedianTarget("cd34", {"donor": "haplo", "graft": "pbsc"}, 6.4, 4.1, 10.2, 1),
    MedianTarget("cd3", {"donor": "haplo", "graft": "pbsc"}, 7.57, 5.05, 12.3, 2),
    MedianTarget("cd34", {"donor": "matched_related"}, 1.6, decimals=1),
    MedianTarget("cd3", {"donor": "matched_related"}, 2.3, decimals=1),
    MedianTarget("cd34", {"donor": "matched_unrelated"}, 0.6, decimals=1),
    MedianTarget("cd3", {"donor": "matched_unrelated"}, 1.25, decimals=2),
]

# platelet recovery days: medians 33 (22 InO+) and 26 (20 InO-), Mann-Whitney p = 0.04 (decisions.yaml)
STUDY_PLATELET_DAYS: list[MedianTarget] = [
    MedianTarget("plt_day", {"grp": "pos", "plt": True}, 33, 19, 62),
    MedianTarget("plt_day", {"grp": "neg", "plt": True}, 26, 15, 58),
]

STUDY = CohortSpec(
    strata=STUDY_STRATA,
    quotas=STUDY_QUOTAS,
    medians=STUDY_MEDIANS + STUDY_PLATELET_DAYS,
    relapse_days=STUDY_RELAPSE_DAYS,
    km=STUDY_KM,
    logrank=STUDY_LOGRANK,
    defaults=STUDY_DEFAULTS,
)

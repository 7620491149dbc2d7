"""Every published statistic holds on the truth file, except what study/decisions.yaml exempts (with its reason)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl.paths import PROJECT_ROOT
from tests.synth.catalog import compute, load_truth

CATALOG = yaml.safe_load((PROJECT_ROOT / "study" / "published_statistics.yaml").read_text(encoding="utf-8"))
DECISIONS = yaml.safe_load((PROJECT_ROOT / "study" / "decisions.yaml").read_text(encoding="utf-8"))["decisions"]
ENTRIES = CATALOG["statistics"]


def _exemptions() -> tuple[dict[str, dict[str, Any]], dict[str, set[str]], set[str]]:
    whole: dict[str, dict[str, Any]] = {}
    fields: dict[str, set[str]] = {}
    truncate: set[str] = set()
    for d in DECISIONS:
        if d.get("pct_rule") == "truncate":
            truncate.update(d["catalog_ids"])
        if not d["exempt"]:
            continue
        for cid in d.get("exempt_only", d["catalog_ids"]):
            if "exempt_fields" in d:
                fields.setdefault(cid, set()).update(d["exempt_fields"])
            else:
                whole[cid] = d
    return whole, fields, truncate


EXEMPT, EXEMPT_FIELDS, TRUNCATE = _exemptions()


def _decimals(x: float) -> int:
    return max(0, -Decimal(repr(x)).normalize().as_tuple().exponent) if not float(x).is_integer() else 0


def _printed(value: float, printed: float, truncate: bool = False) -> bool:
    k = _decimals(printed)
    if truncate:
        return math.floor(value * 10**k + 1e-9) / 10**k == printed
    return round(value + 1e-12, k) == printed


@pytest.fixture(scope="module")
def truth(study_night: Path) -> Any:
    return load_truth(study_night / "truth" / "patients.csv")


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["id"] not in EXEMPT], ids=lambda e: e["id"])
def test_published_statistic_holds(entry: dict[str, Any], truth: Any) -> None:
    got = compute(entry, truth)
    kind, eid = entry["kind"], entry["id"]
    if kind == "count":
        assert got.n == entry["n"], f"{eid}: n = {got.n}"
        if "denom" in entry:
            assert got.denom == entry["denom"], f"{eid}: denominator {got.denom}"
        if "pct" in entry and "pct" not in EXEMPT_FIELDS.get(eid, set()):
            assert _printed(100 * got.n / got.denom, entry["pct"], eid in TRUNCATE), f"{eid}: {got.n}/{got.denom}"
    elif kind == "median":
        assert _printed(got.value, entry["value"]), f"{eid}: median {got.value}"
    elif kind == "range":
        assert (got.min, got.max) == (entry["min"], entry["max"]), f"{eid}: range {got.min}..{got.max}"
    elif kind == "p_value":
        if entry["p"] == "n.s.":
            assert got.value >= 0.05, f"{eid}: p = {got.value}"
        else:
            assert _printed(got.value, entry["p"]), f"{eid}: p = {got.value}"
    elif kind in ("km", "coef", "constant"):
        assert _printed(got.value, entry["value"]), f"{eid}: {got.value}"
    else:
        pytest.fail(f"unknown kind {kind}")


@pytest.mark.parametrize("cid", sorted(EXEMPT), ids=str)
def test_exempt_figure_stays_within_its_recorded_tolerance(cid: str, truth: Any) -> None:
    entry = next(e for e in ENTRIES if e["id"] == cid)
    decision = EXEMPT[cid]
    assert decision["reason"] and decision["arithmetic"], f"{cid}: an exempt figure needs its reason and arithmetic"
    if "tolerance" not in decision:
        return
    got = compute(entry, truth).value
    printed = entry.get("value", entry.get("p"))
    assert abs(got - printed) <= decision["tolerance"], f"{cid}: {got} vs {printed}"
    if "achieved" in decision:
        assert round(got, 4) == pytest.approx(decision["achieved"], abs=0.05), f"{cid}: {got}"


def test_decisions_are_well_formed_and_name_real_catalog_entries() -> None:
    ids = {e["id"] for e in ENTRIES}
    seen: set[str] = set()
    for d in DECISIONS:
        assert {"id", "catalog_ids", "choice", "reason", "exempt"} <= set(d), d.get("id")
        assert d["id"] not in seen, d["id"]
        seen.add(d["id"])
        assert set(d["catalog_ids"]) <= ids, set(d["catalog_ids"]) - ids
        assert set(d.get("exempt_only", [])) <= set(d["catalog_ids"]), d["id"]
        assert isinstance(d["exempt"], bool), d["id"]

"""Reproduce every published statistic from the views: computed value, status and, for a `differs`, why.

A `differs` is explained, in this order, by the cohort's decisions file (a choice recorded by the
synthetic cohort, when it exempts the parts of the entry that differ), else by an `inconsistent`
finding of the consistency audit that puts the id in question (the printed figures cannot all be
true), else it is a defect of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from etl.analysis.compare import DIFFERS, NOT_COMPUTABLE, published_value, status
from etl.analysis.compute import Computed, compute
from etl.analysis.exemptions import Decision
from etl.audit import Finding
from etl.audit.model import Catalog, read_yaml
from etl.errors import InputError
from etl.paths import PROJECT_ROOT

DEFAULT_SPEC = PROJECT_ROOT / "study" / "reproduction.yaml"
DEFAULT_DECISIONS = PROJECT_ROOT / "study" / "decisions.yaml"

COHORT_CHOICE = "cohort choice"
PUBLISHED_INCONSISTENCY = "published inconsistency"
DEFECT = "defect"


@dataclass(frozen=True)
class Reproduction:
    """One catalog id: what was printed, what the views give, and whether they agree."""

    id: str
    kind: str
    published: Any
    computed: Any
    status: str
    note: str
    reason: str | None = None
    denominator: dict[str, int | None] | None = None
    percent: dict[str, float | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "published": self.published, "computed": self.computed,
                               "status": self.status, "note": self.note, "reason": self.reason}
        if self.denominator is not None:
            out["denominator"] = self.denominator
            out["percent"] = self.percent
        return out


def load_spec(path: Path = DEFAULT_SPEC) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("statistics"), dict):
        raise InputError(f"{path}: no `statistics:` mapping; see the header of study/reproduction.yaml")
    return doc.get("subsets") or {}, doc["statistics"]


# Audit kinds whose first id is the printed figure in question and whose other ids are only the
# figures it was checked against (a denominator, a range, the counts of a test).
FIRST_ID_ONLY = frozenset({"pct_vs_count", "median_bound", "recompute_test", "km_granularity", "median_in_range"})


def _inconsistencies(findings: list[Finding]) -> dict[str, list[Finding]]:
    """The inconsistent audit findings that put each id in question."""
    by_id: dict[str, list[Finding]] = {}
    for f in findings:
        if f.status == "inconsistent":
            for stat_id in f.ids[:1] if f.kind in FIRST_ID_ONLY else f.ids:
                by_id.setdefault(stat_id, []).append(f)
    return by_id


def _explain(stat_id: str, parts: set[str], decision: Decision | None,
             audit: dict[str, list[Finding]]) -> tuple[str, str]:
    cited = "; ".join(f"[{f.rule}] {f.arithmetic}" for f in audit.get(stat_id, []))
    if decision is not None and decision.covers(parts):
        also = f" (audit: {cited})" if cited else ""
        return COHORT_CHOICE, f"the cohort's decision {decision.reason}{also}"
    if cited:
        return PUBLISHED_INCONSISTENCY, f"the printed figures cannot all be true: {cited}"
    return DEFECT, "neither the cohort's decisions nor the audit explain it: a defect to fix"


def _one(stat_id: str, entry: dict[str, Any], computed: Computed | None, spec_note: str,
         decision: Decision | None, audit: dict[str, list[Finding]]) -> Reproduction:
    rule = decision.pct_rule if decision else "round"
    state, problems = status(entry, computed, rule)
    parts = [p for p in (computed.detail if computed else "no computation in study/reproduction.yaml", spec_note) if p]
    reason = None
    if state == DIFFERS:
        reason, why = _explain(stat_id, {part for part, _ in problems}, decision, audit)
        parts = ["; ".join(text for _, text in problems), why, *parts]
    elif decision is not None and (rule != "round" or state == NOT_COMPUTABLE):
        parts.append(f"percentage compared {rule}d, as the cohort's decision {decision.reason}"
                     if rule != "round" else f"the cohort's decision {decision.reason}")
    count = entry["kind"] == "count" and computed is not None
    return Reproduction(
        id=stat_id, kind=entry["kind"], published=published_value(entry),
        computed=None if computed is None else computed.value, status=state, note=" — ".join(parts), reason=reason,
        denominator={"published": entry.get("denom"), "computed": computed.denom} if count else None,
        percent={"published": entry.get("pct"), "computed": computed.pct} if count else None,
    )  # fmt: skip


def reproduce(
    patients: pd.DataFrame,
    catalog: Catalog,
    findings: list[Finding],
    decisions: dict[str, Decision],
    spec_path: Path = DEFAULT_SPEC,
) -> list[Reproduction]:
    """One Reproduction per catalog id, in the catalog's order."""
    subsets, specs = load_spec(spec_path)
    unknown = sorted(set(specs) - set(catalog.entries))
    if unknown:
        raise InputError(f"{spec_path}: ids not in the published catalog: {', '.join(unknown)}")
    audit = _inconsistencies(findings)
    out = []
    for stat_id, entry in catalog.entries.items():
        spec = specs.get(stat_id)
        computed = compute(patients, spec, subsets) if spec else None
        out.append(_one(stat_id, entry, computed, (spec or {}).get("note", ""), decisions.get(stat_id), audit))
    return out

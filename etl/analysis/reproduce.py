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
from etl.analysis.readings import Reading, by_id, load_readings, unnamed
from etl.audit import Finding
from etl.audit.model import Catalog, read_yaml
from etl.audit.notes import Code, Note, note
from etl.errors import InputError
from etl.paths import PROJECT_ROOT

DEFAULT_SPEC = PROJECT_ROOT / "study" / "reproduction.yaml"
DEFAULT_DECISIONS = PROJECT_ROOT / "study" / "decisions.yaml"

COHORT_CHOICE = "cohort choice"
PUBLISHED_INCONSISTENCY = "published inconsistency"
DEFECT = "defect"


@dataclass(frozen=True)
class Reproduction:
    """One catalog id: what was printed, what the views give, whether they agree, and under which readings."""

    id: str
    kind: str
    published: Any
    computed: Any
    status: str
    note: str  # in English, for statistics.json
    reason: str | None = None
    denominator: dict[str, int | None] | None = None
    percent: dict[str, float | None] | None = None
    notes: tuple[Note, ...] = ()  # the same note, to render in either language
    readings: tuple[Reading, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "published": self.published,
            "computed": self.computed,
            "status": self.status,
            "note": self.note,
            "reason": self.reason,
            "readings": [r.id for r in self.readings],
        }
        if self.denominator is not None:
            out["denominator"] = self.denominator
            out["percent"] = self.percent
        return out


@dataclass(frozen=True)
class Spec:
    """study/reproduction.yaml: the subsets, how each id is computed, and the readings behind them."""

    subsets: dict[str, Any]
    statistics: dict[str, Any]
    readings: list[Reading]
    restrictions: frozenset[str]


def load_full_spec(path: Path = DEFAULT_SPEC) -> Spec:
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("statistics"), dict):
        raise InputError(f"{path}: no `statistics:` mapping; see the header of study/reproduction.yaml")
    return Spec(
        doc.get("subsets") or {}, doc["statistics"], load_readings(doc), frozenset(doc.get("restrictions") or ())
    )


def load_spec(path: Path = DEFAULT_SPEC) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = load_full_spec(path)
    return spec.subsets, spec.statistics


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


def _explain(
    stat_id: str, parts: set[str], decision: Decision | None, audit: dict[str, list[Finding]]
) -> tuple[str, Note, str]:
    """(reason, the explanation as a note, the English text statistics.json gives it)."""
    found = audit.get(stat_id, [])
    cited = "; ".join(f"[{f.rule}] {f.arithmetic}" for f in found)
    rules = [Code(f.rule) for f in found]
    if decision is not None and decision.covers(parts):
        also = f" (audit: {cited})" if cited else ""
        return (
            COHORT_CHOICE,
            note("report.why.cohort", decision=Code(decision.id or "exempt")),
            f"the cohort's decision {decision.reason}{also}",
        )
    if cited:
        return (
            PUBLISHED_INCONSISTENCY,
            note("report.why.audit", rules=rules),
            f"the printed figures cannot all be true: {cited}",
        )
    why = note("report.why.defect")
    return DEFECT, why, why.render("en")


def _one(
    stat_id: str,
    entry: dict[str, Any],
    computed: Computed | None,
    readings: tuple[Reading, ...],
    decision: Decision | None,
    audit: dict[str, list[Finding]],
) -> Reproduction:
    rule = decision.pct_rule if decision else "round"
    state, problems = status(entry, computed, rule)
    detail = computed.detail if computed else note("report.detail.no_spec", file=Code("study/reproduction.yaml"))
    notes, english = [detail], [detail.render("en")]
    reason = None
    if state == DIFFERS:
        reason, why, why_en = _explain(stat_id, {part for part, _ in problems}, decision, audit)
        found = [text for _, text in problems]
        notes = [*found, why, detail]
        english = ["; ".join(n.render("en") for n in found), why_en, detail.render("en")]
    elif decision is not None and (rule != "round" or state == NOT_COMPUTABLE):
        extra = note(
            "report.why.truncated" if rule != "round" else "report.why.cohort", decision=Code(decision.id or "exempt")
        )
        notes.append(extra)
        english.append(
            f"percentage compared {rule}d, as the cohort's decision {decision.reason}"
            if rule != "round"
            else f"the cohort's decision {decision.reason}"
        )
    english += [r.choice.render("en") for r in readings]
    counted = computed if entry["kind"] == "count" else None
    return Reproduction(
        id=stat_id, kind=entry["kind"], published=published_value(entry),
        computed=None if computed is None else computed.value, status=state, note=" — ".join(english), reason=reason,
        denominator=None if counted is None else {"published": entry.get("denom"), "computed": counted.denom},
        percent=None if counted is None else {"published": entry.get("pct"), "computed": counted.pct},
        notes=tuple(notes), readings=readings,
    )  # fmt: skip


def reproduce(
    patients: pd.DataFrame,
    catalog: Catalog,
    findings: list[Finding],
    decisions: dict[str, Decision],
    spec_path: Path = DEFAULT_SPEC,
) -> list[Reproduction]:
    """One Reproduction per catalog id, in the catalog's order. Refuses a spec that computes an id under
    a reading that its `readings:` do not name (etl.analysis.readings)."""
    spec = load_full_spec(spec_path)
    unknown = sorted(set(spec.statistics) - set(catalog.entries))
    if unknown:
        raise InputError(f"{spec_path}: ids not in the published catalog: {', '.join(unknown)}")
    problems = unnamed(spec.statistics, spec.subsets, spec.readings, spec.restrictions)
    if problems:
        raise InputError(
            f"{spec_path}: a number would be computed under a reading that `readings:` does not "
            "name (or a reading says what the spec does not do):\n  " + "\n  ".join(problems)
        )
    audit = _inconsistencies(findings)
    named = by_id(spec.readings)
    out = []
    for stat_id, entry in catalog.entries.items():
        stat = spec.statistics.get(stat_id)
        computed = compute(patients, stat, spec.subsets) if stat else None
        out.append(_one(stat_id, entry, computed, named.get(stat_id, ()), decisions.get(stat_id), audit))
    return out

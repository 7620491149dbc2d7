"""The reproduction rule (equal at the printed precision), the exemptions file, and why a figure differs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.analysis import load_decisions, reproduce
from etl.analysis.compare import same_at_precision, status
from etl.analysis.compute import Computed
from etl.analysis.exemptions import Decision
from etl.audit import Finding
from etl.audit.model import Catalog


@pytest.mark.parametrize(
    ("value", "printed", "same"),
    [
        (87.5, 87.5, True),
        (41.666, 41.7, True),
        (45.4545, 45.4, False),
        (45.4545, 45.5, True),
        (91.67, 92, True),
        (31.25, 31.25, True),
        (0.00379, 0.003, False),
        (0.0035, 0.004, True),
        (7.5699, 7.57, True),
        (4.84, 4.8, True),
    ],
)
def test_rounding_half_up_at_the_printed_precision(value: float, printed: float, same: bool) -> None:
    assert same_at_precision(value, printed) is same


def test_a_count_needs_its_n_denominator_and_percentage() -> None:
    entry = {"kind": "count", "n": 22, "denom": 24, "pct": 92}
    assert status(entry, Computed(22, "", n=22, denom=24, pct=91.67))[0] == "reproduced"
    state, why = status(entry, Computed(22, "", n=22, denom=25, pct=88.0))
    assert state == "differs"
    assert [(part, n.render("en")) for part, n in why] == [
        ("denom", "denominator 25 ≠ printed 24"),
        ("pct", "88% ≠ printed 92%"),
    ]
    assert [n.render("ru") for _, n in why] == ["знаменатель 25 ≠ опубл. 24", "88% ≠ опубл. 92%"]
    assert status(entry, Computed(None, "no values"))[0] == "not computable"


def test_not_significant_is_any_p_from_005() -> None:
    entry = {"kind": "p_value", "p": "n.s."}
    assert status(entry, Computed(0.05, ""))[0] == "reproduced"
    assert status(entry, Computed(0.0428, ""))[0] == "differs"


def test_decisions_file_shapes(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_text(
        """
decisions:
  - {id: pct-only, catalog_ids: [a, b], choice: keep the counts, reason: printed wrongly, exempt: true,
     exempt_fields: [pct]}
  - {id: some, catalog_ids: [c, d], choice: c only, exempt: true, exempt_only: [c]}
  - {id: trunc, catalog_ids: [e], choice: truncated, exempt: false, pct_rule: truncate}
exempt:
  - {id: f, reason: 'plain   list'}
""",
        encoding="utf-8",
    )
    got = load_decisions(path)
    assert got["a"] == Decision("[pct-only] keep the counts printed wrongly", True, frozenset({"pct"}), id="pct-only")
    assert (got["c"].exempt, got["d"].exempt, got["e"].exempt, got["e"].pct_rule) == (True, False, False, "truncate")
    assert got["f"] == Decision("plain list", True)
    assert got["a"].covers({"pct"}) and not got["a"].covers({"n", "pct"}) and not got["d"].covers({"n"})
    assert load_decisions(tmp_path / "missing.yaml") == {}


def test_a_differs_is_a_cohort_choice_else_a_published_inconsistency_else_a_defect(tmp_path: Path) -> None:
    catalog = Catalog({
        "x.n": {"id": "x.n", "kind": "count", "n": 2},
        "y.n": {"id": "y.n", "kind": "count", "n": 2},
        "z.n": {"id": "z.n", "kind": "count", "n": 2},
        "w.n": {"id": "w.n", "kind": "count", "n": 1},
    })  # fmt: skip
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "subsets: {}\nstatistics:\n"
        + "".join(f"  {i}: {{stat: count, n: {{flag: 1}}}}\n" for i in ("x.n", "y.n", "z.n", "w.n")),
        encoding="utf-8",
    )
    patients = pd.DataFrame({"flag": [1.0, 0.0]})
    findings = [
        Finding("r1", "pct_vs_count", ["y.n", "w.n"], "inconsistent", "1 ≠ 2"),
        Finding("r2", "same_figure_twice", ["x.n", "y.n"], "inconsistent", "2 vs 3"),
    ]
    got = {r.id: r for r in reproduce(patients, catalog, findings, {"x.n": Decision("chose 1", True)}, spec)}
    assert (got["x.n"].reason, got["y.n"].reason, got["z.n"].reason) == (
        "cohort choice",
        "published inconsistency",
        "defect",
    )
    assert "chose 1" in got["x.n"].note and "[r2] 2 vs 3" in got["x.n"].note
    assert got["w.n"].status == "reproduced"  # named by r1 only as a reference: it is not in question


def test_a_percentage_only_exemption_does_not_excuse_a_wrong_count_and_truncation_is_per_decision(
    tmp_path: Path,
) -> None:
    catalog = Catalog({
        "p.ok": {"id": "p.ok", "kind": "count", "n": 1, "denom": 3, "pct": 30},
        "p.bad": {"id": "p.bad", "kind": "count", "n": 2, "denom": 3, "pct": 30},
        "p.trunc": {"id": "p.trunc", "kind": "count", "n": 2, "denom": 3, "pct": 66.6},
    })  # fmt: skip
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "subsets: {}\nstatistics:\n"
        + "".join(f"  {i}: {{stat: count, n: {{flag: 1}}, denom: {{}}}}\n" for i in ("p.ok", "p.bad"))
        + "  p.trunc: {stat: count, n: {flag: [1, 2]}, denom: {}}\n",
        encoding="utf-8",
    )
    patients = pd.DataFrame({"flag": [1.0, 2.0, 0.0]})
    pct_only = Decision("pct printed wrongly", True, frozenset({"pct"}))
    decisions = {"p.ok": pct_only, "p.bad": pct_only, "p.trunc": Decision("truncated", False, None, "truncate")}
    got = {r.id: r for r in reproduce(patients, catalog, [], decisions, spec)}
    assert (got["p.ok"].status, got["p.ok"].reason) == ("differs", "cohort choice")
    assert (got["p.bad"].status, got["p.bad"].reason) == ("differs", "defect")
    assert got["p.trunc"].status == "reproduced" and "truncated" in got["p.trunc"].note

"""The audit over the real catalog finds the paper's known inconsistencies (each verified by hand)."""

from __future__ import annotations

import pytest
import yaml

from etl.audit import DEFAULT_PUBLISHED, Finding, run_audit


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return run_audit()


def _status(findings: list[Finding], rule: str, stat_id: str | None = None) -> Finding:
    hits = [f for f in findings if f.rule == rule and (stat_id is None or f.ids[0] == stat_id)]
    assert len(hits) == 1, (rule, stat_id, hits)
    return hits[0]


@pytest.mark.parametrize(
    ("rule", "stat_id", "fragment"),
    [
        ("pct.printed", "t1.all.gvhd_ptcy", "49/55 = 89.09% → 89.1 ≠ printed 87.7"),
        ("pct.printed", "t1.all.gvhd_sero", "6/55 = 10.91% → 10.9 ≠ printed 12.3"),
        ("pct.printed", "t3.ino_pos.sos", "8/25 = 32% ✓"),
        ("pct.printed", "t3.ino_neg.agvhd_3_4", "45.4 is 5/11 by truncate"),
        ("pct.printed", "t4.ino_pos_ric.infection", "55.5 is 10/18 by truncate"),
        ("pct.printed", "t4.ino_pos_ric.tma", "5.5 is 1/18 by truncate"),
        ("pct.mrd_split_base.ino_neg", "t1.ino_neg.cri_mrd_pos", "3/31 = 9.68% ✓"),
        ("pct.relapse_of_group.ino_pos", "t3.ino_pos.relapse", "11/24 = 45.83%"),
        ("pct.relapse_of_group.ino_neg", "t3.ino_neg.relapse", "15/31 = 48.39%"),
        ("sub.platelets_engrafted.ino_pos", None, "22 (t3.ino_pos.platelet_recovery) > 20"),
        ("sub.cri_relapse_base.ino_pos", None, "21 (r.ino_pos_cri.relapse:denom) > 20"),
        ("sub.sos_deaths.mac", None, "4 (r.ino_pos_mac.death_sos) > 3"),
        ("sub.deaths_by_cause.mac", None, "= 5 > 4 (t4.ino_pos_mac.death)"),
        ("sum.sos_deaths_table4", None, "= 6 ≠ 4 (t3.ino_pos.sos_death)"),
        ("twice.sos_deaths_mac", None, "3 (r.ino_pos.sos_death_mac) vs 4"),
        ("twice.sos_deaths_ric", None, "1 (r.ino_pos.sos_death_ric) vs 2"),
        ("twice.relapse_median.ino_pos_cri", None, "106 (r.ino_pos_cri.relapse_day_median) vs 213"),
        ("twice.table2_mrd_pos.ino_pos", None, "5 (t1.ino_pos.cri_mrd_pos) vs 16"),
        ("twice.post_engraftment_base.ino_pos", None, "20 (t3.ino_pos.engraftment) vs 24"),
        ("bound.relapse_day.ino_pos_by_cri", None, "the median can lie in 53–159; printed 164"),
        ("bound.relapse_day.ino_pos_by_d100", None, "printed 164"),
        ("bound.relapse_day.ino_pos_cri_by_d100", None, "the median can lie in 53–100; printed 106"),
        ("bound.relapse_day.ino_pos_mrdneg_by_d100", None, "the median can lie in 58–100; printed 105"),
        ("test.response.2x2", None, "Fisher exact p = 0.00379 → 0.004 ≠ printed 0.003"),
        ("attribution.contingency_coef.abstract", None, "0.178 quoted (Abstract (RU, EN)"),
        ("test.sos", None, "Fisher exact p = 0.0428 < 0.05, yet printed n.s."),
        ("test.contingency_coef.cri_mrdneg", None, "= 0.1867 → 0.187 ≠ printed 0.178"),
    ],
)
def test_known_inconsistency_is_found(findings: list[Finding], rule: str, stat_id: str | None, fragment: str) -> None:
    f = _status(findings, rule, stat_id)
    assert f.status == "inconsistent"
    assert fragment in f.arithmetic


@pytest.mark.parametrize(
    ("rule", "stat_id", "fragment"),
    [
        ("pct.printed", "t3.ino_pos.platelet_recovery", "22/24 = 91.67% → 92 at 0 decimals"),
        ("pct.printed", "t3.ino_pos.relapse", "11/20 = 55%"),
        ("test.contingency_coef.cri", None, "= 0.0563 → 0.056 = printed 0.056"),
        ("test.engraftment", None, "20/24 vs 25/31: Fisher exact p = 1.0000"),
        ("test.tma", None, "p = 0.1572"),
        ("bound.relapse_day.hla_loss", None, "the median can lie in 58–545; printed 166"),
        ("bound.relapse_day.ino_neg_by_cri", None, "printed 203"),
        ("med.relapse_day.hla_loss", None, "median 166 (r.hla.loss_day_median) within range 41–545"),
        ("range.mrdneg_in_cri.ino_pos", None, "58–169"),
        ("sum.hla_tested", None, "3 (r.hla.loss) + 7 (r.hla.no_loss) = 10"),
        ("sum.hla_loss_by_group", None, "= 3"),
        ("km.os.ino_neg", None, "15/31"),
        ("km.os.ino_pos_ric", None, "11/18"),
    ],
)
def test_consistent_relation_passes(findings: list[Finding], rule: str, stat_id: str | None, fragment: str) -> None:
    f = _status(findings, rule, stat_id)
    assert f.status == "consistent"
    assert fragment in f.arithmetic


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("km.os.ino_pos", "requires censoring"),
        ("km.os.ino_pos_mac", "requires censoring"),
        ("test.neutrophil_recovery", "Mann–Whitney"),
        ("test.platelet_recovery", "p = 0.4174"),
        ("test.os", "log-rank"),
        # the 2x2 reading (Fisher 0.00379, 0.003 truncated) explains the printed p: the 2x3 one only informs
        ("test.response.2x3", "p = 0.00840 → 0.008 ≠ printed 0.003; for comparison Pearson chi-square p = 0.00993 — "
                              "informational: test.response.2x2 reproduces the printed value under another reading"),
        ("subsets.os.figure1_figure2_ino_pos", "possible only if 56.5 (f2.ino_pos.os) is read before 50"),
    ],
)
def test_not_recomputable_or_censoring_is_a_note(findings: list[Finding], rule: str, fragment: str) -> None:
    f = _status(findings, rule)
    assert f.status == "note"
    assert fragment in f.arithmetic


def test_every_printed_percentage_is_checked(findings: list[Finding]) -> None:
    checked = {f.ids[0] for f in findings if f.rule == "pct.printed"}
    printed = {e["id"] for e in yaml.safe_load(DEFAULT_PUBLISHED.read_text(encoding="utf-8"))["statistics"]
               if e["kind"] == "count" and {"n", "denom", "pct"} <= e.keys()}
    assert checked == printed
    assert {"t1.all.gvhd_ptcy", "r.ino_pos_cri_mrdneg.relapse", "t4.ino_pos_mac.death"} <= checked

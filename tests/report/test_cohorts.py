"""The report on generated cohorts: the study cohort reproduces every figure its decisions do not exempt, and a
second cohort (another seed and size) gives exactly what its truth file gives, computed independently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.analysis import DEFAULT_DECISIONS, load_decisions
from etl.db import make_engine, upgrade
from etl.load.concepts import sync_concepts
from etl.report import write_report
from tests.conftest import generated_night
from tests.report.test_report_cli import hsct
from tests.report.truth import expected, generate, load_truth, truth_frame


@pytest.fixture(scope="module")
def study_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("study"))


def _engine(path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sync_concepts(engine)
    return engine


def _assert_reproduced_unless_exempt(stats: list[dict]) -> None:
    decisions = load_decisions(DEFAULT_DECISIONS)
    assert decisions, "study/decisions.yaml is missing"
    wrong = []
    for s in stats:
        decision = decisions.get(s["id"])
        if decision is not None and decision.exempt:
            assert s["status"] == "reproduced" or s["reason"] == "cohort choice", s
        elif s["status"] != "reproduced":
            wrong.append(f"{s['id']}: {s['status']} — {s['note']}")
    assert not wrong, "\n".join(wrong)


def test_the_study_cohort_reproduces_every_figure_its_decisions_do_not_exempt(
    study_night: Path, tmp_path: Path
) -> None:
    engine = _engine(tmp_path / "study.db")
    try:
        load_truth(engine, study_night / "truth" / "patients.csv")
        report = write_report(engine, tmp_path / "report", decisions=DEFAULT_DECISIONS)
    finally:
        engine.dispose()
    stats = json.loads(report.statistics.read_text(encoding="utf-8"))
    _assert_reproduced_unless_exempt(stats)
    assert sum(s["status"] == "reproduced" for s in stats) >= 140


def test_the_study_night_through_hsct_run(study_night: Path, tmp_path: Path) -> None:
    """The whole pipeline: the generated feeds, harmonized and loaded by `hsct run`, then `hsct report`."""
    url = f"sqlite:///{tmp_path / 'night.db'}"
    hsct("db", "upgrade", "--db", url)
    hsct("run", "--source", str(study_night), "--db", url)
    hsct("report", "--out", str(tmp_path / "report"), "--db", url, "--decisions", str(DEFAULT_DECISIONS))
    stats = json.loads((tmp_path / "report" / "statistics.json").read_text(encoding="utf-8"))
    assert {s["decisions"] for s in stats} == {"study/decisions.yaml"}
    _assert_reproduced_unless_exempt(stats)


def test_a_second_cohort_gives_what_its_truth_file_gives(tmp_path: Path) -> None:
    """Another seed and size, through the whole pipeline (hsct run), against the truth computed independently."""
    truth = generate(tmp_path / "night", "--seed", "11", "--patients", "40")
    url = f"sqlite:///{tmp_path / 'c2.db'}"
    hsct("db", "upgrade", "--db", url)
    hsct("run", "--source", str(tmp_path / "night"), "--db", url)
    engine = make_engine(url)
    try:
        report = write_report(engine, tmp_path / "report", decisions=None)
    finally:
        engine.dispose()
    computed = {r.id: r.computed for r in report.results}
    want = expected(truth_frame(truth))
    assert computed["t1.ino_pos.n"] + computed["t1.ino_neg.n"] == 40
    for stat_id, value in want.items():
        got = computed[stat_id]
        if isinstance(value, int):
            assert got == value, stat_id
        else:
            assert got == pytest.approx(value, rel=1e-9, abs=1e-12), stat_id

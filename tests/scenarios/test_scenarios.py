"""Issue 14's scenario corpus: every case of tests/scenarios/<kind>/<instance>/ on SQLite and PostgreSQL.

A case is its input night(s) and its expected outcome as data (case.yaml, or case.json as
../shared/tools/check_cases.py reads it); see harness.py for the format and the checks.
One case alone: `pytest tests/scenarios -k labs-sep-line`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenarios.builders import BUILDERS, parse_specs
from tests.scenarios.harness import HERE, CaseError, CaseRef, Scenario, check_problems, discover_cases, load_case

CASES = discover_cases()
KINDS = [
    "01-lab-header",
    "02-empty-registry",
    "03-deletion-guard",
    "04-encodings",
    "05-excel",
    "06-ambiguous-numbers",
    "07-repeated-headers",
    "08-identity",
    "09-future-edits",
    "10-withdrawn-rows",
    "11-concurrency",
    "12-files",
]
STEP_KINDS = {"run", "export", "cmd", "publish", "upgrade", "join", "concurrent"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scenario(case: CaseRef, empty_db_url: str, tmp_path: Path) -> None:
    scenario = Scenario(case, empty_db_url, tmp_path / "work")
    try:
        failures = scenario.run()
    except CaseError as exc:
        pytest.fail(f"{case.id} could not be run: {exc}\n\n{scenario.report()}", pytrace=False)
    if failures:
        listed = "\n".join(f"  - {f}" for f in failures)
        pytest.fail(f"{case.id}: {len(failures)} check(s) failed:\n{listed}\n\n{scenario.report()}", pytrace=False)


# ----------------------------------------------------------------------------- the corpus itself


def test_every_kind_has_two_instances() -> None:
    kinds = {c.id.split("/")[0] for c in CASES}
    assert kinds == set(KINDS)
    for kind in KINDS:
        assert sum(c.id.startswith(kind + "/") for c in CASES) >= 2, kind


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_is_well_formed(case: CaseRef) -> None:
    """Without the pipeline: the case names its kind and why, its steps and checks are known words,
    its builders exist, and the folders it runs exist."""
    doc = load_case(case.folder)
    if (case.folder / "case.yaml").is_file():
        assert doc.get("kind") == case.folder.parent.name, "case.yaml: kind must be its kind folder's name"
        assert str(doc.get("why") or "").strip(), "case.yaml: a one-line `why`"
    assert doc.get("expect"), "a case checks something"
    for check in doc["expect"]:
        assert not check_problems(check), check_problems(check)
    steps = list(doc["steps"])
    for step in list(steps):
        steps += step.get("concurrent", [])
    for step in steps:
        assert set(step) & STEP_KINDS, f"unknown step {step}"
        if "run" in step:
            assert (case.folder / step["run"]).is_dir(), f"no folder {step['run']}"
        for spec in (step.get("setup"), doc.get("setup")):
            for name, _args, _step in parse_specs(spec):
                assert name in BUILDERS, f"no builder {name}"
    assert case.folder.parent.parent == HERE

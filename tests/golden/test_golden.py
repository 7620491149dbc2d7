"""Golden scenarios: one small night per feed, its harmonized rows, quarantine and FHIR stored as files.

Each `tests/golden/<scenario>/` holds `input/` (a night, written by make_inputs.py) and `expected/`
(see compare.py). On a new database of each kind the test runs the real CLI in this process:
`hsct db upgrade`, `hsct run --source <copy of input>`, `hsct export fhir --format ndjson --partner
demo` with the fixed pseudonym secret GOLDEN_SECRET, then compares the outcome (collect.py) with
the expected files after parsing. SQLite and PostgreSQL are held to the same files.

`HSCT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden` rewrites the expected files from the SQLite
run (the PostgreSQL run of the same session then checks them); see README.md for when that is right.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

import schemas.tables as model
from etl.db import make_engine
from tests.cli.helpers import hsct
from tests.golden import collect, compare
from tests.golden.make_inputs import inputs

HERE = Path(__file__).resolve().parent
SCENARIOS = sorted(p.name for p in HERE.iterdir() if (p / "input").is_dir())
UPDATE = os.environ.get("HSCT_UPDATE_GOLDEN") == "1"
# The pseudonym secret of the golden exports (the demo partner's variable): fixed, so that pseudonym
# ids and date shifts are the same in every run. A test value, never a real secret.
GOLDEN_SECRET = "golden-scenarios-fixed-test-secret-not-a-real-one"
ENV: dict[str, str | None] = {
    "HSCT_WORKERS": "1",  # no worker processes forked from the test process
    "HSCT_CONFIG": None,
    "HSCT_DATABASE_URL": None,
    "HSCT_PAUSE_BEFORE_COMMIT": None,
    "HSCT_PARTNER_DEMO_SECRET": GOLDEN_SECRET,
}


def produce(scenario: str, db_url: str, work: Path) -> compare.Outcome:
    """Run the scenario's night through the CLI on a new database; its outcome by expected file."""
    night = work / "night"
    shutil.copytree(HERE / scenario / "input", night)  # the product never writes into the checkout
    hsct("db", "upgrade", "--db", db_url, env=ENV)
    out_dirs = ["--no-docs", "--pages", str(work / "pages"), "--logs", str(work / "logs")]
    result_code = _run_code(["run", "--source", str(night), "--db", db_url, *out_dirs])
    hsct("export", "fhir", "--db", db_url, "--out", str(work / "fhir"), "--format", "ndjson", "--partner", "demo",
         env=ENV)  # fmt: skip
    engine: Engine = make_engine(db_url)
    try:
        outcome: compare.Outcome = {"run.json": collect.run_summary(engine, result_code)}
        outcome["quarantine.csv"] = collect.quarantine(engine)
        outcome |= {f"tables/{name}.csv": rows for name, rows in collect.tables(engine).items()}
    finally:
        engine.dispose()
    outcome |= {f"fhir/{name}.json": value for name, value in collect.fhir(work / "fhir").items()}
    return outcome


def _run_code(args: list[str]) -> int:
    """`hsct run ...`: 0 (published) or 1 (held) are outcomes a golden may pin; anything else fails."""
    from tests.cli.helpers import invoke

    result = invoke(*args, env=ENV)
    assert result.exit_code in (0, 1), f"hsct run exit {result.exit_code}:\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return int(result.exit_code)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_golden(scenario: str, empty_db_url: str, tmp_path: Path) -> None:
    outcome = produce(scenario, empty_db_url, tmp_path)
    expected_dir = HERE / scenario / "expected"
    if UPDATE and empty_db_url.startswith("sqlite"):
        compare.write(expected_dir, outcome)
    assert expected_dir.is_dir(), f"{scenario}: no expected files; write them with HSCT_UPDATE_GOLDEN=1"
    found = compare.differences(compare.read(expected_dir), outcome)
    if found:
        shown = "\n".join(f"  {line}" for line in found[: compare.MAX_SHOWN])
        more = f"\n  ... and {len(found) - compare.MAX_SHOWN} more" if len(found) > compare.MAX_SHOWN else ""
        kind = empty_db_url.split(":", 1)[0]
        pytest.fail(
            f"golden {scenario} on {kind}: {len(found)} difference(s) from tests/golden/{scenario}/expected:\n"
            f"{shown}{more}\n(an intended change? see tests/golden/README.md: HSCT_UPDATE_GOLDEN=1)",
            pytrace=False,
        )


# ----------------------------------------------------------------------------- the goldens themselves


def test_inputs_are_what_make_inputs_writes() -> None:
    """The committed inputs are exactly the script's output: nobody edited one by hand."""
    for rel, data in inputs().items():
        path = HERE / rel
        assert path.is_file(), f"{rel} missing: run .venv/bin/python tests/golden/make_inputs.py"
        assert path.read_bytes() == data, f"{rel} differs from make_inputs.py's output: run it and commit"
    written = {p.relative_to(HERE).as_posix() for p in HERE.glob("*/input/*")}
    assert written == set(inputs()), "every input file comes from make_inputs.py"


def test_every_lineage_table_is_pinned() -> None:
    """A table of the schema that holds harmonized rows (it has a lineage column) has a golden CSV."""
    lineage = {t.name for t in model.metadata.sorted_tables if "raw_row_id" in t.c and t.name != "raw_row"}
    assert lineage - set(collect.TABLES) <= {"quarantine"}, "add the new table to collect.TABLES"


def test_every_scenario_has_expected_files() -> None:
    assert SCENARIOS == ["labs_csv", "registry_en_csv", "registry_ru_csv", "registry_ru_xlsx"]
    for scenario in SCENARIOS:
        expected = compare.read(HERE / scenario / "expected")
        assert "run.json" in expected and "quarantine.csv" in expected, scenario
        assert {f"tables/{t}.csv" for t in collect.TABLES} <= expected.keys(), scenario
        assert any(rel.startswith("fhir/Patient") for rel in expected), scenario
        assert expected["run.json"]["status"] == "completed", scenario
        assert len(expected["quarantine.csv"]) > 1, f"{scenario}: a golden night quarantines a row"


def test_registry_ru_workbook_and_csv_harmonize_alike() -> None:
    """The same rows typed into Excel and exported as Windows-1251 CSV give the same clinical rows:
    only the file name in the lineage differs."""
    xlsx = compare.read(HERE / "registry_ru_xlsx" / "expected")
    csv_ = compare.read(HERE / "registry_ru_csv" / "expected")
    for table in collect.TABLES:
        if table == "source_column":  # the CSV's headers spell ×10⁶ as x10^6
            continue
        rel = f"tables/{table}.csv"
        as_csv = [[c.replace("registry_ru_20240301.csv", "registry_ru_20240301.xlsx") for c in r] for r in csv_[rel]]
        assert xlsx[rel] == as_csv, rel
    for rel in (r for r in xlsx if r.startswith("fhir/") and r != "fhir/manifest.json"):
        assert xlsx[rel] == _renamed(csv_[rel]), rel


def _renamed(value: object) -> object:
    text = json.dumps(value, ensure_ascii=False)
    return json.loads(text.replace("registry_ru_20240301.csv", "registry_ru_20240301.xlsx"))


def test_a_changed_cell_or_resource_is_reported() -> None:
    """The comparison can fail, and says where: a changed cell, a missing row, a changed FHIR value."""
    expected = compare.read(HERE / "registry_en_csv" / "expected")
    header, *rows = expected["tables/transplant.csv"]
    actual = collect.Rows(header, 1, [list(r) for r in rows[1:]])
    actual.rows[0][header.index("cd34_dose")] = "99.5"
    found = compare.differences({"tables/transplant.csv": expected["tables/transplant.csv"]},
                                {"tables/transplant.csv": actual})  # fmt: skip
    assert any("missing row" in f for f in found), found
    assert any("cd34_dose expected" in f and "'99.5'" in f for f in found), found
    patients = [dict(p) for p in expected["fhir/Patient.json"]]
    patients[0]["gender"] = "unknown"
    found = compare.differences({"fhir/Patient.json": expected["fhir/Patient.json"]}, {"fhir/Patient.json": patients})
    assert found == [f"fhir/Patient.json[id={patients[0]['id']}].gender: expected "
                     f"{json.dumps(expected['fhir/Patient.json'][0]['gender'])}, got \"unknown\""]  # fmt: skip

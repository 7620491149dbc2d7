"""`hsct demo`, the README's main command, runs the whole pipeline and leaves every output it names."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from etl.cli import main


def test_demo_goes_from_feeds_to_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--workdir", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "55 patients, 11 injected bad inputs" in out
    assert "data quality: published" in out
    for path in (
        tmp_path / "hsct.db",
        tmp_path / "feeds" / "truth" / "patients.csv",
        tmp_path / "quality-docs" / "index.html",
        tmp_path / "fhir-ndjson",
        tmp_path / "fhir-bundles-demo",
        tmp_path / "report" / "report.html",
        tmp_path / "night-pages" / "night-1.html",
    ):
        assert path.exists(), path
        assert str(path.parent if path.is_file() else path) in out or str(path) in out
    stats = json.loads((tmp_path / "report" / "statistics.json").read_text(encoding="utf-8"))
    statuses = {s["status"] for s in stats}
    assert statuses <= {"reproduced", "differs", "not computable"}
    assert sum(s["status"] == "reproduced" for s in stats) > 100
    # the demo's data is the synthetic study cohort: its decisions file applies, and the report names it
    assert {s["decisions"] for s in stats} == {"study/decisions.yaml"}
    assert any(s["reason"] == "cohort choice" for s in stats)
    assert 'id="decisions"' in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "decisions applied: study/decisions.yaml" in out
    assert list((tmp_path / "fhir-ndjson").glob("*.ndjson"))
    # each step says what it does before it starts, and the night's own progress shows in between
    steps = [out.index(s) for s in ("generating the synthetic", "running the night", "exporting FHIR", "computing the")]
    assert steps == sorted(steps)
    assert steps[1] < out.index("harmoniz") < steps[2]

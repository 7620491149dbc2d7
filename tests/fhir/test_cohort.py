"""The synthetic study cohort (hsct generate: 55 children) exports valid for both validators, for a
partner given shifted dates and one given days from the transplant, every clinical resource timed."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.fhir import export_fhir, get_partner, validate_resource
from tests.conftest import generated_night
from tests.fhir.conftest import hsct, node_validate
from tests.fhir.helpers import TIMED, ndjson_resources, timing


@pytest.fixture(scope="session")
def study_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("study") / "night")


def test_the_study_cohort_export_is_valid_for_both_validators(
    db_url: str, engine, study_night: Path, tmp_path: Path, node_tools: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    hsct("run", "--source", str(study_night), "--db", db_url, "--wait")
    result = export_fhir(engine, get_partner("demo"), tmp_path / "out", "ndjson", validate="all")
    assert result.patients == 55 and result.validated == result.resources > 2000
    resources = list(ndjson_resources(tmp_path / "out"))
    assert len(resources) == result.resources
    assert all(validate_resource(r) == [] for r in resources)
    summary, problems = node_validate(node_tools, sorted((tmp_path / "out").glob("*.ndjson")))
    assert problems == [] and summary == {"validated": result.resources, "invalid": 0}
    arms = [r["assignedArm"] for r in resources if r["resourceType"] == "ResearchSubject"]
    assert set(arms) == {"InO+", "InO-"}
    monkeypatch.setenv("HSCT_PARTNER_BERLIN_SECRET", "test-secret-berlin-0123456789abcdef0123456789")
    offsets = export_fhir(engine, get_partner("berlin"), tmp_path / "berlin", "ndjson", validate="all")
    assert offsets.validated == offsets.resources == result.resources
    summary, problems = node_validate(node_tools, sorted((tmp_path / "berlin").glob("*.ndjson")))
    assert problems == [] and summary == {"validated": result.resources, "invalid": 0}
    for folder in (tmp_path / "out", tmp_path / "berlin"):  # timed; unknown only for ATG without a day
        unknown = [timing(r) for r in ndjson_resources(folder) if r["resourceType"] in TIMED and "absent" in timing(r)]
        assert unknown == [{"absent": "unknown"}] * 6

"""The conformance package ships the SQL-on-FHIR ViewDefinitions that `hsct report --from-fhir` runs, so
that a partner flattens the export exactly as the registry's own proof does; a view's edit changes
the package version."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

from etl.fhir.conformance.inputs import version_of
from etl.fhir.conformance.npm import package_files, tgz_bytes
from etl.fhir.conformance.package import build_package
from etl.paths import MAPPINGS_DIR

VIEWS = MAPPINGS_DIR / "fhir" / "views"


def test_every_view_of_the_report_from_fhir_is_in_the_package_as_written() -> None:
    package = build_package()
    files = package_files(package)
    shipped = {name: json.loads(data) for name, data in files.items() if name.startswith("package/other/")}
    expected = {
        f"package/other/ViewDefinition-{p.stem}.json": json.loads(p.read_text("utf-8")) for p in VIEWS.glob("*.json")
    }
    assert expected and shipped == expected
    index = json.loads(files["package/.index.json"])
    assert not [f for f in index["files"] if f["resourceType"] == "ViewDefinition"]  # not an R4 resource
    with tarfile.open(fileobj=io.BytesIO(tgz_bytes(files)), mode="r:gz") as tar:
        assert set(expected) <= set(tar.getnames())


def test_a_views_edit_changes_the_package_version(tmp_path: Path) -> None:
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, copy)
    before = version_of(copy)
    view = sorted((copy / "fhir" / "views").glob("*.json"))[0]
    data = json.loads(view.read_text("utf-8"))
    data["title"] = data.get("title", "") + " (edited)"
    view.write_text(json.dumps(data), encoding="utf-8")
    assert version_of(copy) != before

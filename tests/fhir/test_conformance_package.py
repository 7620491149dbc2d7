"""The partners' conformance package (issue 16, item 3): generated from mappings/, deterministic,
versioned by the mapping files, and the export conforms to it for every configured partner."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from etl.fhir.conformance.inputs import load_inputs
from etl.fhir.conformance.names import LOCAL_SYSTEM_PREFIX, PACKAGE_NAME, PACKAGE_TAG_SYSTEM
from etl.fhir.conformance.npm import NPM_MTIME
from etl.fhir.conformance.package import Package, build_package
from etl.fhir.partners import load_partners
from etl.paths import MAPPINGS_DIR
from tests.fhir.conftest import hsct
from tests.fhir.helpers import bundle_entries, ndjson_resources

CODED = ("CodeableConcept", "Coding", "Code")


# ---------------------------------------------------------------- helpers


def write_package(out: Path) -> Path:
    """`hsct export package --out OUT --unpacked`; the .tgz it names."""
    printed = hsct("--lang", "en", "export", "package", "--out", str(out), "--unpacked")
    tgz = next(out.glob("*.tgz"))
    assert f"{PACKAGE_NAME} " in printed and str(tgz) in printed
    return tgz


def tgz_resources(tgz: Path) -> dict[str, Any]:
    with tarfile.open(tgz, "r:gz") as tar:
        return {m.name: json.load(tar.extractfile(m)) for m in tar.getmembers()}  # type: ignore[arg-type]


def validate_profiles(tools: Path, package: Path, files: list[Path]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run tools/fhir-node/validate_profiles.mjs: its summary and the invalid resources it reports."""
    proc = subprocess.run(
        ["node", str(tools / "validate_profiles.mjs"), "--package", str(package), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert lines, proc.stderr
    summary, problems = lines[-1], lines[:-1]
    assert proc.returncode == (1 if problems else 0), proc.stderr
    return summary, problems


def partner_secrets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every configured partner, each given its own test secret (32+ bytes) unless it has a demo one."""
    names = []
    for name, partner in load_partners().items():
        if not partner.demo_secret:
            monkeypatch.setenv(partner.secret_env, f"test-secret-{name}-0123456789abcdef0123456789abcdef")
        names.append(name)
    return names


def codes_at(resource: dict[str, Any], element_id: str) -> Iterator[Any]:
    """The coded values at an element id (`Observation.value[x]`: its coded types only)."""
    nodes: list[Any] = [resource]
    for segment in element_id.split(".")[1:]:
        found: list[Any] = []
        for node in nodes:
            if not isinstance(node, dict):
                continue
            if segment.endswith("[x]"):
                keys = [k for k in node if k.startswith(segment[:-3]) and k[len(segment) - 3 :] in CODED]
            else:
                keys = [segment]
            for key in keys:
                value = node.get(key)
                found += value if isinstance(value, list) else [] if value is None else [value]
        nodes = found
    yield from nodes


def value_set_codes(package: Package) -> dict[str, set[tuple[str, str]]]:
    systems = {r["url"]: r for r in package.resources if r["resourceType"] == "CodeSystem"}
    out: dict[str, set[tuple[str, str]]] = {}
    for vs in (r for r in package.resources if r["resourceType"] == "ValueSet"):
        codes = set()
        for inc in vs["compose"]["include"]:
            listed = inc.get("concept") or systems[inc["system"]]["concept"]
            codes |= {(inc["system"], c["code"]) for c in listed}
        out[vs["url"]] = codes
    return out


def codings(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            yield node
        for v in node.values():
            yield from codings(v)
    elif isinstance(node, list):
        for v in node:
            yield from codings(v)


def export_all(db: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[dict[str, Any]]]:
    """NDJSON exports for every configured partner, and the demo's Bundles; name -> its resources."""
    exports = {}
    for name in partner_secrets(monkeypatch):
        hsct("export", "fhir", "--db", db, "--out", str(out / name), "--partner", name, "--validate", "none")
        exports[name] = list(ndjson_resources(out / name))
    hsct("export", "fhir", "--db", db, "--out", str(out / "bundles"), "--format", "bundle", "--validate", "none")
    return exports


# ---------------------------------------------------------------- the export against the package


def test_every_partners_export_has_zero_errors_against_the_package_profiles(
    loaded_db: str, tmp_path: Path, node_tools: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tgz = write_package(tmp_path / "pkg")
    version = tgz.name.removeprefix(f"{PACKAGE_NAME}-").removesuffix(".tgz")
    exports = export_all(loaded_db, tmp_path, monkeypatch)
    assert {"demo", "berlin", "prague"} <= set(exports)
    assert {p["dates"] for p in (load_partners()[n].__dict__ for n in exports)} == {"shift", "offset"}
    for name, resources in exports.items():
        files = sorted((tmp_path / name).glob("*.ndjson"))
        for package in (tgz, tmp_path / "pkg"):  # the .tgz, and the unpacked folder
            summary, problems = validate_profiles(node_tools, package, files)
            assert problems == [], (name, problems[:3])
            assert summary["validated"] == len(resources) > 20 and summary["invalid"] == 0
            assert summary["package"] == f"{PACKAGE_NAME}#{version}"
        manifest = json.loads((tmp_path / name / "manifest.json").read_text())
        assert manifest["extension"]["conformancePackage"]["name"] == PACKAGE_NAME
        assert manifest["extension"]["conformancePackage"]["version"] == version
    bundles = sorted((tmp_path / "bundles").glob("*.json"))
    summary, problems = validate_profiles(node_tools, tgz, bundles)
    assert problems == [] and summary["validated"] == len(exports["demo"])
    for path in bundles:
        tag = json.loads(path.read_text())["meta"]["tag"]
        assert tag == [{"system": PACKAGE_TAG_SYSTEM, "code": f"{PACKAGE_NAME}#{version}"}]
    assert len(list(bundle_entries(tmp_path / "bundles"))) == len(exports["demo"])


def test_codes_and_profiles_of_the_export_are_defined_by_the_package(
    loaded_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = build_package()
    by_url = package.by_url()
    value_sets = value_set_codes(package)
    systems = {
        r["url"]: {c["code"] for c in r["concept"]} for r in package.resources if r["resourceType"] == "CodeSystem"
    }
    exports = export_all(loaded_db, tmp_path, monkeypatch)
    local_seen: set[tuple[str, str]] = set()
    bound_checks = 0
    used_profiles: set[str] = set()
    for resources in exports.values():
        for r in resources:
            # every resource's meta.profile resolves to a StructureDefinition of its type in the package
            (url,) = r["meta"]["profile"]
            sd = by_url[url]
            assert sd["resourceType"] == "StructureDefinition" and sd["type"] == r["resourceType"], url
            used_profiles.add(url)
            # every local code emitted is a concept of its CodeSystem
            for c in codings(r):
                if c["system"].startswith(LOCAL_SYSTEM_PREFIX):
                    assert c["code"] in systems[c["system"]], (c, r["id"])
                    local_seen.add((c["system"], c["code"]))
            # every coded element's codes are in the ValueSet it is bound to (its profile, its extensions)
            bound = [(r, e) for e in sd["differential"]["element"] if "binding" in e and ":" not in e["id"]]
            for ext in r.get("extension", []):
                ext_sd = by_url[ext["url"]]
                bound += [(ext, e) for e in ext_sd["differential"]["element"] if "binding" in e]
            for node, element in bound:
                allowed = value_sets[element["binding"]["valueSet"]]
                for value in codes_at(node, element["id"]):
                    bound_checks += 1
                    if isinstance(value, str):  # a code (Patient.gender)
                        assert value in {code for _, code in allowed}, (element["id"], value)
                    else:
                        assert {(c["system"], c["code"]) for c in value["coding"]} & allowed, (element["id"], value)
    assert len(local_seen) > 30 and bound_checks > 300
    profiles = {
        r["url"] for r in package.resources if r["resourceType"] == "StructureDefinition" and r["kind"] == "resource"
    }
    assert used_profiles <= profiles and len(used_profiles) >= 15


def test_the_package_defines_every_local_system_extension_and_profile_of_the_mappings() -> None:
    package = build_package()
    inputs = load_inputs()
    resources = {(r["resourceType"], r["url"]): r for r in package.resources}
    for concept in inputs.concepts:
        if concept.system.startswith(LOCAL_SYSTEM_PREFIX):
            cs = resources[("CodeSystem", concept.system)]
            assert cs["content"] == "complete" and cs["status"] == "active"
            (entry,) = [c for c in cs["concept"] if c["code"] == concept.code]
            assert entry["display"] == concept.display_en
            assert entry["designation"] == [{"language": "ru", "value": concept.display_ru}]
    extension_urls = {e.args["url"] for p in inputs.mapping.profiles for e in p.elements if e.transform == "extension"}
    for url in extension_urls:
        ext = resources[("StructureDefinition", url)]
        assert ext["type"] == "Extension" and ext["context"] == [{"type": "element", "expression": "Procedure"}]
        value = ext["differential"]["element"][-1]
        assert value["path"] == "Extension.value[x]" and value["type"] == [{"code": "CodeableConcept"}]
        assert value["binding"]["strength"] == "required"
    cd22 = resources[
        ("StructureDefinition", "https://hsct-registry.example.org/fhir/StructureDefinition/observation-cd22")
    ]
    elements = {e["id"]: e for e in cd22["differential"]["element"]}
    assert elements["Observation.value[x]"]["min"] == 1 and elements["Observation.value[x]"]["type"] == [
        {"code": "Quantity"}
    ]
    assert elements["Observation.status"]["fixedCode"] == "final"
    assert elements["Observation.code"]["patternCodeableConcept"]["coding"][0]["code"] == "cd22-blasts"
    assert elements["Observation.code"]["binding"]["strength"] == "required"
    assert all(e.get("mustSupport") for e in cd22["differential"]["element"][1:])
    capability = next(r for r in package.resources if r["resourceType"] == "CapabilityStatement")
    assert capability["kind"] == "requirements"
    listed = {u for res in capability["rest"][0]["resource"] for u in res["supportedProfile"]}
    assert listed == {
        r["url"] for r in package.resources if r["resourceType"] == "StructureDefinition" and r["kind"] == "resource"
    }
    assert capability["rest"][0]["operation"][0]["name"] == "export"


# ---------------------------------------------------------------- the package as a file


def test_the_package_is_byte_identical_on_two_runs_and_an_npm_package(tmp_path: Path) -> None:
    first = write_package(tmp_path / "one")
    second = write_package(tmp_path / "two")
    assert first.name == second.name and first.read_bytes() == second.read_bytes()
    raw = first.read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\0\0\0\0"  # gzip, mtime 0
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(raw))) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names) and all(n.startswith("package/") for n in names)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(NPM_MTIME, 0, 0, "", "", 0o644)}
    files = tgz_resources(first)
    manifest = files["package/package.json"]
    assert manifest["name"] == PACKAGE_NAME and manifest["fhirVersions"] == ["4.0.1"]
    assert (
        manifest["dependencies"] == {"hl7.fhir.r4.core": "4.0.1"}
        and first.name == f"{PACKAGE_NAME}-{manifest['version']}.tgz"
    )
    index = files["package/.index.json"]
    assert index["index-version"] == 1
    others = {n for n in files if n.startswith("package/other/")}  # the ViewDefinitions: not R4 resources
    assert {f"package/{f['filename']}" for f in index["files"]} == set(files) - others - {
        "package/package.json",
        "package/.index.json",
    }
    assert all(files[f"package/{f['filename']}"]["url"] == f["url"] for f in index["files"])
    assert {(tmp_path / "one" / n).read_bytes() == (tmp_path / "two" / n).read_bytes() for n in names} == {True}


def test_the_version_changes_when_a_mapping_file_changes_and_only_then(tmp_path: Path) -> None:
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, copy)
    same = build_package(copy)
    assert same.version == build_package().version  # the content, not the folder, names the version
    (copy / "partners.yaml").write_text("partners: {}\n", encoding="utf-8")  # not an input of the package
    assert build_package(copy).version == same.version
    edits: dict[str, Callable[[str], str]] = {
        "fhir/observation.yaml": lambda t: t + "# a comment is a change too\n",
        "concepts.csv": lambda t: t.replace(",Haploidentical related donor,", ",Haploidentical donor,"),
    }
    versions = {same.version}
    for name, edit in edits.items():
        path = copy / name
        before = path.read_text(encoding="utf-8")
        path.write_text(edit(before), encoding="utf-8")
        changed = build_package(copy)
        assert changed.version not in versions
        versions.add(changed.version)
        assert {r.get("version") for r in changed.resources if "url" in r} == {changed.version}
    donor = build_package(copy).by_url()["https://hsct-registry.example.org/fhir/CodeSystem/donor-type"]
    assert {c["display"] for c in donor["concept"]} >= {"Haploidentical donor"}


# ---------------------------------------------------------------- the validator can fail


CD22 = "https://hsct-registry.example.org/fhir/StructureDefinition/observation-cd22"


def _cd22() -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "cd22-example",
        "meta": {"profile": [CD22]},
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
        ],
        "code": {
            "coding": [{"system": "https://hsct-registry.example.org/fhir/CodeSystem/lab-test", "code": "cd22-blasts"}]
        },
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2024-01-10",
        "valueQuantity": {"value": 80.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
    }


def test_a_resource_breaking_its_profile_is_reported(tmp_path: Path, node_tools: Path) -> None:
    tgz = write_package(tmp_path / "pkg")
    broken: dict[str, dict[str, Any]] = {"valid": _cd22()}
    r = _cd22()
    del r["valueQuantity"]  # value[x] is 1..1 in the profile
    broken["missing value"] = r
    r = _cd22()
    r["code"]["coding"][0]["code"] = "cd19-blasts"  # not in the code system, the ValueSet or the pattern
    broken["unknown code"] = r
    r = _cd22()
    r["code"]["coding"][0]["code"] = "mrd-flow"  # a code of the system, outside the profile's required ValueSet
    broken["other code"] = r
    r = _cd22()
    r["status"] = "preliminary"  # fixed final
    broken["status"] = r
    r = _cd22()
    r["valueBoolean"] = r.pop("valueQuantity") and True  # a type the profile does not allow
    broken["type"] = r
    r = _cd22()
    r["meta"]["profile"] = ["https://hsct-registry.example.org/fhir/StructureDefinition/observation-cd99"]
    broken["unknown profile"] = r
    procedure = {
        "resourceType": "Procedure",
        "id": "hsct",
        "meta": {"profile": ["https://hsct-registry.example.org/fhir/StructureDefinition/procedure-transplant"]},
        "extension": [
            {
                "url": "https://hsct-registry.example.org/fhir/StructureDefinition/donor-type",
                "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "125676002"}]},
            }
        ],
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
    }
    broken["extension code"] = procedure
    files = []
    for i, resource in enumerate(broken.values()):
        files.append(tmp_path / f"{i}.json")
        files[-1].write_text(json.dumps(resource), encoding="utf-8")
    summary, problems = validate_profiles(node_tools, tgz, files)
    reported = {
        list(broken)[int(Path(p["file"]).stem)]: " | ".join(i["details"]["text"] for i in p["issues"]) for p in problems
    }
    assert set(reported) == set(broken) - {"valid"}, reported
    assert summary == {**summary, "validated": len(broken), "invalid": len(broken) - 1}
    assert "Missing required property" in reported["missing value"]
    assert "cd19-blasts is not a concept of CodeSystem" in reported["unknown code"]
    assert "not in the required ValueSet" in reported["other code"] and "not a concept" not in reported["other code"]
    assert "valueBoolean" in reported["type"]
    assert "is not a profile of" in reported["unknown profile"]
    assert "donor-type" in reported["extension code"] and "not in the required ValueSet" in reported["extension code"]

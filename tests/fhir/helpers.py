"""Reading exports back, and a second night that changes one patient and deletes another."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.fhir.conftest import NIGHT

TIMED = {
    "Observation": "effective",
    "Procedure": "performed",
    "Condition": "onset",
    "MedicationAdministration": "effective",
}
RELATIVE = "http://hl7.org/fhir/StructureDefinition/relative-date"
ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
SIGN = {"before-start": -1, "concurrent-with-start": 0, "after-start": 1}
CHANGED_KEY = "2020-001"  # its CD34+ dose changes on night 2
DELETED_KEY = "2021-007"  # it leaves the registry on night 2


def second_night(tmp: Path) -> Path:
    night = tmp / "night2"
    shutil.copytree(NIGHT, night)
    en = night / "registry_en_20240101.csv"
    text = en.read_text(encoding="utf-8")
    assert ",0.6,1.25," in text
    en.write_text(text.replace(",0.6,1.25,", ",0.9,1.25,"), encoding="utf-8")
    ru = night / "registry_ru_20240101.csv"
    lines = ru.read_bytes().split(b"\n")
    kept = [line for line in lines if DELETED_KEY.encode() not in line]
    assert len(kept) == len(lines) - 1
    ru.write_bytes(b"\n".join(kept))
    return night


def ndjson_resources(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.ndjson")):
        if path.name.startswith("deleted."):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)


def bundle_entries(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.json")):
        yield from json.loads(path.read_text(encoding="utf-8"))["entry"]


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def patient_refs(resource: dict[str, Any]) -> set[str]:
    """The Patient references of a resource (its subject, individual or targets)."""
    refs = {resource.get(k, {}).get("reference") for k in ("subject", "individual")}
    refs |= {t["reference"] for t in resource.get("target", []) if t["reference"].startswith("Patient/")}
    if resource["resourceType"] == "Patient":
        refs.add(f"Patient/{resource['id']}")
    return {r for r in refs if r}


def by_type(folder: Path) -> dict[str, bytes]:
    """The NDJSON lines of each type, its part files joined in order."""
    out: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.ndjson")):
        name = path.name.split(".")[0]
        out[name] = out.get(name, b"") + path.read_bytes()
    return out


def references(node: Any) -> Iterator[str]:
    """Every `reference` in a resource, at any depth (subject, targets, relative dates' events, ...)."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def relative(element: dict[str, Any]) -> tuple[str, int]:
    """(the event's reference, the signed day) of the relative-date extension of a primitive's `_element`."""
    (ext,) = [e for e in element["extension"] if e["url"] == RELATIVE]
    parts = {e["url"]: e for e in ext["extension"]}
    offset = parts["offset"]["valueDuration"]
    assert offset["code"] == "d" and offset["system"] == "http://unitsofmeasure.org"
    assert any(e["url"] == ABSENT and e["valueCode"] == "masked" for e in element["extension"])
    return parts["event"]["valueReference"]["reference"], SIGN[parts["relationship"]["valueCode"]] * offset["value"]


def timing(r: dict[str, Any]) -> dict[str, Any]:
    """How a clinical resource says when: {"date": ..., "start": ..., "end": ...} (shifted dates),
    {"day": (event, day)} / {"start"|"end": (event, day)} (days from the transplant), {"absent": code}."""
    p = TIMED[r["resourceType"]]
    if f"{p}DateTime" in r:
        return {"date": r[f"{p}DateTime"]}
    if f"_{p}DateTime" in r:
        return {"day": relative(r[f"_{p}DateTime"])}
    period = r.get(f"{p}Period")
    assert period, f"no {p}[x] in {r['resourceType']}/{r['id']}"
    out: dict[str, Any] = {k: period[k] for k in ("start", "end") if k in period}
    out |= {k: relative(period[f"_{k}"]) for k in ("start", "end") if f"_{k}" in period}
    if not out:
        (reason,) = period["extension"]
        assert reason["url"] == ABSENT
        out = {"absent": reason["valueCode"]}
    return out

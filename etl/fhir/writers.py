"""Output formats, chosen by name: `ndjson` (Bulk Data files and manifest) and `bundle`
(one transaction Bundle per patient). Both stream to disk patient by patient."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Protocol

import orjson

from etl.errors import InputError
from etl.fhir.conformance.stamp import bundle_meta, manifest_extension

MAX_OBSERVATIONS = 50  # per transaction Bundle (as the CIBMTR reporting guide caps it)
DELETED = "deleted"


def part_name(n: int) -> str:
    """The part of the n-th chunk of patients (from 1) in the NDJSON file names: `000001`."""
    return f"{n:06d}"


FIRST_PART = part_name(1)  # also the ResearchStudy's, so that every type's parts count from 1


def dumps(resource: dict[str, Any]) -> bytes:
    """Compact JSON (UTF-8, keys in the order built) and a newline."""
    return orjson.dumps(resource, option=orjson.OPT_APPEND_NEWLINE)


class Writer(Protocol):
    deleted: int

    def study(self, resource: dict[str, Any]) -> None: ...

    def patient(self, patient_id: str, resources: list[dict[str, Any]], deletes: list[tuple[str, str]]) -> None: ...

    def close(self) -> dict[str, int]: ...


class NdjsonWriter:
    """`<Type>.<part>.ndjson` per resource type and `deleted.<part>.ndjson` (a transaction Bundle of
    DELETEs per patient, as the Bulk Data IG lists deletions), one part per chunk of patients (the
    IG lets a type span several files); the manifest is written by `write_manifest`."""

    def __init__(self, out: Path, part: str = FIRST_PART) -> None:
        self.out = out
        self.part = part
        self.files: dict[str, BinaryIO] = {}
        self.counts: dict[str, int] = {}
        self.deleted = 0

    def _write(self, name: str, line: bytes) -> None:
        f = self.files.get(name)
        if f is None:
            f = self.files[name] = (self.out / f"{name}.{self.part}.ndjson").open("wb", buffering=1 << 20)
            self.counts[name] = 0
        f.write(line)
        self.counts[name] += 1

    def study(self, resource: dict[str, Any]) -> None:
        self._write(resource["resourceType"], dumps(resource))

    def patient(self, patient_id: str, resources: list[dict[str, Any]], deletes: list[tuple[str, str]]) -> None:
        for r in resources:
            self._write(r["resourceType"], dumps(r))
        if deletes:
            entries = [{"request": {"method": "DELETE", "url": f"{t}/{i}"}} for t, i in deletes]
            self._write(DELETED, dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}))
            self.deleted += len(deletes)

    def close(self) -> dict[str, int]:
        """Counts per file (resource types, and `deleted`: Bundles)."""
        for f in self.files.values():
            f.close()
        return dict(self.counts)

    def written(self) -> list[tuple[str, str, int]]:
        """(type, file name, lines) of each file written."""
        return [(name, f"{name}.{self.part}.ndjson", n) for name, n in sorted(self.counts.items())]


def write_manifest(
    out: Path, files: list[tuple[str, str, int]], transaction_time: str, request: str, files_url: str | None
) -> None:
    """manifest.json as a Bulk Data Access `$export` completion answer: every file with its type and count."""
    base = files_url.rstrip("/") + "/" if files_url else ""
    ordered = sorted(files)
    manifest = {
        "transactionTime": transaction_time,
        "request": request,
        "requiresAccessToken": False,
        "output": [{"type": t, "url": f"{base}{name}", "count": n} for t, name, n in ordered if t != DELETED],
        "deleted": [{"type": "Bundle", "url": f"{base}{name}", "count": n} for t, name, n in ordered if t == DELETED],
        "error": [],
        "extension": manifest_extension(),  # the conformance package's name and version
    }
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")


class BundleWriter:
    """`<patient id>-NN.json`: the patient's resources as PUTs with their ids (re-sending updates,
    never duplicates) and its deletions, at most 50 Observations a Bundle; `0-study.json` first."""

    def __init__(self, out: Path, base_url: str) -> None:
        self.out = out
        self.base_url = base_url
        self.counts: dict[str, int] = {}
        self.deleted = 0
        self.bundles: list[tuple[str, list[str]]] = []  # (file stem, each entry's request url) in writing order

    def _put(self, r: dict[str, Any]) -> dict[str, Any]:
        t, i = r["resourceType"], r["id"]
        self.counts[t] = self.counts.get(t, 0) + 1
        return {"fullUrl": f"{self.base_url}/{t}/{i}", "resource": r, "request": {"method": "PUT", "url": f"{t}/{i}"}}

    def _bundle(self, name: str, entries: list[dict[str, Any]]) -> None:
        bundle = {"resourceType": "Bundle", "meta": bundle_meta(), "type": "transaction", "entry": entries}
        (self.out / f"{name}.json").write_bytes(dumps(bundle))
        self.bundles.append((name, [e["request"]["url"] for e in entries]))

    def study(self, resource: dict[str, Any]) -> None:
        self._bundle("0-study", [self._put(resource)])

    def patient(self, patient_id: str, resources: list[dict[str, Any]], deletes: list[tuple[str, str]]) -> None:
        self.deleted += len(deletes)
        removals = [{"request": {"method": "DELETE", "url": f"{t}/{i}"}} for t, i in deletes]
        obs = [e for e in removals if e["request"]["url"].startswith("Observation/")]
        first = [e for e in removals if not e["request"]["url"].startswith("Observation/")]
        last = []
        for r in resources:
            t = r["resourceType"]
            if t == "Observation":
                obs.append(self._put(r))
            elif t == "Provenance":
                last.append(self._put(r))
            else:
                first.append(self._put(r))
        parts = [obs[i : i + MAX_OBSERVATIONS] for i in range(0, len(obs), MAX_OBSERVATIONS)] or [[]]
        parts[0] = first + parts[0]
        parts[-1] = parts[-1] + last
        for n, entries in enumerate(parts, start=1):
            self._bundle(f"{patient_id}-{n:02d}", entries)

    def close(self) -> dict[str, int]:
        return dict(self.counts)


def make_writer(fmt: str, out: Path, **options: Any) -> Writer:
    """The writer of a format by name; a clear error for an unknown one."""
    if fmt == "ndjson":
        return NdjsonWriter(out, options.get("part", FIRST_PART))
    if fmt == "bundle":
        return BundleWriter(out, options["base_url"])
    raise InputError(f"unknown export format {fmt!r}: use bundle or ndjson")

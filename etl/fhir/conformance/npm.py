"""The FHIR NPM package on disk: `package/package.json`, `package/.index.json` and one JSON file per
resource (`<ResourceType>-<id>.json`), the SQL-on-FHIR ViewDefinitions in `package/other/`, packed
in a deterministic `.tgz`.

Deterministic: entries in sorted order, each a regular file with mode 0644, uid/gid 0, no
user or group name, the fixed mtime npm itself uses for packed files (1985-10-26T08:15:00Z);
gzip with mtime 0 and no file name. The same resources give the same bytes on every run.
`.index.json` follows the FHIR package spec's index (index-version 1: filename, resourceType,
id, url, version, kind, type).
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from etl.fhir.conformance.package import Package

NPM_MTIME = 499162500  # 1985-10-26T08:15:00Z, the mtime `npm pack` writes
INDEX_FIELDS = ("resourceType", "id", "url", "version", "kind", "type")


def dumps(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def file_name(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}-{resource['id']}.json"


def package_files(package: Package) -> dict[str, bytes]:
    """`package/<name>` -> bytes, for every file of the package."""
    files = {f"package/{file_name(r)}": dumps(r) for r in package.resources}
    if len(files) != len(package.resources):
        raise ValueError("two resources of the package share a resource type and id")
    index = [
        {"filename": file_name(r), **{k: r[k] for k in INDEX_FIELDS if k in r}}
        for r in sorted(package.resources, key=file_name)
    ]
    # a ViewDefinition is an instance of the SQL-on-FHIR logical model, not a resource of R4: it goes
    # with the package's other files (package/other/), outside the resource index
    files |= {f"package/other/ViewDefinition-{v['name']}.json": dumps(v) for v in package.views}
    files["package/package.json"] = dumps(package.manifest)
    files["package/.index.json"] = dumps({"index-version": 1, "files": index})
    return dict(sorted(files.items()))


def tgz_bytes(files: dict[str, bytes]) -> bytes:
    """A gzip'd tar of these files, byte-identical for the same files (module docstring)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = NPM_MTIME
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(files[name]))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def tgz_name(package: Package) -> str:
    """`org.example.hsct-registry.partner-0.1.0+3f2a9c0d1e4b.tgz`."""
    return f"{package.name}-{package.version}.tgz"


def write_package(package: Package, out_dir: Path, unpacked: bool = False) -> Path:
    """Write `<name>-<version>.tgz` into `out_dir` (and, `unpacked`, the `package/` folder beside it);
    the .tgz's path. OSError when `out_dir` cannot be written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = package_files(package)
    path = out_dir / tgz_name(package)
    path.write_bytes(tgz_bytes(files))
    if unpacked:
        for name, data in files.items():
            target = out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return path

"""What the package is generated from: the files under mappings/ it reads, and their hash.

Inputs (paths relative to the mappings folder): `concepts.csv` (every concept: its system,
code, English and Russian display), `concept_codings.csv` (the further codings of a concept)
every `fhir/*.yaml` (the FHIR element mapping, etl/fhir/mapping.py, and whatever else it
may come to read there: a new file there changes the version too) and every `fhir/views/*.json`
(the SQL-on-FHIR ViewDefinitions that flatten the export into the study's analysis table). The
coded columns' concept domains come from the schema (`domain_check` of schemas/tables/),
the one place that says which domain a column holds.

The package version is `BASE_VERSION+<first 12 hex digits of a SHA-256>` over the inputs
(each: its relative path, a NUL, its bytes, a NUL; in sorted path order): any edit of an
input, comments included, gives another version; the same files give the same version on
any machine. SemVer ignores build metadata for precedence: BASE_VERSION
(etl/fhir/conformance/names.py) is raised by hand when partners must act on a change.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from etl.fhir.conformance.names import BASE_VERSION
from etl.fhir.mapping import Mapping, load_mapping
from etl.paths import MAPPINGS_DIR

CONCEPTS = "concepts.csv"
CODINGS = "concept_codings.csv"
_DOMAIN_CHECK = re.compile(r"^\s*(\w+) LIKE '(\w+)/%'\s*$")


@dataclass(frozen=True)
class ConceptRow:
    """A row of concepts.csv: `<domain>/<key>` is the concept id the mapping names."""

    domain: str
    key: str
    system: str
    code: str
    display_en: str
    display_ru: str

    @property
    def concept_id(self) -> str:
        return f"{self.domain}/{self.key}"


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str


@dataclass(frozen=True)
class Inputs:
    """The loaded inputs: concepts in file order, their further codings, the element mapping."""

    folder: Path
    concepts: tuple[ConceptRow, ...]
    codings: dict[str, tuple[Coding, ...]]  # concept id -> further codings (file order)
    mapping: Mapping

    def concept(self, concept_id: str) -> ConceptRow:
        for c in self.concepts:
            if c.concept_id == concept_id:
                return c
        raise KeyError(f"concept {concept_id!r} is not in {self.folder / CONCEPTS}")

    def domain(self, domain: str) -> list[ConceptRow]:
        return [c for c in self.concepts if c.domain == domain]


def input_files(folder: Path = MAPPINGS_DIR) -> list[Path]:
    """The files the package is generated from, in sorted order of their path under `folder`."""
    files = [folder / CONCEPTS, folder / CODINGS, *(folder / "fhir").glob("*.yaml"), *view_files(folder)]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def view_files(folder: Path = MAPPINGS_DIR) -> list[Path]:
    """The SQL-on-FHIR ViewDefinitions that flatten the export (`fhir/views/*.json`), by name."""
    return sorted((folder / "fhir" / "views").glob("*.json"))


def content_hash(folder: Path = MAPPINGS_DIR) -> str:
    """SHA-256 (hex) over the inputs (module docstring); OSError when one cannot be read."""
    digest = hashlib.sha256()
    for path in input_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def version_of(folder: Path = MAPPINGS_DIR) -> str:
    """`0.1.0+3f2a9c0d1e4b`: BASE_VERSION and the first 12 hex digits of the inputs' hash (read now)."""
    return f"{BASE_VERSION}+{content_hash(folder)[:12]}"


@cache
def package_version() -> str:
    """The version of the project's mappings, read once per process (what an export states: the
    mappings it loaded, also once per process)."""
    return version_of(MAPPINGS_DIR)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_inputs(folder: Path = MAPPINGS_DIR) -> Inputs:
    """Read the inputs under `folder` (a mappings folder: the project's, or a copy in a test)."""
    concepts = tuple(
        ConceptRow(r["domain"], r["key"], r["system"], r["code"], r["display_en"], r["display_ru"])
        for r in _read_csv(folder / CONCEPTS)
    )
    codings: dict[str, list[Coding]] = {}
    for r in _read_csv(folder / CODINGS):
        codings.setdefault(f"{r['domain']}/{r['key']}", []).append(Coding(r["system"], r["code"], r["display"]))
    mapping = load_mapping.__wrapped__(folder / "fhir")  # read now, not the process's cached copy
    return Inputs(folder, concepts, {k: tuple(v) for k, v in codings.items()}, mapping)


@cache
def column_domains() -> dict[tuple[str, str], str]:
    """(table, column) -> the concept domain the column holds, from the schema's `domain_check`s."""
    from schemas.tables import Base

    out: dict[tuple[str, str], str] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            text = getattr(constraint, "sqltext", None)
            m = _DOMAIN_CHECK.match(str(text)) if text is not None else None
            if m:
                out[(table.name, m.group(1))] = m.group(2)
    return out

"""Read the mapping files of `mappings/` as plain data, collecting problems.

Every YAML scalar is read as text (``no``, ``1``, ``true`` and ``-`` stay the
strings a data manager typed, never booleans or numbers). Nothing here
normalizes or indexes: see `vocab.py`. The header spellings and parsers of
each feed come from the field catalogue (`catalogue.py`, field_catalogue.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.harmonize.catalogue import CATALOGUE_FILE, Catalogue, read_catalogue
from etl.harmonize.yamlfiles import Problem, read_yaml

__all__ = ["FIELDS_FILE", "HEADERS_FILE", "MappingFiles", "Problem", "ValueFile", "read_mapping_files", "read_yaml"]

# header spellings and parsers are both in the field catalogue (problems name it)
HEADERS_FILE = CATALOGUE_FILE
FIELDS_FILE = CATALOGUE_FILE
VALUES_DIR = "values"
VALUE_KINDS = ("concept", "boolean", "grade", "unit", "not_recorded")


@dataclass
class ValueFile:
    """One `mappings/values/<domain>.yaml`: key -> raw spellings, plus options."""

    domain: str
    path: Path
    kind: str = "concept"
    notes: bool = False
    extends: str | None = None
    concepts: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)  # other top-level sections (result, convert)


@dataclass
class HeaderFeed:
    """One feed of the field catalogue: the file feeds it applies to, field -> spellings."""

    name: str
    applies_to: list[str]
    fields: dict[str, list[str]]


@dataclass
class MappingFiles:
    folder: Path
    values: dict[str, ValueFile]
    headers: dict[str, HeaderFeed]
    raw_fields: dict[str, str]
    field_types: dict[str, dict[str, dict[str, str]]]
    problems: list[Problem]


def _spellings(raw: Any, where: str, file: str, problems: list[Problem]) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(Problem(file, f"{where}: expected a list of spellings"))
        return []
    out: list[str] = []
    for item in raw:
        if isinstance(item, str):
            out.append(item)
        else:
            problems.append(Problem(file, f"{where}: {item!r} is not a single spelling (quote it)"))
    return out


def _read_value_file(path: Path, problems: list[Problem]) -> ValueFile | None:
    name = f"{VALUES_DIR}/{path.name}"
    data = read_yaml(path, problems)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
        problems.append(Problem(name, "expected a mapping with a `concepts:` section (key: [spellings])"))
        return None
    vf = ValueFile(domain=path.stem, path=path)
    vf.kind = str(data.get("kind", "concept"))
    if vf.kind not in VALUE_KINDS:
        problems.append(Problem(name, f"kind {vf.kind!r} is not one of {', '.join(VALUE_KINDS)}"))
    vf.notes = str(data.get("notes", "false")).lower() == "true"
    vf.extends = data.get("extends")
    for key, raw in data["concepts"].items():
        vf.concepts[str(key)] = _spellings(raw, f"concept {key}", name, problems)
    vf.sections = {k: v for k, v in data.items() if k not in ("concepts", "kind", "notes", "extends")}
    return vf


def _headers(catalogue: Catalogue) -> tuple[dict[str, HeaderFeed], dict[str, str]]:
    """Per feed, field -> header spellings; and every raw field (a cell that is not itself a record
    field) with what it becomes."""
    feeds = {
        f.name: HeaderFeed(f.name, list(f.applies_to), {s.name: s.headers for s in f.fields}) for f in catalogue.feeds
    }
    raw_fields = {s.name: s.note for f in catalogue.feeds for s in f.fields if s.is_raw}
    return feeds, raw_fields


def _field_types(catalogue: Catalogue) -> dict[str, dict[str, dict[str, str]]]:
    """Per feed, field -> parser spec ({'parser': ..., 'domain': ...}); a field without a parser is left out."""
    return {f.name: {s.name: s.spec for s in f.fields if s.parser} for f in catalogue.feeds}


def read_mapping_files(folder: Path) -> MappingFiles:
    """Every mapping file of a folder, read as data, with the problems found reading it."""
    problems: list[Problem] = []
    values: dict[str, ValueFile] = {}
    for path in sorted((folder / VALUES_DIR).glob("*.yaml")):
        vf = _read_value_file(path, problems)
        if vf is not None:
            values[vf.domain] = vf
    if not values:
        problems.append(Problem(VALUES_DIR, "no value files (*.yaml) found"))
    catalogue = read_catalogue(folder, problems)
    headers, raw_fields = _headers(catalogue)
    field_types = _field_types(catalogue)
    return MappingFiles(folder, values, headers, raw_fields, field_types, problems)

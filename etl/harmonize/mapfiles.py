"""Read the mapping files of `mappings/` as plain data, collecting problems.

Every YAML scalar is read as text (``no``, ``1``, ``true`` and ``-`` stay the
strings a data manager typed, never booleans or numbers). Nothing here
normalizes or indexes: see `vocab.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HEADERS_FILE = "headers.yaml"
FIELDS_FILE = "fields.yaml"
VALUES_DIR = "values"
VALUE_KINDS = ("concept", "boolean", "grade", "unit", "not_recorded")


class _TextLoader(yaml.SafeLoader):
    """A safe loader whose plain scalars are all strings."""


_TextLoader.yaml_implicit_resolvers = {}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the mapping files, said so a data manager can fix it."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


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
    """One feed of headers.yaml: the file feeds it applies to, field -> spellings."""

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


def read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_TextLoader)
    except FileNotFoundError:
        problems.append(Problem(path.name, "file is missing"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, f"not valid YAML/UTF-8: {exc}"))
    return None


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


def _read_headers(folder: Path, problems: list[Problem]) -> tuple[dict[str, HeaderFeed], dict[str, str]]:
    data = read_yaml(folder / HEADERS_FILE, problems)
    if data is None:
        return {}, {}
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), dict):
        problems.append(Problem(HEADERS_FILE, "expected a `feeds:` section"))
        return {}, {}
    feeds: dict[str, HeaderFeed] = {}
    for name, body in data["feeds"].items():
        if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
            problems.append(Problem(HEADERS_FILE, f"feed {name}: expected `applies_to:` and `fields:`"))
            continue
        fields = {str(f): _spellings(raw, f"{name}.{f}", HEADERS_FILE, problems) for f, raw in body["fields"].items()}
        applies = body.get("applies_to") or [name]
        feeds[str(name)] = HeaderFeed(str(name), [str(a) for a in applies], fields)
    raw_fields = {str(k): str(v) for k, v in (data.get("raw_fields") or {}).items()}
    return feeds, raw_fields


def _read_field_types(folder: Path, problems: list[Problem]) -> dict[str, dict[str, dict[str, str]]]:
    data = read_yaml(folder / FIELDS_FILE, problems) or {}
    out: dict[str, dict[str, dict[str, str]]] = {}
    for feed, fields in data.items():
        out[str(feed)] = {}
        for name, spec in (fields or {}).items():
            if isinstance(spec, str):
                spec = {"parser": spec}
            if not isinstance(spec, dict) or "parser" not in spec:
                problems.append(Problem(FIELDS_FILE, f"{feed}.{name}: expected a parser name or {{parser, domain}}"))
                continue
            out[str(feed)][str(name)] = {str(k): str(v) for k, v in spec.items()}
    return out


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
    headers, raw_fields = _read_headers(folder, problems)
    field_types = _read_field_types(folder, problems)
    return MappingFiles(folder, values, headers, raw_fields, field_types, problems)

"""mappings/field_catalogue.yaml as typed data: every feed field, its cell and where its value goes.

One entry per source field of a feed says, in one place: its header spellings
(Russian and English), its parser and value domain, the record field(s) it
becomes (and which part of the parsed cell each takes), and the table columns
each record field is stored in, with how (a copy, a day offset, ...). Everything
that used to repeat these facts derives from it:

- the header index and the parser specs (`mapfiles.read_mapping_files`);
- the registry record's assembly (`registry.record_part`) and the record field lists of merging
  and de-duplication (`record_model`, `record_fields`; `record_models.py`);
- the direct-copy table builders (`etl.load.builders`: `table_columns`);
- the lineage map (`field_origins`, the `field_origin` table the lineage query joins).

`load_catalogue(folder)` reads a folder's catalogue once (cached per folder) and
raises `CatalogueError` listing every problem; `read_catalogue(folder, problems)`
collects them instead (`hsct mappings check`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from etl.harmonize.record_models import CATALOGUE_FILE as CATALOGUE_FILE
from etl.harmonize.record_models import check_records, record_model
from etl.harmonize.yamlfiles import Problem, read_yaml
from etl.paths import MAPPINGS_DIR
from schemas.tables import metadata

# how a table column is made from its record field (mappings/README.md, "field_catalogue.yaml")
HOWS = ("copy", "day", "date", "year", "age", "derived")
# the part of a parsed cell a record field takes (the harmonizer of the feed implements each)
PARTS = (
    "value", "note", "percent", "comparator", "happened", "day", "date_if_happened", "dose_d1", "dose_d8",
    "dose_d15", "key", "code_ru", "code_en", "name_ru", "name_en", "number", "code",
)  # fmt: skip
_COLUMN = re.compile(r"^(?P<table>\w+)\.(?P<column>\w+)(?:@(?P<concept>[\w/]+))?(?:\s+as\s+(?P<how>\w+))?$")
LINEAGE_COLUMNS = ["table_name", "column_name", "concept_id", "record_field", "source_field"]


class CatalogueError(ValueError):
    """The field catalogue is broken; `problems` says where and what."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Column:
    """A table column a record field is stored in: `concept` names the row of a long table ('' in a
    wide one); `how` is one of `HOWS`."""

    table: str
    column: str
    concept: str = ""
    how: str = "copy"


@dataclass(frozen=True)
class RecordField:
    """A record field made from a source cell: the `part` of the parsed cell it takes, its value domain
    when it holds concept keys (None otherwise), and the columns it is stored in."""

    name: str
    part: str
    domain: str | None
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class SourceField:
    """One field of a feed: a cell of the source, and the record fields it becomes."""

    feed: str
    name: str
    headers_ru: tuple[str, ...]
    headers_en: tuple[str, ...]
    parser: str | None  # None: no parser given (a problem)
    domain: str | None
    record: tuple[RecordField, ...]
    note: str = ""  # what a raw field's cell is (a field with a `record:` section)

    @property
    def headers(self) -> list[str]:
        """Every header spelling, Russian first."""
        return [*self.headers_ru, *self.headers_en]

    @property
    def spec(self) -> dict[str, str]:
        """The parser spec of `etl.harmonize.parse.parse_field`: {'parser': ..., 'domain': ...}."""
        out = {"parser": self.parser or ""}
        if self.domain:
            out["domain"] = self.domain
        return out

    @property
    def is_day(self) -> bool:
        """The cell is a day after transplant (`Д+22`, `22`, `нет`, or a date)."""
        return self.parser == "day"

    @property
    def is_raw(self) -> bool:
        """The cell is not itself a record field (it has a `record:` section)."""
        return [r.name for r in self.record] != [self.name]


@dataclass(frozen=True)
class Feed:
    """A feed of the catalogue (`registry`, `labs`): the file-name prefixes it applies to, its record
    model and its fields in catalogue order."""

    name: str
    applies_to: tuple[str, ...]
    model: str
    fields: tuple[SourceField, ...]

    def field(self, name: str) -> SourceField:
        """A field by its name; KeyError if the feed has none."""
        for each in self.fields:
            if each.name == name:
                return each
        raise KeyError(f"no field {name!r} in feed {self.name!r} of {CATALOGUE_FILE}")

    def record_fields(self) -> Iterator[tuple[SourceField, RecordField]]:
        """(source field, record field) pairs in catalogue order."""
        for source in self.fields:
            for target in source.record:
                yield source, target


@dataclass(frozen=True)
class Catalogue:
    """The field catalogue of a mappings folder (`load_catalogue`)."""

    folder: Path
    feeds: tuple[Feed, ...]
    rows_where: tuple[tuple[str, str], ...]  # (table, record field): a row only where the field is true
    bookkeeping: tuple[str, ...]  # key and bookkeeping column names no cell fills
    derived: tuple[tuple[str, str], ...]  # (table, column) made by a builder from other columns
    empty: tuple[tuple[str, str], ...]  # (table, column) no feed fills yet: stored empty

    def feed(self, name: str) -> Feed:
        """A feed by its name (`registry`) or by a file feed it applies to (`registry_ru`)."""
        for feed in self.feeds:
            if name == feed.name or name in feed.applies_to:
                return feed
        raise KeyError(f"no feed {name!r} in {self.folder / CATALOGUE_FILE}")

    def record_model(self, feed: str) -> type[BaseModel]:
        """The feed's record model (`PatientRecord`, `LabRecord`), with every plain field of the catalogue
        it does not declare added as optional, typed by its parser (`PLAIN_TYPES`): a new source column
        needs no line in schemas/records.py unless it brings a rule. The model's own fields keep their
        order; added ones follow in catalogue order (`record_models`)."""
        return record_model(self, feed)

    def record_fields(self, feed: str) -> list[str]:
        """The record fields of a feed, in the order of its record model (`record_model`)."""
        return list(self.record_model(feed).model_fields)

    def coded_fields(self, feed: str) -> dict[str, str]:
        """Record field → the concept domain of its keys, for the record fields holding concept keys."""
        return {t.name: t.domain for _, t in self.feed(feed).record_fields() if t.domain}

    def record_to_source(self, feed: str) -> dict[str, str]:
        """Record field → the source field it is parsed from."""
        return {t.name: s.name for s, t in self.feed(feed).record_fields()}

    def table_columns(self, table: str) -> list[tuple[RecordField, Column]]:
        """The catalogue's columns of a table (every feed), in catalogue order."""
        return [(t, c) for feed in self.feeds for _, t in feed.record_fields() for c in t.columns if c.table == table]

    def field_origins(self) -> pd.DataFrame:
        """The lineage map: columns table_name, column_name, concept_id, record_field, source_field
        (text; '' for no concept), one row per column (and concept) a cell fills."""
        pairs = [(s, t) for feed in self.feeds for s, t in feed.record_fields()]
        rows = [(c.table, c.column, c.concept, t.name, s.name) for s, t in pairs for c in t.columns]
        return pd.DataFrame(rows, columns=LINEAGE_COLUMNS, dtype=object)


def _texts(raw: Any, where: str, problems: list[Problem]) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(Problem(CATALOGUE_FILE, f"{where}: expected a list"))
        return ()
    for item in raw:
        if not isinstance(item, str):
            problems.append(Problem(CATALOGUE_FILE, f"{where}: {item!r} is not a single spelling (quote it)"))
    return tuple(item for item in raw if isinstance(item, str))


def _column(text: str, where: str, problems: list[Problem]) -> Column | None:
    match = _COLUMN.match(text.strip())
    if match is None:
        problems.append(Problem(CATALOGUE_FILE, f"{where}: {text!r} is not `table.column[@concept][ as how]`"))
        return None
    table, column = match["table"], match["column"]
    how = match["how"] or "copy"
    if how not in HOWS:
        problems.append(Problem(CATALOGUE_FILE, f"{where}: {text!r}: `as {how}` is not one of {', '.join(HOWS)}"))
    if table not in metadata.tables or column not in metadata.tables[table].c:
        problems.append(Problem(CATALOGUE_FILE, f"{where}: {table}.{column} is not a column of schemas/tables/"))
    return Column(table, column, match["concept"] or "", how)


def _target(name: str, body: Any, source: dict[str, Any], where: str, problems: list[Problem]) -> RecordField:
    """A record field of a source field: `body` is its `record:` entry, or the source field's own line."""
    body = body if isinstance(body, dict) else {}
    part = str(body.get("part", "value"))
    if part not in PARTS:
        problems.append(Problem(CATALOGUE_FILE, f"{where}: part {part!r} is not one of {', '.join(PARTS)}"))
    domain = body.get("domain") if body is not source else None
    coded = str(body.get("coded", "true")).lower() != "false"
    if domain is None and coded and part == "value" and source.get("parser") == "code":
        domain = source.get("domain")
    columns = tuple(c for text in _texts(body.get("to"), where, problems) if (c := _column(text, where, problems)))
    return RecordField(name, part, str(domain) if domain else None, columns)


def _source_field(feed: str, name: str, body: Any, problems: list[Problem]) -> SourceField:
    where = f"{feed}.{name}"
    if isinstance(body, (list, str)):  # bare header list: a field without anything else
        body = {"ru": body}
    if not isinstance(body, dict):
        problems.append(Problem(CATALOGUE_FILE, f"{where}: expected {{ru: [...], en: [...], parser: ..., to: [...]}}"))
        body = {}
    record_body = body.get("record")
    if isinstance(record_body, dict):
        record = tuple(_target(str(r), b, body, f"{where}.{r}", problems) for r, b in record_body.items())
    else:
        record = (_target(name, body, body, where, problems),)
    parser = body.get("parser")
    return SourceField(
        feed=feed,
        name=name,
        headers_ru=_texts(body.get("ru"), f"{where}.ru", problems),
        headers_en=_texts(body.get("en"), f"{where}.en", problems),
        parser=str(parser) if parser else None,
        domain=str(body["domain"]) if body.get("domain") else None,
        record=record,
        note=str(body.get("note") or ""),
    )


def _pairs(raw: Any, where: str, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    return tuple((c.table, c.column) for text in _texts(raw, where, problems) if (c := _column(text, where, problems)))


def read_catalogue(folder: Path, problems: list[Problem]) -> Catalogue:
    """The catalogue of a folder, read as it is; what is wrong is appended to `problems`."""
    data = read_yaml(folder / CATALOGUE_FILE, problems)
    if data is not None and (not isinstance(data, dict) or not isinstance(data.get("feeds"), dict)):
        problems.append(Problem(CATALOGUE_FILE, "expected a `feeds:` section"))
        data = None
    data = data or {}
    feeds = []
    for name, body in (data.get("feeds") or {}).items():
        if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
            problems.append(Problem(CATALOGUE_FILE, f"feed {name}: expected `applies_to:`, `model:` and `fields:`"))
            continue
        fields = tuple(_source_field(str(name), str(f), b, problems) for f, b in body["fields"].items())
        applies = _texts(body.get("applies_to"), f"{name}.applies_to", problems) or (str(name),)
        feed = Feed(str(name), applies, str(body.get("model", "")), fields)
        check_records(feed, problems)
        feeds.append(feed)
    rows_where = tuple((str(t), str(f)) for t, f in (data.get("rows_where") or {}).items())
    without = data.get("columns_without_source") or {}
    return Catalogue(
        folder=folder,
        feeds=tuple(feeds),
        rows_where=rows_where,
        bookkeeping=_texts(without.get("bookkeeping"), "columns_without_source.bookkeeping", problems),
        derived=_pairs(without.get("derived"), "columns_without_source.derived", problems),
        empty=_pairs(without.get("empty"), "columns_without_source.empty", problems),
    )


@functools.lru_cache(maxsize=8)
def _load(folder: str) -> Catalogue:
    problems: list[Problem] = []
    catalogue = read_catalogue(Path(folder), problems)
    if problems:
        raise CatalogueError(problems)
    return catalogue


def load_catalogue(folder: Path = MAPPINGS_DIR) -> Catalogue:
    """The field catalogue of a mappings folder (cached per folder); `CatalogueError` if it is broken."""
    return _load(str(Path(folder).resolve()))

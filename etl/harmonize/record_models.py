"""The record models of the feeds (schemas/records.py) and the field catalogue's plain fields.

A feed's record model is `PatientRecord` or `LabRecord` (the catalogue's `model:`)
with every plain field of the catalogue that the model does not declare added as
an optional field typed by its parser (`PLAIN_TYPES`): a new source column needs
no line in schemas/records.py unless it brings a rule of its own. A field of a
compound parser (`day`, `mrd`, ...) or a raw field's parts must be declared.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, create_model

from etl.harmonize.yamlfiles import Problem
from schemas.records import LabRecord, PatientRecord

if TYPE_CHECKING:
    from etl.harmonize.catalogue import Catalogue, Feed

CATALOGUE_FILE = "field_catalogue.yaml"
MODELS: dict[str, type[BaseModel]] = {"PatientRecord": PatientRecord, "LabRecord": LabRecord}
# the Python type of a plain field's value, by parser: a field the record model does not declare gets it
PLAIN_TYPES: dict[str, type] = {
    "text": str, "code": str, "date": dt.date, "datetime": dt.datetime, "decimal": float, "percent": float,
    "boolean": bool, "grade": int,
}  # fmt: skip


def added_fields(feed: Feed) -> dict[str, str]:
    """Record field → parser, for the plain fields of a feed that its record model does not declare."""
    model = MODELS[feed.model]
    return {
        source.name: source.parser or ""
        for source in feed.fields
        if not source.is_raw and source.name not in model.model_fields
    }


@functools.cache
def record_model(catalogue: Catalogue, feed_name: str) -> type[BaseModel]:
    """The feed's record model with the catalogue's undeclared plain fields added (`Catalogue.record_model`)."""
    feed = catalogue.feed(feed_name)
    model = MODELS[feed.model]
    added = added_fields(feed)
    if not added:
        return model
    fields: dict[str, Any] = {name: (PLAIN_TYPES[parser] | None, None) for name, parser in added.items()}
    return create_model(model.__name__, __base__=model, **fields)


def check_records(feed: Feed, problems: list[Problem]) -> None:
    """Every record field is one of the feed's model, or a plain field of a parser with a type."""
    model = MODELS.get(feed.model)
    if model is None:
        problems.append(Problem(CATALOGUE_FILE, f"{feed.name}: model {feed.model!r} is not one of {sorted(MODELS)}"))
        return
    for name, parser in added_fields(feed).items():
        if not parser:
            problems.append(
                Problem(
                    CATALOGUE_FILE,
                    f"{feed.name}.{name}: not a {feed.model} field: a new plain field needs a `parser:` (one of"
                    f" {', '.join(PLAIN_TYPES)}); a cell that is not one record field is one of the raw_fields,"
                    " with a `record:` section and a `note:`",
                )
            )
        elif parser not in PLAIN_TYPES:
            problems.append(
                Problem(
                    CATALOGUE_FILE,
                    f"{feed.name}.{name}: a field of parser {parser!r} must be declared in {feed.model}"
                    f" (schemas/records.py); a plain field of one of {', '.join(PLAIN_TYPES)} needs no declaration",
                )
            )
    for source, target in feed.record_fields():
        if source.is_raw and target.name not in model.model_fields:
            what = f"{feed.name}.{source.name}"
            problems.append(
                Problem(
                    CATALOGUE_FILE,
                    f"{what}: {target.name!r} is not a {feed.model} field; a cell that is not one record field is"
                    " one of the raw_fields: its `record:` fields must be declared in schemas/records.py",
                )
            )

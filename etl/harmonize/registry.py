"""A registry file (registry_ru / registry_en) → canonical patient rows, or rejections.

Every mapped column is parsed by the parser the field catalogue
(`mappings/field_catalogue.yaml`) names for its field; a cell that does not
parse rejects its row with the parser's reason. The typed values are then
assembled into `PatientRecord` fields, each record field taking the part of its
parsed cell that the catalogue names (`record_part`), and each row is validated
by the pydantic model (dates in order, ranges, a relapse site only with a
relapse, ...). What passes is a harmonized row; what does not is
quarantined with the cell that broke the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pydantic import BaseModel, ValidationError

from etl.extract import ROW_NUMBER, RawTable
from etl.harmonize.catalogue import SourceField, load_catalogue
from etl.harmonize.columns import ColumnMap, IssueCollector, map_columns
from etl.harmonize.context import field_cells, parse_context, reject_too_long
from etl.harmonize.identity import canonical_code, canonical_name, patient_keys, reject_codes, reject_file_without_code
from etl.harmonize.origins import record_to_source
from etl.harmonize.parse import parse_field
from etl.harmonize.parse_doses import DOSE_COLUMNS
from etl.harmonize.result import ParseResult
from etl.harmonize.vocab import Vocabulary
from schemas.records import RecordRuleError

REQUIRED_MISSING = "required_missing"
INVALID_RECORD = "invalid_record"
FEED_SUFFIX = {"registry_ru": "ru", "registry_en": "en"}

DOSE_PARTS = dict(zip(("dose_d1", "dose_d8", "dose_d15"), DOSE_COLUMNS, strict=True))
IDENTITY_PARTS = ("key", "code_ru", "code_en", "name_ru", "name_en")


@dataclass
class RegistryRows:
    """A registry file harmonized: one record per valid row, the rejected cells, the column map."""

    records: pd.DataFrame  # PatientRecord fields + row_number + feed (rows that passed)
    issues: pd.DataFrame  # rejections (see etl.harmonize.columns.ISSUE_COLUMNS)
    columns: ColumnMap


def _plain(values: pd.Series, dates: bool = True) -> pd.Series:
    """Nullable pandas values → Python objects with None (datetime64 as datetime.date, or
    as datetime.datetime when `dates` is False)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        python = values.dt.date if dates else values.array.to_pydatetime()
        converted = pd.Series(python, index=values.index, dtype=object)
        return converted.where(values.notna(), None)
    obj = values.astype(object)
    return obj.where(values.notna(), None)


def plain_records(frame: pd.DataFrame, fields: list[str]) -> list[dict[str, object]]:
    """The rows as dicts of plain Python values (what `to_dict("records")` gives, at a fraction of its
    cost: numpy converts each column at once instead of boxing every value)."""
    columns = [
        (
            frame[f].to_numpy(dtype=object, na_value=None)  # <NA> of nullable columns as None, like to_dict
            if isinstance(frame[f].dtype, ExtensionDtype)
            else frame[f].to_numpy(dtype=object)
        ).tolist()
        for f in fields
    ]
    return [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)]


def harmonize_registry(table: RawTable, vocab: Vocabulary, today: dt.date | None = None) -> RegistryRows:
    catalogue = load_catalogue(vocab.folder)
    model = catalogue.record_model(table.feed)
    columns = map_columns(table, vocab)
    issues = IssueCollector(table, columns)
    rows = table.rows
    if "registry_code" not in columns.labels:
        reject_file_without_code(table, issues)
        return RegistryRows(_empty_records(model), issues.frame(), columns)
    issues.add_row_issues()

    specs = vocab.field_types_for(table.feed)
    context = parse_context(table, vocab, today)
    parsed: dict[str, ParseResult] = {}

    def parse(source: str) -> ParseResult:
        result = parse_field(field_cells(table, columns, source, issues, specs, context), specs[source], **context)
        issues.add(result.errors.notna(), source, result.errors, result.messages)
        parsed[source] = result
        return result

    hsct = parse("hsct_date")
    context["transplant_dates"] = hsct.values
    for source in specs:
        if source not in parsed:
            parse(source)

    out = pd.DataFrame(index=rows.index)
    out["row_number"] = rows[ROW_NUMBER].astype(int)
    out["feed"] = table.feed
    identity = _identity(parsed, table, issues)
    for cell, target in catalogue.feed(table.feed).record_fields():
        if target.part in IDENTITY_PARTS:
            out[target.name] = identity[target.part]
        else:
            out[target.name] = record_part(parsed[cell.name], target.part, cell)

    reject_too_long(out, issues)
    bad = issues.bad_rows()
    candidates = out[~out["row_number"].isin(bad)]
    valid = _validate(candidates, table, columns, issues, model)
    return RegistryRows(valid, issues.frame(), columns)


def record_part(result: Any, part: str, source: SourceField) -> pd.Series | None:
    """The part of a parsed cell that a record field takes (a part of the catalogue, see
    mappings/README.md), as plain Python values; None for a dose slot the file has no cell for.

    `result` is the field's parse result (`ParseResult` or a parser's subclass: `DayResult` has
    `happened` and `dates`, the MRD result `percent` and `comparator`, a code result `notes`)."""
    if part == "value":
        return _plain(result.values, dates=source.parser != "datetime")
    if part == "note":
        return _plain(getattr(result, "notes", pd.Series(None, index=result.values.index)))
    if part in ("percent", "comparator", "happened"):
        return _plain(getattr(result, part))
    if part == "day":
        return _plain(result.values)
    if part == "date_if_happened":
        return _plain(result.dates.where(result.happened.eq(True)))
    if part in DOSE_PARTS:
        doses = result.values
        return _plain(doses[DOSE_PARTS[part]]) if DOSE_PARTS[part] in doses else None
    raise ValueError(f"{source.feed}.{source.name}: the registry harmonizer makes no part {part!r}")


def _identity(parsed: dict[str, ParseResult], table: RawTable, issues: IssueCollector) -> dict[str, pd.Series | None]:
    """The identity parts: the patient key (`key`), the canonical code and the name in the file's
    language (`code_ru`, `name_ru` in a registry_ru file; the other language's are None)."""
    code = parsed["registry_code"].values.astype("string")
    key = patient_keys(code)
    reject_codes(code, key, issues)
    suffix = FEED_SUFFIX[table.feed]
    canonical = _plain(canonical_code(code, key))
    names = _plain(parsed["full_name"].values.map(canonical_name, na_action="ignore"))
    out: dict[str, pd.Series | None] = {"key": _plain(key)}
    for lang in ("ru", "en"):
        out[f"code_{lang}"] = canonical if lang == suffix else None
        out[f"name_{lang}"] = names if lang == suffix else None
    return out


def _validate(
    candidates: pd.DataFrame, table: RawTable, columns: ColumnMap, issues: IssueCollector, model: type[BaseModel]
) -> pd.DataFrame:
    """Validate each row as a record of `model` (PatientRecord with the catalogue's added plain fields,
    `Catalogue.record_model`); failures are rejected on the cell that broke the rule."""
    fields = list(model.model_fields)
    keep: list[int] = []
    failed_rows: list[int] = []
    failed_fields: list[str] = []
    reasons: list[str] = []
    messages: list[str] = []
    records = plain_records(candidates, fields)
    for index, record in zip(candidates.index, records, strict=True):
        try:
            model.model_validate(record)
        except ValidationError as exc:
            field, reason, message = explain(exc)
            failed_rows.append(index)
            failed_fields.append(field)
            reasons.append(reason)
            messages.append(message)
        else:
            keep.append(index)
    if failed_rows:
        failed = pd.DataFrame({"field": failed_fields, "reason": reasons, "message": messages}, index=failed_rows)
        to_source = record_to_source()
        for field, group in failed.groupby("field", sort=True):
            mask = pd.Series(False, index=table.rows.index)
            mask[group.index] = True
            reasons_s = pd.Series(group["reason"], index=group.index).reindex(table.rows.index)
            messages_s = pd.Series(group["message"], index=group.index).reindex(table.rows.index)
            issues.add(mask, to_source.get(str(field), str(field)), reasons_s, messages_s)
    return candidates.loc[keep].reset_index(drop=True)


def explain(exc: ValidationError) -> tuple[str, str, str]:
    """The first error of a validation failure as (record field, reason code, message)."""
    error = exc.errors()[0]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, RecordRuleError):
        return cause.field, cause.reason, cause.message
    field = str(error["loc"][0]) if error.get("loc") else "record"
    if error["type"] in ("missing", "none_required") or error.get("input") is None:
        return field, REQUIRED_MISSING, f"{field} is required but empty"
    return field, INVALID_RECORD, f"{field}: {error['msg']}"


def _empty_records(model: type[BaseModel]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*model.model_fields, "row_number", "feed"])

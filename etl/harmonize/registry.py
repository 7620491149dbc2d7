"""A registry file (registry_ru / registry_en) → canonical patient rows, or rejections.

Every mapped column is parsed by the parser `mappings/fields.yaml` names for
its field; a cell that does not parse rejects its row with the parser's reason.
The typed values are then assembled into `PatientRecord` fields and each row
is validated by the pydantic model (dates in order, ranges, a relapse site only
with a relapse, ...). What passes is a harmonized row; what does not is
quarantined with the cell that broke the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pydantic import ValidationError

from etl.extract import ROW_NUMBER, RawTable
from etl.harmonize.columns import ColumnMap, IssueCollector, map_columns
from etl.harmonize.context import field_cells, parse_context, reject_too_long
from etl.harmonize.identity import canonical_code, canonical_name, patient_keys, reject_codes, reject_file_without_code
from etl.harmonize.origins import record_to_source
from etl.harmonize.parse import parse_field
from etl.harmonize.vocab import Vocabulary
from schemas.records import PatientRecord, RecordRuleError

REQUIRED_MISSING = "required_missing"
INVALID_RECORD = "invalid_record"
FEED_SUFFIX = {"registry_ru": "ru", "registry_en": "en"}

# typed fields copied as they are (parser output → record field)
DIRECT_FIELDS = [
    "sex", "birth_date", "disease_status", "cd22_percent", "bridging_therapy", "therapy_start_date", "intrathecal",
    "response", "hsct_date", "donor_type", "graft_source", "cd34_dose", "cd3_dose", "conditioning",
    "gvhd_prophylaxis", "immunosuppression", "tox_neutropenia", "tox_thrombocytopenia", "tox_febrile_neutropenia",
    "tox_sepsis", "tox_polyneuropathy", "tox_mucositis_grade", "tox_sos", "lymphocytes_d30_gt_0_3", "agvhd_grade",
    "infection_d100", "relapse", "relapse_site", "hla_loss", "dli", "vital_status", "last_contact_date",
    "cause_of_death", "updated_at",
]  # fmt: skip
# day cells: source field → (record field of "it happened", record field of the day)
DAY_FIELDS = {
    "engraftment": ("engrafted", "engraftment_day"),
    "platelet_recovery": ("platelet_recovered", "platelet_recovery_day"),
    "sos_cell": ("sos", "sos_day"),
    "tma_cell": ("tma", "tma_day"),
}


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
        python = values.dt.date if dates else values.array.to_pydatetime()  # type: ignore[attr-defined]
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
    columns = map_columns(table, vocab)
    issues = IssueCollector(table, columns)
    rows = table.rows
    if "registry_code" not in columns.labels:
        reject_file_without_code(table, issues)
        return RegistryRows(_empty_records(), issues.frame(), columns)
    issues.add_row_issues()

    specs = vocab.field_types_for(table.feed)
    context = parse_context(table, vocab, today)
    parsed: dict[str, object] = {}

    def parse(source: str) -> object:
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
    _identity(out, parsed, table, issues)
    for name in DIRECT_FIELDS:
        if name in parsed:
            out[name] = _plain(parsed[name].values, dates=name != "updated_at")  # type: ignore[attr-defined]
    diagnosis = parsed["diagnosis"]
    out["diagnosis"] = _plain(diagnosis.values)  # type: ignore[attr-defined]
    out["diagnosis_note"] = _plain(getattr(diagnosis, "notes", pd.Series(None, index=rows.index)))
    doses = parsed["ino_doses"].values  # type: ignore[attr-defined]
    for slot in ("ino_dose_d1", "ino_dose_d8", "ino_dose_d15"):
        out[slot] = _plain(doses[slot]) if slot in doses else None
    mrd = parsed["mrd"]
    out["mrd_status"] = _plain(mrd.values)  # type: ignore[attr-defined]
    out["mrd_value_percent"] = _plain(mrd.percent)  # type: ignore[attr-defined]
    out["mrd_value_comparator"] = _plain(mrd.comparator)  # type: ignore[attr-defined]
    for source, (happened, day) in DAY_FIELDS.items():
        result = parsed[source]
        out[happened] = _plain(result.happened)  # type: ignore[attr-defined]
        out[day] = _plain(result.values)  # type: ignore[attr-defined]
    relapse_cell = parsed["relapse_date_cell"]
    out["relapse_date"] = _plain(relapse_cell.dates.where(relapse_cell.happened.eq(True)))  # type: ignore[attr-defined]

    reject_too_long(out, issues)
    bad = issues.bad_rows()
    candidates = out[~out["row_number"].isin(bad)]
    valid = _validate(candidates, table, columns, issues)
    return RegistryRows(valid, issues.frame(), columns)


def _identity(out: pd.DataFrame, parsed: dict[str, object], table: RawTable, issues: IssueCollector) -> None:
    code = parsed["registry_code"].values.astype("string")  # type: ignore[attr-defined]
    key = patient_keys(code)
    reject_codes(code, key, issues)
    suffix = FEED_SUFFIX[table.feed]
    out["patient_key"] = _plain(key)
    canonical = _plain(canonical_code(code, key))
    names = _plain(parsed["full_name"].values.map(canonical_name, na_action="ignore"))  # type: ignore[attr-defined]
    for lang in ("ru", "en"):
        out[f"registry_code_{lang}"] = canonical if lang == suffix else None
        out[f"full_name_{lang}"] = names if lang == suffix else None


def _validate(candidates: pd.DataFrame, table: RawTable, columns: ColumnMap, issues: IssueCollector) -> pd.DataFrame:
    """Validate each row as a PatientRecord; failures are rejected on the cell that broke the rule."""
    fields = list(PatientRecord.model_fields)
    keep: list[int] = []
    failed_rows: list[int] = []
    failed_fields: list[str] = []
    reasons: list[str] = []
    messages: list[str] = []
    records = plain_records(candidates, fields)
    for index, record in zip(candidates.index, records, strict=True):
        try:
            PatientRecord.model_validate(record)
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


def _empty_records() -> pd.DataFrame:
    return pd.DataFrame(columns=[*PatientRecord.model_fields, "row_number", "feed"])

"""The check catalog: expectations/checks.csv (one row per field x check) and formats.yaml.

In the manner of the OHDSI Data Quality Dashboard, every check is a row of
data — layer, frame, field, category, check type, argument, threshold (the
percentage of rows allowed to fail), severity (blocking | warning) and a note.
`etl.quality.suites` turns the rows into Great Expectations suites; nothing in
the catalog is code.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypedDict, cast

import yaml

from etl.paths import EXPECTATIONS_DIR, MAPPINGS_DIR

CHECKS_CSV = EXPECTATIONS_DIR / "checks.csv"
FORMATS_YAML = EXPECTATIONS_DIR / "formats.yaml"

LAYERS = ("raw", "harmonized")
CATEGORIES = ("conformance", "completeness", "plausibility", "uniqueness", "integrity", "accounting")
CHECK_TYPES = ("not_null", "value_set", "format", "type", "range", "unique", "foreign_key", "rule", "row_count")
SEVERITIES = ("blocking", "warning")


class CatalogError(ValueError):
    """A row of the check catalog that cannot be turned into an expectation."""


@dataclass(frozen=True)
class Check:
    """A row of expectations/checks.csv: which frame and field it reads, its check type and argument,
    the share of rows that must pass (`threshold`, 0-1) and whether a failure holds the batch
    (`severity` blocking) or only warns."""

    check_id: str
    layer: str
    frame: str
    field: str
    category: str
    check_type: str
    argument: str
    threshold: float
    severity: str
    note: str

    @property
    def suite(self) -> str:
        return f"{self.layer}.{self.frame}"

    @property
    def columns(self) -> list[str]:
        """The frame columns the check reads (`a+b` names a compound key)."""
        return [c for c in self.field.split("+") if c]

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"


def _row_to_check(row: dict[str, str], line: int) -> Check:
    try:
        check = Check(
            check_id=row["check_id"].strip(),
            layer=row["layer"].strip(),
            frame=row["frame"].strip(),
            field=(row["field"] or "").strip(),
            category=row["category"].strip(),
            check_type=row["check_type"].strip(),
            argument=(row["argument"] or "").strip(),
            threshold=float(row["threshold"] or 0),
            severity=row["severity"].strip(),
            note=(row["note"] or "").strip(),
        )
    except (KeyError, ValueError, AttributeError) as exc:
        raise CatalogError(f"checks.csv line {line}: {exc}") from exc
    problems = [
        f"{name} {value!r} is not one of {allowed}"
        for name, value, allowed in (
            ("layer", check.layer, LAYERS),
            ("category", check.category, CATEGORIES),
            ("check_type", check.check_type, CHECK_TYPES),
            ("severity", check.severity, SEVERITIES),
        )
        if value not in allowed
    ]
    if not 0 <= check.threshold <= 100:
        problems.append(f"threshold {check.threshold} is not a percentage")
    if check.check_type != "row_count" and not check.columns:
        problems.append(f"check type {check.check_type} needs a field")
    if problems:
        raise CatalogError(f"checks.csv line {line} ({check.check_id}): " + "; ".join(problems))
    return check


def read_checks(path: Path = CHECKS_CSV) -> list[Check]:
    """Every check of the catalog, in file order; raises CatalogError on a bad row or a repeated id."""
    with path.open(encoding="utf-8", newline="") as handle:
        checks = [_row_to_check(row, line) for line, row in enumerate(csv.DictReader(handle), start=2)]
    seen: set[str] = set()
    for check in checks:
        if check.check_id in seen:
            raise CatalogError(f"checks.csv: check id {check.check_id!r} is used twice")
        seen.add(check.check_id)
    return checks


class Formats(TypedDict):
    """The shape of expectations/formats.yaml."""

    formats: dict[str, str]  # format name -> the regular expression a raw cell must match
    types: dict[str, list[str]]  # type family -> the Python/pandas type names a harmonized value may have


@cache
def formats() -> Formats:
    """expectations/formats.yaml: `formats` (name -> regex) and `types` (name -> type names)."""
    with FORMATS_YAML.open(encoding="utf-8") as handle:
        return cast(Formats, yaml.safe_load(handle))  # safe_load returns Any; the file's shape is documented above


def parse_bounds(argument: str) -> tuple[float | None, float | None]:
    """`min..max`, either side may be empty: `0..100`, `1..`, `..0`."""
    if ".." not in argument:
        raise CatalogError(f"range {argument!r} is not min..max")
    low, high = argument.split("..", 1)
    return (float(low) if low.strip() else None, float(high) if high.strip() else None)


@cache
def concept_ids(domain: str) -> tuple[str, ...]:
    """The concept ids (`domain/key`) of one domain of mappings/concepts.csv: a value set."""
    with (MAPPINGS_DIR / "concepts.csv").open(encoding="utf-8", newline="") as handle:
        ids = tuple(f"{r['domain']}/{r['key']}" for r in csv.DictReader(handle) if r["domain"] == domain)
    if not ids:
        raise CatalogError(f"value set domain:{domain}: mappings/concepts.csv has no concept of that domain")
    return ids


def value_set(argument: str) -> list[str]:
    """`domain:<domain>` (the concepts of mappings/concepts.csv) or a literal `a|b|c`."""
    if argument.startswith("domain:"):
        return list(concept_ids(argument.removeprefix("domain:")))
    return [v for v in argument.split("|") if v]

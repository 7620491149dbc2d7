"""The registry of the element mapping's named transforms, and what every transform shares.

A transform takes the source rows of one profile (a DataFrame), the element's arguments from the
YAML and the build context, and returns one value per row (None: the element is left out for that
row); `@transform("name")` registers it under the name the mapping files use. The transforms
themselves are in etl.fhir.transforms (and etl.fhir.timing, the `date` transform).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from etl.fhir.context import BuildContext

UCUM = "http://unitsofmeasure.org"
RELATIVE_DATE = "http://hl7.org/fhir/StructureDefinition/relative-date"  # R4 core: a date relative to an event
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
RUN_SYSTEM = "https://hsct-registry.example.org/fhir/NamingSystem/etl-run"

Transform = Callable[[pd.DataFrame, dict[str, Any], BuildContext], list[Any]]
TRANSFORMS: dict[str, Transform] = {}
MERGING = {"date"}  # transforms whose values are merged into the resource
VALUE_TYPES = {"concept": "CodeableConcept", "quantity": "Quantity", "boolean": "Boolean", "code": "Code"}


def transform(name: str) -> Callable[[Transform], Transform]:
    def register(fn: Transform) -> Transform:
        TRANSFORMS[name] = fn
        return fn

    return register


def values(frame: pd.DataFrame, column: str) -> list[Any]:
    """A column as plain Python values, None where missing."""
    s = frame[column]
    out: list[Any] = s.astype(object).where(s.notna(), None).tolist()
    return out


def as_key(v: Any) -> str:
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


MASKED = {"url": DATA_ABSENT, "valueCode": "masked"}
UNKNOWN = {"url": DATA_ABSENT, "valueCode": "unknown"}

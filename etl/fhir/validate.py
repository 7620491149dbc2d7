"""Validation by the fhir.resources R4 models (`fhir.resources.R4B`; the package's default is R5).

`all` validates every resource (the tests use it); `sample` the first resource of
each profile in each chunk of patients and then one in `every` (fast path); `none` skips. Errors are
collected and reported together at the end of the export.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

MODES = ("all", "sample", "none")


@cache
def model_class(resource_type: str) -> Any:
    return get_fhir_model_class(resource_type)


def validate_resource(resource: dict[str, Any]) -> list[str]:
    """The problems the R4 model finds in a resource ([] when valid)."""
    try:
        model_class(resource["resourceType"]).model_validate(resource)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    except (KeyError, TypeError, ValueError) as exc:
        return [str(exc)]
    return []


class Validator:
    def __init__(self, mode: str = "sample", every: int = 100) -> None:
        if mode not in MODES:
            raise ValueError(f"validation mode {mode!r}: use one of {MODES}")
        self.mode = mode
        self.every = every
        self.validated = 0
        self.errors: list[str] = []

    def check(self, resources: list[dict[str, Any]], profile: str) -> None:
        """Validate these resources of one profile: all, or (sample) the first and then one in `every`."""
        if self.mode == "none":
            return
        chosen = resources if self.mode == "all" else resources[:: self.every]
        for r in chosen:
            self.validated += 1
            problems = validate_resource(r)
            if problems:
                self.errors.append(f"{r.get('resourceType')}/{r.get('id')} ({profile}): {'; '.join(problems[:3])}")

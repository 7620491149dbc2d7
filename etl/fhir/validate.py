"""Validation by the fhir.resources R4 models (`fhir.resources.R4B`; the package's default is R5).

`all` validates every resource (the tests use it); `sample` the first resource of
each profile (per process) and one in `every` (fast path); `none` skips. Errors are
collected and reported together at the end of the export.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from etl.choices import VALIDATION_MODES as MODES  # light: `hsct export --help` lists them


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
    def __init__(self, mode: str = "sample", every: int = 200, seen_profiles: set[str] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"validation mode {mode!r}: use one of {MODES}")
        self.mode = mode
        self.every = every
        self.validated = 0
        self.seen_profiles = set() if seen_profiles is None else seen_profiles  # profiles validated once already
        self.errors: list[str] = []

    def check(self, resources: list[dict[str, Any]], profile: str) -> None:
        """Validate these resources of one profile: all, or (sample) the first and then one in `every`."""
        if self.mode == "none":
            return
        if self.mode == "all":
            chosen = resources
        else:
            chosen = resources[self.every - 1 :: self.every]
            if profile not in self.seen_profiles and resources:
                self.seen_profiles.add(profile)
                chosen = [resources[0], *chosen]
        for r in chosen:
            self.validated += 1
            problems = validate_resource(r)
            if problems:
                self.errors.append(f"{r.get('resourceType')}/{r.get('id')} ({profile}): {'; '.join(problems[:3])}")

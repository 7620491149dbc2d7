"""Each stage is a package whose `__init__` states its API: every public function and class it exports
has a docstring (shapes, units and errors are the docstring's business; its presence is checked here)."""

from __future__ import annotations

import importlib
import inspect

import pytest

STAGES = [
    "etl.extract",
    "etl.harmonize",
    "etl.load",
    "etl.quality",
    "etl.performance",
    "etl.fhir",
    "etl.db",
]


def _exported(package: str) -> list[tuple[str, object]]:
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None)
    assert names, f"{package}/__init__.py declares no __all__: its public API is not stated"
    return [(name, getattr(module, name)) for name in names]


def _undocumented(obj: object) -> bool:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj):  # a dataclass without a docstring gets its signature as one
        return not doc or doc.startswith(f"{obj.__name__}(")
    return not doc


@pytest.mark.parametrize("package", STAGES)
def test_every_public_function_of_a_stage_has_a_docstring(package: str) -> None:
    missing = [
        name
        for name, obj in _exported(package)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and _undocumented(obj)
    ]
    assert not missing, f"{package} exports without a docstring: {', '.join(missing)}"


@pytest.mark.parametrize("package", STAGES)
def test_a_stage_states_its_api_in_its_module_docstring(package: str) -> None:
    doc = inspect.getdoc(importlib.import_module(package)) or ""
    assert len(doc.splitlines()) >= 3, f"{package}/__init__.py has no docstring stating its API"


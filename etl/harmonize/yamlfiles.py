"""YAML files of `mappings/` read as text, and the problems found reading them.

Every YAML scalar is read as text (``no``, ``1``, ``true`` and ``-`` stay the
strings a data manager typed, never booleans or numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


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


def read_yaml(path: Path, problems: list[Problem]) -> Any:
    """A YAML file with every scalar as text; None (and a problem) when missing or unreadable."""
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_TextLoader)
    except FileNotFoundError:
        problems.append(Problem(path.name, "file is missing"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, f"not valid YAML/UTF-8: {exc}"))
    return None

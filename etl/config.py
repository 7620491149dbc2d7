"""hsct's configuration file (`hsct.toml`): what a night must bring and how much it may delete.

Where it comes from, first found wins: the file named by `$HSCT_CONFIG`, `./hsct.toml` in the
working folder, the project's own `hsct.toml` (the documented defaults). Validated by pydantic:
an unknown key or a value of the wrong kind is refused naming the file and the key (exit 4).
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from etl.errors import InputError
from etl.paths import PROJECT_ROOT

CONFIG_VAR = "HSCT_CONFIG"
FILE_NAME = "hsct.toml"
FEEDS = ("registry_ru", "registry_en", "labs")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NightConfig(_Strict):
    expected_feeds: Literal["previous"] | tuple[str, ...] = "previous"

    @field_validator("expected_feeds")
    @classmethod
    def _known_feeds(cls, value: object) -> object:
        if isinstance(value, tuple):
            unknown = sorted(set(value) - set(FEEDS))
            if unknown:
                raise ValueError(f"unknown feed(s) {', '.join(unknown)}; the feeds are {', '.join(FEEDS)}")
        return value


class DeletionLimit(_Strict):
    """A night may delete up to max(share x rows held before it, count) rows of the table."""

    share: float = Field(ge=0, le=1)
    count: int = Field(ge=0)

    def allows(self, deleted: int, stored_before: int) -> bool:
        return deleted <= max(self.share * stored_before, self.count)

    def limit(self, stored_before: int) -> int:
        return int(max(self.share * stored_before, self.count))


class DeletionGuard(_Strict):
    patients: DeletionLimit = DeletionLimit(share=0.05, count=1)
    lab_results: DeletionLimit = DeletionLimit(share=0.10, count=10)


class Config(_Strict):
    language: Literal["ru", "en"] | None = None  # what hsct speaks (etl.messages: after --lang and $HSCT_LANG)
    night: NightConfig = NightConfig()
    deletion_guard: DeletionGuard = DeletionGuard()
    source: Path | None = Field(default=None, exclude=True)  # the file read (None: none found)


def config_path() -> Path | None:
    """The configuration file in force (module docstring), or None when there is none at all."""
    named = os.environ.get(CONFIG_VAR)
    if named:
        path = Path(named)
        if not path.is_file():
            raise InputError.of("error.config.no_file", var=CONFIG_VAR, path=named)
        return path
    for candidate in (Path.cwd() / FILE_NAME, PROJECT_ROOT / FILE_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_config() -> Config:
    """The configuration in force, validated; raises InputError naming the file and the bad key."""
    return _load(config_path())


@cache
def _load(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError.of("error.config.not_toml", path=path, error=exc) from exc
    try:
        return Config.model_validate({**data, "source": path})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise InputError.of("error.config.invalid", path=path, problems=problems) from exc

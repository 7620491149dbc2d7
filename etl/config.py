"""hsct's configuration file (`hsct.toml`): what a night must bring and how much it may delete,
where its files are and go (`[paths]`), and whom to call when it fails or is held (`[hook]`).

Where it comes from, first found wins: the file named by `$HSCT_CONFIG`, `./hsct.toml` in the
working folder, the project's own `hsct.toml` (the documented defaults). Validated by pydantic:
an unknown key or a value of the wrong kind is refused naming the file and the key (exit 4).
A relative path in `[paths]` is taken from the folder of the file that names it; the command
line's options and the environment override every path (README, "Operations").
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import string
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


SOURCE_FIELDS = ("date", "yesterday")  # what `[paths] source` may name: `{date:%Y%m%d}`, `{yesterday:%Y%m%d}`


class PathsConfig(_Strict):
    """Where the night's files are and where its outputs go; each overridden by its option of `hsct run`."""

    source: str | None = None  # the night's folder (after --source), `{date:...}` / `{yesterday:...}` filled
    database: str | None = None  # a URL or an SQLite file (after --db and $HSCT_DATABASE_URL)
    logs: Path | None = None  # the run logs (after --logs)
    pages: Path | None = None  # the night pages (after --pages)
    docs: Path | None = None  # the Data Docs (after --docs)
    partners: Path | None = None  # the partner centers (default mappings/partners.yaml)

    @field_validator("source")
    @classmethod
    def _source_template(cls, value: str | None) -> str | None:
        if value is not None:
            names = {
                re.split(r"[.[]", name)[0] for _, name, _, _ in string.Formatter().parse(value) if name is not None
            }
            unknown = sorted(names - set(SOURCE_FIELDS))
            if unknown:
                raise ValueError(f"unknown placeholder(s) {unknown}; the placeholders are {{date}} and {{yesterday}}")
            _fill(value, dt.date(2024, 1, 2))  # a format it cannot apply fails now, not at night
        return value

    def night_folder(self, today: dt.date | None = None) -> Path | None:
        """The night's folder `source` names for `today` (default: the day the command runs)."""
        return None if self.source is None else Path(_fill(self.source, today or dt.date.today()))

    def anchored(self, base: Path) -> PathsConfig:
        """The paths with a relative one taken from `base` (the configuration file's folder)."""

        def at(path: str) -> str:
            return str(base / os.path.expanduser(path))  # an absolute path stays itself

        update: dict[str, object] = {
            name: Path(at(str(value)))
            for name in ("logs", "pages", "docs", "partners")
            if (value := getattr(self, name)) is not None
        }
        if self.source is not None:
            update["source"] = at(self.source)
        if self.database is not None and "://" not in self.database:
            update["database"] = at(self.database)
        return self.model_copy(update=update)


def _fill(template: str, day: dt.date) -> str:
    return template.format(date=day, yesterday=day - dt.timedelta(days=1))


class HookConfig(_Strict):
    """Commands run after a night that failed or was held (etl.run.hook); split like a shell line, no shell."""

    on_failed: str | None = None
    on_held: str | None = None
    timeout_s: float = Field(default=60, gt=0)

    @field_validator("on_failed", "on_held")
    @classmethod
    def _command(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                args = shlex.split(value)
            except ValueError as exc:
                raise ValueError(f"cannot be split into a command and its arguments ({exc})") from exc
            if not args:
                raise ValueError("names no command")
        return value


class Config(_Strict):
    language: Literal["ru", "en"] | None = None  # what hsct speaks (etl.messages: after --lang and $HSCT_LANG)
    night: NightConfig = NightConfig()
    deletion_guard: DeletionGuard = DeletionGuard()
    paths: PathsConfig = PathsConfig()
    hook: HookConfig = HookConfig()
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
        config = Config.model_validate({**data, "source": path})
        return config.model_copy(update={"paths": config.paths.anchored(path.resolve().parent)})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise InputError.of("error.config.invalid", path=path, problems=problems) from exc

"""Every text a data manager reads, in Russian and English, from `mappings/messages.csv`.

The file has one line per message: `key,en,ru`, the texts as Python format strings
(`'{value}' is not an existing date`). Keys are grouped by what they name:
`reason.<code>` (a quarantine reason, with `{value}` the cell and `{column}` its header),
`check.<check_id>` (a quality check's description), `run.*` (the nightly summary),
`console.*` (the viewers), `error.*` (the commands' errors). A message missing in either
language, or whose two texts name different placeholders, fails `tests/test_messages.py`.

The language: `--lang ru|en`, else `$HSCT_LANG`, else `hsct.toml`'s `language`, else the
locale (`LC_ALL`, `LC_MESSAGES`, `LANG`) when it is Russian or English, else Russian: the
registry's data managers read Russian first.
"""

from __future__ import annotations

import csv
import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

from etl.paths import MAPPINGS_DIR

MESSAGES_CSV = MAPPINGS_DIR / "messages.csv"
Lang = Literal["ru", "en"]
LANGS: tuple[Lang, ...] = ("ru", "en")
LANG_VAR = "HSCT_LANG"
DEFAULT_LANG: Lang = "ru"


@cache
def catalogue(path: Path = MESSAGES_CSV) -> dict[str, dict[Lang, str]]:
    """key -> {"en": text, "ru": text}; raises ValueError naming the line of a key given twice."""
    out: dict[str, dict[Lang, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            key = (row.get("key") or "").strip()
            if key in out:
                raise ValueError(f"{path} line {line}: message {key!r} is given twice")
            out[key] = {"en": row.get("en") or "", "ru": row.get("ru") or ""}
    return out


class Say(Protocol):
    """How a stage tells what it is doing: by message key and parameters, rendered by the caller in
    the language asked (`speaker`) or ignored (`silent`)."""

    def __call__(self, key: str, /, **params: object) -> None: ...


def silent(key: str, /, **params: object) -> None:
    """A `Say` that says nothing."""


def speaker(lang: Lang, write: Callable[[str], object]) -> Say:
    """A `Say` writing each message, rendered in `lang`, through `write` (print, click.echo, a log)."""

    def say(key: str, /, **params: object) -> None:
        write(text(key, lang, **params))

    return say


@dataclass(frozen=True)
class Message:
    """A message not rendered yet: its key and parameters, for code that does not know the language
    (an error raised below the command line, etl.errors). A parameter may be a Message itself: it is
    rendered in the same language (`run {hint}` with `hint=Message("error.db.upgrade_same_db")`)."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    def render(self, lang: Lang) -> str:
        return text(self.key, lang, **self.params)


def text(key: str, lang: Lang, /, **params: object) -> str:
    """The message `key` in `lang`, its placeholders filled from `params` (a `Message` parameter
    rendered in `lang` too); raises KeyError for an unknown key (a test lists every key the code uses)."""
    template = catalogue()[key][lang]
    if not params and "{" not in template:
        return template
    filled = {name: value.render(lang) if isinstance(value, Message) else value for name, value in params.items()}
    return template.format_map(_Params(filled))


def both(key: str, /, **params: object) -> dict[Lang, str]:
    """The message in both languages (for pages that carry both)."""
    return {lang: text(key, lang, **params) for lang in LANGS}


def decimal_mark(shown: str, lang: Lang) -> str:
    """A number's text with the language's decimal mark: `66,67` in Russian, `66.67` in English (GOST 8.417
    and the study's own Russian tables write a comma)."""
    return shown.replace(".", ",") if lang == "ru" else shown


def placeholders(template: str) -> set[str]:
    """The names a format string fills (`{value}` -> {'value'})."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def language(explicit: str | None = None, configured: str | None = None) -> Lang:
    """The language to speak (module docstring for the order)."""
    for candidate in (explicit, os.environ.get(LANG_VAR), configured, _locale()):
        if candidate:
            lang = candidate.strip().lower()[:2]
            if lang in LANGS:
                return lang
    return DEFAULT_LANG


def _locale() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value.lower()[:2] in LANGS:
            return value
    return None


class _Params(dict[str, object]):
    """Format parameters; a missing one shows as `{name}` rather than failing a data manager's view."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

"""A note not rendered yet: a message key of mappings/messages.csv and its parameters (etl.messages).

The statistics layer does not know the language it will be read in: it says what it computed as
`Note`s, and the report renders them in Russian and English (statistics.json keeps the English).
An identifier inside a message's own text is written in backticks (`lifelines`): rendered as code
in HTML, without the backticks in plain text. A parameter may be a `Num` (a number, written with a
decimal comma in Russian and a point in English), a `Code` (an identifier — a catalog id, a file,
a rule — the same in both languages and marked `translate="no"` in HTML), another `Note` (rendered
in the same language), or a list of these (joined by ", "). It lives in etl.audit, below both the
audit and the statistics layer, which both say what they found as notes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from etl.messages import Lang, decimal_mark, text

_TICKS = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Num:
    """A number and its format spec (`.4g`, `.1f`, `d`); Russian writes a decimal comma."""

    value: float | int
    spec: str = ".4g"

    def render(self, lang: Lang) -> str:
        if isinstance(self.value, float) and math.isnan(self.value):
            return "—"  # not computable: no "nan" in either language
        shown = format(self.value, self.spec)
        return decimal_mark(shown, lang)


@dataclass(frozen=True)
class Code:
    """An identifier, written as it is in every language."""

    value: str


@dataclass(frozen=True)
class Note:
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: Lang, html: bool = False) -> str:
        """The note in `lang`; with `html`, escaped, each Code a `<code translate="no">`."""
        filled = {name: _param(value, lang, html) for name, value in self.params.items()}
        return _html_text(self.key, lang, filled) if html else _TICKS.sub(r"\1", text(self.key, lang, **filled))


def note(key: str, **params: Any) -> Note:
    return Note(key, params)


def fold(key: str, notes: Sequence[Any]) -> Any:
    """`notes` joined pairwise by the two-placeholder message `key` ({a} … {b}): `a; b; c`."""
    out = notes[0] if notes else ""
    for item in notes[1:]:
        out = note(key, a=out, b=item)
    return out


def join(notes: Sequence[Note], lang: Lang, html: bool = False, sep: str = " — ") -> str:
    return sep.join(n.render(lang, html) for n in notes)


def _param(value: Any, lang: Lang, html: bool) -> str:
    if isinstance(value, Note):
        return value.render(lang, html)
    if isinstance(value, Num):
        return value.render(lang)
    if isinstance(value, Code):
        return f'<code translate="no">{escape(value.value)}</code>' if html else value.value
    if isinstance(value, list | tuple):
        return ", ".join(_param(v, lang, html) for v in value)
    if isinstance(value, float):
        return Num(value).render(lang)
    return escape(str(value)) if html else str(value)


def _html_text(key: str, lang: Lang, filled: dict[str, str]) -> str:
    """The template escaped around the (already escaped) parameters."""
    placeholder = {name: f"\x00{i}\x00" for i, name in enumerate(filled)}
    rendered = _TICKS.sub(r'<code translate="no">\1</code>', escape(text(key, lang, **placeholder)))
    for name, mark in placeholder.items():
        rendered = rendered.replace(mark, filled[name])
    return rendered

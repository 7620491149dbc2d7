"""Writing one text in both languages in the report's HTML: a span per language (once when both are
the same), messages by key, published and computed values as each language prints them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from etl.analysis.compare import DIFFERS, NOT_COMPUTABLE, REPRODUCED
from etl.analysis.readings import Reading
from etl.analysis.reproduce import Reproduction
from etl.audit.notes import Note
from etl.messages import LANGS, Lang, text
from etl.report.numbers import num, p_text, places_like, plain

STATUSES = (REPRODUCED, DIFFERS, NOT_COMPUTABLE)
MARKS = {REPRODUCED: "✓", DIFFERS: "≠", NOT_COMPUTABLE: "—"}
SLUG = {REPRODUCED: "reproduced", DIFFERS: "differs", NOT_COMPUTABLE: "not-computable"}


def bi(by_lang: dict[Lang, str]) -> str:
    """Already-escaped HTML per language: once when the same, else one span per language."""
    if by_lang["ru"] == by_lang["en"]:
        return by_lang["ru"]
    return "".join(f'<span class="l-{lang}" lang="{lang}">{by_lang[lang]}</span>' for lang in LANGS)


def each(render: Callable[[Lang], str]) -> str:
    return bi({lang: render(lang) for lang in LANGS})


def t(key: str, **params: Any) -> str:
    """The message `key`, escaped (identifiers in backticks as code), in both languages."""
    return tn(Note(key, params))


def tn(n: Note) -> str:
    return each(lambda lang: n.render(lang, html=True))


def code(value: str) -> str:
    return f'<code translate="no">{escape(value)}</code>'


def mark(result: Reproduction | None) -> str:
    if result is None:
        return ""
    return f'<span class="mark {SLUG[result.status]}">{MARKS[result.status]}</span>'


def published(value: Callable[[Lang], str]) -> str:
    """`опубл.: 21 (87,5)` / `publ.: 21 (87.5)`."""
    return each(lambda lang: escape(text("report.published_short", lang, value=value(lang))))


def each_plain(value: Any) -> str:
    """A published or computed value as written in each language (`etl.report.numbers.plain`), escaped."""
    return each(lambda lang: escape(plain(value, lang)))


def percent_of(value: Any) -> Callable[[Lang], str]:
    """A printed percentage in a language, at its printed precision (at least one place): `87,5%` / `87.5%`."""
    return lambda lang: num(value, places_like(value, 1), lang) + "%"


def p_published(p: Reproduction, printed: Any) -> str:
    """The computed p beside the printed one, in both languages: `p = 0.031; publ.: 0.03`."""
    return each(
        lambda lang: escape(
            f"p = {p_text(p.computed, lang)}; " + text("report.published_short", lang, value=p_text(printed, lang))
        )
    )


def reading_marks(readings: Iterable[Reading]) -> str:
    links = ",".join(f'<a href="#reading-{r.number}">{r.number}</a>' for r in readings)
    return f'<sup class="rd">{links}</sup>' if links else ""


def label(key: str, suffix: dict[Lang, str] | None = None) -> str:
    """The message `key` in both languages, escaped, with a per-language `suffix`."""
    return each(lambda lang: escape(text(key, lang) + (suffix[lang] if suffix else "")))

"""Text normalization applied to every spelling and every cell before a lookup.

The same function normalizes the spellings of `mappings/` and the cells of the
feeds, so a lookup is an exact dictionary hit on both sides:

1. superscript digits become ``^`` + digits (``10⁹`` → ``10^9``), ``×`` → ``x``,
   ``≤``/``≥`` → ``<=``/``>=`` (the Windows-1251 spellings), then NFKC
   (compatibility forms: no-break spaces, full-width letters, ``Ⅲ`` → ``III``);
2. dash variants (hyphen, non-breaking hyphen, figure/en/em dash, minus
   sign, ...) → ``-``; soft hyphens and zero-width characters are dropped;
3. casefold, ``ё`` → ``е``;
4. look-alike letters folded to one script per token (a run of letters):
   a token is Cyrillic if it has more letters that exist only in Cyrillic
   than letters that exist only in Latin, Latin if the other way round; a
   token made only of look-alike letters (``КМ``, ``ТМА``, ``С91``, ``ІІІ``)
   becomes Latin. So ``ИнO`` (Latin O) → ``ино`` and ``MOБ`` → ``моб``;
5. strip, collapse inner whitespace to one space.

`normalize_series` normalizes each distinct value once and maps it back.
`compact` additionally drops every space (used for headers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pandas as pd

from etl.performance import each_distinct

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_SYMBOLS = {"×": "x", "≤": "<=", "≥": ">=", "⩽": "<=", "⩾": ">="}
_SYMBOL_RE = re.compile("|".join(map(re.escape, _SYMBOLS)))
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043]")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"\s+")
_LETTER_RUN = re.compile(r"[^\W\d_]+")

# casefolded look-alikes: Latin letter -> Cyrillic letter (both lower case;
# upper-case look-alikes such as B/В, H/Н, M/М, T/Т fold here after casefold)
LATIN_TO_CYRILLIC = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "i": "і", "j": "ј", "k": "к",
    "m": "м", "o": "о", "p": "р", "s": "ѕ", "t": "т", "x": "х", "y": "у",
}  # fmt: skip
CYRILLIC_TO_LATIN = {c: latin for latin, c in LATIN_TO_CYRILLIC.items()}
_TO_CYRILLIC = str.maketrans(LATIN_TO_CYRILLIC)
_TO_LATIN = str.maketrans(CYRILLIC_TO_LATIN)


def _script(ch: str) -> str:
    """'cyr', 'lat' or '' for a letter (by Unicode block)."""
    code = ord(ch)
    if 0x0400 <= code <= 0x052F:
        return "cyr"
    if code < 0x0250:
        return "lat"
    return ""


def fold_token(token: str) -> str:
    """Fold one run of (casefolded) letters to a single script, see the module doc."""
    only_cyr = only_lat = 0
    for ch in token:
        script = _script(ch)
        if script == "cyr" and ch not in CYRILLIC_TO_LATIN:
            only_cyr += 1
        elif script == "lat" and ch not in LATIN_TO_CYRILLIC:
            only_lat += 1
    if only_cyr > only_lat:
        return token.translate(_TO_CYRILLIC)
    return token.translate(_TO_LATIN)


def _superscript(match: re.Match[str]) -> str:
    return "^" + match.group(0).translate(_SUPERSCRIPTS)


def normalize_text(value: str) -> str:
    """The lookup form of one string (see the module doc); '' for blank input."""
    text = _SUPERSCRIPT_RUN.sub(_superscript, value)
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(0)], text)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _DASHES.sub("-", text)
    text = text.casefold().replace("ё", "е")
    text = _LETTER_RUN.sub(lambda m: fold_token(m.group(0)), text)
    return _SPACES.sub(" ", text).strip()


def compact(value: str) -> str:
    """`normalize_text` without any space: the form headers are matched on."""
    return normalize_text(value).replace(" ", "")


def _blank_text(value: object) -> bool:
    return value is None or value != value or str(value).strip() == ""  # NaN != NaN


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell is not recorded: None, NaN or only whitespace (each distinct value tested once)."""
    blank = each_distinct(values, lambda uniques: map(_blank_text, uniques), missing=True, dtype=bool)
    return pd.Series(blank, index=values.index)


def normalize_series(values: pd.Series, fn: Callable[[str], str] = normalize_text) -> pd.Series:
    """Normalize each distinct non-blank value once; blanks become <NA>."""
    normalized = each_distinct(values, lambda uniques: (None if _blank_text(u) else fn(str(u)) for u in uniques))
    return pd.Series(normalized, index=values.index, dtype="string")

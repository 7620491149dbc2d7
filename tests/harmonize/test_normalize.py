"""Normalization: the same lookup form for every way the feeds spell a value."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.harmonize.normalize import compact, normalize_series, normalize_text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ИнO", "ИнО"),  # Latin O inside a Cyrillic word
        ("MOБ", "МОБ"),  # Latin M, O before a Cyrillic Б
        ("МОБ-", "МОБ–"),  # en dash
        ("МОБ-", "МОБ—"),  # em dash
        ("MRD-", "MRD−"),  # minus sign
        ("В-ОЛЛ", "В\u2011ОЛЛ"),  # non-breaking hyphen
        ("  гапло  ", "Гапло"),
        ("костный   мозг", "Костный мозг"),
        ("Ёлка", "елка"),
        ("CD34+, ×10⁶/кг", "CD34+, x10^6/кг"),
        ("Нейтрофилы ≤500", "Нейтрофилы <=500"),
        ("×10⁹/л", "x10^9/л"),
        ("ІІІ", "III"),  # Cyrillic Ukrainian І
        ("С91.0", "C91.0"),  # Cyrillic С
        ("КМ", "KM"),
        ("Ⅲ", "III"),
        ("a\u00a0b", "a b"),
    ],
)
def test_spellings_normalize_alike(a: str, b: str) -> None:
    assert normalize_text(a) == normalize_text(b)


@pytest.mark.parametrize(("a", "b"), [("МАК", "MAC"), ("В-ОЛЛ", "B-ALL"), ("да", "нет"), ("I", "II")])
def test_different_words_stay_different(a: str, b: str) -> None:
    assert normalize_text(a) != normalize_text(b)


def test_compact_drops_spaces() -> None:
    assert compact("Нейтрофилы ≤ 500") == compact("нейтрофилы<=500")


def test_series_blanks_become_na_and_values_map_back() -> None:
    s = pd.Series(["ИнO", None, "  ", float("nan"), "ИнO", "MOБ"], index=[10, 11, 12, 13, 14, 15])
    out = normalize_series(s)
    assert list(out.index) == [10, 11, 12, 13, 14, 15]
    assert out[10] == out[14] == "ино"
    assert out[15] == "моб"
    assert out[[11, 12, 13]].isna().all()

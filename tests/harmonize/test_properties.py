"""Property tests: random strings, dates and numbers never crash a parser, every row is
either parsed or rejected with a known reason, and a parsed value keeps its meaning."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.harmonize.normalize import normalize_text
from etl.harmonize.parse import (
    REASONS,
    parse_boolean,
    parse_code,
    parse_comparator,
    parse_date,
    parse_datetime,
    parse_day,
    parse_decimal,
    parse_dose_list,
    parse_grade,
    parse_lab_value,
    parse_mrd,
    parse_percent,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
cells = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.text(alphabet="0123456789.,/-+<>=%ДдDМОБmrd ×⁹⁶IVІ:T", max_size=16),
)
cell_lists = st.lists(cells, min_size=1, max_size=25)


def _accounted(result, n: int) -> None:  # type: ignore[no-untyped-def]
    assert len(result.values) == len(result.errors) == len(result.messages) == n
    for error, message in zip(result.errors, result.messages, strict=True):
        assert error is None or error in REASONS
        assert (error is None) == (message is None)
    rejected = result.errors.notna()
    values = result.values if isinstance(result.values, pd.Series) else result.values.iloc[:, 0]
    assert values[rejected].isna().all()


@SETTINGS
@given(cell_lists)
def test_no_parser_crashes_and_every_row_is_accounted_for(raw: list[str | None]) -> None:
    s = pd.Series(raw, dtype=object)
    n = len(s)
    for parser in (parse_date, parse_datetime, parse_decimal, parse_percent, parse_comparator, parse_boolean,
                   parse_grade, parse_mrd, parse_dose_list):  # fmt: skip
        _accounted(parser(s), n)
    _accounted(parse_code(s, "donor_type"), n)
    _accounted(parse_day(s, pd.Series([pd.Timestamp("2019-03-14")] * n)), n)
    _accounted(parse_lab_value(s, s, pd.Series(["anc"] * n)), n)


@SETTINGS
@given(st.lists(st.text(max_size=12), min_size=1, max_size=10))
def test_normalization_is_idempotent(raw: list[str]) -> None:
    for text in raw:
        once = normalize_text(text)
        assert normalize_text(once) == once


dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31))


@SETTINGS
@given(dates, st.sampled_from(["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y"]))
def test_a_parsed_date_means_the_date_written(day: dt.date, fmt: str) -> None:
    today = dt.date(2026, 1, 15)
    text = day.strftime(fmt)
    result = parse_date(pd.Series([text]), today=today)
    if fmt == "%d.%m.%y" and not (today.year - 99 <= day.year <= today.year):
        # outside the pivot's century: read as the other century, so same day and month only
        if result.errors.iloc[0] is None:
            assert result.values.iloc[0].strftime(fmt) == text
        else:
            assert result.errors.iloc[0] == "date_in_future"
        return
    if day > today:
        assert result.errors.iloc[0] == "date_in_future"
        return
    assert result.errors.iloc[0] is None
    assert result.values.iloc[0].date() == day


@SETTINGS
@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2100))
def test_an_impossible_date_is_rejected_never_shifted(d: int, m: int, y: int) -> None:
    text = f"{d:02d}.{m:02d}.{y}"
    result = parse_date(pd.Series([text]))
    try:
        real = dt.date(y, m, d)
    except ValueError:
        assert result.errors.iloc[0] == "invalid_date"
        return
    if real > dt.date.today():
        assert result.errors.iloc[0] == "date_in_future"
        return
    assert result.values.iloc[0].date() == real


numbers = st.decimals(min_value=-10_000, max_value=10_000, places=3, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(numbers, st.sampled_from([",", "."]))
def test_a_parsed_decimal_equals_the_number_written(number, sep: str) -> None:  # type: ignore[no-untyped-def]
    text = format(number, "f").replace(".", sep)
    result = parse_decimal(pd.Series([text]), decimal=sep)
    assert result.errors.iloc[0] is None
    assert abs(float(result.values.iloc[0]) - float(number)) < 1e-9


@SETTINGS
@given(numbers)
def test_percent_is_in_range_or_rejected(number) -> None:  # type: ignore[no-untyped-def]
    text = format(number, "f").replace(".", ",") + "%"
    result = parse_percent(pd.Series([text]))
    if re.fullmatch(r"-?[1-9]\d{0,2},\d{3}%", text):  # 50,000: 50 or 50000, and no mark declared
        assert result.errors.iloc[0] == "ambiguous_number"
    elif 0 <= number <= 100:
        assert abs(float(result.values.iloc[0]) - float(number)) < 1e-9
    else:
        assert result.errors.iloc[0] == "percent_out_of_range"


@SETTINGS
@given(st.decimals(min_value=0, max_value=100, places=4), st.sampled_from(["", "<"]))
def test_mrd_status_follows_the_threshold(number, cmp: str) -> None:  # type: ignore[no-untyped-def]
    result = parse_mrd(pd.Series([f"{cmp}{format(number, 'f').replace('.', ',')}%"]))
    value = float(number)
    if cmp == "<" and value > 0.01:
        assert result.errors.iloc[0] == "invalid_mrd"
        return
    assert result.errors.iloc[0] is None
    expected = "negative" if (value < 0.01 or cmp == "<") else "positive"
    assert result.values.iloc[0] == expected
    assert abs(float(result.percent.iloc[0]) - value) < 1e-9


@SETTINGS
@given(st.integers(-50, 400), st.sampled_from(["Д+{}", "D+{}", "д+ {}", "{}"]))
def test_a_day_is_the_day_written(day: int, pattern: str) -> None:
    text = pattern.format(day) if day >= 0 else pattern.replace("+", "").format(day)
    hsct = pd.Timestamp("2019-03-14")
    result = parse_day(pd.Series([text]), pd.Series([hsct]))
    assert result.errors.iloc[0] is None, text
    if text in ("0", "1"):  # a bare 0 / 1 is the yes/no of these columns, never a day
        assert pd.isna(result.values.iloc[0])
        assert bool(result.happened.iloc[0]) is (text == "1")
        return
    assert result.values.iloc[0] == day
    assert result.dates.iloc[0] == hsct + pd.Timedelta(days=day)


@SETTINGS
@given(st.lists(st.decimals(min_value=0, max_value=5, places=2), min_size=1, max_size=3))
def test_dose_lists_keep_each_dose(doses) -> None:  # type: ignore[no-untyped-def]
    text = "/".join(format(d, "f").replace(".", ",") for d in doses)
    result = parse_dose_list(pd.Series([text]))
    assert result.errors.iloc[0] is None
    got = [float(v) for v in result.values.iloc[0].tolist()[: len(doses)]]
    assert got == [float(d) for d in doses]

"""Any cells the csv module writes, in any encoding its feed may come in, read back as written."""

import csv
import io
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from etl.extract import ROW_NUMBER
from tests.extract.helpers import cells, read, write_csv

CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯёЁ"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEPARATORS = [" ", ";", ",", '"', "-", "/", "%", "\n", "\r\n", "  ", ""]
HEADERS = ["Код пациента", "Дата", "Экспрессия CD22", "Пол", "Исход", "Результат"]

tokens = st.one_of(
    st.text(CYRILLIC, min_size=1, max_size=8),
    st.text(LATIN, min_size=1, max_size=8),
    st.text("0123456789", min_size=1, max_size=4),
)
cell = st.builds(
    lambda parts, seps: "".join(p + s for p, s in zip(parts, seps, strict=False)),
    st.lists(tokens, max_size=4),
    st.lists(st.sampled_from(SEPARATORS), min_size=4, max_size=4),
) | st.sampled_from(["", " ", '"', ";", ",", '""', "\n"])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(2, len(HEADERS)))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=12))
    return HEADERS[:width], rows


def expected_numbers(rows: list[list[str]], delimiter: str) -> list[int]:
    """Each row's first physical line, counting the lines every written record takes."""
    numbers, line = [], 2
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerow(row)
        numbers.append(line)
        line += len(io.StringIO(buffer.getvalue(), newline="").readlines())
    return numbers


# (feed, delimiter, encoding) as mappings/feeds.yaml allows them: only registry_ru comes in Windows-1251
WRITTEN = [
    (feed, delimiter, encoding)
    for feed, delimiter in [("registry_ru", ";"), ("registry_en", ","), ("labs", ";"), ("labs", ",")]
    for encoding in ["utf-8", "utf-8-sig", *(["cp1251"] if feed == "registry_ru" else [])]
]


@settings(max_examples=300, deadline=None)
@given(table=tables(), written=st.sampled_from(WRITTEN))
def test_written_cells_read_back_equal(table: tuple[list[str], list[list[str]]], written: tuple[str, str, str]) -> None:
    headers, rows = table
    feed, delimiter, encoding = written
    with TemporaryDirectory() as folder:
        path = write_csv(Path(folder) / f"{feed}.csv", [headers, *rows], delimiter=delimiter, encoding=encoding)
        raw = read(path)
    blank = [all(not c or c.isspace() for c in row) for row in rows]
    expected = [
        [c if c and not c.isspace() else None for c in row] for row, b in zip(rows, blank, strict=True) if not b
    ]
    numbers = [n for n, b in zip(expected_numbers(rows, delimiter), blank, strict=True) if not b]
    assert raw.encoding == encoding
    assert raw.delimiter == delimiter
    assert raw.headers == headers
    assert cells(raw) == expected
    assert raw.rows[ROW_NUMBER].tolist() == numbers
    assert raw.issues == []

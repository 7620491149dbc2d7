"""The raw layer's JSON text of each row: one object per row, cells in column order, whatever the
chunk the encoder takes at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from etl.extract import FeedFile, read_file
from etl.load import raw
from schemas.tables import RawRow


def _cells_json(rows: pd.DataFrame, labels: list[str]) -> pd.Series:
    chunks = list(raw.cells_json_chunks(rows, labels))
    return pd.concat(chunks) if chunks else pd.Series([], dtype=object)


def _rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row_number": [2, 3, 5, 6, 7],
            "Код пациента": ["ТГСК-1", "ТГСК-2", None, "ТГСК-4", 'a "quoted"\nline'],
            "Дата": ["01.02.2019", None, "03.04.2019", "1/2", "  "],
        },
        index=[10, 11, 12, 13, 14],
    )


@pytest.mark.parametrize("chunk_cells", [1, 2, 3, 4, 1_000])
def test_each_row_is_its_cells_as_a_json_object(chunk_cells: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raw, "JSON_CHUNK_CELLS", chunk_cells)
    rows = _rows()
    out = _cells_json(rows, ["Код пациента", "Дата"])
    assert out.index.tolist() == rows.index.tolist()
    decoded = [json.loads(text) for text in out]
    assert decoded == rows[["Код пациента", "Дата"]].to_dict("records")
    assert [list(d) for d in decoded] == [["Код пациента", "Дата"]] * len(rows)  # column order kept
    assert "ТГСК" in out.iloc[0]  # not escaped to \\u sequences


def test_no_rows_and_no_columns() -> None:
    assert _cells_json(_rows().iloc[:0], ["Дата"]).empty
    assert _cells_json(_rows(), []).tolist() == ["{}"] * 5


@pytest.mark.parametrize("chunk_cells", [2, 1_000])
def test_raw_rows_stored_chunk_by_chunk_get_consecutive_ids(
    engine: Engine, tmp_path: Path, chunk_cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(raw, "JSON_CHUNK_CELLS", chunk_cells)
    path = tmp_path / "labs_20240101.csv"
    path.write_text("Patient ID,Date\nA,1\nB,2\n\nC,3\nD,4\nE,5\n", encoding="utf-8")
    table = read_file(FeedFile(path, "labs", "csv"))
    with engine.begin() as conn:
        _, ids = raw.store_raw(conn, table, {}, raw.cells_json_chunks(table.rows, list(table.columns)))
        rows = conn.execute(select(RawRow.raw_row_id, RawRow.row_number, RawRow.cells).order_by(RawRow.raw_row_id))
        stored = [(i, n, json.loads(c) if isinstance(c, str) else c) for i, n, c in rows]
    assert ids.index.tolist() == [2, 3, 5, 6, 7]  # row numbers: line 4 is blank
    assert ids.tolist() == [1, 2, 3, 4, 5]
    numbers = [2, 3, 5, 6, 7]
    assert stored == [(i, n, {"Patient ID": "ABCDE"[i - 1], "Date": str(i)}) for i, n in enumerate(numbers, start=1)]


def test_fewer_encoded_rows_than_read_fail_the_store(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "labs_20240101.csv"
    path.write_text("Patient ID,Date\nA,1\nB,2\nC,3\n", encoding="utf-8")
    table = read_file(FeedFile(path, "labs", "csv"))
    short = [_cells_json(table.rows.iloc[:2], list(table.columns))]
    with engine.begin() as conn, pytest.raises(RuntimeError, match="2 encoded rows for 3 rows read"):
        raw.store_raw(conn, table, {}, short)

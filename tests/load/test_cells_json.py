"""The raw layer's JSON text of each row: one object per row, cells in column order, whatever the
chunk the encoder takes at a time."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from etl.load import raw


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
    out = raw.cells_json(rows, ["Код пациента", "Дата"])
    assert out.index.tolist() == rows.index.tolist()
    decoded = [json.loads(text) for text in out]
    assert decoded == rows[["Код пациента", "Дата"]].to_dict("records")
    assert [list(d) for d in decoded] == [["Код пациента", "Дата"]] * len(rows)  # column order kept
    assert "ТГСК" in out.iloc[0]  # not escaped to \\u sequences


def test_no_rows_and_no_columns() -> None:
    assert raw.cells_json(_rows().iloc[:0], ["Дата"]).empty
    assert raw.cells_json(_rows(), []).tolist() == ["{}"] * 5

"""A held night stores its lab files' raw rows again by reading the files again: only the very
files the run read (etl.load.store_raw_again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.errors import InputError
from etl.extract import discover, read_file
from etl.harmonize.vocab import load_vocabulary
from etl.load import night_file, store_raw_again

LABS = "Код пациента;Дата;Анализ;Значение;Ед.\nТГСК-2019-001;01.02.2020;ANC;1,5;10^9/L\n"


def test_a_lab_file_changed_during_the_run_fails_it_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "labs_20240101.csv"
    path.write_text(LABS, encoding="utf-8")
    (source,) = discover(tmp_path)
    item = night_file(source, read_file(source), None)
    path.write_text(LABS + "ТГСК-2019-002;01.02.2020;ANC;2,5;10^9/L\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"labs_20240101\.csv: the file changed while the run was going"):
        store_raw_again(None, item, load_vocabulary())  # type: ignore[arg-type]  # refused before any database work

"""Harmonize one read table by its feed: the registry's harmonizer or the laboratory one."""

from __future__ import annotations

import datetime as dt

from etl.extract import RawTable
from etl.harmonize.labs import LabRows, harmonize_labs
from etl.harmonize.registry import RegistryRows, harmonize_registry
from etl.harmonize.vocab import Vocabulary


def harmonize_table(table: RawTable, vocab: Vocabulary, today: dt.date | None) -> RegistryRows | LabRows:
    """The table's rows harmonized: records (one per valid row), issues (the rejected cells) and
    the column map. `today`: the day the run treats as today (dates after it are rejected; None:
    the real today). Pure: touches no database and no file."""
    if table.feed == "labs":
        return harmonize_labs(table, vocab, today)
    return harmonize_registry(table, vocab, today)

"""`hsct conflicts --run N` lists run N's conflicts, as its summary counts them, each once, with the cells
as written in the feeds.

The tester's night: the registry files were re-delivered under the same names with other content, so
each night's rows are rows of their own and the same conflict was stored once per file version; the
old query took every conflict touching any file the run read, so `--run 1` counted the next night's
too, and each conflict was printed twice identically. Nights here, on SQLite and PostgreSQL:
(1) night_small; (2) the same files, registry_en re-saved with a name corrected (other content, same
names); (3) only registry_en — held; (4) night 2's files again (its conflicts stored by run 2).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from etl.db import make_engine
from etl.messages import text as msg
from schemas.tables import MergeConflict
from tests.quality.helpers import NIGHT, hsct

SUMMARY = re.compile(r"merge conflicts recorded: (\d+)")


def _nights(root: Path) -> dict[int, Path]:
    first, second, held = root / "night-1", root / "night-2", root / "night-3"
    shutil.copytree(NIGHT, first)
    shutil.copytree(NIGHT, second)
    en = second / "registry_en_20240101.csv"
    content = en.read_text(encoding="utf-8")
    assert content.count("Sintetova Anna") == 1
    en.write_text(content.replace("Sintetova Anna", "Sintetova Anna M."), encoding="utf-8")  # no conflict cell
    held.mkdir()
    shutil.copy(en, held)
    return {1: first, 2: second, 3: held, 4: second}


def _listed(db_url: str, *args: str) -> tuple[str, list[str]]:
    title, *lines = hsct("--lang", "en", "conflicts", *args, "--db", db_url).splitlines()
    return title, lines


def test_conflicts_per_run_equal_the_run_summaries_and_are_never_listed_twice(db_url: str, tmp_path: Path) -> None:
    summaries: dict[int, int] = {}
    for run, folder in _nights(tmp_path).items():
        out = hsct("--lang", "en", "run", "--source", str(folder), "--db", db_url, "--no-docs", "--wait", code=None)
        summaries[run] = int(SUMMARY.search(out).group(1))  # type: ignore[union-attr]
    assert summaries == {1: 2, 2: 2, 3: 0, 4: 2}
    engine = make_engine(db_url)
    with engine.connect() as conn:  # one row per pair of rows: night 1's file version, night 2's
        stored = Counter(conn.execute(select(MergeConflict.run_id, func.count()).group_by(MergeConflict.run_id)).all())
    engine.dispose()
    assert stored == Counter({(1, 2): 1, (2, 2): 1})

    for run in (1, 2, 4):
        title, lines = _listed(db_url, "--run", str(run))
        assert title == f"run {run}: {summaries[run]} merge conflicts"
        assert len(lines) == summaries[run] == len(set(lines)), lines
    title, lines = _listed(db_url, "--run", "3")
    assert title == "run 3: 0 merge conflicts" and lines == [msg("console.conflicts.held", "en", run=3)]

    title, lines = _listed(db_url)  # the newest published run: 4
    assert title == "run 4: 2 merge conflicts" and lines == _listed(db_url, "--run", "4")[1]
    assert lines == _listed(db_url, "--run", "2")[1]  # the same rows: the same conflicts, stored by run 2


def test_conflicts_show_the_cells_as_written_with_the_merged_value_in_brackets(db_url: str) -> None:
    hsct("run", "--source", str(NIGHT), "--db", db_url, "--no-docs", "--wait")
    _, lines = _listed(db_url, "--patient", "HSCT-2019-0014")
    assert lines == [
        "ТГСК-2019-014 agvhd_grade: kept 'III [3]' (registry_en_20240101.csv:2), discarded 'II [2]' "
        "(registry_ru_20240101.csv:2): the newer edit wins (2023-12-30T17:45:00 over 2023-11-02T09:00:00)",
        "ТГСК-2019-014 diagnosis: kept 'B-ALL [b_all / -]' (registry_en_20240101.csv:2), discarded "
        "'В-ОЛЛ, второй рецидив [b_all / второй рецидив]' (registry_ru_20240101.csv:2): "
        "the newer edit wins (2023-12-30T17:45:00 over 2023-11-02T09:00:00)",
    ]
    assert "no run 7" in hsct("--lang", "en", "conflicts", "--run", "7", "--db", db_url, code=12)

"""The worker pool that reads and harmonizes the night's files: the same results with one worker
or several, and nothing left behind in the temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.extract import ROW_NUMBER, discover
from etl.harmonize.vocab import load_vocabulary
from etl.performance import SpilledChunks, pool
from etl.quality.catalog import read_checks
from etl.run import prepare
from tests.conftest import generated_night


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_night(tmp_path_factory, tmp_path_factory.mktemp("night"), "--inject-errors")


def _prepared(night: Path, workers: str, monkeypatch: pytest.MonkeyPatch) -> list[prepare.PreparedFile]:
    """The night's files prepared; cells a worker spilled to disk are read back (`spilled` set)
    while the pool, and so its temporary folder, is still there."""
    monkeypatch.setenv(pool.WORKERS_VAR, workers)
    files = discover(night)
    out = []
    with prepare.prepare_pool(files, load_vocabulary(), None, read_checks()) as get:
        for i in range(len(files)):
            got = get(i)
            spilled = isinstance(got.cells, SpilledChunks)
            if spilled:
                path = got.cells.path
                got.cells = list(got.cells)
                assert not os.path.exists(path)  # read back, then removed
            got.spilled = spilled  # type: ignore[attr-defined]
            out.append(got)
    return out


def test_several_workers_prepare_what_one_does(night: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = _prepared(night, "1", monkeypatch)
    several = _prepared(night, "2", monkeypatch)
    assert len(one) == len(several) > 2
    assert sum(p.table is not None for p in several) > 2
    spilled = 0
    for a, b in zip(one, several, strict=True):
        assert (a.source, a.error) == (b.source, b.error)
        if a.table is None:  # the night has an unreadable file
            assert b.table is None and b.result is None and a.error
            continue
        pd.testing.assert_frame_equal(a.result.records, b.result.records)
        pd.testing.assert_frame_equal(a.result.issues, b.result.issues)
        assert not a.spilled  # one worker: in memory
        pd.testing.assert_series_equal(pd.concat(a.cells), pd.concat(b.cells))
        spilled += b.spilled
        assert (a.code_cells is None) == (b.code_cells is None)
        if a.code_cells is not None:
            pd.testing.assert_series_equal(a.code_cells, b.code_cells)
        pd.testing.assert_frame_equal(a.raw_part[1], b.raw_part[1])
        assert list(b.table.rows.columns) == [ROW_NUMBER]  # only the row numbers came back
        assert set(b.clock.seconds) == {span.stage for span in b.clock.spans} == {"read", "harmonize"}
        assert len({span.pid for span in b.clock.spans}) == 1  # one process read and harmonized the file
    assert {span.pid for p in several for span in p.clock.spans} - {os.getpid()}  # and workers did most
    assert spilled >= 2


def test_the_prepared_files_leave_nothing_in_the_temporary_folder(
    night: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    files = discover(night)
    monkeypatch.setenv(pool.WORKERS_VAR, "2")
    with prepare.prepare_pool(files, load_vocabulary(), None, read_checks()) as get:
        spills = list(tmp_path.glob("hsct-prepared-*"))
        assert len(spills) == 1
        get(0)  # each file's result is removed once loaded; the others wait, or are being written
        assert not (spills[0] / "0.pickle").exists()
    assert not list(tmp_path.iterdir())  # a run that gets only some of its files leaves nothing either


@pytest.mark.parametrize("value", ["two", "0"])
def test_a_wrong_worker_count_is_refused_with_the_variable_named(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pool.WORKERS_VAR, value)
    with pytest.raises(InputError, match=pool.WORKERS_VAR):
        pool.worker_count(3)


def test_a_killed_runs_prepared_files_are_removed_by_the_next_run(
    night: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{pool.SPILL_PREFIX}{int(gone.stdout)}-abc123"
    running = tmp_path / f"{pool.SPILL_PREFIX}{os.getpid()}-def456"  # a run still going
    for folder in (stale, running):
        folder.mkdir()
        (folder / "0.pickle").write_bytes(b"cells of patients")
    other = tmp_path / "unrelated"
    other.mkdir()
    monkeypatch.setenv(pool.WORKERS_VAR, "2")
    files = discover(night)
    with prepare.prepare_pool(files, load_vocabulary(), None, read_checks()) as get:
        get(0)
    assert not stale.exists()
    assert (running / "0.pickle").exists() and other.exists()

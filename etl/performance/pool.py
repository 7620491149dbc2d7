"""Worker processes whose results wait in private files until the main process takes them.

`spill_pool(workers)` forks the workers (they start at once, with whatever the
main process has loaded: mappings, vocabularies) and makes a folder private to
this process, `hsct-prepared-<pid>-*` under the system's temporary folder; a
task's result is pickled into a file of that folder by the worker, which then
gives its memory back, and is loaded (and the file removed) when the main
process asks for it. The folder goes when the pool does; the folders of runs
that were killed before they could remove theirs are removed when the next
pool starts (`remove_stale_spills`), since they may hold patients' cells.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.errors import InputError
from etl.performance.memory import release_memory
from etl.performance.spill import load_spilled, spill_object

WORKERS_VAR = "HSCT_WORKERS"
SPILL_PREFIX = "hsct-prepared-"  # + the main process's id + "-": the folder of a pool's results


def worker_count(tasks: int) -> int:
    """$HSCT_WORKERS, else one per core this process may use; never more than there are tasks.

    Raises InputError (exit 4) naming the variable when it is not a whole number of at least 1."""
    wanted = os.environ.get(WORKERS_VAR)
    if wanted:
        try:
            count = int(wanted)
        except ValueError:
            raise InputError.of("error.workers.not_number", var=WORKERS_VAR, value=repr(wanted)) from None
        if count < 1:
            raise InputError.of("error.workers.too_few", var=WORKERS_VAR, value=repr(wanted))
    else:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(count, tasks))


def _fork_context() -> Any:
    """fork: the workers start at once with what the main process has loaded (mappings, vocabularies);
    spawn where fork is not available."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def ordered_map(fn: Callable[[Any], Any], jobs: list[Any], workers: int) -> Iterator[Any]:
    """`fn(job)` for every job, yielded in the jobs' order: in `workers` forked processes when there
    is more than one job and worker (results sent back whole: for jobs whose results are small),
    else in this process."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(fn, jobs)
        return
    context = _fork_context()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(fn, jobs)


@dataclass
class SpillPool:
    """Tasks by key: `submit(key, fn, *args)` runs `fn(*args, path)` in a worker (`path`: a file name
    of the private folder that the task may use for spills of its own, as `<path>.cells`) and leaves
    its result in `path`; `result(key)` waits for it, loads it and forgets it (each result once)."""

    executor: ProcessPoolExecutor
    folder: str
    futures: dict[int, Future[str]] = field(default_factory=dict)

    def submit(self, key: int, fn: Callable[..., Any], *args: Any) -> None:
        path = os.path.join(self.folder, f"{key}.pickle")
        self.futures[key] = self.executor.submit(_call_and_spill, fn, args, path)

    def result(self, key: int) -> Any:
        return load_spilled(self.futures.pop(key).result())


def _call_and_spill(fn: Callable[..., Any], args: tuple[Any, ...], path: str) -> str:
    """In the worker: the task's result pickled into `path`, then the worker's memory given back
    before it takes the next task or idles."""
    value = fn(*args, path)
    spill_object(value, path)
    del value
    release_memory(collect=True)
    return path


@contextmanager
def spill_pool(workers: int) -> Iterator[SpillPool]:
    """A pool of `workers` forked processes (spawned where fork is not available) and its private
    folder; on leaving, unfinished tasks are cancelled and the folder removed."""
    context = _fork_context()
    remove_stale_spills()
    with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{os.getpid()}-") as folder:
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        try:
            yield SpillPool(executor, folder)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def remove_stale_spills() -> list[Path]:
    """Remove the spill folders of runs that were killed before they could (their files hold
    patients' cells); returns them. A folder whose process still runs is left alone.
    POSIX only: elsewhere a process cannot be probed without being signalled."""
    removed: list[Path] = []
    if os.name != "posix":
        return removed
    for folder in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*-*"):
        pid = folder.name[len(SPILL_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True

"""What makes a large night fast, in one place: the stages call it, and know nothing of how it works.

    each_distinct(values, convert) -> array      one conversion per distinct value, spread back
    frame_per_distinct(values, compute) -> frame  the same for a frame of several columns per value
    once_per_distinct(values, compute, take)      the same for any result, when the values repeat enough
    release_memory(collect=False)                 the allocator's free pages back to the system
    gc_paused()                                   no cyclic collection while millions of cells are built
    worker_count(tasks) -> int                    $HSCT_WORKERS, else the cores this process may use
    ordered_map(fn, jobs, workers) -> iterator    fn over jobs in forked workers, results in the jobs' order
    spill_pool(workers) -> SpillPool              worker processes whose results wait in private files
    SpilledChunks(path)                           chunks pickled into a file, read back one at a time

Nothing here knows a feed, a field or a table: a domain module that needs speed
calls these, and contains no `gc`, `malloc_trim`, pickling or process pool of its own.
"""

from etl.performance.distinct import each_distinct, frame_per_distinct, once_per_distinct
from etl.performance.memory import gc_paused, release_memory
from etl.performance.pool import WORKERS_VAR, SpillPool, ordered_map, spill_pool, worker_count
from etl.performance.spill import SpilledChunks, load_spilled, spill_chunks, spill_object

__all__ = [
    "WORKERS_VAR",
    "SpillPool",
    "SpilledChunks",
    "each_distinct",
    "frame_per_distinct",
    "gc_paused",
    "load_spilled",
    "once_per_distinct",
    "ordered_map",
    "release_memory",
    "spill_chunks",
    "spill_object",
    "spill_pool",
    "worker_count",
]

"""Wall time and peak memory per stage of a run (read, harmonize, load, quality), for the summary and bench/."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class StageClock:
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)  # process peak at the end of the stage
    worker_peak_mb: float = 0.0  # the largest peak of a worker process (etl.run.prepare)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            self.peak_mb[name] = peak_rss_mb()

    def add(self, name: str, seconds: float) -> None:
        """Seconds a worker process spent on a stage (they overlap the main process's stages)."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def worker_peak(self, mb: float) -> None:
        self.worker_peak_mb = max(self.worker_peak_mb, mb)

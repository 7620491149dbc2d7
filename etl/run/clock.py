"""Wall time per stage of a run (wait, load, quality; read and harmonize from the workers), for bench/.

Besides the seconds per stage, every stage's span is kept with the process that
ran it, on the system clock that all processes share, so that a benchmark
sampling each process's memory can tell how much each stage took.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    stage: str
    pid: int
    start: float  # time.time()
    end: float


@dataclass
class StageClock:
    seconds: dict[str, float] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began, start = time.time(), time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            self.spans.append(Span(name, os.getpid(), began, time.time()))

    def merge(self, other: StageClock) -> None:
        """Add a worker process's stages (they overlap this process's)."""
        for name, seconds in other.seconds.items():
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.spans += other.spans

"""Freed memory goes back to the system: on glibc the trim function is found and called."""

from __future__ import annotations

import platform

import pytest

from etl.performance import memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibc_trim_is_found_and_called(monkeypatch: pytest.MonkeyPatch) -> None:
    trim = memory._malloc_trim()
    assert trim is not None
    calls: list[tuple[int, ...]] = []
    monkeypatch.setattr(memory, "_malloc_trim", lambda: lambda *args: calls.append(args))
    memory.release_memory()
    memory.release_memory(collect=True)
    assert calls == [(0,), (0,)]


def test_collect_runs_the_cycle_collector_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    collected: list[bool] = []
    monkeypatch.setattr(memory.gc, "collect", lambda: collected.append(True))
    memory.release_memory()
    assert not collected
    memory.release_memory(collect=True)
    assert collected == [True]

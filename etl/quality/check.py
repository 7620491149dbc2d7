"""One quality run: the raw layer, the harmonized layer, Data Docs — in that order, each optional."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection

from etl.extract import RawTable
from etl.harmonize.vocab import Vocabulary
from etl.quality.carry import carried_results
from etl.quality.catalog import Check, read_checks
from etl.quality.frames import Frame, harmonized_frames, raw_frames, stack_raw_parts
from etl.quality.report import QualityReport
from etl.quality.runner import CheckResult, QualityContext


class QualityCheck:
    """Collects the results of one quality run in `report`."""

    def __init__(self, checks: list[Check] | None = None) -> None:
        self.checks = read_checks() if checks is None else checks
        self.context = QualityContext(self.checks)
        self.report = QualityReport()

    def _validate(self, layer: str, frames: dict[str, Frame]) -> list[CheckResult]:
        results: list[CheckResult] = []
        for suite in sorted({c.suite for c in self.checks if c.layer == layer}):
            results += self.context.validate(suite, frames.get(suite.split(".", 1)[1]))
        self.report.results += results
        return results

    def raw(self, tables: Iterable[RawTable], vocab: Vocabulary) -> list[CheckResult]:
        """The raw-layer suites on the night's tables, before harmonizing."""
        return self._validate("raw", raw_frames(tables, vocab, self.checks))

    def raw_parts(self, parts: Iterable[tuple[str, pd.DataFrame]]) -> list[CheckResult]:
        """The raw-layer suites on the night's files as `etl.quality.frames.raw_part` took them apart."""
        return self._validate("raw", stack_raw_parts(parts, self.checks))

    def harmonized(
        self, conn: Connection, run_id: int | None, only: Collection[str] | None = None
    ) -> list[CheckResult]:
        """The harmonized suites on the database as `conn` sees it (inside the run's savepoint);
        `only`: the suites of these frames alone."""
        return self._validate("harmonized", harmonized_frames(conn, self.checks, run_id, only))

    def carry(self, conn: Connection, run_id: int, suites: Collection[str]) -> list[CheckResult]:
        """The results run `run_id` stored for `suites`, taken as this run's: for data that is byte
        for byte what that run checked (etl.quality.carry)."""
        results = carried_results(conn, run_id, suites, self.checks)
        self.report.results += results
        return results

    def docs(self, out_dir: Path, run_id: int | None = None, trigger: str = "run") -> Path:
        """GX Data Docs of this quality run in `out_dir`, working offline, named by the hsct run
        (`run_id`, and `trigger` as `store_report` has it: run, quality, publish); returns index.html."""
        self.report.docs_path = self.context.build_docs(out_dir, docs_run_name(run_id, trigger))
        return self.report.docs_path


def docs_run_name(run_id: int | None, trigger: str = "run") -> str | None:
    """The run name the Data Docs file a quality run under: `run-2` (a nightly run), `run-2-publish` (a held batch
    published), `check-after-run-2` (`hsct quality` on the published data); None without a run."""
    if run_id is None:
        return None
    if trigger == "quality":
        return f"check-after-run-{run_id}"
    return f"run-{run_id}" if trigger == "run" else f"run-{run_id}-{trigger}"

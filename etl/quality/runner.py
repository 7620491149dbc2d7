"""Run the generated suites with Great Expectations on the frames; collect one result per check.

One ephemeral GX context per quality run holds the suites and every
validation result, so that the Data Docs of a night show the raw and the
harmonized layer side by side.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.core import ExpectationValidationResult
from great_expectations.data_context.types.base import ProgressBarsConfig

from etl.quality.catalog import Check
from etl.quality.docs_offline import make_offline
from etl.quality.docs_results import prepare_results
from etl.quality.frames import Frame
from etl.quality.suites import build_suites, checked_column

SAMPLE_SIZE = 20


@dataclass
class CheckResult:
    """A check run by Great Expectations: passed or not, the observed value, how many rows it read
    (`element_count`) and failed (`unexpected_count`, `unexpected_percent` 0-100), a sample of them."""

    check: Check
    expectation_type: str
    success: bool
    observed_value: str | None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_blocking(self) -> bool:
        return not self.success and self.check.blocking


def _plain(value: Any) -> Any:
    """numpy / pandas / dates → JSON-safe Python."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp | dt.date | dt.datetime):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _observed(check: Check, result: dict[str, Any], exception: str | None) -> str:
    if exception:
        return f"error: {exception}"
    if "observed_value" in result:
        return str(_plain(result["observed_value"]))
    count, total = result.get("unexpected_count"), result.get("element_count")
    percent = result.get("unexpected_percent") or 0.0
    return f"{count} of {total} rows fail ({percent:.2f}%; allowed {check.threshold:g}%)"


def _check_id(r: ExpectationValidationResult) -> str:
    """The catalog check id a validation result answers, from its expectation's meta (`etl.quality.suites`)."""
    config = r.expectation_config
    assert config is not None  # GX gives every result of a suite run the configuration it ran
    return str(config.meta["check_id"])


class QualityContext:
    """A GX Core ephemeral context with one pandas data source; validates frames against suites."""

    def __init__(self, checks: list[Check]) -> None:
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self.context = gx.get_context(mode="ephemeral")
        # the ephemeral context makes a temporary folder for its docs site; ours goes where build_docs says
        for site in (self.context.variables.data_docs_sites or {}).values():
            temporary = site.get("store_backend", {}).get("base_directory")
            if temporary and Path(temporary).is_dir() and not any(Path(temporary).iterdir()):
                shutil.rmtree(temporary, ignore_errors=True)
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("hsct")
        self.checks = checks
        self.suites = {name: self.context.suites.add(s) for name, s in build_suites(checks).items()}
        self._docs_ready: set[tuple[str, str]] = set()  # validation results already made readable for the docs

    def validate(self, suite_name: str, frame: Frame | None) -> list[CheckResult]:
        """Validate one frame; a frame that is absent (no such feed tonight) yields no results."""
        if frame is None or suite_name not in self.suites:
            return []
        asset = self.source.add_dataframe_asset(suite_name)
        batch = asset.add_batch_definition_whole_dataframe("batch")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=self.suites[suite_name])
        )
        result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
        if frame.lineage:
            result_format["unexpected_index_column_names"] = frame.lineage
        validation = definition.run(batch_parameters={"dataframe": frame.data}, result_format=result_format)
        # the engine caches every batch's data for the context's life: keep the results, let the frame go
        batches = self.source.get_execution_engine().batch_manager
        batches.reset_batch_cache()
        batches.batch_data_cache.clear()
        by_id = {c.check_id: c for c in self.checks}
        return [self._result(by_id[_check_id(r)], r, frame) for r in validation.results]

    @staticmethod
    def _result(check: Check, r: Any, frame: Frame) -> CheckResult:
        result = r.result or {}
        exception = r.exception_info.get("exception_message") if r.exception_info else None
        column = checked_column(check)
        keep = [*check.columns, *([column] if column else []), *frame.lineage]
        sample = [
            {k: _plain(v) for k, v in row.items() if k in keep} if isinstance(row, dict) else {"index": _plain(row)}
            for row in result.get("partial_unexpected_index_list", [])
        ]
        percent = result.get("unexpected_percent")
        return CheckResult(
            check=check,
            expectation_type=r.expectation_config.type,
            success=bool(r.success),
            observed_value=_observed(check, result, exception),
            element_count=_plain(result.get("element_count")),
            unexpected_count=_plain(result.get("unexpected_count")),
            unexpected_percent=None if percent is None else float(percent),
            sample=sample[:SAMPLE_SIZE],
        )

    def build_docs(self, out_dir: Path, run_name: str | None = None) -> Path:
        """Render GX Data Docs of every validation of this context into `out_dir`; returns index.html.

        The validations are filed under `run_name` (GX's run name, e.g. `run-2`; GX's `__none__` when
        None) and their failing values made readable (`etl.quality.docs_results`); the pages are then
        made to work with no network and to name the run (`etl.quality.docs_offline`).
        """
        out_dir.mkdir(parents=True, exist_ok=True)
        site = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir.resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
        self.context.update_data_docs_site("local_site", site)  # type: ignore[arg-type]  # GX's site TypedDict lacks show_how_to_buttons
        prepare_results(self.context, run_name, self._docs_ready)
        started = time.time()
        self.context.build_data_docs(site_names=["local_site"])
        make_offline(out_dir, run_name, since=started)
        return out_dir.resolve() / "index.html"

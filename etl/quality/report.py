"""A quality run's results together: what failed, whether the gate holds the batch, a summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.messages import Lang, text
from etl.quality.runner import CheckResult


@dataclass
class QualityReport:
    """Every check of a run (raw and harmonized layers) and where their Data Docs were written;
    `success`: no blocking check failed, so the batch may be published."""

    results: list[CheckResult] = field(default_factory=list)
    docs_path: Path | None = None

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.failed_blocking]

    @property
    def warning_failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and not r.check.blocking]

    @property
    def success(self) -> bool:
        """No blocking check failed: the batch may be published."""
        return not self.blocking_failures

    def failed(self, check_id: str) -> bool:
        return any(r.check.check_id == check_id and not r.success for r in self.results)

    def summary_lines(self) -> list[str]:
        """One line per failed check, blocking first: id, where, what was observed, a first failing row."""
        lines = []
        for r in [*self.blocking_failures, *self.warning_failures]:
            where = f"{r.check.layer}.{r.check.frame}" + (f".{r.check.field}" if r.check.field else "")
            lines.append(f"{r.check.severity:8} {r.check.check_id} ({where}): {r.observed_value}{example(r.sample)}")
        return lines

    def held_reason(self) -> str:
        return "; ".join(f"{r.check.check_id}: {r.observed_value}" for r in self.blocking_failures)[:4000]


def example(sample: list[dict[str, Any]], lang: Lang = "en") -> str:
    """The failing rows, as a data manager reads them: a file and row, a missing feed, a deletion count;
    in `lang` (mappings/messages.csv `quality.example.*`)."""
    if not sample:
        return ""
    row = sample[0]
    if "file" in row:
        return text("quality.example.row", lang, file=row["file"], row=row.get("row"))
    if "file_name" in row:
        return text("quality.example.file", lang, file=row["file_name"])
    if "feed" in row:
        return text("quality.example.missing", lang, feeds=", ".join(str(s.get("feed")) for s in sample))
    if "deleted_key" in row:
        pairs = [
            text("quality.example.replaced", lang, gone=s.get("deleted_key"), new=s.get("new_key")) for s in sample[:3]
        ]
        return text("quality.example.keys", lang, pairs=", ".join(pairs))
    if "allowed" in row:
        return text(
            "quality.example.deleted", lang, deleted=row.get("deleted"), held=row.get("stored_before"),
            allowed=row.get("allowed"),
        )  # fmt: skip
    return ""

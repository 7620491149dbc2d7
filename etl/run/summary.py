"""What a run did: its files and their accounting, what the batch changed, the checks, the timings."""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.load import BatchLoad, FileSummary, Note, TableChange
from etl.quality import QualityReport
from etl.run.clock import StageClock


@dataclass
class RunSummary:
    """A run's result (`hsct run` prints it, the hook and the run log receive it)."""

    run_id: int
    files: list[FileSummary]
    load: BatchLoad = field(default_factory=BatchLoad)
    quality: QualityReport | None = None
    clock: StageClock = field(default_factory=StageClock)

    @property
    def published(self) -> bool:
        """The batch passed every blocking check and the live tables hold it."""
        return self.quality is None or self.quality.success

    @property
    def patients(self) -> int:
        return self.load.patients

    @property
    def changed_patients(self) -> int:
        return self.load.changed_patients

    @property
    def deleted_patients(self) -> int:
        return self.load.deleted_patients

    @property
    def conflicts(self) -> int:
        return self.load.conflicts

    @property
    def changes(self) -> dict[str, TableChange]:
        return self.load.changes

    @property
    def notes(self) -> list[Note]:
        """Why nothing was deleted, and the like (message keys with their parameters)."""
        return self.load.notes

    @property
    def totals(self) -> dict[str, int]:
        return {
            "rows_in": sum(f.rows_in for f in self.files),
            "rows_loaded": sum(f.loaded for f in self.files),
            "rows_merged": sum(f.merged for f in self.files),
            "rows_quarantined": sum(f.quarantined for f in self.files),
        }

"""Quality stage: Great Expectations suites generated from expectations/checks.csv, a publication gate.

    QualityCheck().raw(tables, vocab)          raw-layer checks on the night's RawTables
    QualityCheck().harmonized(conn, run_id)    harmonized checks through a connection
    QualityCheck().docs(out_dir) -> Path       GX Data Docs (index.html)
    store_report(conn, report, run_id, trigger), record_publication(...), last_published_run(conn)
    read_checks() -> list[Check]               the catalog (see expectations/README.md)

A failed blocking check holds the night's batch: `etl.run.nightly` rolls the
harmonized load back, so the live tables keep the last published batch.
"""

from etl.load.unchanged import last_published_run
from etl.quality.catalog import Check, read_checks
from etl.quality.check import QualityCheck
from etl.quality.report import QualityReport
from etl.quality.runner import CheckResult
from etl.quality.store import GATE, publication, record_publication, store_report

__all__ = [
    "GATE",
    "Check",
    "CheckResult",
    "QualityCheck",
    "QualityReport",
    "last_published_run",
    "publication",
    "read_checks",
    "record_publication",
    "store_report",
]

"""The study reproduction report (issue 8): statistics.json, a bilingual HTML report, Figures 1-3, the audit.

Public API:
    write_report(engine, out_dir, decisions=..., published=..., spec=..., rules=...) -> Report
    Report(html, statistics, figures, results)

The layout of the paper's tables and figures is data: etl/report/layout.yaml.
"""

from __future__ import annotations

from etl.report.build import AUDIT_TXT, REPORT_HTML, STATISTICS_JSON, Report, write_report

__all__ = ["AUDIT_TXT", "REPORT_HTML", "STATISTICS_JSON", "Report", "write_report"]

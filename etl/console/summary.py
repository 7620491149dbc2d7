"""The nightly run's summary on the terminal, in the language asked: per file how it was read and
what became of its rows, the first rejected rows with what to do, deletions, notes, the checks.

Every line comes from `mappings/messages.csv` (`run.*`, `reason.*`, `check.*`); a batch's state is
written with its code as well (`задержана (held)`), a stable word for scripts and schedulers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from etl.display import printable
from etl.messages import Lang, decimal_mark, text

if TYPE_CHECKING:
    from etl.load import FileSummary
    from etl.quality import QualityReport
    from etl.quality.runner import CheckResult
    from etl.run.summary import RunSummary

Echo = Callable[[str], object]
COLUMNS = ("rows_in", "loaded", "merged", "quarantined")


def print_summary(summary: RunSummary, lang: Lang, echo: Echo) -> None:
    """The run's files, patients, deletions and notes."""
    state = text("run.state.published" if summary.published else "run.state.held", lang)
    echo(text("run.completed", lang, run=summary.run_id, state=state))
    header = [text("run.col.file", lang), *(text(f"run.col.{c}", lang) for c in COLUMNS)]
    echo(f"{header[0]:44} " + " ".join(f"{h:>12}" for h in header[1:]))
    for f in summary.files:
        _file(f, lang, echo)
    t = summary.totals
    totals = (t["rows_in"], t["rows_loaded"], t["rows_merged"], t["rows_quarantined"])
    echo(f"{text('run.col.total', lang):44} " + " ".join(f"{n:>12}" for n in totals))
    echo(
        text(
            "run.patients",
            lang,
            patients=summary.patients,
            changed=summary.changed_patients,
            deleted=summary.deleted_patients,
            conflicts=summary.conflicts,
        )
    )
    _deletions(summary, lang, echo)
    for key, params in summary.notes:
        echo(text("run.note", lang, note=text(key, lang, **params)))
    if t["rows_quarantined"]:
        echo(text("run.see_rejections", lang, run=summary.run_id))


def _file(f: FileSummary, lang: Lang, echo: Echo) -> None:
    name = printable(f.name)
    if f.status == "unreadable":
        echo(f"{name:44} {text('run.unreadable', lang, error=printable(f.error or ''))}")
        return
    counts = (f.rows_in, f.loaded, f.merged, f.quarantined)
    echo(f"{name:44} " + " ".join(f"{n:>12}" for n in counts))
    for key, params in f.notes:
        echo("  " + text("run.read", lang, note=printable(text(key, lang, **params))))
    if f.unknown_headers:
        echo("  " + text("console.runs.unknown_headers", lang, headers=", ".join(map(printable, f.unknown_headers))))
    for repeated in f.repeated_headers:
        echo("  " + text("run.repeated", lang, columns=printable(repeated)))
    for r in f.rejections:
        message = text(f"reason.{r['reason']}", lang, value=r["value"] or "", column=r["column"] or "")
        where = text("run.where_row", lang, row=r["row"]) if r["row"] else text("console.quarantine.whole_file", lang)
        if r["column"]:
            where += ", " + text("run.where_column", lang, column=r["column"])
        echo("  " + printable(text("run.rejected", lang, where=where, reason=r["reason"], message=message)))
        if lang == "en" or r["reason"] in ("undecodable_text", "mixed_encoding", "missing_patient_code"):
            echo("    " + printable(str(r["detail"])))  # the specifics: a line and byte offset, the header read
    if f.rejected_rows > len(f.rejections):
        echo("  " + text("run.more_rejected", lang, n=f.rejected_rows - len(f.rejections)))


def _deletions(summary: RunSummary, lang: Lang, echo: Echo) -> None:
    """Every deletion the night made (or, held, would have made)."""
    prefix = text("run.deleted" if summary.published else "run.would_delete", lang)
    patients = summary.changes.get("patient")
    if patients is not None and patients.deleted:
        keys = ", ".join(patients.deleted_keys[:50])
        if patients.deleted > 50:
            keys += " " + text("run.and_more", lang, n=patients.deleted - 50)
        results = text("run.with_results", lang, n=patients.cascaded) if patients.cascaded else ""
        echo(f"{prefix} " + text("run.deleted_patients", lang, n=patients.deleted, held=patients.stored_before,
                                 keys=keys, results=results))  # fmt: skip
    labs = summary.changes.get("lab_result")
    if labs is not None and labs.deleted:
        echo(f"{prefix} " + text("run.deleted_results", lang, n=labs.deleted, held=labs.stored_before))
        for line in labs.deleted_detail[:20]:
            echo(f"  {line}")
        if len(labs.deleted_detail) > 20:
            echo("  " + text("run.and_more", lang, n=len(labs.deleted_detail) - 20))


def print_quality(report: QualityReport, lang: Lang, echo: Echo) -> None:
    """The checks' outcome: counts, one line per failed check (blocking first), where the Data Docs are."""
    echo(
        text(
            "run.quality",
            lang,
            checks=len(report.results),
            blocking=len(report.blocking_failures),
            warning=len(report.warning_failures),
        )
    )
    for r in [*report.blocking_failures, *report.warning_failures]:
        echo("  " + check_line(r, lang))
    if report.docs_path:
        echo(text("run.docs", lang, path=report.docs_path))


def check_line(r: CheckResult, lang: Lang) -> str:
    """`blocking check_id (layer.frame.field): 1 of 3 rows fail (33.33%; allowed 0%); e.g. file row 5`, then
    the check's description on a line of its own."""
    from etl.quality.report import example

    severity = text(f"quality.severity.{r.check.severity}", lang)
    where = f"{r.check.layer}.{r.check.frame}" + (f".{r.check.field}" if r.check.field else "")
    if r.element_count is not None and r.unexpected_count is not None:
        observed = text(
            "quality.observed",
            lang,
            failing=r.unexpected_count,
            rows=r.element_count,
            percent=decimal_mark(f"{r.unexpected_percent or 0:.2f}", lang),
            allowed=f"{r.check.threshold:g}",
        )
    else:
        observed = r.observed_value or ""
    description = text(f"check.{r.check.check_id}", lang)
    return f"{severity:8} {r.check.check_id} ({where}): {observed}{example(r.sample, lang)}\n      {description}"

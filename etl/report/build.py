"""Write the reproduction report of a database: statistics.json, report.html, figure1-3 (.ru.png, .en.png), audit.txt.

A cohort's decisions file (study/decisions.yaml records the synthetic study cohort's choices) applies
only when the caller names it: on real data no id is exempted as a "cohort choice". The report says
which file, if any, was applied: a paragraph of report.html and the `decisions` key of every
statistics.json entry (its path, relative to the project when inside it; null when none).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from etl.analysis import DEFAULT_SPEC, Reproduction, load_decisions, read_patients, read_table
from etl.analysis.reproduce import load_full_spec, reproduce
from etl.analysis.views import TABLE_VIEWS
from etl.audit import DEFAULT_PUBLISHED, DEFAULT_RULES, render_text, run_audit
from etl.audit.model import Catalog
from etl.errors import InputError
from etl.paths import PROJECT_ROOT
from etl.report.figures import draw_figure
from etl.report.html import Applied, render_report
from etl.report.tables_html import Tables

LAYOUT = Path(__file__).with_name("layout.yaml")
STATISTICS_JSON = "statistics.json"
REPORT_HTML = "report.html"
AUDIT_TXT = "audit.txt"


@dataclass(frozen=True)
class Report:
    html: Path
    statistics: Path
    figures: list[Path]
    results: list[Reproduction]
    decisions: str | None = None  # the decisions file applied (as the report names it), or None


def decisions_label(path: Path) -> str:
    """How the report names a decisions file: relative to the project when inside it (the same bytes
    wherever the report is written), else its absolute path."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(resolved)


@cache
def load_layout(path: Path = LAYOUT) -> dict[str, Any]:
    layout: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))  # a mapping (layout.yaml)
    return layout


def write_report(
    engine: Engine,
    out_dir: Path,
    decisions: Path | None = None,
    published: Path = DEFAULT_PUBLISHED,
    spec: Path = DEFAULT_SPEC,
    rules: Path = DEFAULT_RULES,
) -> Report:
    """Read the views of `engine`, reproduce every published figure, and write the report into `out_dir`.

    `decisions`: a cohort's decisions file to apply (none by default; module docstring)."""
    applied = None
    if decisions is not None:
        if not Path(decisions).is_file():
            raise InputError.of("error.report.no_decisions", path=decisions)
        digest = hashlib.sha256(Path(decisions).read_bytes()).hexdigest()
        applied = Applied(decisions_label(Path(decisions)), digest)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError.of("error.report.cannot_create", path=out_dir, error=exc.strerror) from exc
    patients = read_patients(engine)
    views = {number: read_table(engine, number) for number in TABLE_VIEWS}
    catalog = Catalog.load(published)
    findings = run_audit(published, rules)
    results = reproduce(patients, catalog, findings, load_decisions(decisions), spec)
    by_id = {r.id: r for r in results}

    statistics = out_dir / STATISTICS_JSON
    label = applied.file if applied else None
    entries = [{**r.to_dict(), "decisions": label} for r in results]
    statistics.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / AUDIT_TXT).write_text(render_text(findings), encoding="utf-8")
    layout = load_layout()
    full = load_full_spec(spec)
    figures = [path for fig in layout["figures"] for path in draw_figure(fig, patients, full.subsets, by_id, out_dir)]
    html = out_dir / REPORT_HTML
    page = render_report(layout, Tables(views, by_id, catalog), results, findings, full.readings, applied)
    html.write_text(page, encoding="utf-8")
    return Report(html=html, statistics=statistics, figures=figures, results=results, decisions=label)

"""The bilingual HTML report: Tables 1-4 laid out like the paper's, Figures 1-3, every figure's status, the audit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd

from etl.analysis.compare import REPRODUCED
from etl.analysis.reproduce import Reproduction
from etl.audit import Finding
from etl.audit.model import Catalog
from etl.report.numbers import DEFAULT_PCT_PLACES, count_text, num, p_text, places_like, printed_count

MARKS = {"reproduced": "✓", "differs": "≠", "not computable": "—"}
STATUS_RU = {"reproduced": "воспроизведено", "differs": "расходится", "not computable": "не вычисляется"}
REASON_RU = {"cohort choice": "решение когорты", "published inconsistency": "противоречие в публикации",
             "defect": "дефект"}

CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;max-width:80em;color:#111}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:2em} .en{color:#555}
table{border-collapse:collapse;margin:1em 0} th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top}
th{background:#eee} td.value{text-align:center;white-space:nowrap} tr.section td{background:#f4f4f4;font-weight:bold}
td.indent{padding-left:2em} .pub{font-size:.8em;color:#555} .reproduced{color:#070} .differs{color:#b00}
.not-computable{color:#777} figure{margin:1em 0} img{max-width:100%;border:1px solid #ccc}
table.stats td{font-size:.85em} .arith{font-family:monospace;font-size:.85em}
"""


@dataclass(frozen=True)
class Applied:
    """The decisions file a report applied: its name as the report gives it, and its sha-256."""

    file: str
    sha256: str


def render_decisions(applied: Applied | None) -> str:
    """The paragraph saying which cohort decisions file, if any, explains `cohort choice` differences."""
    if applied is None:
        text = _bi(
            "Файл решений синтетической когорты не применялся: ни один показатель не исключён как «решение "
            "когорты»; каждое расхождение — противоречие в публикации или дефект.",
            "No synthetic cohort's decisions file was applied: no figure is exempted as a cohort choice; every "
            "difference is a published inconsistency or a defect.",
        )
    else:
        text = _bi(
            f"Применён файл решений синтетической когорты {applied.file} (sha-256 {applied.sha256[:16]}…): "
            "расхождения, которые он объясняет, отмечены как «решение когорты». Для реальных данных он не "
            "применяется.",
            f"Applied: the synthetic cohort's decisions file {applied.file} (sha-256 {applied.sha256[:16]}…); "
            "the differences it explains are marked cohort choice. It does not apply to real data.",
        )
    return f'<p id="decisions">{text}</p>'


def _bi(ru: str, en: str) -> str:
    return f'<span lang="ru">{escape(ru)}</span><br><span lang="en" class="en">{escape(en)}</span>'


def _status(result: Reproduction | None) -> str:
    if result is None:
        return ""
    cls = result.status.replace(" ", "-")
    return f'<span class="{cls}" title="{escape(result.status)}">{MARKS[result.status]}</span>'


class Tables:
    """The table views and the reproductions, looked up by the layout's cell references."""

    def __init__(self, views: dict[int, pd.DataFrame], results: dict[str, Reproduction], catalog: Catalog) -> None:
        self.rows = {(number, r.row_key, r.grp): r for number, df in views.items() for r in df.itertuples()}
        self.results = results
        self.catalog = catalog

    def view_row(self, number: int, row: str, grp: str) -> Any:
        return self.rows.get((number, row, grp))

    def group_n(self, grp: str) -> int | None:
        row = self.view_row(1, "patients", grp)
        return None if row is None else int(row.n)

    def count_cell(self, number: int, cell: dict[str, Any]) -> str:
        row = self.view_row(number, cell["row"], cell["grp"])
        entry = self.catalog.entries.get(cell.get("id", ""), {})
        places = places_like(entry.get("pct"), DEFAULT_PCT_PLACES)
        of = bool(cell.get("of"))
        shown = "—" if row is None else count_text(int(row.n), int(row.denom),
                                                   None if pd.isna(row.pct) else float(row.pct), places, of)
        printed = printed_count(entry, of) if entry else ""
        return self._with_printed(shown, printed, cell.get("id"))

    def stat_cell(self, cell: dict[str, Any]) -> str:
        result = self.results.get(cell["id"])
        entry = self.catalog.entries.get(cell["id"], {})
        value = None if result is None else result.computed
        show = cell["show"]
        if show == "p":
            return self._with_printed(p_text(value), p_text(entry.get("p")), cell["id"])
        if show == "day":
            day = "" if value is None else num(value, 1 if value % 1 else 0)
            shown = f"Д+{day} / D+{day}" if day else "—"
            return self._with_printed(shown, f"Д+{num(entry['value'])}" if entry else "", cell["id"])
        if show == "range_median":
            median = self.results.get(cell["median"])
            mid = None if median is None else median.computed
            shown = "—" if value is None or mid is None else (
                f"{num(value[0])}–{num(value[1])} (медиана / median {num(mid, 0 if mid % 1 == 0 else 1)})")
            printed = f"{entry['min']}–{entry['max']} (медиана {self.catalog.entries[cell['median']]['value']})"
            return self._with_printed(shown, printed, cell["id"]) + _status(median)
        return self._with_printed("—" if value is None else str(value), "", cell["id"])

    def _with_printed(self, shown: str, printed: str, stat_id: str | None) -> str:
        result = self.results.get(stat_id or "")
        pub = f'<div class="pub">опубл. / publ.: {escape(printed)} {_status(result)}</div>' if printed else ""
        return f"{escape(shown)}{pub}"

    def cell(self, number: int, cell: dict[str, Any]) -> str:
        if not cell:
            return ""
        if "row" in cell:
            return self.count_cell(number, cell)
        return self.stat_cell(cell)

    def count_suffix(self, number: int, count: dict[str, Any]) -> str:
        row = self.view_row(number, count["row"], count["grp"])
        if row is None:
            return ""
        pct = "" if pd.isna(row.pct) or number == 4 else f"; {num(float(row.pct), 1)}%"
        return f" (n = {int(row.n)}{pct})"


def render_table(spec: dict[str, Any], t: Tables) -> str:
    number = spec["number"]
    heads = ["<th>" + _bi("Параметр", "Parameter") + "</th>"]
    for col in spec["columns"]:
        n = t.group_n(col["group"]) if "group" in col else None
        suffix = f" (n = {n})" if n is not None else ""
        heads.append("<th>" + _bi(col["ru"] + suffix, col["en"] + suffix) + "</th>")
    body = []
    for row in spec["rows"]:
        suffix = t.count_suffix(number, row["count"]) if "count" in row else ""
        if "section" in row:
            sec = row["section"]
            p = t.results.get(row.get("p", ""))
            p_note = "" if p is None else (
                f" (p = {p_text(p.computed)}; опубл. / publ. {p_text(t.catalog.entries[p.id]['p'])} {_status(p)})")
            label = _bi(sec["ru"] + suffix, sec["en"] + suffix)
            body.append(f'<tr class="section"><td colspan="{len(heads)}">{label}{p_note}</td></tr>')
            continue
        label = _bi(row["label"]["ru"] + suffix, row["label"]["en"] + suffix)
        cls = ' class="indent"' if row.get("indent") else ""
        cells = "".join(f'<td class="value">{t.cell(number, c)}</td>' for c in row["cells"])
        body.append(f"<tr><td{cls}>{label}</td>{cells}</tr>")
    title = spec["title"]
    return (f'<h2 id="table{number}-title">Таблица {number} / Table {number}</h2>'
            f'<p>{_bi(title["ru"], title["en"])}</p>'
            f'<table class="paper-table" id="table{number}"><thead><tr>{"".join(heads)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def render_figure(spec: dict[str, Any]) -> str:
    number, title = spec["number"], spec["title"]
    return (f'<figure id="figure{number}"><img src="{escape(spec["file"])}" alt="Figure {number}">'
            f'<figcaption><b>Рисунок {number} / Figure {number}.</b> {_bi(title["ru"], title["en"])}'
            f"<br><small>Numbers at risk below each panel / Число пациентов под наблюдением под графиком"
            f"</small></figcaption></figure>")


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return "–".join(_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def render_statistics(results: list[Reproduction]) -> str:
    rows = []
    for r in results:
        reason = f"{REASON_RU[r.reason]} / {r.reason}" if r.reason else ""
        rows.append(f'<tr class="{r.status.replace(" ", "-")}"><td>{escape(r.id)}</td><td>{escape(_value(r.published))}'
                    f"</td><td>{escape(_value(r.computed))}</td><td>{_status(r)} {STATUS_RU[r.status]} / "
                    f"{r.status}</td><td>{escape(reason)}</td><td>{escape(r.note)}</td></tr>")
    head = "".join(f"<th>{_bi(ru, en)}</th>" for ru, en in (
        ("Показатель", "Id"), ("Опубликовано", "Published"), ("Вычислено", "Computed"), ("Статус", "Status"),
        ("Причина", "Reason"), ("Пояснение", "Note")))
    return f'<table class="stats" id="statistics"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def render_audit(findings: list[Finding]) -> str:
    bad = [f for f in findings if f.status == "inconsistent"]
    items = "".join(f'<li><b>[{escape(f.rule)}]</b> {escape(f.title)}<br><span class="arith">{escape(f.arithmetic)}'
                    f"</span><br><small>ids: {escape(', '.join(f.ids))}</small></li>" for f in bad)
    return (f"<p>{len(bad)} / {len(findings)} — "
            + _bi("опубликованных соотношений не могут выполняться одновременно",
                  "published relations cannot all hold as printed")
            + f'</p><ol id="audit">{items}</ol>')


def render_report(
    layout: dict[str, Any],
    t: Tables,
    results: list[Reproduction],
    findings: list[Finding],
    decisions: Applied | None = None,
) -> str:
    counts = Counter(r.status for r in results)
    summary = ", ".join(f"{counts.get(s, 0)} {STATUS_RU[s]} / {s}" for s in MARKS)
    parts = [
        "<!DOCTYPE html>", '<html lang="ru"><head><meta charset="utf-8">',
        "<title>Воспроизведение исследования / Study reproduction</title>", f"<style>{CSS}</style></head><body>",
        "<h1>" + _bi("Воспроизведение опубликованных результатов исследования ИнО перед алло-ТГСК",
                     "Reproduction of the published results of the InO bridging study") + "</h1>",
        f'<p id="summary">{len(results)}: {escape(summary)}</p>',
        render_decisions(decisions),
        "<p>" + _bi(
            "Вычисленное значение округляется (half up) до числа знаков, напечатанного в статье, и сравнивается с ним;"
            " «n. s.» воспроизводится любым p ≥ 0,05. Под каждым значением — опубликованное и статус.",
            "A computed value is rounded half up to the decimals the paper prints and compared with it; n.s. is "
            "reproduced by any p ≥ 0.05. Beneath each value: the published figure and its status.") + "</p>",
        "<p>" + _bi(f"Отметки: {MARKS['reproduced']} воспроизведено, {MARKS['differs']} расходится, "
                    f"{MARKS['not computable']} не вычисляется.",
                    f"Marks: {MARKS['reproduced']} reproduced, {MARKS['differs']} differs, "
                    f"{MARKS['not computable']} not computable.") + "</p>",
    ]
    parts += [render_table(spec, t) for spec in layout["tables"]]
    parts += ['<h2 id="figures">' + _bi("Рисунки", "Figures") + "</h2>"]
    parts += [render_figure(spec) for spec in layout["figures"]]
    parts += ['<h2 id="statistics-title">' + _bi("Все опубликованные показатели", "Every published statistic")
              + "</h2>", render_statistics(results)]
    parts += ['<h2 id="audit-title">' + _bi("Аудит согласованности статьи", "Consistency audit of the paper") + "</h2>",
              render_audit(findings), "</body></html>"]
    return "\n".join(parts) + "\n"


def reproduced_share(results: list[Reproduction]) -> str:
    return f"{sum(r.status == REPRODUCED for r in results)}/{len(results)}"

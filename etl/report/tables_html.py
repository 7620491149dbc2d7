"""Tables 1-4 of the report: each cell of the layout (etl/report/layout.yaml) looked up in the table
views and the reproductions, written in both languages with its mark."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

import pandas as pd

from etl.analysis.readings import Reading
from etl.analysis.reproduce import Reproduction
from etl.audit.model import Catalog
from etl.messages import LANGS, Lang, text
from etl.report.bilingual import each, label, mark, p_published, reading_marks, t, tn
from etl.report.numbers import DEFAULT_PCT_PLACES, count_text, num, p_text, places_like, plain, printed_count


class Tables:
    """The table views and the reproductions, looked up by the layout's cell references."""

    def __init__(self, views: dict[int, pd.DataFrame], results: dict[str, Reproduction], catalog: Catalog) -> None:
        self.rows = {(number, r.row_key, r.grp): r for number, df in views.items() for r in df.itertuples()}
        self.results = results
        self.catalog = catalog
        self.used: dict[int, Reading] = {}  # the readings a table's cells were computed under

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
        pct = None if row is None or pd.isna(row.pct) else float(row.pct)

        def shown(lang: Lang) -> str:
            return "—" if row is None else count_text(int(row.n), int(row.denom), pct, places, of, lang)

        printed = (lambda lang: printed_count(entry, of, lang)) if entry else None
        return self._with_printed(each(shown), printed, cell.get("id"))

    def stat_cell(self, cell: dict[str, Any]) -> str:
        result = self.results.get(cell["id"])
        entry = self.catalog.entries.get(cell["id"], {})
        value = None if result is None else result.computed
        show = cell["show"]
        if show == "p":
            return self._with_printed(
                each(lambda lang: p_text(value, lang)), lambda lang: p_text(entry.get("p"), lang), cell["id"]
            )
        if show == "day":
            places = 1 if value is not None and value % 1 else 0
            shown = t("report.day", day=num(value, places)) if value is not None else "—"
            return self._with_printed(
                shown, (lambda lang: text("report.day", lang, day=num(entry["value"]))) if entry else None, cell["id"]
            )
        if show == "range_median":
            median = self.results.get(cell["median"])
            mid = None if median is None else median.computed

            def rng(lang: Lang) -> str:
                if value is None or mid is None:
                    return "—"
                return text(
                    "report.range_median",
                    lang,
                    lo=num(value[0]),
                    hi=num(value[1]),
                    median=num(mid, 0 if mid % 1 == 0 else 1, lang),
                )

            printed = self.catalog.entries[cell["median"]]["value"]
            return self._with_printed(
                each(lambda lang: escape(rng(lang))),
                lambda lang: text("report.range_median", lang, lo=entry["min"], hi=entry["max"], median=printed),
                cell["id"]) + mark(median)  # fmt: skip
        return self._with_printed(each(lambda lang: plain(value, lang)), None, cell["id"])

    def _with_printed(self, shown: str, printed: Callable[[Lang], str] | None, stat_id: str | None) -> str:
        result = self.results.get(stat_id or "")
        readings = result.readings if result else ()
        for r in readings:
            self.used[r.number] = r
        pub = ""
        if printed is not None:
            pub = (
                '<div class="pub">'
                + each(lambda lang: escape(text("report.published_short", lang, value=printed(lang))))
                + f" {mark(result)}</div>"
            )
        return f"{shown}{reading_marks(readings)}{pub}"

    def cell(self, number: int, cell: dict[str, Any]) -> str:
        if not cell:
            return ""
        if "row" in cell:
            return self.count_cell(number, cell)
        return self.stat_cell(cell)

    def count_suffix(self, number: int, count: dict[str, Any]) -> dict[Lang, str]:
        row = self.view_row(number, count["row"], count["grp"])
        if row is None:
            return {lang: "" for lang in LANGS}
        return {
            lang: (
                f" (n = {int(row.n)}"
                + ("" if pd.isna(row.pct) or number == 4 else f"; {num(float(row.pct), 1, lang)}%")
                + ")"
            )
            for lang in LANGS
        }


def render_table(spec: dict[str, Any], t_: Tables) -> str:
    number = spec["number"]
    t_.used = {}
    heads = ["<th>" + t("report.column.parameter") + "</th>"]
    for col in spec["columns"]:
        n = t_.group_n(col["group"]) if "group" in col else None
        suffix = {lang: f" (n = {n})" if n is not None else "" for lang in LANGS}
        heads.append("<th>" + label(col["label"], suffix) + "</th>")
    body = []
    for row in spec["rows"]:
        n_suffix = t_.count_suffix(number, row["count"]) if "count" in row else None
        if "section" in row:
            p = t_.results.get(row.get("p", ""))
            p_note = (
                ""
                if p is None
                else " ("
                + p_published(p, t_.catalog.entries[p.id]["p"])
                + (f" {mark(p)}{reading_marks(p.readings)})")
            )
            if p is not None:
                t_.used.update({r.number: r for r in p.readings})
            body.append(
                f'<tr class="section"><td colspan="{len(heads)}">{label(row["section"], n_suffix)}{p_note}</td></tr>'
            )
            continue
        cls = ' class="indent"' if row.get("indent") else ""
        cells = "".join(f'<td class="value">{t_.cell(number, c)}</td>' for c in row["cells"])
        body.append(f"<tr><td{cls}>{label(row['label'], n_suffix)}</td>{cells}</tr>")
    notes = _readings_note(t_.used.values())
    return (
        f'<section id="table{number}"><h2>{t("report.table", number=number)}. {label(spec["title"])}</h2>'
        f'<table class="paper" id="table{number}-grid"><thead><tr>{"".join(heads)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{notes}</section>"
    )


def _readings_note(readings: Iterable[Reading]) -> str:
    """The readings a table or figure shows numbers under, each with its mark and choice."""
    items = "".join(
        f'<li><a href="#reading-{r.number}">{r.number}</a> {tn(r.choice)}</li>'
        for r in sorted(readings, key=lambda r: r.number)
    )
    return f'<div class="pub"><b>{t("report.readings.used")}</b><ul>{items}</ul></div>' if items else ""

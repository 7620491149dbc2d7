"""The HTML report: one page in Russian and English, the language shown switched in place (no network).

Every text comes from mappings/messages.csv (`report.*`, through etl.messages): the layout's labels,
the notes of the statistics layer (etl.audit.notes), the readings, the audit's chrome. Each text
is written in both languages, `<span class="l-ru" lang="ru">` and `<span class="l-en" lang="en">`
(once when both are the same); `html[data-show]` hides the other language, as the night page does.
Numbers follow each language's typography (decimal comma in Russian, point in English); the groups
are written `ИнО+`/`ИнО–` and `InO+`/`InO–`, as the paper's tables write them. Identifiers (catalog
ids, audit rules, files) are `<code translate="no">`, the same in both views. The figures are one
PNG per language (etl.report.figures), each shown in its own view.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from etl import language_switch
from etl.analysis.compare import REPRODUCED
from etl.analysis.readings import Reading
from etl.analysis.reproduce import Reproduction
from etl.audit import Finding
from etl.audit.model import Catalog
from etl.audit.notes import Code, Note, Num, note
from etl.messages import LANGS, text
from etl.report.bilingual import (
    MARKS,
    SLUG,
    STATUSES,
    code,
    each,
    each_plain,
    label,
    mark,
    p_published,
    percent_of,
    published,
    reading_marks,
    t,
    tn,
)
from etl.report.tables_html import Tables, render_table

REASON_SLUG = {"cohort choice": "cohort", "published inconsistency": "published", "defect": "defect"}
SECTIONS = ("summary", "readings", "table1", "table2", "table3", "table4", "figures", "statistics", "audit")

CSS = Path(__file__).with_name("report.css").read_text(encoding="utf-8")  # inlined: the page makes no request

@dataclass(frozen=True)
class Applied:
    """The decisions file a report applied: its name as the report gives it, and its sha-256."""

    file: str
    sha256: str


# ---- Figures -----------------------------------------------------------------------------------------------


def time_point(day: int) -> Note:
    """`через 2 года (Д+730)` / `at 2 years (D+730)`: the years rounded, the day exact."""
    years = round(day / 365.25)
    form = (
        "one"
        if years % 10 == 1 and years % 100 != 11
        else ("few" if years % 10 in (2, 3, 4) and years % 100 not in (12, 13, 14) else "many")
    )
    return note(f"report.at_time.{form}", years=years, day=day)


def curve_value(result: Reproduction) -> Note | None:
    """The estimate a curve reaches, with the time point its reading fixes (`56,5% через 2 года (Д+730)`)."""
    day = next((r.declared["time_point"] for r in result.readings if "time_point" in r.declared), None)
    if result.computed is None or day is None:
        return None
    return note("report.curve_value", value=Num(result.computed, ".1f"), when=time_point(int(day)))


def render_figure(spec: dict[str, Any], results: dict[str, Reproduction], catalog: Catalog) -> str:
    number, stem = spec["number"], spec["file"]
    images = "".join(
        f'<img class="l-{lang}" lang="{lang}" src="{escape(stem)}.{lang}.png" width="{480 * len(spec["panels"])}" '
        f'height="420" alt="{escape(text("report.figure", lang, number=number))}">'
        for lang in LANGS
    )
    items, used = [], {}
    for panel in spec["panels"]:
        for curve in panel["curves"]:
            result = results.get(curve.get("value", ""))
            if result is None:
                continue
            used.update({r.number: r for r in result.readings})
            value = curve_value(result)
            printed = catalog.entries[result.id]["value"]
            shown = tn(value) if value is not None else "—"
            items.append(
                f"<li>{t(curve['label'])}: {shown}{reading_marks(result.readings)} "
                f'<span class="pub">{published(percent_of(printed))} '
                f"{mark(result)}</span></li>"
            )
        p = results.get(panel.get("p", ""))
        if p is not None:
            used.update({r.number: r for r in p.readings})
            items.append(
                f"<li>{t(panel['title'])}: "
                + p_published(p, catalog.entries[p.id]["p"])
                + f"{reading_marks(p.readings)} {mark(p)}</li>"
            )
    return (
        f'<figure id="figure{number}">{images}<figcaption><b>{t("report.figure", number=number)}.</b> '
        f'{label(spec["title"])}<ul>{"".join(items)}</ul><span class="pub">{t("report.figure.at_risk_note")}'
        f"</span></figcaption></figure>"
    )


# ---- every published statistic ----------------------------------------------------------------------------


def _badge(result: Reproduction) -> str:
    badge = (
        f'<span class="badge b-{SLUG[result.status]}">'
        + each(
            lambda lang: (
                f'<span title="{escape(text("report.status." + SLUG[result.status], lang))}">'
                f"{MARKS[result.status]}</span>"
            )
        )
        + "</span>"
    )
    if result.reason:
        slug = REASON_SLUG[result.reason]
        badge += f'<span class="reason {slug}">{t("report.reason_short." + slug)}</span>'
    return badge


def _note_cell(result: Reproduction) -> str:
    notes = list(result.notes)
    if len(notes) <= 1:
        return tn(notes[0]) if notes else ""
    head, rest = notes[0], notes[1:]
    body = "".join(f"<div>{tn(n)}</div>" for n in rest)
    return f"<details><summary>{tn(head)}</summary>{body}</details>"


def render_statistics(results: list[Reproduction]) -> str:
    rows = []
    for r in results:
        rows.append(
            f'<tr class="{SLUG[r.status]}" id="stat-{escape(r.id)}"><td class="id">{code(r.id)}</td>'
            f'<td class="num">{each_plain(r.published)}</td>'
            f'<td class="num">{each_plain(r.computed)}</td>'
            f"<td>{_badge(r)}</td><td>{reading_marks(r.readings)}</td><td>{_note_cell(r)}</td></tr>"
        )
    head = "".join(
        f"<th>{t('report.stats.' + k)}</th>" for k in ("id", "published", "computed", "status", "readings", "note")
    )
    cols = '<colgroup><col class="id"><col class="v"><col class="v"><col class="st"><col class="rd"><col></colgroup>'
    return (
        f'<table class="stats" id="statistics-grid">{cols}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


# ---- the readings, the decisions file, the audit -----------------------------------------------------------


def render_readings(readings: list[Reading]) -> str:
    rows = "".join(
        f'<tr id="reading-{r.number}"><td class="n">{r.number}</td><td>{tn(r.choice)}</td><td>{tn(r.why)}</td>'
        f'<td class="ids">{" ".join(code(i) for i in r.ids)}</td></tr>'
        for r in readings
    )
    head = "".join(f"<th>{t('report.readings.' + k)}</th>" for k in ("number", "choice", "why", "ids"))
    return (
        f'<p>{t("report.readings.intro")}</p><table class="readings" id="readings-grid">'
        f'<colgroup><col class="n"><col class="c"><col><col class="i"></colgroup><thead><tr>{head}</tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def render_decisions(applied: Applied | None) -> str:
    """The paragraph saying which cohort decisions file, if any, explains `cohort choice` differences."""
    if applied is None:
        return f'<p id="decisions">{t("report.decisions.none")}</p>'
    body = tn(note("report.decisions.applied", file=Code(applied.file), sha=Code(applied.sha256[:16] + "…")))
    return f'<p id="decisions">{body}</p>'


def render_audit(findings: list[Finding]) -> str:
    bad = [f for f in findings if f.status == "inconsistent"]
    items = "".join(
        f'<li id="audit-{escape(f.rule)}-{i}">{code(f.rule)} {t("report.audit.rule." + f.rule)}'
        f'<div class="arith">{tn(f.message) if f.message is not None else ""}</div>'
        f'<div class="ids">{t("report.audit.ids")} {" ".join(code(i) for i in f.ids)}</div></li>'
        for i, f in enumerate(bad, 1)
    )
    counts = Counter(f.status for f in findings)
    summary = t(
        "report.audit.summary",
        total=len(findings),
        inconsistent=counts.get("inconsistent", 0),
        note=counts.get("note", 0),
        consistent=counts.get("consistent", 0),
    )
    return f'<p>{summary}</p><p>{t("report.audit.intro")}</p><ol class="audit" id="audit-list">{items}</ol>'


# ---- the page ---------------------------------------------------------------------------------------------


def render_report(
    layout: dict[str, Any],
    t_: Tables,
    results: list[Reproduction],
    findings: list[Finding],
    readings: list[Reading],
    decisions: Applied | None = None,
) -> str:
    counts = Counter(r.status for r in results)
    summary = " ".join(
        f'<span class="badge b-{SLUG[s]}">{MARKS[s]}</span> {t("report.summary." + SLUG[s], n=counts.get(s, 0))}'
        for s in STATUSES
    )
    buttons = "".join(
        f'<button type="button" data-lang="{lang}" lang="{lang}" '
        f'aria-pressed="{"true" if lang == "ru" else "false"}">{escape(text("report.language", lang))}'
        "</button>"
        for lang in LANGS
    )
    nav = "".join(f'<a href="#{s}">{t("report.nav." + s)}</a>' for s in SECTIONS)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ru" data-show="ru"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(text('report.title', 'ru'))}</title><style>{CSS}</style></head><body>",
        f'<header><h1>{t("report.title")}</h1><div class="switch" role="group">'
        f"<span>{t('report.language_label')}</span>{buttons}</div></header>",
        f"<nav>{nav}</nav>",
        f'<section id="summary"><h2>{t("report.nav.summary")}</h2>',
        f'<p id="summary-counts">{t("report.summary.total", n=len(results))} {summary}</p>',
        render_decisions(decisions),
        f"<p>{t('report.method')}</p>",
        f"<p>{t('report.marks')}</p></section>",
        f'<section id="readings"><h2>{t("report.nav.readings")}</h2>{render_readings(readings)}</section>',
    ]
    parts += [render_table(spec, t_) for spec in layout["tables"]]
    parts += [f'<section id="figures"><h2>{t("report.nav.figures")}</h2>']
    parts += [render_figure(spec, t_.results, t_.catalog) for spec in layout["figures"]]
    parts += [
        "</section>",
        f'<section id="statistics"><h2>{t("report.nav.statistics")}</h2><p>{t("report.stats.intro")}</p>',
        render_statistics(results),
        "</section>",
        f'<section id="audit"><h2>{t("report.nav.audit")}</h2>{render_audit(findings)}</section>',
        language_switch.script({lang: text("report.title", lang) for lang in LANGS}),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def reproduced_share(results: list[Reproduction]) -> str:
    return f"{sum(r.status == REPRODUCED for r in results)}/{len(results)}"

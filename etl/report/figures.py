"""Figures 1-3: Kaplan–Meier and cumulative-incidence curves with numbers at risk, one PNG per language.

Every text of a figure (titles, axes, legends, the numbers-at-risk rows, the estimates with their
time points, p) comes from mappings/messages.csv (`report.*`) in the figure's language, and every
number follows that language's typography (decimal comma in Russian). Each curve's estimate is
drawn where its reading reads it: a dotted line at the day, and `56,5% через 2 года (Д+730)`.

Deterministic: the Agg backend, a fixed size and resolution, and no `Software` metadata, so the same
patients give byte-identical images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from etl.analysis import estimators as est
from etl.analysis.compute import endpoint
from etl.analysis.filters import mask
from etl.analysis.reproduce import Reproduction
from etl.messages import LANGS, Lang, decimal_mark, text
from etl.report.html import curve_value
from etl.report.numbers import p_text

PANEL_SIZE = (6.4, 5.6)
DPI = 100
COLORS = ("#1f4e8c", "#c0392b", "#2d7d46")
Y_LABEL = {"km": "report.axis.os", "cir": "report.axis.cir"}


def _curve(kind: str, rows: pd.DataFrame) -> tuple[Any, pd.Series] | None:
    """The fitted curve and the times that count for the numbers at risk."""
    if kind == "km":
        time, event = endpoint(rows, "os")
        return (est.kaplan_meier(time, event), time) if len(time) else None
    rows = rows[rows["relapse_time"].notna() & rows["relapse_event"].notna()]
    if rows.empty:
        return None
    return est.aalen_johansen(rows["relapse_time"], rows["relapse_event"].astype(int)), rows["relapse_time"]


def _decimal(lang: Lang) -> FuncFormatter:
    return FuncFormatter(lambda y, _: decimal_mark(f"{y:.1f}", lang))


def _panel(
    ax: Any,
    panel: dict[str, Any],
    patients: pd.DataFrame,
    subsets: dict[str, Any],
    results: dict[str, Reproduction],
    lang: Lang,
) -> None:
    at_risk: list[tuple[str, str, pd.Series]] = []
    notes: list[tuple[str, str]] = []
    for curve, color in zip(panel["curves"], COLORS, strict=False):
        label = text(curve["label"], lang)
        fitted = _curve(panel["kind"], patients[mask(patients, curve["of"], subsets)])
        if fitted is None:
            continue
        fitter, times = fitted
        line = fitter.survival_function_ if panel["kind"] == "km" else fitter.cumulative_density_
        ax.step(line.index, line.iloc[:, 0], where="post", color=color, label=label)
        at_risk.append((label, color, times))
        result = results.get(curve.get("value", ""))
        value = curve_value(result) if result is not None else None
        if value is not None:
            day = value.params["when"].params["day"]
            ax.axvline(day, color=color, linestyle=":", linewidth=1)
            notes.append((f"{label}: {value.render(lang)}", color))
    p = results.get(panel.get("p", ""))
    if p is not None and p.computed is not None:
        notes.append((f"p = {p_text(p.computed, lang)}", "#1b1b1b"))
    for i, (shown, color) in enumerate(notes):
        ax.text(
            0.98,
            0.03 + 0.06 * (len(notes) - 1 - i),
            shown,
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            color=color,
            fontsize=9,
        )
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(_decimal(lang))
    ax.set_title(text(panel["title"], lang))
    ax.set_xlabel(text("report.axis.days", lang))
    ax.set_ylabel(text(Y_LABEL[panel["kind"]], lang))
    if at_risk:
        ax.legend(loc="upper right", fontsize=9, frameon=False)
        _at_risk(ax, at_risk, lang)


def _at_risk(ax: Any, rows: list[tuple[str, str, pd.Series]], lang: Lang) -> None:
    """The numbers at risk under the x axis, at its ticks: patients whose time is at or after the tick."""
    ticks = [x for x in ax.get_xticks() if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]
    transform = ax.get_xaxis_transform()
    ax.text(
        -0.02,
        -0.2,
        text("report.axis.at_risk", lang),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        fontweight="bold",
    )
    for i, (label, color, times) in enumerate(rows):
        y = -0.27 - 0.07 * i
        ax.text(-0.02, y, label, transform=ax.transAxes, ha="right", va="top", fontsize=9, color=color)
        values = np.asarray(times, dtype=float)
        for x in ticks:
            ax.text(x, y, str(int((values >= x).sum())), transform=transform, ha="center", va="top", fontsize=9)


def figure(
    spec: dict[str, Any], patients: pd.DataFrame, subsets: dict[str, Any], results: dict[str, Reproduction], lang: Lang
) -> Figure:
    """One figure of the layout in `lang`, not saved (the caller closes it)."""
    panels = spec["panels"]
    fig, axes = plt.subplots(1, len(panels), figsize=(PANEL_SIZE[0] * len(panels), PANEL_SIZE[1]), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        _panel(ax, panel, patients, subsets, results, lang)
    fig.tight_layout()
    return fig


def draw_figure(
    spec: dict[str, Any],
    patients: pd.DataFrame,
    subsets: dict[str, Any],
    results: dict[str, Reproduction],
    out_dir: Path,
) -> list[Path]:
    """Draw one figure of the layout into out_dir, once per language; returns the PNGs' paths."""
    paths = []
    for lang in LANGS:
        fig = figure(spec, patients, subsets, results, lang)
        try:
            path = out_dir / f"{spec['file']}.{lang}.png"
            fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
        finally:
            plt.close(fig)
        paths.append(path)
    return paths

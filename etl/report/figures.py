"""Figures 1-3: Kaplan–Meier and cumulative-incidence curves with numbers at risk, as PNG (lifelines).

Deterministic: the Agg backend, a fixed size and resolution, and no `Software` metadata, so the same
patients give byte-identical images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from lifelines.plotting import add_at_risk_counts

from etl.analysis import estimators as est
from etl.analysis.compute import endpoint
from etl.analysis.filters import mask
from etl.analysis.reproduce import Reproduction

PANEL_SIZE = (6.4, 5.6)
DPI = 100
Y_LABELS = {"km": "Overall survival / Общая выживаемость", "cir": "Cumulative incidence / Кумулятивная частота"}
X_LABEL = "Days after allo-HSCT / Дни после алло-ТГСК"


def _fitter(kind: str, rows: pd.DataFrame, label: str) -> Any:
    if kind == "km":
        time, event = endpoint(rows, "os")
        return est.kaplan_meier(time, event, label) if len(time) else None
    rows = rows[rows["relapse_time"].notna() & rows["relapse_event"].notna()]
    if rows.empty:
        return None
    return est.aalen_johansen(rows["relapse_time"], rows["relapse_event"].astype(int), label=label)


def _panel(ax: Any, panel: dict[str, Any], patients: pd.DataFrame, subsets: dict[str, Any],
           results: dict[str, Reproduction]) -> None:
    fitters = []
    for curve in panel["curves"]:
        fitter = _fitter(panel["kind"], patients[mask(patients, curve["of"], subsets)], curve["label"])
        if fitter is None:
            continue
        if panel["kind"] == "km":
            fitter.plot_survival_function(ax=ax, ci_show=False, show_censors=True)
        else:
            fitter.plot_cumulative_density(ax=ax, ci_show=False)
        fitters.append(fitter)
    ax.set_ylim(0, 1.05)
    ax.set_title(panel["title"])
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(Y_LABELS[panel["kind"]])
    for key, prefix in (("p", "p"), ("value", "")):
        result = results.get(panel.get(key, ""))
        if result is not None and result.computed is not None:
            text = f"p = {result.computed:.3f}" if prefix else f"{result.computed:.1f}%"
            ax.text(0.98, 0.03, text, transform=ax.transAxes, ha="right", va="bottom")
    if fitters:
        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])


def draw_figure(spec: dict[str, Any], patients: pd.DataFrame, subsets: dict[str, Any],
                results: dict[str, Reproduction], out_dir: Path) -> Path:
    """Draw one figure of the layout into out_dir; returns the PNG's path."""
    panels = spec["panels"]
    fig, axes = plt.subplots(1, len(panels), figsize=(PANEL_SIZE[0] * len(panels), PANEL_SIZE[1]), squeeze=False)
    try:
        for ax, panel in zip(axes[0], panels, strict=True):
            _panel(ax, panel, patients, subsets, results)
        fig.tight_layout()
        path = out_dir / spec["file"]
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return path

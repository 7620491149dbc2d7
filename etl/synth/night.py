"""One night's folder: registry_ru (.xlsx + Windows-1251 .csv), registry_en (.csv), labs (two .csv)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from etl.synth.files import csv_bytes, write_xlsx
from etl.synth.inject import Bad, render_bad
from etl.synth.labs_feed import write_labs
from etl.synth.messy import Mess
from etl.synth.registry import headers, render

P = dict[str, Any]
XLSX_MAX_ROWS = 10_000  # a clinical workbook's size; the rest of a big registry_ru goes to the .csv
STALE_STATUS = {
    "relapse": "early_relapse",
    "early_relapse": "relapse",
    "second_relapse": "relapse",
    "refractory": "second_relapse",
}


def feed_rows(patients: list[P], rng: np.random.Generator) -> dict[str, list[P]]:
    """Rows per feed ("ru", "en"): both-feed patients get an older, stale row in one feed.

    The newer row is the truth except one empty cell (CD34+) that the older row fills;
    the older row has a stale disease status and CD3+ dose. Merging by "newer non-empty
    value wins" gives the truth back.
    """
    out: dict[str, list[P]] = {"ru": [], "en": []}
    for p in patients:
        feeds = p["_feeds"]
        if feeds != "both":
            out[feeds].append(p)
            continue
        newer_in = "ru" if rng.random() < 0.5 else "en"
        newer = copy.copy(p)
        newer["cd34_dose"] = None
        older = copy.copy(p)
        older["disease_status"] = STALE_STATUS[p["disease_status"]]
        older["cd3_dose"] = round(p["cd3_dose"] + 0.4, 2)
        older["updated_at"] = p["updated_at"] - dt.timedelta(days=int(rng.integers(20, 300)), minutes=17)
        out[newer_in].append(newer)
        out["en" if newer_in == "ru" else "ru"].append(older)
    return out


def _xlsx_cells(cells: list[str], header: list[str]) -> list[Any]:
    out: list[Any] = []
    for h, v in zip(header, cells, strict=True):
        if h.startswith(("CD34+", "CD3+")) and v:
            out.append(float(v.replace(",", ".")))
        else:
            out.append(v)
    return out


def write_night(
    out: Path, night: str, patients: list[P], labs: list[P], rng: np.random.Generator, bads: list[Bad] | None = None
) -> list[dict[str, Any]]:
    """Write every feed file of the night, bad rows appended at the end; returns the manifest rows for them."""
    rows = feed_rows(patients, rng)
    ru = rows["ru"]
    cut = min(round(len(ru) * 0.6), XLSX_MAX_ROWS)
    names = {
        "ru_xlsx": f"registry_ru_{night}.xlsx",
        "ru_csv": f"registry_ru_{night}.csv",
        "en": f"registry_en_{night}.csv",
    }
    flavours = {
        "ru_xlsx": (Mess(rng, "ru"), headers("ru")),
        "ru_csv": (Mess(rng, "ru", ascii_only=True), headers("ru", ascii_only=True)),
        "en": (Mess(rng, "en"), headers("en")),
    }
    cells = {
        "ru_xlsx": [render(p, flavours["ru_xlsx"][0]) for p in ru[:cut]],
        "ru_csv": [render(p, flavours["ru_csv"][0]) for p in ru[cut:]],
        "en": [render(p, flavours["en"][0]) for p in rows["en"]],
    }
    manifest: list[dict[str, Any]] = []
    for bad in bads or []:
        m, header = flavours[bad.target]
        cells[bad.target].append(render_bad(bad, m, headers("ru") if bad.target == "ru_xlsx" else header))
        column = bad.column if bad.target != "ru_csv" or bad.column is None else header[headers("ru").index(bad.column)]
        manifest.append(
            {
                "file": names[bad.target],
                "row": len(cells[bad.target]) + 1,
                "column": column,
                "kind": bad.kind,
                "expected_reason": bad.reason,
            }
        )
    h_ru = headers("ru")
    write_xlsx(out / names["ru_xlsx"], h_ru, [_xlsx_cells(c, h_ru) for c in cells["ru_xlsx"]])
    (out / names["ru_csv"]).write_bytes(csv_bytes(flavours["ru_csv"][1], cells["ru_csv"], ";", "cp1251"))
    (out / names["en"]).write_bytes(csv_bytes(headers("en"), cells["en"], ",", "utf-8-sig"))
    write_labs(out, night, patients, labs, rng)
    return manifest

"""How long `hsct report` takes as the registry grows: the views, the statistics, the figures, the HTML.

Loads a generated cohort's truth file K times (new patient keys) into a fresh database through the
real loader, then times each stage of the report. Prints one line per size.

    .venv/bin/python bench/report_bench.py --truth NIGHT/truth/patients.csv --copies 1 10 100 [--db URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.analysis import read_patients, read_table, reproduce
from etl.analysis.reproduce import load_spec
from etl.audit import DEFAULT_PUBLISHED, run_audit
from etl.audit.model import Catalog
from etl.db import make_engine, upgrade
from etl.load.concepts import sync_concepts
from etl.report import write_report
from etl.report.build import load_layout
from etl.report.figures import draw_figure
from tests.analysis.cohort import load_records
from tests.report.truth import read_records


def copies(truth: Path, k: int) -> list:  # type: ignore[type-arg]
    base = read_records(truth)
    out = []
    for i in range(k):
        for r in base:
            year, number = r.patient_key.split("-")
            key = f"{year}-{i:03d}{number}"
            out.append(
                r.model_copy(
                    update={"patient_key": key, "registry_code_ru": f"ТГСК-{key}", "registry_code_en": f"HSCT-{key}"}
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--db", default=None, help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    for k in args.copies:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(args.db or f"sqlite:///{tmp}/bench.db")
            upgrade(engine)
            sync_concepts(engine)
            records = copies(args.truth, k)
            load_records(engine, records)
            t0 = time.perf_counter()
            patients = read_patients(engine)
            views = [read_table(engine, n) for n in (1, 2, 3, 4)]
            t1 = time.perf_counter()
            results = reproduce(patients, Catalog.load(DEFAULT_PUBLISHED), run_audit(), {})
            t2 = time.perf_counter()
            subsets, _ = load_spec()
            by_id = {r.id: r for r in results}
            for fig in load_layout()["figures"]:
                draw_figure(fig, patients, subsets, by_id, Path(tmp))
            t3 = time.perf_counter()
            write_report(engine, Path(tmp) / "out", decisions=None)
            t4 = time.perf_counter()
            engine.dispose()
            print(
                f"{len(records):>7} patients: views {t1 - t0:6.2f} s ({sum(len(v) for v in views)} table rows), "
                f"157 statistics {t2 - t1:6.2f} s, 3 figures {t3 - t2:6.2f} s, whole report {t4 - t3:6.2f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()

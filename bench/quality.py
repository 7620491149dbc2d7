"""What the data-quality checks add to a nightly run: raw checks, harmonized checks, Data Docs.

    .venv/bin/python bench/quality.py [--patients 100000] [--seed 3] [--source DIR] [--db URL] [--keep]

Generates a synthetic night of N patients (`hsct generate --patients N`) unless
--source names one, loads it with `hsct run` (gate and docs included) into a
fresh SQLite database (or --db), then times each part of the checks again on
their own: the raw-layer suites on the night's RawTables, the harmonized suites
on the loaded database, and rendering the GX Data Docs. Prints the figures;
the target is that the checks add under 30 s to a 100,000-patient run.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl.db import make_engine, upgrade  # noqa: E402
from etl.extract import discover, read_file  # noqa: E402
from etl.harmonize.vocab import load_vocabulary  # noqa: E402
from etl.quality import QualityCheck  # noqa: E402
from etl.run.nightly import run_night  # noqa: E402

TARGET_SECONDS = 30.0


def _timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"{label:44} {seconds:8.2f} s", flush=True)
    return value, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--source", type=Path, help="an existing night's folder (skips generating)")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (night, database, docs)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hsct-bench-quality-"))
    source = args.source
    if source is None:
        source = work / "night"
        cmd = [sys.executable, "-m", "etl.cli", "generate", "--out", str(source), "--seed", str(args.seed)]
        _timed(f"generate {args.patients} patients", lambda: subprocess.run(
            [*cmd, "--patients", str(args.patients)], check=True, cwd=ROOT, capture_output=True
        ))  # fmt: skip
    url = args.db or f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)

    summary, run_seconds = _timed("hsct run (whole night, checks included)", lambda: run_night(
        engine, source, docs_dir=work / "docs-run"
    ))  # fmt: skip
    tables, _ = _timed("read the files (extract)", lambda: [read_file(f) for f in discover(source)])
    vocab = load_vocabulary()
    quality = QualityCheck()
    _, raw_seconds = _timed("raw-layer checks (GX on RawTables)", lambda: quality.raw(tables, vocab))

    def harmonized() -> None:
        with engine.connect() as conn:
            quality.harmonized(conn, summary.run_id)

    _, harmonized_seconds = _timed("harmonized checks (read frames + GX)", harmonized)
    _, docs_seconds = _timed("GX Data Docs (HTML)", lambda: quality.docs(work / "docs"))
    engine.dispose()

    added = raw_seconds + harmonized_seconds + docs_seconds
    rows = sum(t.row_count for t in tables)
    report = quality.report
    print()
    print(f"night: {args.source or f'{args.patients} generated patients'}; {rows} rows in {len(tables)} files")
    print(
        f"checks: {len(report.results)}; blocking failures {len(report.blocking_failures)}, "
        f"warning failures {len(report.warning_failures)}; batch published: {summary.published}"
    )
    print(
        f"the checks add {added:.2f} s to a {run_seconds:.2f} s run ({100 * added / run_seconds:.0f}%); "
        f"target < {TARGET_SECONDS:.0f} s: {'met' if added < TARGET_SECONDS else 'NOT met'}"
    )
    if args.keep:
        print(f"Data Docs: {report.docs_path}; database: {url}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

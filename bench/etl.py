"""Benchmark of the nightly ETL: 55, 10,000 and 100,000 synthetic patients with their labs,
on SQLite and on PostgreSQL; prints rows/s, wall time and peak memory per stage.

    .venv/bin/python bench/etl.py [--sizes 55 10000 100000] [--pg postgresql://postgres@127.0.0.1:5432/test]

Each (size, database) runs in a fresh process against a fresh database. Stages:
read (files → raw cells) and harmonize (parse, map, validate, encode the raw
cells) run in worker processes, side by side and beside the main process, so
their seconds are work done, not wall time; wait is the main process waiting
for them; load (raw layer, merge, sync of every table, accounting) and quality
(the Great Expectations checks and Data Docs, reported apart) run in the main
process. "ETL wall" is the run's wall time less its quality stage: the target.
Peak memory is that of the whole process tree (main process and workers),
sampled every 50 ms from /proc.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# this file is bench/etl.py: keep its folder off the path so that `etl` is the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

STAGES = ["read", "harmonize", "wait", "load", "quality"]


def child(source: str, url: str) -> None:
    from etl.db import make_engine, upgrade
    from etl.run.nightly import run_night

    engine = make_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    summary = run_night(engine, Path(source))
    wall = time.perf_counter() - start
    engine.dispose()
    print(json.dumps({"rows": summary.totals["rows_in"], "patients": summary.patients, "wall": wall,
                      "seconds": summary.clock.seconds}))  # fmt: skip


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB (0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        todo += [int(c) for c in children]
    return total / 1024


def run_child(feeds: Path, url: str) -> tuple[str, str, int, float]:
    """Run one (size, database) in a fresh process; returns stdout, stderr, exit code and peak MiB."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        command = [sys.executable, __file__, "--child", str(feeds), url]
        proc = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), proc.returncode, peak


def pg_schema_url(admin_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema, f"{admin_url}?options=-csearch_path%3D{schema}"


def drop_schema(admin_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[55, 10_000, 100_000])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test", help="'' to skip PostgreSQL")
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from etl.synth.generate import generate

    work = Path(tempfile.mkdtemp(prefix="hsct-bench-"))
    print(f"{'patients':>9} {'db':10} {'rows':>9} {'stage':10} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9}")
    for size in args.sizes:
        feeds = work / f"n{size}"
        generate(feeds, seed=7, patients=None if size == 55 else size)
        for db in ["sqlite", "postgresql"] if args.pg else ["sqlite"]:
            schema = None
            if db == "sqlite":
                url = f"sqlite:///{work / f'n{size}.db'}"
            else:
                schema, url = pg_schema_url(args.pg)
            try:
                out, err, code, peak = run_child(feeds, url)
                if code:
                    sys.exit(f"{size} patients on {db} failed:\n{err[-3000:]}")
            finally:
                if schema:
                    drop_schema(args.pg, schema)
            r = json.loads(out.strip().splitlines()[-1])
            for stage in STAGES:
                sec = r["seconds"].get(stage, 0.0)
                rate = r["rows"] / sec if sec else 0.0
                print(f"{size:>9} {db:10} {r['rows']:>9} {stage:10} {sec:>8.2f} {rate:>10.0f}")
            etl = r["wall"] - r["seconds"].get("quality", 0.0)
            print(f"{size:>9} {db:10} {r['rows']:>9} {'ETL wall':10} {etl:>8.2f} {r['rows'] / etl:>10.0f} {peak:>9.0f}"
                  f"   (run incl. quality: {r['wall']:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()

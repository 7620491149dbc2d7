"""Benchmark of the nightly ETL: 55, 10,000 and 100,000 synthetic patients with their labs,
on SQLite and on PostgreSQL; prints rows/s, wall time and peak memory per stage, for a first
load and for the nights that follow it.

    .venv/bin/python bench/etl.py [--sizes 55 10000 100000] [--pg postgresql://postgres@127.0.0.1:5432/test]
                                  [--nights first same labs changed]

Nights, in this order, each into the database the one before left (etl.synth.next_night):
`first`, the generated night into an empty database; `same`, the same folder again (0 changed);
`labs`, the same registry with 1 % more lab rows appended; `changed`, that night with 1 % of
patients changed (one field each), 0.1 % deleted, 0.1 % new, 1 % of lab rows changed and 0.1 %
withdrawn. Each night's "ETL wall" and "run wall" (quality included) are printed beside the
first load's as a share of it.

Each night runs in a fresh process; each (size, database) starts from a fresh database. Stages:
read (files → raw cells) and harmonize (parse, map, validate, encode the raw
cells) run in worker processes, side by side and beside the main process, so
their seconds are work done, not wall time; wait is the main process waiting
for them; load (raw layer, merge, sync of every table, accounting) and quality
(the Great Expectations checks and Data Docs, reported apart) run in the main
process. "ETL wall" is the run's wall time less its quality stage: the target.

Memory is sampled every 50 ms from /proc, per process, as PSS (shared pages
split among the processes that share them: the forked workers share the main
process's interpreter, libraries and mappings). A stage's peak is the highest
PSS of a process while it ran that stage. The ETL wall line gives the peak of
the whole process tree (main process and workers together), as PSS — the
memory the run really holds — and as RSS (each process's shared pages counted
again: an upper bound). The database server's own memory (PostgreSQL) is not
part of the tree.
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
    clock = summary.clock
    spans = [[s.stage, s.pid, s.start, s.end] for s in clock.spans]
    print(json.dumps({"rows": summary.totals["rows_in"], "patients": summary.patients, "wall": wall,
                      "seconds": clock.seconds, "spans": spans}))  # fmt: skip


Sample = tuple[float, dict[int, tuple[float, float]]]  # time.time(), pid → (RSS MiB, PSS MiB)


def tree_memory_mb(pid: int) -> dict[int, tuple[float, float]]:
    """Memory of a process and each of its descendants, in MiB: pid → (RSS, PSS); empty once gone."""
    out: dict[int, tuple[float, float]] = {}
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        fields = {line.split(":")[0]: line.split()[1] for line in status.splitlines()[1:]}
        out[current] = (int(fields.get("Rss", 0)) / 1024, int(fields.get("Pss", 0)) / 1024)
        todo += [int(c) for c in children]
    return out


def run_child(feeds: Path, url: str) -> tuple[str, str, int, list[Sample]]:
    """Run one (size, database) in a fresh process; returns stdout, stderr, exit code and the
    memory samples of its process tree."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        command = [sys.executable, __file__, "--child", str(feeds), url]
        proc = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        samples: list[Sample] = []
        while proc.poll() is None:
            samples.append((time.time(), tree_memory_mb(proc.pid)))
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), proc.returncode, samples


def stage_peaks(samples: list[Sample], spans: list[list]) -> dict[str, float]:
    """Per stage, the highest PSS (MiB) of a process while it ran that stage (stages no sample
    fell into are left out)."""
    peaks: dict[str, float] = {}
    for stage, pid, start, end in spans:
        for at, memory in samples:
            if start <= at <= end and pid in memory:
                peaks[stage] = max(peaks.get(stage, 0.0), memory[pid][1])
    return peaks


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


NIGHTS = ["first", "same", "labs", "changed"]


def write_nights(work: Path, size: int) -> dict[str, Path]:
    """The generated night and the nights that follow it (see the module's docstring)."""
    from etl.synth.generate import generate
    from etl.synth.next_night import NightChanges, next_night

    first = work / f"n{size}"
    generate(first, seed=7, patients=None if size == 55 else size)
    labs, changed = work / f"n{size}-labs", work / f"n{size}-changed"
    next_night(first, labs, NightChanges(labs_appended=0.01), seed=8)
    next_night(labs, changed, NightChanges(0.01, 0.001, 0.001, 0.01, 0.001), seed=9)
    return {"first": first, "same": first, "labs": labs, "changed": changed}


def report(size: int, db: str, night: str, r: dict, samples: list[Sample], first: dict | None) -> None:
    """Print one night's stages and its wall times (beside the first load's, when it is not it)."""
    peaks = stage_peaks(samples, r["spans"])
    for stage in STAGES:
        sec = r["seconds"].get(stage, 0.0)
        rate = r["rows"] / sec if sec else 0.0
        peak = f"{peaks[stage]:>9.0f}" if stage in peaks else f"{'-':>9}"
        print(f"{size:>9} {db:10} {night:8} {r['rows']:>9} {stage:10} {sec:>8.2f} {rate:>10.0f} {peak}")
    peak_rss = max((sum(m[0] for m in memory.values()) for _, memory in samples), default=0.0)
    peak_pss = max((sum(m[1] for m in memory.values()) for _, memory in samples), default=0.0)
    etl = r["wall"] - r["seconds"].get("quality", 0.0)
    share = ""
    if first is not None:
        first_etl = first["wall"] - first["seconds"].get("quality", 0.0)
        share = (
            f"; {100 * etl / first_etl:.1f} % of the first load's ETL wall,"
            f" {100 * r['wall'] / first['wall']:.1f} % of its run wall"
        )
    print(f"{size:>9} {db:10} {night:8} {r['rows']:>9} {'ETL wall':10} {etl:>8.2f} {r['rows'] / etl:>10.0f}"
          f" {peak_pss:>9.0f} {peak_rss:>9.0f}   (run incl. quality: {r['wall']:.2f} s; tree peak{share})",
          flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[55, 10_000, 100_000])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test", help="'' to skip PostgreSQL")
    parser.add_argument("--nights", nargs="+", choices=NIGHTS, default=NIGHTS, help="which nights, in their order")
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = Path(tempfile.mkdtemp(prefix="hsct-bench-"))
    print(f"{'patients':>9} {'db':10} {'night':8} {'rows':>9} {'stage':10} {'seconds':>8} {'rows/s':>10}"
          f" {'PSS MiB':>9} {'RSS MiB':>9}", flush=True)  # fmt: skip
    for size in args.sizes:
        folders = write_nights(work, size)
        for db in ["sqlite", "postgresql"] if args.pg else ["sqlite"]:
            schema = None
            if db == "sqlite":
                url = f"sqlite:///{work / f'n{size}.db'}"
            else:
                schema, url = pg_schema_url(args.pg)
            first = None
            try:
                for night in [n for n in NIGHTS if n in args.nights]:
                    out, err, code, samples = run_child(folders[night], url)
                    if code:
                        sys.exit(f"{size} patients on {db}, night {night}, failed:\n{err[-3000:]}")
                    r = json.loads(out.strip().splitlines()[-1])
                    report(size, db, night, r, samples, first)
                    first = first or (r if night == "first" else None)
            finally:
                if schema:
                    drop_schema(args.pg, schema)


if __name__ == "__main__":
    main()

"""Benchmark: how long `hsct generate --patients N` takes (default N = 100,000; the target is under 60 s).

Run: .venv/bin/python bench/generate.py [N] [--keep DIR]
Prints the wall time, patients per second and the size of each file written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from etl.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("patients", nargs="?", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="hsct-bench-")) / "night"
    start = time.perf_counter()
    report = generate(out, seed=args.seed, patients=args.patients)
    seconds = time.perf_counter() - start
    print(f"patients: {report['patients']}")
    print(f"seconds: {seconds:.1f}")
    print(f"patients_per_second: {report['patients'] / seconds:.0f}")
    print(f"target_under_60s: {'yes' if seconds < 60 else 'NO'}")
    print(f"cpu_count: {os.cpu_count()}")
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        print(f"  {path.relative_to(out)}: {path.stat().st_size / 1e6:.1f} MB")
    if args.keep is None:
        shutil.rmtree(out.parent)


if __name__ == "__main__":
    main()

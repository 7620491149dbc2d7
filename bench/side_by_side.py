"""Run a benchmark of bench/ on an earlier revision and on the working tree, one after the other,
on the same machine in one go, and print both outputs: "no worse than before" measured, not recalled.

    .venv/bin/python bench/side_by_side.py REV etl.py --sizes 10000 100000
    .venv/bin/python bench/side_by_side.py REV fhir_export.py --patients 100000

REV is checked out into a temporary git worktree (removed afterwards); its code runs with the same
interpreter and libraries (PYTHONPATH points at the worktree, so `etl` is that revision's), its
benchmark script being the revision's own. `--rounds N` alternates before/after N times.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(tree: Path, script: str, args: list[str], label: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    print(f"===== {label}: {tree} =====", flush=True)
    subprocess.run([sys.executable, str(tree / "bench" / script), *args], cwd=tree, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the earlier revision (a commit, tag or branch)")
    parser.add_argument("script", help="a benchmark of bench/, e.g. etl.py")
    parser.add_argument("--rounds", type=int, default=1)
    known, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="hsct-bench-") as folder:
        base = Path(folder) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base), known.rev], check=True)
        # the same virtualenv (benchmarks that call .venv/bin/hsct get the revision's code: PYTHONPATH)
        (base / ".venv").symlink_to(ROOT / ".venv")
        try:
            for round_ in range(1, known.rounds + 1):
                run(base, known.script, rest, f"before ({known.rev}), round {round_}")
                run(ROOT, known.script, rest, f"after (working tree), round {round_}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=True)


if __name__ == "__main__":
    main()

"""How long `hsct --help` and every command's `--help` take, each in a fresh process (target: under 1 s).

    .venv/bin/python bench/cli_help.py [--runs 5] [--target 1.0]

Walks the click group of etl.cli for every command path (`hsct`, `hsct db`, `hsct db upgrade`, ...)
and runs the installed console script (the `hsct` next to this Python) with `--help` for each, N
times, each time in a new process, as a data manager's terminal would. Prints the median and the
maximum wall time per command and the verdict against the target; exits 1 if any median exceeds it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

# this file is bench/cli_help.py: keep its folder off the path so that `etl` is the package
# (bench/etl.py would shadow it), and put the repository on it
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.append(str(HERE.parent))  # after $PYTHONPATH: another checkout of etl/ may be tested

import click  # noqa: E402

TARGET_SECONDS = 1.0


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The group itself, then every command and subcommand under it, in their order of registration."""
    paths = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


def time_help(hsct: Path, path: tuple[str, ...], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(hsct), *path, "--help"], check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command (default 5)")
    parser.add_argument("--target", type=float, default=TARGET_SECONDS, help="seconds (default 1.0)")
    args = parser.parse_args()
    hsct = Path(sys.executable).parent / "hsct"
    if not hsct.exists():
        sys.exit(f"{hsct} not found: install the project into this Python's environment (pip install -e .)")
    from etl.cli import main as root  # the command paths; importing it here times nothing

    paths = command_paths(root)
    print(f"{hsct} ... --help, {args.runs} fresh processes each, target: median under {args.target:.1f} s")
    print(f"{'command':32} {'median s':>9} {'max s':>7}")
    slow = []
    for path in paths:
        seconds = time_help(hsct, path, args.runs)
        median = statistics.median(seconds)
        label = " ".join(("hsct", *path, "--help"))
        flag = "" if median <= args.target else "  SLOW"
        print(f"{label:32} {median:9.2f} {max(seconds):7.2f}{flag}", flush=True)
        if median > args.target:
            slow.append(label)
    if slow:
        print(f"verdict: FAIL, {len(slow)} of {len(paths)} over {args.target:.1f} s: {', '.join(slow)}")
        return 1
    print(f"verdict: OK, all {len(paths)} commands under {args.target:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

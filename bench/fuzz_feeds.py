"""The feed-level fuzzer of issue 14 with a large budget: every failure collected, minimized and printed.

    .venv/bin/python bench/fuzz_feeds.py [--examples 500] [--seed 1] [--db sqlite|postgresql]
                                         [--base-seed 7] [--patients 12] [--no-minimize]
    .venv/bin/python bench/fuzz_feeds.py --replay en:sep_line,truncate:12345:single [--keep DIR]

The property is the one `tests/fuzz/test_fuzz_feeds.py` runs in CI with a small budget (same
strategy, same invariants: tests/fuzz/invariants.py), but here it records each failing example
instead of stopping at the first, so one run of the bench lists every distinct failure. Each
distinct failure (base night, variant, violated invariant, mutations) is then minimized: the
smallest subset of its mutations (same seed) that still breaks the same invariant. Printed: the
examples run, the failures (minimal failing mutations and what broke, with one example's detail),
and the time taken.

--db postgresql uses $HSCT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test),
a fresh schema per example. --replay runs one example (base:names:seed:variant, as printed) and
prints its full report; --keep DIR also writes the mutated night there, to run `hsct run` on it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# this file is bench/fuzz_feeds.py: keep its folder off the path so that `etl` is the package
# (bench/etl.py would shadow it), and put the repository on it for `tests.fuzz`
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.append(str(HERE.parent))  # after $PYTHONPATH: another checkout of etl/ may be tested

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.fuzz.invariants import BASES, DbKind, Fuzzer, Report, python_path_note  # noqa: E402
from tests.fuzz.mutations import apply_mutations  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Failure:
    """One distinct failure: its minimal mutations and every example that showed it."""

    base: str
    variant: str
    invariant: str
    minimal: list[str]
    example: Report
    seen: int = 0
    drawn: set[tuple[str, ...]] = field(default_factory=set)


def signature(report: Report) -> set[str]:
    return {v.invariant for v in report.violations}


def minimize(fuzzer: Fuzzer, kind: DbKind, report: Report, invariant: str) -> tuple[list[str], Report]:
    """The smallest subset of the example's mutations (same seed) that still breaks `invariant`."""
    names = report.names
    for size in range(1, len(names)):
        for subset in itertools.combinations(names, size):
            again = fuzzer.check(kind, report.base, list(subset), report.seed, report.variant)  # type: ignore[arg-type]
            if invariant in signature(again):
                return list(subset), again
    return names, report


def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="hsct-fuzz-"))
    pg_url = args.pg_url if args.db == "postgresql" else None
    fuzzer = Fuzzer(workdir, seed=args.base_seed, patients=args.patients, pg_url=pg_url)
    kind: DbKind = args.db
    print(f"fuzz: {args.examples} examples on {kind}, hypothesis seed {args.seed}; base night: hsct generate "
          f"--seed {args.base_seed} --patients {args.patients}; {python_path_note()}")  # fmt: skip
    start = time.perf_counter()
    reports: list[Report] = []

    @hypothesis_seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        base = data.draw(st.sampled_from(sorted(BASES)), label="base")
        names = data.draw(st.lists(st.sampled_from(fuzzer.applicable(base)), min_size=1, max_size=3, unique=True))
        seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
        variant = data.draw(st.sampled_from(["single", "two_night"]), label="variant")
        report = fuzzer.check(kind, base, names, seed, variant)  # type: ignore[arg-type]
        reports.append(report)
        mark = "ok  " if report.ok else "FAIL"
        print(f"  {len(reports):4} {mark} {base:5} {variant:9} exit {report.exit_code} {report.seconds:4.1f}s "
              f"{','.join(names)}:{seed}" + ("" if report.ok else f"  -> {', '.join(sorted(signature(report)))}"),
              flush=True)  # fmt: skip

    try:
        for base in sorted(BASES):
            ref = fuzzer.base(base, kind)
            print(f"base night {base}: {len(ref.state.patients)} patients, {ref.state.lab_count} lab results, "
                  f"{ref.seconds:.1f} s; mutations that apply: {', '.join(fuzzer.applicable(base))}")  # fmt: skip
        prop()
        generated = time.perf_counter() - start
        failures = collect(fuzzer, kind, reports, minimize_them=not args.no_minimize)
    finally:
        fuzzer.close()
        shutil.rmtree(workdir, ignore_errors=True)
    total = time.perf_counter() - start
    print_summary(reports, failures, generated, total)
    return 1 if failures else 0


def collect(fuzzer: Fuzzer, kind: DbKind, reports: list[Report], minimize_them: bool) -> list[Failure]:
    """Distinct failures, each minimized once (by base, variant, invariant and the drawn mutations)."""
    found: dict[tuple[str, str, str, tuple[str, ...]], Failure] = {}
    tried: dict[tuple[str, str, str, tuple[str, ...]], tuple[str, ...]] = {}
    for report in reports:
        for invariant in sorted(signature(report)):
            drawn = (report.base, report.variant, invariant, tuple(sorted(report.names)))
            if drawn not in tried:
                minimal, example = (
                    minimize(fuzzer, kind, report, invariant) if minimize_them else (report.names, report)
                )
                tried[drawn] = tuple(sorted(minimal))
            key = (report.base, report.variant, invariant, tried[drawn])
            if key not in found:
                found[key] = Failure(report.base, report.variant, invariant, list(tried[drawn]), example)
            found[key].seen += 1
            found[key].drawn.add(tuple(sorted(report.names)))
    return sorted(found.values(), key=lambda f: (f.invariant, f.minimal, f.base, f.variant))


def print_summary(reports: list[Report], failures: list[Failure], generated: float, total: float) -> None:
    failing = sum(1 for r in reports if not r.ok)
    print()
    print(f"examples run: {len(reports)}; failing: {failing}; distinct failures: {len(failures)}")
    print(f"time: {generated:.0f} s for the examples, {total:.0f} s with minimizing "
          f"({(generated / max(1, len(reports))):.1f} s per example)")  # fmt: skip
    by_invariant = Counter(f.invariant for f in failures)
    if by_invariant:
        print("by invariant: " + ", ".join(f"{k} {n}" for k, n in by_invariant.most_common()))
    for f in failures:
        detail = next(v.detail for v in f.example.violations if v.invariant == f.invariant).splitlines()[0]
        print()
        print(f"- {f.invariant}: minimal mutation(s) {' + '.join(f.minimal)}  [base {f.base}, {f.variant}; "
              f"seen in {f.seen} example(s)]")  # fmt: skip
        print(f"  what broke: {detail[:400]}")
        print(f"  replay: --replay {f.base}:{','.join(f.example.names)}:{f.example.seed}:{f.variant}")
        for line in f.example.log:
            print(f"  mutation {line[:300]}")


def replay(args: argparse.Namespace) -> int:
    base, names, seed, variant = args.replay.split(":")
    workdir = Path(tempfile.mkdtemp(prefix="hsct-fuzz-"))
    pg_url = args.pg_url if args.db == "postgresql" else None
    fuzzer = Fuzzer(workdir, seed=args.base_seed, patients=args.patients, pg_url=pg_url)
    try:
        report = fuzzer.check(args.db, base, names.split(","), int(seed), variant)  # type: ignore[arg-type]
        print(report.describe(output_lines=60))
        if args.keep:
            night = apply_mutations(fuzzer.base_files(base), names.split(","), random.Random(int(seed)))
            night.write(Path(args.keep))
            print(f"the mutated night is in {args.keep}; the base night's files are in {workdir / f'base-{base}'}")
    finally:
        fuzzer.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if report.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=500, help="hypothesis examples to run (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="hypothesis seed (default 1)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-url", default=None, help=f"PostgreSQL server (default $HSCT_TEST_POSTGRES_URL or {DEFAULT_PG})"
    )
    parser.add_argument("--base-seed", type=int, default=7, help="seed of `hsct generate` for the base night")
    parser.add_argument("--patients", type=int, default=12, help="patients of the generated base night")
    parser.add_argument("--no-minimize", action="store_true", help="report failures as drawn, without minimizing")
    parser.add_argument("--replay", default=None, help="base:names:seed:variant of one example to run and print")
    parser.add_argument("--keep", default=None, help="with --replay: write the mutated night into this folder")
    args = parser.parse_args()
    if args.db == "postgresql" and args.pg_url is None:
        import os

        args.pg_url = os.environ.get("HSCT_TEST_POSTGRES_URL", DEFAULT_PG)
    return replay(args) if args.replay else run(args)


if __name__ == "__main__":
    sys.exit(main())

"""The feed-level fuzzer of issue 14: random real-world mutations of a valid night, every invariant checked.

Issue 14, "How to prove it": "A feed-level fuzzer (hypothesis, bounded): take a valid generated
night and apply random real-world mutations to whole files ... Run a small budget in CI and a
larger one from `bench/`". The mutations are in `tests.fuzz.mutations`, the invariants (and how a
mutated night is compared with the unmutated one) in `tests.fuzz.invariants`.

Budget: $HSCT_FUZZ_EXAMPLES examples on SQLite (default 10) and $HSCT_FUZZ_EXAMPLES_PG on
PostgreSQL (default 2; skipped without $HSCT_TEST_POSTGRES_URL). Examples are derandomized, so CI
runs the same ones every time; shrinking is off (a run costs seconds: the failing example is
reported as drawn, with what each mutation did). The larger budget, with every failure collected
and minimized: `.venv/bin/python bench/fuzz_feeds.py --examples 500`.

Each example runs the CLI in-process (`CliRunner`), so databases and folders are made inside the
test body, not by function-scoped fixtures (hypothesis runs the body many times per fixture).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.fuzz.invariants import BASES, DbKind, Fuzzer, Report

SQLITE_EXAMPLES = int(os.environ.get("HSCT_FUZZ_EXAMPLES", "10"))
PG_EXAMPLES = int(os.environ.get("HSCT_FUZZ_EXAMPLES_PG", "2"))
BASE_SEED = int(os.environ.get("HSCT_FUZZ_BASE_SEED", "7"))
PATIENTS = int(os.environ.get("HSCT_FUZZ_PATIENTS", "12"))
PG_ENV = "HSCT_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def fuzzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzer]:
    """One generated night and its base runs (per database kind), shared by every example of the session."""
    fz = Fuzzer(tmp_path_factory.mktemp("fuzz"), seed=BASE_SEED, patients=PATIENTS)
    yield fz
    fz.close()


def draw_example(data: st.DataObject, fuzzer: Fuzzer) -> tuple[str, list[str], int, str]:
    """A base night, 1-3 mutations that apply to it, the mutations' seed, single or two nights."""
    base = data.draw(st.sampled_from(sorted(BASES)), label="base")
    names = data.draw(st.lists(st.sampled_from(fuzzer.applicable(base)), min_size=1, max_size=3, unique=True), "names")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    variant = data.draw(st.sampled_from(["single", "two_night"]), label="variant")
    return base, names, seed, variant


def check(fuzzer: Fuzzer, kind: DbKind, data: st.DataObject) -> Report:
    base, names, seed, variant = draw_example(data, fuzzer)
    report = fuzzer.check(kind, base, names, seed, variant)  # type: ignore[arg-type]
    assert report.ok, "\n" + report.describe()
    return report


FUZZ = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": False,
}


@settings(max_examples=SQLITE_EXAMPLES, **FUZZ)  # type: ignore[arg-type]
@given(data=st.data())
def test_fuzz_feeds_sqlite(fuzzer: Fuzzer, data: st.DataObject) -> None:
    """Every invariant of tests.fuzz.invariants holds on mutated nights, on SQLite."""
    check(fuzzer, "sqlite", data)


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"PostgreSQL cases need {PG_ENV}")
@settings(max_examples=PG_EXAMPLES, **FUZZ)  # type: ignore[arg-type]
@given(data=st.data())
def test_fuzz_feeds_postgresql(fuzzer: Fuzzer, data: st.DataObject) -> None:
    """The same on PostgreSQL (a fresh schema per example)."""
    check(fuzzer, "postgresql", data)


def test_every_mutation_changes_some_file(fuzzer: Fuzzer) -> None:
    """Each registered mutation applies to some base night and changes its bytes (none is a silent no-op)."""
    import random

    from tests.fuzz.mutations import MUTATIONS, apply_mutations

    for name in MUTATIONS:
        bases = [b for b in BASES if name in fuzzer.applicable(b)]
        assert bases, f"{name} applies to no base night"
        changed = False
        for base in bases:
            files = fuzzer.base_files(base)
            for seed in range(4):
                night = apply_mutations(files, [name], random.Random(seed))
                changed |= night.files != files
        assert changed, f"{name} never changed a file"


def test_mutations_are_deterministic(fuzzer: Fuzzer) -> None:
    """The same names and seed give the same bytes (so a failing example can be replayed)."""
    import random

    from tests.fuzz.mutations import apply_mutations

    files = fuzzer.base_files("en")
    names = fuzzer.applicable("en")[:3]
    a = apply_mutations(files, names, random.Random(3))
    b = apply_mutations(files, names, random.Random(3))
    assert a.files == b.files and a.log == b.log

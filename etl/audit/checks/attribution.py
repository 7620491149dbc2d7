"""A statistic quoted in one place for a different population than the one it is computed in."""

from __future__ import annotations

from typing import Any

from etl.audit.checks.base import Settings, finding, need
from etl.audit.checks.stat_tests import TESTS, reproduces, run_on_rows
from etl.audit.model import Catalog, Finding, ids_of
from etl.audit.notes import Code, Num, fold, note
from etl.errors import InputError


def attribution(rule: dict[str, Any], catalog: Catalog, settings: Settings) -> list[Finding]:
    """Keys: `printed` (the statistic's catalog id, as the paper computes it), `computed_in` (the count ids of
    the populations it is computed in, one row each: n of denom), `quoted` ({printed: value, where: place} -
    where the text quotes it), `quoted_for` (the count ids of the populations that place names), `test` (the
    statistic, a test of recompute_test, to recompute in both).

    Fires (inconsistent) when the quote is this statistic (same printed value), the quoted populations are not
    the ones it is computed in, and the statistic recomputed for the quoted populations does not give the
    quoted value. Consistent when the populations are the same ones, or the quote also holds for the quoted
    populations; a note when the quoted value is not this statistic's."""
    need(rule, "printed", "computed_in", "quoted", "quoted_for", "test")
    if rule["test"] not in TESTS:
        raise InputError(f"rule {rule['id']!r}: unknown test {rule['test']!r}; known: {', '.join(TESTS)}")
    entry = catalog.entry(rule["printed"])
    value = entry["value"] if "value" in entry else entry["p"]  # a statistic prints a value or a p
    quoted = rule["quoted"]
    ids = ids_of(rule["printed"], rule["computed_in"], rule["quoted_for"])
    where = note(f"report.audit.where.{rule['id']}")
    name = TESTS[rule["test"]][0]
    here, there = _rows(catalog, rule["computed_in"]), _rows(catalog, rule["quoted_for"])
    shown_here, shown_there = _show(here), _show(there)
    said_here = fold("report.audit.join.vs", [f"{n}/{d}" for n, d in here])
    said_there = fold("report.audit.join.vs", [f"{n}/{d}" for n, d in there])
    quoted_n = Num(quoted["printed"], "g")
    if not reproduces(float(value), quoted["printed"], settings) and str(value) != str(quoted["printed"]):
        return [finding(
            rule, ids, "note",
            f"quoted {quoted['printed']} ({quoted['where']}) is not {rule['printed']} = {value}: another statistic",
            note("report.audit.attribution.other", quoted=quoted_n, where=where, ref=Code(rule["printed"]),
                 value=Num(value, "g")),
        )]
    if here == there:
        return [finding(
            rule, ids, "consistent",
            f"{value} ({rule['printed']}) quoted ({quoted['where']}) for the populations it is computed in "
            f"({shown_here}) ✓",
            note("report.audit.attribution.same", value=Num(value, "g"), ref=Code(rule["printed"]), where=where,
                 rows=said_here),
        )]
    for_quoted = run_on_rows(rule["test"], there)
    head = (f"{quoted['printed']} quoted ({quoted['where']}) for {shown_there}, where {name} = {for_quoted:.4f}; "
            f"{rule['printed']} = {value} is computed in {shown_here}")
    params = {"quoted": quoted_n, "where": where, "there": said_there,
              "test": note(f"report.audit.test.{rule['test']}"), "got": Num(for_quoted, ".4f"),
              "ref": Code(rule["printed"]), "value": Num(value, "g"),
              "here": said_here}
    if reproduces(for_quoted, quoted["printed"], settings):
        return [finding(rule, ids, "consistent", f"{head}: it holds for both ✓",
                        note("report.audit.attribution.holds", **params))]
    return [finding(rule, ids, "inconsistent", f"{head}: quoted for a population it is not computed in",
                    note("report.audit.attribution.differs", **params))]


def _rows(catalog: Catalog, refs: list[str]) -> list[tuple[int, int]]:
    return [(int(catalog.get(r)), int(catalog.get(r, "denom"))) for r in refs]


def _show(rows: list[tuple[int, int]]) -> str:
    return " vs ".join(f"{n}/{d}" for n, d in rows)

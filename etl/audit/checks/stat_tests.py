"""Recompute a published p-value or coefficient from the published counts, with scipy."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Any

from scipy import stats
from scipy.stats.contingency import association

from etl.audit.checks.base import Settings, finding, need
from etl.audit.model import Catalog, Finding, Status, ids_of
from etl.audit.notes import Note, Num, fold, note
from etl.audit.numbers import at_precision, decimals, matches
from etl.errors import InputError

Table = list[list[int]]


def _fisher(table: Table) -> float:
    """Fisher exact: scipy's for 2x2; for 2xC the exact Fisher–Freeman–Halton test.

    scipy 1.17's `fisher_exact` on larger tables defaults to a Monte Carlo p-value (it changes from run to
    run), so 2xC tables are enumerated here: the first row given the margins is multivariate
    hypergeometric, and p sums the probabilities of every table no more likely than the observed one."""
    if len(table) == 2 and len(table[0]) == 2:
        return float(stats.fisher_exact(table).pvalue)
    if len(table) != 2:
        raise InputError(f"exact Fisher–Freeman–Halton is implemented for 2xC tables; got {len(table)} rows")
    cols = [a + b for a, b in zip(*table, strict=True)]
    dist = stats.multivariate_hypergeom(m=cols, n=sum(table[0]))
    observed = dist.pmf(table[0])
    support = (x for x in product(*(range(c + 1) for c in cols)) if sum(x) == sum(table[0]))
    return float(min(1.0, sum(p for p in map(dist.pmf, support) if p <= observed * (1 + 1e-7))))


def _chi2(table: Table) -> float:
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def _chi2_yates(table: Table) -> float:
    return float(stats.chi2_contingency(table, correction=True).pvalue)


def _pearson_c(table: Table) -> float:
    return float(association(table, method="pearson", correction=False))


def _pearson_c_yates(table: Table) -> float:
    return float(association(table, method="pearson", correction=True))


TESTS: dict[str, tuple[str, Callable[[Table], float]]] = {
    "fisher_exact": ("Fisher exact p", _fisher),
    "chi2": ("Pearson chi-square p", _chi2),
    "chi2_yates": ("chi-square p with Yates' correction", _chi2_yates),
    "contingency_coefficient": ("Pearson's contingency coefficient C (uncorrected chi-square)", _pearson_c),
    "contingency_coefficient_yates": ("Pearson's C from Yates-corrected chi-square", _pearson_c_yates),
}
# what each test gives: another test of the same measure on the same table is another reading of the printed value
MEASURE = {"fisher_exact": "p", "chi2": "p", "chi2_yates": "p",
           "contingency_coefficient": "C", "contingency_coefficient_yates": "C"}
NOT_RECOMPUTABLE = {
    "mann_whitney": "Mann–Whitney needs every value; medians alone cannot give it",
    "log_rank": "the log-rank test needs the event and censoring times; the curves' end points cannot give it",
}


def recompute_test(rule: dict[str, Any], catalog: Catalog, settings: Settings) -> list[Finding]:
    """Keys: `printed` (a p_value or coef id) or `printed_p` + `where` (a p the catalog lacks); `test`;
    `rows` (count ids, each row [n, denom - n]) or `table` (cells as count ids); `also` (other tests to
    report, on the same table); `ambiguous` (why a mismatch is only a note); `reading_of` (the statistic this
    rule reads, when it is not the `printed` id's own: rules reading one statistic are its alternative readings).

    Readings: the `also` tests of the main test's measure are other readings of the same printed value, and so
    are other rules that read the same statistic. A reading that reproduces the printed value (at its precision,
    rounded or truncated; n.s. as p >= alpha) makes the readings that do not informational (`note`), never
    inconsistent: within a rule here, across rules in the engine (`etl.audit.engine`)."""
    need(rule, "test")
    printed, printed_ids = _printed(rule, catalog)
    reading = str(rule.get("reading_of", rule.get("printed", "")))
    if rule["test"] in NOT_RECOMPUTABLE:
        why = NOT_RECOMPUTABLE[rule["test"]]
        return [
            finding(
                rule,
                printed_ids,
                "note",
                f"printed {printed}: {why} — not recomputed",
                note(f"report.audit.test.not_recomputable.{rule['test']}", printed=_printed_note(printed)),
            )
        ]
    table, cells, shown = _table(rule, catalog)
    ids = ids_of(printed_ids, cells)
    main = _run(rule["test"], table)
    others = [f"{TESTS[t][0]} = {_num(_run(t, table))}" for t in rule.get("also", [])]
    head = f"{shown}: {TESTS[rule['test']][0]} = {_num(main)}"
    tail = ("; for comparison " + ", ".join(others)) if others else ""
    status, verdict, verdict_note = _judge(main, printed, settings)
    message = note(
        "report.audit.test.head",
        shown=_shown_note(rule, catalog),
        test=note(f"report.audit.test.{rule['test']}"),
        value=_num_note(main),
        verdict=verdict_note,
    )
    if others:
        message = note(
            "report.audit.test.compared",
            text=message,
            others=fold(
                "report.audit.join.comma",
                [
                    note(
                        "report.audit.test.other", test=note(f"report.audit.test.{t}"), value=_num_note(_run(t, table))
                    )
                    for t in rule.get("also", [])
                ],
            ),
        )
    explaining = [t for t in [rule["test"], *rule.get("also", [])]
                  if MEASURE[t] == MEASURE[rule["test"]] and reproduces(_run(t, table), printed, settings)]
    if status == "inconsistent" and explaining and explaining[0] != rule["test"]:
        tests = ", ".join(TESTS[t][0] for t in explaining)
        status, verdict = "note", f"{verdict} — informational: {tests} reproduces the printed value"
        message = note(
            "report.audit.test.other_reading",
            text=message,
            tests=fold("report.audit.join.comma", [note(f"report.audit.test.{t}") for t in explaining]),
        )
    if status == "inconsistent" and rule.get("ambiguous"):
        status, verdict = "note", f"{verdict} — {rule['ambiguous']}"
        message = note("report.audit.with_note", text=message, note=note(f"report.audit.ambiguous.{rule['id']}"))
    return [finding(rule, ids, status, f"{head} {verdict}{tail}", message, reading, bool(explaining))]


def reproduces(value: float, printed: Any, settings: Settings) -> bool:
    """Whether `value` gives the printed value: n.s. as p >= alpha, a number at its printed precision, rounded
    or truncated (the paper truncates a few figures: a truncated match explains the printed digits, and the
    reading's own finding still says it is truncated, not rounded)."""
    if isinstance(printed, str) and printed.replace(" ", "").lower() == "n.s.":
        return value >= settings.alpha
    return any(matches(value, printed).values())


def run_on_rows(test: str, rows: list[tuple[int, int]]) -> float:
    """`test` on the table whose rows are [n, denom - n]."""
    return _run(test, [[n, d - n] for n, d in rows])


def _printed_note(printed: Any) -> Any:
    return Num(printed, "g") if isinstance(printed, int | float) else str(printed)


def _shown_note(rule: dict[str, Any], catalog: Catalog) -> Any:
    if "rows" in rule:
        return fold("report.audit.join.vs", [f"{catalog.get(r)}/{catalog.get(r, 'denom')}" for r in rule["rows"]])
    rows = [[int(catalog.get(c)) for c in row] for row in rule["table"]]
    return note("report.audit.test.table", table=str(rows))


def _num_note(x: float) -> Num:
    if x < 0.0001:
        return Num(x, ".2e")
    return Num(x, ".5f" if x < 0.01 else ".4f")


def _run(test: str, table: Table) -> float:
    if test not in TESTS:
        raise InputError(f"unknown test {test!r}; known: {', '.join([*TESTS, *NOT_RECOMPUTABLE])}")
    return TESTS[test][1](table)


def _printed(rule: dict[str, Any], catalog: Catalog) -> tuple[Any, list[str]]:
    if "printed" in rule:
        entry = catalog.entry(rule["printed"])
        return entry.get("p", entry.get("value")), [rule["printed"]]
    need(rule, "printed_p", "where")
    return rule["printed_p"], []


def _table(rule: dict[str, Any], catalog: Catalog) -> tuple[Table, list[str], str]:
    if "rows" in rule:
        rows = [[int(catalog.get(r)), int(catalog.get(r, "denom")) - int(catalog.get(r))] for r in rule["rows"]]
        shown = " vs ".join(f"{catalog.get(r)}/{catalog.get(r, 'denom')}" for r in rule["rows"])
        return rows, list(rule["rows"]), shown
    need(rule, "table")
    rows = [[int(catalog.get(c)) for c in row] for row in rule["table"]]
    cells = [c for row in rule["table"] for c in row]
    return rows, cells, "table " + str(rows)


def _judge(value: float, printed: Any, settings: Settings) -> tuple[Status, str, Note]:
    alpha = Num(settings.alpha, "g")
    if isinstance(printed, str) and printed.replace(" ", "").lower() == "n.s.":
        ok = value >= settings.alpha
        return (
            ("consistent", f"≥ {settings.alpha}: printed n.s. ✓", note("report.audit.test.ns_ok", alpha=alpha))
            if ok
            else (
                "inconsistent",
                f"< {settings.alpha}, yet printed n.s.",
                note("report.audit.test.ns_bad", alpha=alpha),
            )
        )
    places = decimals(printed)
    rounded = at_precision(value, places, "round")
    hit = matches(value, printed)
    shown, want = Num(float(rounded), f".{places}f"), Num(printed, "g")
    if hit["round"]:
        return "consistent", f"→ {rounded} = printed {printed} ✓", note("report.audit.test.ok", got=shown, want=want)
    if hit["truncate"]:
        return (
            "inconsistent",
            f"→ {rounded} ≠ printed {printed} (which is the value truncated, not rounded)",
            note("report.audit.test.truncated", got=shown, want=want),
        )
    return "inconsistent", f"→ {rounded} ≠ printed {printed}", note("report.audit.test.differs", got=shown, want=want)


def _num(x: float) -> str:
    if x < 0.0001:
        return f"{x:.2e}"
    return f"{x:.5f}" if x < 0.01 else f"{x:.4f}"

"""The readings of the paper that change a number, and the check that none is made unnamed.

A reading is an entry of `readings:` in study/reproduction.yaml: its `id`, the catalog `ids` it
affects, and what it fixes, in one or more dimensions:

  time_point   the day a survival or cumulative-incidence curve is read at (`day:` of km / cir)
  test         which test gives a p-value or coefficient: the `stat` (fisher, mann_whitney,
               contingency_coefficient) or `logrank:<endpoint>` (logrank:os, logrank:relapse)
  window       a time window on an event: `le 100` for a condition {<x>_day: {le: 100}} anywhere in
               the entry's filters; `none` says the entry has none (Table 4's deaths at any time)
  population   patients a figure is restricted to beyond its published group: the `restrictions:`
               subsets in `of`, `a`, `b`, and any condition of a count's `denom` that its `n` lacks
               (a denominator that is not the counted patients' own group), joined by "+"
  denominator  (declared only) the count's `denom` filter, as written in the spec

Its text is data too: `report.reading.<id>` (the choice) and `report.reading.<id>.why` (the reason)
in mappings/messages.csv, in Russian and English.

`unnamed(...)` lists every choice an entry of the spec is computed under that no reading naming
the entry declares with the same value, and every declared value the spec does not hold: the
report refuses to run while the list is not empty, so no number is shown under an unnamed reading.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from etl.audit.notes import Note, note
from etl.errors import InputError

DIMENSIONS = ("time_point", "test", "window", "population", "denominator")
TESTS = frozenset({"fisher", "mann_whitney", "contingency_coefficient", "logrank"})
TIME_COLUMNS = ("_day", "_time")
NONE = "none"


@dataclass(frozen=True)
class Reading:
    id: str
    number: int  # 1-based, in the order of the file: the mark the report shows beside a number
    ids: tuple[str, ...]
    declared: dict[str, Any]

    @property
    def choice(self) -> Note:
        return note(f"report.reading.{self.id}")

    @property
    def why(self) -> Note:
        return note(f"report.reading.{self.id}.why")


def load_readings(doc: Mapping[str, Any]) -> list[Reading]:
    out = []
    for number, entry in enumerate(doc.get("readings") or [], start=1):
        if not isinstance(entry, Mapping) or not entry.get("id") or not entry.get("ids"):
            raise InputError(f"reading {number} of the reproduction spec needs an `id` and `ids`; got {entry!r}")
        unknown = set(entry) - {"id", "ids", *DIMENSIONS}
        if unknown:
            raise InputError(
                f"reading {entry['id']!r}: unknown key(s) {', '.join(sorted(unknown))}; "
                f"a reading declares {', '.join(DIMENSIONS)}"
            )
        declared = {k: entry[k] for k in DIMENSIONS if k in entry}
        out.append(Reading(str(entry["id"]), number, tuple(str(i) for i in entry["ids"]), declared))
    return out


def by_id(readings: list[Reading]) -> dict[str, tuple[Reading, ...]]:
    out: dict[str, list[Reading]] = {}
    for r in readings:
        for stat_id in r.ids:
            out.setdefault(stat_id, []).append(r)
    return {k: tuple(v) for k, v in out.items()}


def choices(spec: Mapping[str, Any], subsets: Mapping[str, Any], restrictions: frozenset[str]) -> dict[str, Any]:
    """The number-changing choices an entry of the spec is computed under, by dimension."""
    stat = spec.get("stat")
    found: dict[str, Any] = {}
    if "day" in spec:
        found["time_point"] = spec["day"]
    if stat in TESTS:
        found["test"] = f"{stat}:{spec['endpoint']}" if spec.get("endpoint") else stat
    windows = sorted(
        {
            f"{op} {value:g}" if isinstance(value, int | float) else f"{op} {value}"
            for key in ("n", "denom", "of", "a", "b", "outcome")
            for column, op, value in _conditions(spec.get(key), subsets)
            if column.endswith(TIME_COLUMNS) and op != "eq"
        }
    )
    if windows:
        found["window"] = "; ".join(windows)
    population = _population(spec, subsets, restrictions)
    if population:
        found["population"] = population
    return found


def unnamed(
    specs: Mapping[str, Mapping[str, Any]],
    subsets: Mapping[str, Any],
    readings: list[Reading],
    restrictions: frozenset[str],
) -> list[str]:
    """Every choice not named by a reading, and every reading that names what the spec does not do."""
    named = by_id(readings)
    problems = []
    for stat_id, spec in specs.items():
        for dim, value in choices(spec, subsets, restrictions).items():
            if not any(_same(r.declared.get(dim), value) for r in named.get(stat_id, ())):
                problems.append(f"{stat_id} is computed under {dim} = {value}, which no reading names")
    for r in readings:
        for stat_id in r.ids:
            named_spec = specs.get(stat_id)
            if named_spec is None:
                problems.append(f"reading {r.id!r} names {stat_id}, which the spec does not compute")
                continue
            got = choices(named_spec, subsets, restrictions)
            for dim, value in r.declared.items():
                actual = named_spec.get("denom") if dim == "denominator" else got.get(dim, NONE)
                if not _same(value, actual):
                    problems.append(f"reading {r.id!r} says {stat_id} has {dim} = {value}, the spec {actual}")
    return problems


def _same(declared: Any, actual: Any) -> bool:
    if declared is None:
        return False
    if isinstance(declared, int | float) and isinstance(actual, int | float):
        return declared == actual
    return declared == actual if not isinstance(declared, str) else declared == str(actual)


def _conditions(spec: Any, subsets: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(column, operator, value) of every condition of a filter; `eq` for a plain value or list."""
    if spec is None:
        return
    if isinstance(spec, str):
        yield from _conditions(subsets.get(spec), subsets)
    elif isinstance(spec, list):
        for part in spec:
            yield from _conditions(part, subsets)
    elif isinstance(spec, Mapping):
        for column, condition in spec.items():
            if isinstance(condition, Mapping):
                for op, value in condition.items():
                    yield str(column), str(op), value
            else:
                yield str(column), "eq", tuple(condition) if isinstance(condition, list) else condition


def _names(spec: Any) -> set[str]:
    if isinstance(spec, str):
        return {spec}
    if isinstance(spec, list):
        return set().union(*(_names(p) for p in spec)) if spec else set()
    return set()


def _population(spec: Mapping[str, Any], subsets: Mapping[str, Any], restrictions: frozenset[str]) -> str:
    names = set()
    for key in ("of", "a", "b"):
        names |= _names(spec.get(key)) & restrictions
    if spec.get("stat") == "count" and spec.get("denom") is not None:
        counted = set(_conditions(spec["n"], subsets))
        for condition in set(_conditions(spec["denom"], subsets)) - counted:
            names.add(_name_of(condition, subsets))
    return "+".join(sorted(names))


def _name_of(condition: tuple[str, str, Any], subsets: Mapping[str, Any]) -> str:
    """The subset that is exactly this one condition, else `column op value`."""
    for name, definition in subsets.items():
        if list(_conditions(definition, subsets)) == [condition]:
            return str(name)
    column, op, value = condition
    return f"{column} {op} {value}"

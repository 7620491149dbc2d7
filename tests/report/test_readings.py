"""Every choice that changes a number is named: a reading of study/reproduction.yaml with its reason, in both
languages, and the report refuses a catalog id computed under a choice the readings do not name."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from etl.analysis import DEFAULT_SPEC, reproduce
from etl.analysis.readings import choices, unnamed
from etl.analysis.reproduce import load_full_spec
from etl.audit import DEFAULT_PUBLISHED
from etl.audit.model import Catalog
from etl.errors import InputError
from etl.messages import catalogue

SPEC_TEXT = DEFAULT_SPEC.read_text(encoding="utf-8")


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reproduction.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _refusal(tmp_path: Path, text: str) -> str:
    catalog = Catalog.load(DEFAULT_PUBLISHED)
    with pytest.raises(InputError) as raised:
        reproduce(pd.DataFrame(), catalog, [], {}, _spec(tmp_path, text))
    return str(raised.value)


def test_the_project_names_every_choice_it_computes_under() -> None:
    spec = load_full_spec()
    assert unnamed(spec.statistics, spec.subsets, spec.readings, spec.restrictions) == []
    assert len({r.id for r in spec.readings}) == len(spec.readings)
    messages = catalogue()
    for r in spec.readings:
        for key in (f"report.reading.{r.id}", f"report.reading.{r.id}.why"):
            assert messages[key]["ru"] and messages[key]["en"], key


def test_the_issue_s_readings_are_recorded_with_their_values() -> None:
    spec = load_full_spec()
    named = {(i, dim): value for r in spec.readings for i in r.ids for dim, value in r.declared.items()}
    assert named[("f2.ino_pos.os", "time_point")] == 730  # Figure 2 read at 2 years
    assert named[("f1.ino_pos_haplo.os", "time_point")] == 1096
    assert named[("t4.ino_pos_ric.relapse", "window")] == "le 100"  # relapse before D+100
    assert named[("t4.ino_pos_ric.death", "window")] == "none"  # deaths at any time
    assert named[("f2.cir.p", "test")] == "logrank:relapse"  # cause-specific, not Gray
    assert named[("t3.ino_neg.platelet_recovery", "population")] == "engrafted"  # a denominator


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a time point changed without its reading
        (
            "f2.ino_pos.os: {stat: km, of: ino_pos, day: 730}",
            "f2.ino_pos.os: {stat: km, of: ino_pos, day: 1096}",
            "f2.ino_pos.os is computed under time_point = 1096",
        ),
        # another test
        (
            "f3.os.p: {stat: logrank, a: [ino_pos, ric], b: [ino_pos, mac], endpoint: os}",
            "f3.os.p: {stat: fisher, a: [ino_pos, ric], b: [ino_pos, mac], outcome: {dead: 1}}",
            "f3.os.p is computed under test = fisher",
        ),
        # deaths read before D+100: the reading says "at any time"
        (
            "t4.ino_pos_mac.death: {stat: count, n: [ino_pos, mac, {dead: 1}]",
            "t4.ino_pos_mac.death: {stat: count, n: [ino_pos, mac, {dead: 1, last_contact_day: {le: 100}}]",
            "reading 'table4-deaths-at-any-time' says t4.ino_pos_mac.death has window = none, the spec le 100",
        ),
        # a denominator of the engrafted patients that no reading names
        (
            "t3.ino_pos.platelet_recovery: {stat: count, n: [ino_pos, {platelet_recovered: 1}], denom: ino_pos}",
            "t3.ino_pos.platelet_recovery: {stat: count, n: [ino_pos, {platelet_recovered: 1}], "
            "denom: [ino_pos, engrafted]}",
            "t3.ino_pos.platelet_recovery is computed under population = engrafted",
        ),
    ],
)
def test_a_choice_the_readings_do_not_name_is_refused(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in SPEC_TEXT
    assert expected in _refusal(tmp_path, SPEC_TEXT.replace(old, new))


def test_a_reading_removed_leaves_its_ids_unnamed(tmp_path: Path) -> None:
    line = re.search(r"\n  - \{id: figure2-survival-at-2-years[^\n]*", SPEC_TEXT)
    assert line
    refused = _refusal(tmp_path, SPEC_TEXT.replace(line.group(0), ""))
    assert "f2.ino_pos.os is computed under time_point = 730, which no reading names" in refused


def test_what_counts_as_a_choice() -> None:
    subsets = {"g": {"ino_group": "InO+"}, "engrafted": {"engrafted": 1}, "relapsed": {"relapse": 1}}
    restrict = frozenset({"engrafted"})
    assert choices({"stat": "count", "n": ["g", "relapsed"], "denom": "g"}, subsets, restrict) == {}
    assert choices({"stat": "count", "n": ["g", "relapsed"], "denom": ["g", "engrafted"]}, subsets, restrict) == {
        "population": "engrafted"
    }
    assert choices({"stat": "count", "n": ["g", {"relapse_day": {"le": 100}}], "denom": "g"}, subsets, restrict) == {
        "window": "le 100"
    }
    assert choices({"stat": "cir", "of": ["g", "engrafted"], "day": 1096}, subsets, restrict) == {
        "time_point": 1096,
        "population": "engrafted",
    }
    assert choices({"stat": "logrank", "a": "g", "b": "g", "endpoint": "relapse"}, subsets, restrict) == {
        "test": "logrank:relapse"
    }
    assert choices({"stat": "median", "of": "g", "field": "age_years"}, subsets, restrict) == {}

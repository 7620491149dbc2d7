"""Every text of the report comes from mappings/messages.csv in both languages, with each language's typography:
the figures' own texts, the layout's labels, the notes, the audit's findings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from etl.analysis import read_patients
from etl.analysis.reproduce import load_full_spec
from etl.audit import run_audit
from etl.db import make_engine, upgrade
from etl.load.concepts import sync_concepts
from etl.messages import catalogue
from etl.report import write_report
from etl.report.build import load_layout
from etl.report.figures import figure
from tests.analysis.cohort import load_records, small_cohort
from tests.report.test_browser import CYRILLIC, english_words

KEY = re.compile(r"^report\.")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("bilingual")
    engine = make_engine(f"sqlite:///{root / 'r.db'}")
    try:
        upgrade(engine)
        sync_concepts(engine)
        load_records(engine, small_cohort())
        report = write_report(engine, root / "report", decisions=None)
        return report, read_patients(engine)
    finally:
        engine.dispose()


def _layout_keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_layout_keys(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_layout_keys(v) for v in node)) if node else set()
    return {node} if isinstance(node, str) and KEY.match(node) else set()


def test_every_label_of_the_layout_is_a_message_in_both_languages() -> None:
    layout = load_layout()
    keys = _layout_keys(layout)
    assert len(keys) > 60
    messages = catalogue()
    for key in keys:
        assert messages[key]["ru"] and messages[key]["en"], key
    for table in layout["tables"]:  # no label of its own any more: one mechanism
        assert all("ru" not in row and "en" not in row for row in table["rows"])


def test_the_groups_are_written_as_the_paper_s_tables_write_them() -> None:
    messages = catalogue()
    assert (messages["report.group.ino_neg"]["ru"], messages["report.group.ino_neg"]["en"]) == ("ИнО–", "InO–")
    assert all("InO-" not in m["en"] and "ИнО-" not in m["ru"] for k, m in messages.items() if k.startswith("report."))


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_each_figure_is_drawn_in_one_language(built: Any, lang: str) -> None:
    report, patients = built
    by_id = {r.id: r for r in report.results}
    subsets = load_full_spec().subsets
    for spec in load_layout()["figures"]:
        fig = figure(spec, patients, subsets, by_id, lang)
        try:
            texts = [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]
            texts += [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels()]
        finally:
            plt.close(fig)
        if lang == "ru":
            assert english_words(texts) == set(), spec["number"]
            assert any("Под риском" in t for t in texts)
            assert any(re.fullmatch(r"0,\d", t) for t in texts), texts  # a decimal comma on the axis
        else:
            assert not any(CYRILLIC.search(t) for t in texts), spec["number"]
            assert any("At risk" in t for t in texts)
            assert any(re.fullmatch(r"0\.\d", t) for t in texts), texts
    assert {p.name for p in report.figures} == {f"figure{n}.{lang}.png" for n in (1, 2, 3) for lang in ("ru", "en")}


def test_figure_1_states_the_time_point_of_its_estimate(built: Any) -> None:
    report, patients = built
    by_id = {r.id: r for r in report.results}
    spec = load_layout()["figures"][0]
    for lang, when in (("ru", "через 3 года (Д+1096)"), ("en", "at 3 years (D+1096)")):
        fig = figure(spec, patients, load_full_spec().subsets, by_id, lang)
        try:
            texts = [t.get_text() for t in fig.findobj(Text)]
        finally:
            plt.close(fig)
        if by_id["f1.ino_pos_haplo.os"].computed is not None:
            assert any(t.endswith(when) for t in texts), texts
    html = report.html.read_text(encoding="utf-8")
    assert "через 3 года (Д+1096)" in html and "at 3 years (D+1096)" in html


def test_every_note_renders_in_both_languages(built: Any) -> None:
    report, _ = built
    for r in report.results:
        assert r.notes, r.id
        for n in r.notes:
            ru, en = n.render("ru"), n.render("en")
            assert english_words([ru]) == set(), (r.id, ru)
            assert not CYRILLIC.search(en), (r.id, en)


def test_every_inconsistent_finding_of_the_audit_is_said_in_both_languages() -> None:
    messages = catalogue()
    for f in run_audit():
        if f.status != "inconsistent":
            continue
        assert f.message is not None, f.rule
        assert messages[f"report.audit.rule.{f.rule}"]["ru"], f.rule
        ru, en = f.message.render("ru"), f.message.render("en")
        assert english_words([ru]) == set(), (f.rule, ru)
        assert not CYRILLIC.search(en), (f.rule, en)


def test_the_report_file_names_are_per_language(built: Any) -> None:
    report, _ = built
    assert isinstance(report.html, Path)
    html = report.html.read_text(encoding="utf-8")
    for n in (1, 2, 3):
        assert f'<img class="l-ru" lang="ru" src="figure{n}.ru.png"' in html
        assert f'<img class="l-en" lang="en" src="figure{n}.en.png"' in html

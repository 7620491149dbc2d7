"""`hsct mappings check` and `hsct mappings unmapped`, through the real CLI entry point,
on temporary copies of the mapping folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import main
from etl.harmonize.check import check_mappings
from etl.harmonize.vocab import MappingError, load_vocabulary
from etl.paths import MAPPINGS_DIR


@pytest.fixture
def mappings_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, folder)
    return folder


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def test_the_shipped_mappings_pass_the_check() -> None:
    assert check_mappings() == []
    result = CliRunner().invoke(main, ["mappings", "check"])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_check_catches_a_synonym_mapped_to_two_concepts(mappings_copy: Path) -> None:
    # `гапло` already means haplo; a data manager adds it (in another case and dash) to MUD
    path = mappings_copy / "values" / "donor_type.yaml"
    text = path.read_text(encoding="utf-8").replace("matched_unrelated: [", "matched_unrelated: [ГАПЛО, ")
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["mappings", "check", "--mappings", str(mappings_copy)])
    assert result.exit_code == 11
    assert "donor_type.yaml" in result.output
    assert "'haplo'" in result.output and "'matched_unrelated'" in result.output
    with pytest.raises(MappingError):
        load_vocabulary(mappings_copy)


def test_check_catches_a_look_alike_synonym_in_headers(mappings_copy: Path) -> None:
    path = mappings_copy / "field_catalogue.yaml"
    text = path.read_text(encoding="utf-8").replace("dli: {ru: [ИДЛ], en: [DLI]", "dli: {ru: [ИДЛ], en: [DLI, Сепсис]")
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in check_mappings(mappings_copy)]
    assert any("field_catalogue.yaml" in p and "'tox_sepsis'" in p and "'dli'" in p for p in problems), problems


def test_check_catches_an_unknown_target_and_an_unreachable_concept(mappings_copy: Path) -> None:
    path = mappings_copy / "values" / "graft_source.yaml"
    text = path.read_text(encoding="utf-8").replace("pbsc:", "cord_blood: [пуповинная кровь]\n  pbsx:")
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["mappings", "check", "--mappings", str(mappings_copy)])
    assert result.exit_code == 11
    assert "cord_blood" in result.output and "pbsx" in result.output
    assert "['pbsc'] of concepts.csv have no spelling" in result.output


def test_check_catches_a_field_without_parser_and_a_bad_yaml(mappings_copy: Path) -> None:
    catalogue = mappings_copy / "field_catalogue.yaml"  # a field line without a parser, at the end of labs
    text = catalogue.read_text(encoding="utf-8")
    text = text.replace("\n# Rows of a table", "      favourite_colour: {ru: [Любимый цвет]}\n\n# Rows of a table")
    catalogue.write_text(text, encoding="utf-8")
    (mappings_copy / "values" / "sex.yaml").write_text("concepts: [unclosed\n", encoding="utf-8")
    problems = "\n".join(str(p) for p in check_mappings(mappings_copy))
    assert "favourite_colour" in problems and "raw_fields" in problems
    assert "no parser" in problems
    assert "sex.yaml" in problems


def test_a_new_synonym_is_one_line(mappings_copy: Path) -> None:
    import pandas as pd

    from etl.harmonize.vocab import lookup

    assert lookup(pd.Series(["брат"]), "donor_type", load_vocabulary(mappings_copy)).unmapped.all()
    path = mappings_copy / "values" / "donor_type.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("сиблинг,", "сиблинг, брат,"), encoding="utf-8")
    fresh = mappings_copy.parent / "fresh"
    shutil.copytree(mappings_copy, fresh)  # the vocabulary is cached per folder
    assert check_mappings(fresh) == []
    assert lookup(pd.Series(["Брат"]), "donor_type", load_vocabulary(fresh)).keys.tolist() == ["matched_related"]


def test_unmapped_lists_headers_and_values_with_an_example(tmp_path: Path) -> None:
    source = tmp_path / "night"
    source.mkdir()
    registry = (
        "Код пациента;ФИО;Пол;Тип донора;Экспрессия CD22, %;МОБ перед ТГСК;Сепсис;Любимый цвет;оРТПХ, степень\n"
        "ТГСК-2019-014;Иванов И.И.;М;гапло;74,5;МОБ-;да;синий;III\n"
        "ТГСК-2019-015;Петров П.П.;Ж;тётя;80;МОБ?;может;красный;V\n"
        "ТГСК-2019-016;Сидорова С.С.;ж;ТЁТЯ;80;<0,01%;нет;;ІІ\n"
    )
    (source / "registry_ru_2026-01-05.csv").write_bytes(registry.encode("cp1251"))
    labs = (
        "Patient ID,Date,Test,Result,Unit\n"
        "HSCT-2019-014,2019-03-01,ANC,500,cells/uL\n"
        "HSCT-2019-014,2019-03-01,Ferritin,5,ng/mL\n"
    )
    (source / "labs_2026-01-05.csv").write_text(labs, encoding="utf-8")
    out = tmp_path / "unmapped.csv"
    result = CliRunner().invoke(main, ["mappings", "unmapped", "--source", str(source), "--csv", str(out)])
    assert result.exit_code == 11, result.output
    assert "'Любимый цвет'" in result.output
    assert "registry_ru.donor_type [donor_type]: 'тётя' x2 (e.g. registry_ru_2026-01-05.csv row 3)" in result.output
    for value in ("'МОБ?'", "'может'", "'V'", "'Ferritin'", "'ng/mL'"):
        assert value in result.output
    for known in ("'гапло'", "'III'", "'ІІ'", "'<0,01%'", "'cells/uL'"):
        assert known not in result.output
    assert out.read_text(encoding="utf-8").startswith("kind,feed,field,domain,value,count,example_file,example_row")


def test_unmapped_says_ok_when_everything_is_known(tmp_path: Path) -> None:
    source = tmp_path / "night"
    source.mkdir()
    (source / "registry_en_1.csv").write_text("Patient ID,Sex,Donor type\nHSCT-2019-014,F,MUD\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["mappings", "unmapped", "--source", str(source)])
    assert result.exit_code == 0, result.output
    assert "ok:" in result.output

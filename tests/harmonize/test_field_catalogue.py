"""The field catalogue (mappings/field_catalogue.yaml) is the one place a source column is described.

Issue 17, item 1: header mapping, record fields, table builders and lineage all derive from it, so a
new plain source column is one catalogue line plus a migration; the catalogue agrees with the record
models and the schema.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Column, Double, MetaData

from etl.cli import main
from etl.extract import ROW_NUMBER, RawTable
from etl.harmonize.catalogue import CATALOGUE_FILE, load_catalogue
from etl.harmonize.check import check_mappings
from etl.harmonize.field_origin import read_field_origins
from etl.harmonize.mapfiles import read_mapping_files
from etl.harmonize.registry import harmonize_registry
from etl.harmonize.vocab import load_vocabulary
from etl.load.builders import build_table
from etl.load.concepts import read_concepts
from etl.paths import MAPPINGS_DIR
from schemas.records import CODED_FIELDS, CODED_LAB_FIELDS, LabRecord, PatientRecord
from schemas.tables import metadata

CLINICAL = [
    "patient", "person", "diagnosis", "transplant", "bridging_therapy", "drug_administration", "disease_assessment",
    "pretransplant_toxicity", "recovery", "complication", "relapse", "dli", "follow_up", "lab_result",
]  # fmt: skip
NEW_LINE = (
    "      lansky_score: {ru: [Шкала Лански], en: [Lansky score], parser: decimal, to: [transplant.lansky_score]}\n"
)


def test_the_catalogue_names_every_record_field_of_both_models_and_no_other() -> None:
    catalogue = load_catalogue()
    registry = [t.name for _, t in catalogue.feed("registry").record_fields()]
    labs = [t.name for _, t in catalogue.feed("labs").record_fields()]
    assert sorted(registry) == sorted(PatientRecord.model_fields)
    assert sorted(labs) == sorted(LabRecord.model_fields)
    assert len(registry) == len(set(registry)) and len(labs) == len(set(labs))
    # nothing is added to the declared models by the shipped catalogue
    assert catalogue.record_model("registry") is PatientRecord
    assert catalogue.record_model("labs") is LabRecord


def test_the_catalogue_and_the_models_agree_on_coded_fields() -> None:
    # schemas/records.py keeps the domains of its declared fields (readback turns their concept ids into keys)
    catalogue = load_catalogue()
    registry = catalogue.coded_fields("registry")
    assert {f: d for f, d in registry.items() if f in PatientRecord.model_fields} == CODED_FIELDS
    assert catalogue.coded_fields("labs") == CODED_LAB_FIELDS
    assert registry["mrd_status"] == "mrd_status" and "intrathecal" not in registry  # a boolean domain is no concept


def test_every_catalogue_column_exists_and_every_clinical_column_is_accounted_for() -> None:
    catalogue = load_catalogue()
    concepts = set(read_concepts()["concept_id"])
    fed: set[tuple[str, str]] = set()
    for feed in catalogue.feeds:
        for _, target in feed.record_fields():
            for column in target.columns:
                assert column.column in metadata.tables[column.table].c, column
                assert column.concept == "" or column.concept in concepts, column
                fed.add((column.table, column.column))
    without = set(catalogue.derived) | set(catalogue.empty)
    for table, column in without:
        assert column in metadata.tables[table].c, (table, column)
    assert not (set(catalogue.empty) & fed), "a column stored empty is also filled from a cell"
    for name in CLINICAL:
        for column in metadata.tables[name].c:
            where = (name, column.name)
            accounted = where in fed or where in without or column.name in catalogue.bookkeeping
            assert accounted, f"{name}.{column.name} is neither in {CATALOGUE_FILE} nor listed without a source"


def test_the_lineage_map_has_one_row_per_column_and_concept() -> None:
    origins = read_field_origins()
    keys = origins[["table_name", "column_name", "concept_id"]].apply(tuple, axis=1)
    assert not keys.duplicated().any(), origins[keys.duplicated(keep=False)]
    row = origins[(origins["table_name"] == "recovery") & (origins["column_name"] == "neutrophil_day")]
    assert row[["record_field", "source_field"]].values.tolist() == [["engraftment_day", "engraftment"]]
    sos = origins[(origins["table_name"] == "complication") & (origins["concept_id"] == "complication/sos")]
    assert set(sos["column_name"]) == {"present", "onset_date", "onset_day"}
    assert set(sos["source_field"]) == {"sos_cell"}


def test_day_cells_and_header_languages_come_from_the_catalogue() -> None:
    registry = load_catalogue().feed("registry")
    days = {f.name: [t.part for t in f.record] for f in registry.fields if f.is_day}
    assert days["engraftment"] == ["happened", "day"]
    assert days["relapse_date_cell"] == ["date_if_happened"]
    assert registry.field("donor_type").headers_ru == ("Тип донора", "Донор")
    assert "Donor type" in registry.field("donor_type").headers_en
    files = read_mapping_files(MAPPINGS_DIR)
    assert files.headers["registry"].fields["donor_type"] == ["Тип донора", "Донор", "Donor type", "Donor"]
    assert files.field_types["registry"]["donor_type"] == {"parser": "code", "domain": "donor_type"}


# --------------------------------------------------------------------------- a new source column


@pytest.fixture
def with_new_column(tmp_path: Path) -> Path:
    """A copy of mappings/ whose catalogue has one more registry line (nothing else changed)."""
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, folder)
    path = folder / CATALOGUE_FILE
    text = path.read_text(encoding="utf-8")
    anchor = "  labs:\n"
    assert text.count(anchor) == 1
    path.write_text(text.replace(anchor, NEW_LINE + anchor), encoding="utf-8")
    return folder


@pytest.fixture
def migrated(monkeypatch: pytest.MonkeyPatch) -> MetaData:
    """The schema after the migration that adds transplant.lansky_score (a copy of schemas.tables')."""
    schema = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(schema)
    schema.tables["transplant"].append_column(Column("lansky_score", Double))
    monkeypatch.setattr("etl.harmonize.catalogue.metadata", schema)
    monkeypatch.setattr("etl.load.builders.metadata", schema)
    return schema


def _spelling(domain: str, key: str) -> str:
    return read_mapping_files(MAPPINGS_DIR).values[domain].concepts[key][0]


def _registry_table(folder: Path, scores: list[str]) -> RawTable:
    """A registry_ru file: the required cells of two invented patients, and the new column."""
    registry = load_catalogue(folder).feed("registry")
    date = "%d.%m.%Y"
    cells = {
        "registry_code": ["ТГСК-2019-014", "ТГСК-2019-015"],
        "sex": [_spelling("sex", "female")] * 2,
        "birth_date": [dt.date(2009, 4, 17).strftime(date)] * 2,
        "diagnosis": [_spelling("diagnosis", "b_all")] * 2,
        "disease_status": [_spelling("disease_status", "second_relapse")] * 2,
        "bridging_therapy": [_spelling("bridging_therapy", "hd_mtx")] * 2,
        "therapy_start_date": [dt.date(2019, 4, 20).strftime(date)] * 2,
        "response": [_spelling("response", "cri")] * 2,
        "hsct_date": [dt.date(2019, 5, 20).strftime(date)] * 2,
        "donor_type": [_spelling("donor_type", "haplo")] * 2,
        "graft_source": [_spelling("graft_source", "bm")] * 2,
        "conditioning": [_spelling("conditioning", "ric_mel")] * 2,
        "gvhd_prophylaxis": [_spelling("gvhd_prophylaxis", "ptcy")] * 2,
        "immunosuppression": [_spelling("immunosuppression", "tac_sir")] * 2,
        "vital_status": [_spelling("vital_status", "alive")] * 2,
        "last_contact_date": [dt.date(2020, 3, 1).strftime(date)] * 2,
        "lansky_score": scores,
    }
    headers = [registry.field(name).headers_ru[0] for name in cells]
    headers[-1] += ", баллы"  # a unit after a comma: matched on the header's head
    rows = pd.DataFrame(dict(zip(headers, cells.values(), strict=True)))
    rows.insert(0, ROW_NUMBER, range(2, 2 + len(rows)))
    return RawTable(
        path=Path("registry_ru_20240101.csv"), feed="registry_ru", format="csv", sha256="c" * 64, size=100,
        encoding="utf-8", delimiter=";", sheet=None, header_row=1, headers=headers, columns=headers, rows=rows,
        cell_origin="text",
    )  # fmt: skip


def test_a_new_column_without_its_migration_is_reported_by_the_check(with_new_column: Path) -> None:
    problems = [str(p) for p in check_mappings(with_new_column)]
    assert problems == [f"{CATALOGUE_FILE}: registry.lansky_score: transplant.lansky_score is not a column of"
                        " schemas/tables/"]  # fmt: skip


def test_a_new_plain_column_is_one_catalogue_line_plus_a_migration(with_new_column: Path, migrated: MetaData) -> None:
    assert check_mappings(with_new_column) == []
    catalogue = load_catalogue(with_new_column)
    # header mapping: both languages, and a header with a unit after a comma
    vocab = load_vocabulary(with_new_column)
    assert vocab.header_index("registry_ru").match("Шкала Лански, баллы") == "lansky_score"
    assert vocab.header_index("registry_en").match("Lansky score") == "lansky_score"
    # the record: typed by its parser (optional), validated with the rest of the row
    model = catalogue.record_model("registry")
    assert list(model.model_fields)[: len(PatientRecord.model_fields)] == list(PatientRecord.model_fields)
    assert model.model_fields["lansky_score"].annotation == float | None
    result = harmonize_registry(_registry_table(with_new_column, ["70", "много"]), vocab)
    assert result.records["patient_key"].tolist() == ["2019-014"]
    assert result.records["lansky_score"].tolist() == [70.0]
    bad = result.issues[result.issues["row_number"] == 3]
    assert bad[["column_name", "raw_value", "reason_code"]].values.tolist() == [
        ["Шкала Лански, баллы", "много", "invalid_number"]
    ]
    # the builder: the new column of its table, from the record field
    patients = result.records.assign(patient_id=[1], transplant_id=[11], raw_row_id=[101])
    transplant = build_table("transplant", patients, catalogue)
    assert transplant["lansky_score"].tolist() == [70.0]
    assert list(transplant.columns) == [c.name for c in migrated.tables["transplant"].c]
    assert transplant["donor_type_id"].tolist() == ["donor_type/haplo"]
    # lineage: the column's row of field_origin
    origins = read_field_origins(with_new_column)
    row = origins[origins["column_name"] == "lansky_score"]
    assert row.values.tolist() == [["transplant", "lansky_score", "", "lansky_score", "lansky_score"]]
    # the shipped mappings are untouched
    assert "lansky_score" not in load_catalogue().record_fields("registry")


def test_hsct_mappings_check_names_a_column_of_no_table(tmp_path: Path) -> None:
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, folder)
    path = folder / CATALOGUE_FILE
    text = path.read_text(encoding="utf-8").replace("to: [transplant.cd3_dose]", "to: [transplant.cd3_dosage as dy]")
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["mappings", "check", "--mappings", str(folder)])
    assert result.exit_code == 11
    assert "transplant.cd3_dosage is not a column of schemas/tables/" in result.output
    assert "`as dy` is not one of copy, day, date, year, age, derived" in result.output

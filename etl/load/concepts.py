"""Load the vocabulary (concepts.csv, concept_codings.csv) and the lineage map (the field catalogue's columns)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, delete, tuple_

from etl.db.bulk import upsert
from etl.harmonize.field_origin import read_field_origins
from etl.paths import MAPPINGS_DIR
from schemas.tables import Concept, ConceptCoding, FieldOrigin

CONCEPT_COLUMNS = ["domain", "key", "system", "code", "display_en", "display_ru", "parent"]


def read_concepts(folder: Path = MAPPINGS_DIR) -> pd.DataFrame:
    """The concept table as rows of `concept` (concept_id = domain/key), parents first."""
    path = folder / "concepts.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in CONCEPT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    df["concept_id"] = df["domain"] + "/" + df["key"]
    duplicated = df[df["concept_id"].duplicated()]["concept_id"].tolist()
    if duplicated:
        raise ValueError(f"{path}: concepts listed twice: {duplicated}")
    unknown_parent = sorted(set(df["parent"][df["parent"] != ""]) - set(df["concept_id"]))
    if unknown_parent:
        raise ValueError(f"{path}: parents that are not concepts: {unknown_parent}")
    df["parent_id"] = df["parent"].replace("", None)
    # parents first: a concept's parent must exist when it is inserted
    df = pd.concat([df[df["parent_id"].isna()], df[df["parent_id"].notna()]])
    return df[["concept_id", "domain", "key", "system", "code", "display_en", "display_ru", "parent_id"]]


def read_codings(folder: Path = MAPPINGS_DIR) -> pd.DataFrame:
    path = folder / "concept_codings.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    df["concept_id"] = df["domain"] + "/" + df["key"]
    return df[["concept_id", "system", "code", "display"]]


def sync_concepts(engine: Engine, folder: Path = MAPPINGS_DIR) -> int:
    """Upsert every concept and extra coding; returns the number of concepts.

    Concepts are never deleted here: a concept that leaves the CSV may still be
    referenced by loaded data. A further coding that leaves concept_codings.csv is deleted (no
    data refers to it, and the export would go on sending it: a code withdrawn from the data,
    mappings/fhir/terminology.yaml `withdrawn`, must leave the database too).
    """
    concepts = read_concepts(folder)
    codings = read_codings(folder)
    unknown = sorted(set(codings["concept_id"]) - set(concepts["concept_id"]))
    if unknown:
        raise ValueError(f"{folder / 'concept_codings.csv'}: codings of unknown concepts {unknown}")
    rows = [{k: (None if v is None or v != v else v) for k, v in r.items()} for r in concepts.to_dict("records")]
    with engine.begin() as conn:
        upsert(conn, Concept.__table__, rows, ["concept_id"])
        kept = list(zip(codings["concept_id"], codings["system"], strict=True))
        cc = ConceptCoding.__table__
        stale = delete(cc)
        if kept:
            stale = stale.where(tuple_(cc.c.concept_id, cc.c.system).not_in(kept))
        conn.execute(stale)
        upsert(conn, cc, codings.to_dict("records"), ["concept_id", "system"])
        origins = read_field_origins(folder)
        upsert(conn, FieldOrigin.__table__, origins.to_dict("records"), ["table_name", "column_name", "concept_id"])
    return len(rows)

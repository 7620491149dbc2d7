"""The lineage map: which record and source field each harmonized column comes from.

Derived from the field catalogue (mappings/field_catalogue.yaml, `catalogue.Catalogue.field_origins`).
Read by the harmonizer (a rejected value names its source column) and by the load
stage (the `field_origin` table that lineage queries join); it lives here, in the
earlier stage, so that the load may import it and the harmonizer imports no later stage.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.harmonize.catalogue import load_catalogue
from etl.paths import MAPPINGS_DIR


def read_field_origins(folder: Path = MAPPINGS_DIR) -> pd.DataFrame:
    """Columns table_name, column_name, concept_id, record_field, source_field (text; no concept: ""),
    one row per column (and concept of a long table) that a source cell fills."""
    return load_catalogue(folder).field_origins()

"""mappings/field_origin.csv: which record and source field each harmonized column comes from.

Read by the harmonizer (a rejected value names its source column) and by the load
stage (the `field_origin` table that lineage queries join); it lives here, in the
earlier stage, so that the load may import it and the harmonizer imports no later stage.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.paths import MAPPINGS_DIR


def read_field_origins(folder: Path = MAPPINGS_DIR) -> pd.DataFrame:
    """Columns table_name, column_name, concept_id, record_field, source_field (text; empty: "")."""
    return pd.read_csv(folder / "field_origin.csv", dtype=str, keep_default_na=False, encoding="utf-8")

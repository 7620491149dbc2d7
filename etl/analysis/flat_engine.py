"""The study's analysis views over a flat analysis_patient table, in memory: what `hsct report --from-fhir`
computes the catalogue on (etl.analysis.from_fhir builds the table from a partner's export alone)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from etl.errors import InputError
from etl.paths import PROJECT_ROOT

MIGRATION = PROJECT_ROOT / "migrations" / "versions" / "0003_analysis_views.py"


def analysis_engine(patients: pd.DataFrame) -> Any:
    """An in-memory SQLite database holding `patients` as the table analysis_patient and migration 0003's
    analysis_table1-4 views over it: what etl.analysis.read_patients/read_table read, so `hsct report`'s
    own code (etl.report.write_report) runs on it unchanged. Returns a SQLAlchemy Engine."""
    import importlib.util

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import StaticPool

    spec = importlib.util.spec_from_file_location("hsct_migration_0003", MIGRATION)
    if spec is None or spec.loader is None:  # the frozen migration is part of the project
        raise InputError(f"{MIGRATION}: cannot be read")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    engine = create_engine("sqlite://", poolclass=StaticPool)
    patients.to_sql("analysis_patient", engine, index=False)
    with engine.begin() as conn:
        for name, sql in migration.VIEWS.items():
            if name != "analysis_patient":
                conn.execute(text(sql))
    return engine

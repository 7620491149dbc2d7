"""The statistics layer: reads only the analysis views and reproduces the study's published figures.

Public API:
    read_patients(engine), read_table(engine, number)   the views (migration 0003), as DataFrames
    reproduce(patients, catalog, findings, exemptions)  one Reproduction per published id
    load_decisions(path)                                what a cohort's decisions file says about each id
    estimators                                           scipy / lifelines calls (KM, Aalen-Johansen, tests)

How each id is computed is data: study/reproduction.yaml (its header documents the syntax).
"""

from __future__ import annotations

from etl.analysis import estimators
from etl.analysis.compare import DIFFERS, NOT_COMPUTABLE, REPRODUCED
from etl.analysis.exemptions import Decision, load_decisions
from etl.analysis.reproduce import DEFAULT_DECISIONS, DEFAULT_SPEC, Reproduction, reproduce
from etl.analysis.views import read_patients, read_table

__all__ = [
           "DEFAULT_DECISIONS",
           "DEFAULT_SPEC",
           "DIFFERS",
           "NOT_COMPUTABLE",
           "REPRODUCED",
           "Decision",
           "Reproduction",
           "estimators",
           "load_decisions",
           "read_patients",
           "read_table",
           "reproduce",
]

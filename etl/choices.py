"""Values the commands offer in their options, kept where importing them is cheap.

`hsct --help` renders every option's choices and defaults. Defined in the modules that use
them, whose packages import pandas, great_expectations, fhir.resources or scipy, they would
load those libraries for the help alone (seconds); those modules import them from here.
"""

from __future__ import annotations

VALIDATION_MODES = ("all", "sample", "none")  # FHIR validation by the R4 models: etl.fhir.validate.MODES
DOCS_FOLDER = "quality-docs"  # the GX Data Docs' folder by default: etl.quality.docs
AUDIT_FORMATS = ("json", "text")  # the keys of etl.audit.report.RENDERERS (tests/cli/test_light_help.py)

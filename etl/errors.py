"""Exit codes, in one place; numbers are never reused.

0 success; 1 the data failed a blocking quality gate (the batch is held; only
that); 2 usage error (click's own); 3 a database error; 4 an input file or
folder could not be used (nothing was changed); 5 another run holds the lock;
6-8 the FHIR export (below); 9 an internal error: a bug, not bad input (a
one-line message; the traceback goes to a log file, never to the terminal).
"""

from __future__ import annotations

import click

EXIT_OK = 0
EXIT_QUALITY_GATE = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_INPUT = 4
EXIT_LOCKED = 5
EXIT_INTERNAL = 9  # a bug: the message names the log file holding the traceback


class HsctError(click.ClickException):
    """An error the user can act on; the message says what to do next."""

    exit_code = EXIT_DATABASE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class DatabaseError(HsctError):
    exit_code = EXIT_DATABASE


class InputError(HsctError):
    exit_code = EXIT_INPUT


class QualityGateError(HsctError):
    """A blocking data-quality check failed: the night's batch is held, not published."""

    exit_code = EXIT_QUALITY_GATE

# The FHIR export (etl/fhir).
EXIT_PARTNER = 6  # an unknown partner, or its configuration or secret is missing
EXIT_PUSH = 7  # the partner's server did not acknowledge every bundle
EXIT_INVALID_FHIR = 8  # an exported resource failed validation (nothing is published)


class PartnerError(HsctError):
    exit_code = EXIT_PARTNER


class PushError(HsctError):
    exit_code = EXIT_PUSH


class InvalidFhirError(HsctError):
    exit_code = EXIT_INVALID_FHIR

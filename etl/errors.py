"""Exit codes, in one place; numbers are never reused.

0 success; 1 the data failed a blocking quality gate (the batch is held; only
that); 2 usage error (click's own); 3 a database error; 4 an input file or
folder could not be used (nothing was changed); 5 another run holds the lock;
6-8 the FHIR export (below); 9 an internal error: a bug, not bad input (a
one-line message; the traceback goes to a log file, never to the terminal);
10 no database to read: the SQLite file does not exist, or the database has
no hsct schema or not the current one (`hsct db upgrade` creates and migrates
it; only `hsct run`, `hsct db upgrade` and `hsct demo` create or migrate);
11 a scan found something to act on (`mappings check`, `mappings unmapped`,
`quality` on the published data): nothing was held; 12 what was asked for does
not exist (a run, a record, a patient); 13 nothing is published yet: the
database holds no published batch (or no patient in it) to export or report.

Every message exists in Russian and English (`error.*` of mappings/messages.csv, etl.messages).
An error is raised with its message key and parameters, `InputError.of("error.x", path=...)`,
wherever it is raised: the error classes know no language and nothing of the command line. The
message is rendered in English when the error is made (`str(exc)`, logs, library callers), and
again in the command's language (`--lang`, $HSCT_LANG, hsct.toml, the locale) by the `hsct`
group just before it prints it (`HsctError.render`, etl.cli). This module knows nothing of the
command line: the `hsct` group turns an HsctError into click's exit (`etl.cli`). Code that knows its language
may also raise with a message already rendered, `InputError(text("error.x", lang, ...))`.
"""

from __future__ import annotations

from typing import Self

from etl.messages import Lang, Message

EXIT_OK = 0
EXIT_QUALITY_GATE = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_INPUT = 4
EXIT_LOCKED = 5
EXIT_INTERNAL = 9  # a bug: the message names the log file holding the traceback
EXIT_NO_DATABASE = 10  # the database is missing or not migrated: `hsct db upgrade`
EXIT_FINDINGS = 11  # a scan found what needs a data manager's action (unmapped values, failed checks on published data)
EXIT_NOT_FOUND = 12  # what was asked for does not exist (a run, a record, a patient)
EXIT_NOTHING_PUBLISHED = 13  # no published batch (or no patient) to export or report


class HsctError(Exception):
    """An error the user can act on; the message says what to do next (module docstring: by key).

    `message`: the text (English until `render` is called); `exit_code`: the process's exit status."""

    exit_code = EXIT_DATABASE

    def __init__(self, message: str | Message, exit_code: int | None = None) -> None:
        self.said = message if isinstance(message, Message) else None
        self.message = message.render("en") if isinstance(message, Message) else message
        super().__init__(self.message)
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message

    @classmethod
    def of(cls, key: str, exit_code: int | None = None, /, **params: object) -> Self:
        """The error whose message is `key` of mappings/messages.csv, filled from `params`."""
        return cls(Message(key, params), exit_code)

    def render(self, lang: Lang) -> None:
        """Speak `lang`: the message of an error raised by key, rendered again (the CLI calls this)."""
        if self.said is not None:
            self.message = self.said.render(lang)


class DatabaseError(HsctError):
    exit_code = EXIT_DATABASE


class InputError(HsctError):
    exit_code = EXIT_INPUT


class NoDatabaseError(HsctError):
    """The database a read command was given does not exist, or has no hsct schema or an old one."""

    exit_code = EXIT_NO_DATABASE


class NothingPublishedError(HsctError):
    """The database holds no published batch (or no patient in it): nothing to export or report."""

    exit_code = EXIT_NOTHING_PUBLISHED


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

"""The `hsct` command line: a thin layer over the stages.

Each subcommand lives in a module of its own and is registered here; a
command exists only once it works.

Every command runs with the umask 077 (restored when it returns): what it creates
(the SQLite database, its lock, FHIR exports, Data Docs, reports, the night's page
and logs) is readable by its owner only (files 0600, folders 0700), whatever the
umask of the shell or the scheduler that started it. The records are personal data.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
import tempfile
import traceback
from typing import Any

import click

from etl import __version__
from etl.cli.audit import audit
from etl.cli.console import conflicts, quarantine
from etl.cli.db import db
from etl.cli.demo import demo
from etl.cli.export import export
from etl.cli.generate import generate
from etl.cli.lineage import lineage
from etl.cli.mappings import mappings
from etl.cli.quality import quality
from etl.cli.report import report
from etl.cli.run import run
from etl.cli.runs import runs
from etl.display import printable
from etl.errors import EXIT_INTERNAL, HsctError, InputError
from etl.messages import Lang, Message, language

DEBUG_VAR = "HSCT_DEBUG"  # set to 1: an internal error shows its traceback instead of exit 9
PRIVATE_UMASK = 0o077  # files 0600, folders 0700 (module docstring)


class _Hsct(click.Group):
    """The command group; an unexpected exception (a bug) becomes a one-line message and exit 9, its
    traceback written to a private log file, so that no traceback reaches a data manager's terminal."""

    def invoke(self, ctx: click.Context) -> Any:
        previous = os.umask(PRIVATE_UMASK)  # before any subcommand creates anything; restored for library callers
        try:
            return self._invoke(ctx)
        except HsctError as exc:  # raised by message key below the command line: said in the command's language
            exc.render(_error_lang(ctx))
            raise _exit_with(exc) from exc
        finally:
            os.umask(previous)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HsctError:
            raise
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `hsct quarantine | head`: the reader has read enough; end quietly, exit 0
            _silence_stdout()
            return None
        except Exception as exc:
            unusable = _path_error(exc)
            if unusable is not None:  # a path the user gave (--out, --source …) cannot be used: not a bug
                raise InputError.of("error.path", path=unusable.filename, reason=_os_reason(unusable)) from exc
            if os.environ.get(DEBUG_VAR):
                raise
            log = _write_traceback()
            error = HsctError.of(
                "error.internal", EXIT_INTERNAL, error=f"{type(exc).__name__}: {printable(exc)[:300]}", log=log,
                var=DEBUG_VAR,
            )  # fmt: skip
            raise error from exc


def _exit_with(error: HsctError) -> click.ClickException:
    """click's form of an error (printed as "Error: <message>", exit status `error.exit_code`)."""
    shown = click.ClickException(error.message)
    shown.exit_code = error.exit_code  # type: ignore[misc]  # click types it a ClassVar; click.main reads it per instance
    return shown


OS_REASONS = {  # errno -> message key; any other errno is said in the system's words
    errno.ENOENT: "error.os.no_such_path",
    errno.EACCES: "error.os.no_permission",
    errno.EPERM: "error.os.no_permission",
    errno.EEXIST: "error.os.exists",
    errno.ENOTDIR: "error.os.not_a_folder",
    errno.EISDIR: "error.os.is_a_folder",
    errno.ENOSPC: "error.os.disk_full",
    errno.EROFS: "error.os.read_only",
}


def _path_error(exc: BaseException) -> OSError | None:
    """The OSError naming a file behind `exc` (itself, or what it was raised from, as xlsxwriter's
    FileCreateError is), or None: a path the user gave that cannot be read or written."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        if isinstance(seen, OSError) and not isinstance(seen, BrokenPipeError) and seen.filename:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _os_reason(error: OSError) -> Message:
    key = OS_REASONS.get(error.errno or 0)
    return Message(key) if key else Message("error.os.other", {"reason": error.strerror or str(error)})


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not raise on the closed pipe again
    (the recipe of the Python documentation, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _error_lang(ctx: click.Context) -> Lang:
    """The language of an error message: the command's, or without hsct.toml when that is what fails."""
    from etl.cli.options import current_lang

    try:
        return current_lang()
    except HsctError:  # hsct.toml cannot be read: --lang, $HSCT_LANG, the locale
        return language((ctx.obj or {}).get("lang"))


def _write_traceback() -> str:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    fd, path = tempfile.mkstemp(prefix=f"hsct-error-{stamp}-", suffix=".log")  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(traceback.format_exc())
    return path


@click.group(cls=_Hsct, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hsct")
@click.option(
    "--lang",
    type=click.Choice(["ru", "en"]),
    default=None,
    help="Language of messages and pages (default: $HSCT_LANG, hsct.toml, the locale, else ru).",
)
@click.pass_context
def main(ctx: click.Context, lang: str | None) -> None:
    """hsct: the registry's nightly harmonization and FHIR export pipeline.

    \b
    Example:
        hsct db upgrade --db sqlite:///hsct.db
    """
    ctx.obj = {"lang": lang}


main.add_command(db)
main.add_command(mappings)
main.add_command(run)
main.add_command(lineage)
main.add_command(runs)
main.add_command(quarantine)
main.add_command(conflicts)
main.add_command(audit)
main.add_command(quality)
main.add_command(export)
main.add_command(report)
main.add_command(generate)
main.add_command(demo)

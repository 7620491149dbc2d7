"""Options shared by several commands."""

from __future__ import annotations

import click

from etl.messages import Lang, language

db_option = click.option(
    "--db",
    "db_url",
    metavar="URL|PATH",
    default=None,
    help="Database URL (postgresql://..., sqlite:///...) or the path of an SQLite file (default: "
    "$HSCT_DATABASE_URL, else [paths] database of hsct.toml, else hsct.db in the working directory).",
)


def current_lang() -> Lang:
    """The language of this command's output: `hsct --lang`, else $HSCT_LANG, else hsct.toml's
    `language`, else the locale, else Russian (etl.messages.language)."""
    from etl.config import load_config

    ctx = click.get_current_context(silent=True)
    explicit = (ctx.find_root().obj or {}).get("lang") if ctx is not None else None
    return language(explicit, load_config().language)

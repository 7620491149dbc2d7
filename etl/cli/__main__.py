"""`python -m etl.cli`: the same as the `hsct` command."""

from etl.cli import main

main()

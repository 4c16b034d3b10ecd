"""`python -m schemagate.cli`: the `schemagate` command."""

from schemagate.cli import run

run()

"""``python -m fleet.cli`` runs the ``skyfleet`` command line."""

from fleet.cli.main import run

run()

"""The ``skyfleet`` command line: one module per command, assembled in :mod:`fleet.cli.main`."""

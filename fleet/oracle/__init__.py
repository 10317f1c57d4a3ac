"""Checks that trust nothing of the booking path, for reports and tests (see :mod:`.meeting`)."""

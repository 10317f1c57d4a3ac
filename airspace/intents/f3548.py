"""Named constants of ASTM F3548-21 used by the intents, deconfliction and conformance code.

Names and values follow the standard's Table of constants as InterUSS transcribes it
(``uas_standards.astm.f3548.v21.constants`` / the Go ``f3548`` package): a reader can look each one
up in the standard by name. Only the constants skyfleet enforces are listed.
"""

from __future__ import annotations

from datetime import timedelta

IntersectionMinimumPrecisionCm = 1
"""Two volumes that overlap by more than this must be found in conflict (SCD0035 ff.).

skyfleet is conservative: outlines closer than this count as intersecting, so rounding never
hides a conflict."""

INTERSECTION_MINIMUM_PRECISION_M = IntersectionMinimumPrecisionCm / 100.0
"""``IntersectionMinimumPrecisionCm`` in metres."""

OiMaxVertices = 10_000
"""Maximum number of vertices over all (nominal and off-nominal) volumes of one operational
intent (OPIN0020); a circle counts as one vertex, as InterUSS's validator counts it."""

OiMaxPlanHorizonDays = 30
"""An intent may not be planned (Accepted) to start more than this many days ahead (OPIN0030)."""

MaxRecoverableTimeInNonconformingStateSeconds = 60
"""A Nonconforming flight that has not recovered within this time is Contingent (the standard's
limit on how long a non-conformance may be treated as recoverable)."""

OiMaxDurationPerExcursionSeconds = 10
"""Conformance performance: one excursion out of the volumes should last at most this long.
skyfleet reports on each recovery whether the excursion exceeded it."""

OiMaxExcursionsPerFlightHour = 18
"""Conformance performance: at most this many excursions per flight hour (aggregate metric)."""

OiMaxUpdateTimeNonconfSeconds = 5
"""A USS must publish the Nonconforming state within this time of detecting the excursion."""

OiMaxUpdateTimeContingentSeconds = 5
"""A USS must publish the Contingent state within this time of deciding it."""

OVN_MIN_LENGTH = 16
OVN_MAX_LENGTH = 128
"""Length bounds of an ``EntityOVN`` string in the F3548 OpenAPI."""

MAX_RECOVERABLE_NONCONFORMING = timedelta(seconds=MaxRecoverableTimeInNonconformingStateSeconds)
MAX_DURATION_PER_EXCURSION = timedelta(seconds=OiMaxDurationPerExcursionSeconds)
OI_MAX_PLAN_HORIZON = timedelta(days=OiMaxPlanHorizonDays)

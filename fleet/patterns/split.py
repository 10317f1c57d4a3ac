"""A survey too large for one battery, split into battery-sized parts of contiguous transects.

The transects of the whole survey (:func:`fleet.patterns.survey.survey_lines`) are cut, in
sweep order, into groups of neighbouring transects; each group is flown as its own pattern from
``home`` and back (its own entry and exit: the end of the group that needs the least transit),
and uses at most ``budget_wh``. First the fewest parts a greedy sweep needs are found, then
the transects are dealt out as evenly as possible over that many parts when every part still
fits (so the last part is not a sliver). Every transect is flown exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fleet.errors import InfeasibleMission
from fleet.model import GeoPoint, Inspection, Vehicle
from fleet.patterns.plan import PatternPlan
from fleet.patterns.survey import SurveyLines, fly_lines, survey_lines


@dataclass(frozen=True, slots=True)
class SurveyPart:
    """One battery's share of a split survey: which transects (indices in sweep order of the
    whole survey) and the pattern flying them from home and back."""

    transects: tuple[int, ...]
    plan: PatternPlan


def survey_parts(
    inspection: Inspection,
    vehicle: Vehicle,
    home: GeoPoint,
    budget_wh: float | None = None,
    *,
    angle_deg: float | None = None,
) -> tuple[SurveyPart, ...]:
    """The area survey of ``inspection`` in parts that each fit ``budget_wh``.

    Args:
        inspection: an area inspection, as flown with ``vehicle``'s camera.
        vehicle: the aircraft (its energy model; its ``mission_energy_wh`` is the default budget).
        home: where every part takes off and lands (the dock).
        budget_wh: energy one part may use, transit from and back to ``home`` included.
        angle_deg: transect direction as in :func:`fleet.patterns.survey.area_survey`.

    Returns:
        One part when the whole survey fits, else the fewest contiguous parts found.

    Raises:
        InfeasibleMission: a single transect from ``home`` and back exceeds the budget.
    """
    budget = vehicle.mission_energy_wh if budget_wh is None else budget_wh
    survey = survey_lines(inspection, angle_deg)

    def part(indices: range) -> SurveyPart:
        lines = [survey.lines[i] for i in indices]
        return SurveyPart(tuple(indices), fly_lines(inspection, vehicle, home, survey, lines))

    whole = part(range(len(survey.lines)))
    if whole.plan.energy_wh <= budget:
        return (whole,)
    greedy = _greedy(survey, part, budget, inspection.id)
    even = [part(r) for r in _even(len(survey.lines), len(greedy))]
    return tuple(even) if all(p.plan.energy_wh <= budget for p in even) else tuple(greedy)


def _greedy(
    survey: SurveyLines, part: Callable[[range], SurveyPart], budget: float, mission: str
) -> list[SurveyPart]:
    """Extend each part transect by transect until the next one would break the budget."""
    parts: list[SurveyPart] = []
    first = 0
    while first < len(survey.lines):
        best = part(range(first, first + 1))
        if best.plan.energy_wh > budget:
            raise InfeasibleMission(
                f"inspection {mission!r}: transect {first} alone needs "
                f"{best.plan.energy_wh:.1f} Wh from home and back, above {budget:.1f} Wh"
            )
        end = first + 1
        while end < len(survey.lines):
            longer = part(range(first, end + 1))
            if longer.plan.energy_wh > budget:
                break
            best, end = longer, end + 1
        parts.append(best)
        first = end
    return parts


def _even(n: int, parts: int) -> list[range]:
    """``n`` indices in ``parts`` contiguous runs whose sizes differ by at most one.

    >>> _even(7, 3)
    [range(0, 3), range(3, 5), range(5, 7)]
    """
    size, extra = divmod(n, parts)
    out, first = [], 0
    for k in range(parts):
        end = first + size + (1 if k < extra else 0)
        out.append(range(first, end))
        first = end
    return out

"""Which tasks a trip can begin with, from the dock it leaves.

The engine's energy dimension charges a task its service plus the *nearest* dock's deadhead in
and out (:mod:`fleet.scheduler.build`), so it would open a trip from any dock with any task one
battery covers from *some* dock. The exact replay (:mod:`fleet.scheduler.decode`) flies each
trip from the dock it actually leaves and drops a first task that battery cannot reach from
there. The gap matters once vehicles differ by availability: an idle vehicle at the wrong dock
looks cheaper to the engine than a busy one at the right dock (:mod:`fleet.scheduler.lateness`),
gets the task, and the replay loses it.

So the edge from a dock to a task's start is prohibitive in a class's profile when one battery
cannot fly it, the service and the way to the task's nearest dock: the replay's own test for a
trip's first task. A vehicle can still take that task on a trip leaving a nearer dock.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fleet.scheduler.legcost import LegMatrix
from fleet.scheduler.tasks import Task


def out_of_reach(
    tasks: list[Task], k: int, m: LegMatrix, budget_wh: float
) -> npt.NDArray[np.bool_]:
    """Docks x tasks: True where class ``k`` cannot begin a trip from the dock with the task.

    Args:
        tasks: the tasks (engine order).
        k: the vehicle class.
        m: the class's leg matrix, (docks + task ends) x (docks + task starts).
        budget_wh: the class's usable energy per trip.
    """
    n_docks = m.energy_wh.shape[0] - len(tasks)
    service = np.array([t.service[k].energy_wh if k in t.service else 0.0 for t in tasks])
    back = m.energy_wh[n_docks:, :n_docks].min(axis=1) if n_docks else np.zeros(len(tasks))
    need = m.energy_wh[:n_docks, n_docks:] + (service + back)[None, :]
    serves = np.array([k in t.service for t in tasks], dtype=bool)
    return np.asarray((need > budget_wh) & serves[None, :])

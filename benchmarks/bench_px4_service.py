"""`skyfleet serve` on real PX4 SITL at real time: booking -> take-off -> completed.

Two PX4 SITL quadrotors (stock parameters, PX4_SIM_SPEED_FACTOR 1), the service as a
subprocess driven over HTTP only (the rig of ``tests/px4/service_rig.py``): one delivery and
one inspection booked with windows opening ``--opens-in`` seconds after the booking; nobody
approves anything, the service's dispatcher does. Figures per mission, from the audit log
(the service's own timestamps):

- window open -> ``in_flight`` (the runner reports it once the heartbeat shows the vehicle
  armed in Mission mode: it leaves the ground about 4 s later): goal <= 30 s;
- booking -> ``completed`` wall time, and the planned flight time (first departure to last
  landing of its legs) it is compared with (the ratio is the baseline in the same run).

Usage::

    .venv/bin/python benchmarks/bench_px4_service.py [--runs 1] [--opens-in 20]

Needs ``../shared/px4-sitl`` (or ``SKYFLEET_PX4_SITL``).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.px4_sitl import find_px4_sitl
from tests.px4.service_rig import Px4Service, px4_service
from tests.px4.test_service_px4 import DROPOFF_EAST_NORTH_M, _delivery, _inspection


async def _transitions(rig: Px4Service) -> dict[tuple[int, str], datetime]:
    answer = await rig.api.get("/audit", params={"action": "mission.transition", "limit": 5000})
    answer.raise_for_status()
    out: dict[tuple[int, str], datetime] = {}
    for entry in answer.json():
        when = datetime.fromisoformat(entry["time"])
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        key = (int(entry["target_id"]), str(entry["detail"]["to"]))
        out[key] = min(out.get(key, when), when)
    return out


def _planned_s(mission: dict[str, Any]) -> float:
    times = [
        datetime.fromisoformat(w["time"])
        for leg in mission["legs"]
        for w in leg["route"]["waypoints"]
    ]
    return (max(times) - min(times)).total_seconds()


async def one_run(folder: Path, opens_in_s: float) -> list[dict[str, Any]]:
    """One booking of a delivery and an inspection, flown to the end; a row per mission."""
    with tempfile.TemporaryDirectory(prefix="bench-px4-") as tmp:
        async with px4_service(Path(tmp), folder) as rig:
            booked = datetime.now(UTC)
            opens = booked + timedelta(seconds=opens_in_s)
            rows: list[dict[str, Any]] = []
            for path, body in (
                ("/missions/deliveries", _delivery(*DROPOFF_EAST_NORTH_M, opens)),
                ("/missions/inspections", _inspection(opens)),
            ):
                answer = await rig.api.post(path, json=body)
                answer.raise_for_status()
                rows.append({"id": int(answer.json()["id"]), "kind": path.rsplit("/", 1)[1]})
            done = await asyncio.gather(
                *(rig.wait_state(r["id"], {"completed"}, timeout_s=900.0) for r in rows)
            )
            marks = await _transitions(rig)
            for row, mission in zip(rows, done, strict=True):
                flying = marks.get((row["id"], "in_flight"))
                ended = marks.get((row["id"], mission["state"]))
                row.update(
                    state=mission["state"],
                    reason=mission["state_reason"],
                    vehicle=mission["vehicle_id"],
                    open_to_in_flight_s=None
                    if flying is None
                    else (flying - opens).total_seconds(),
                    booking_to_end_s=_s(ended, booked),
                    planned_flight_s=_planned_s(mission) if mission["legs"] else None,
                )
            return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--opens-in", type=float, default=20.0, help="seconds after booking")
    args = parser.parse_args()
    folder = find_px4_sitl()
    if folder is None:
        sys.exit("real PX4 SITL absent: ../shared/px4-sitl (or SKYFLEET_PX4_SITL)")
    rows = []
    for _ in range(args.runs):
        rows += asyncio.run(one_run(folder, args.opens_in))
    print("| mission | state | vehicle | window open -> in_flight (s) | booking -> end (s) | "
          "planned flight (s) | end / (planned + opens-in) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = None
        if r["booking_to_end_s"] and r["planned_flight_s"]:
            ratio = r["booking_to_end_s"] / (r["planned_flight_s"] + args.opens_in)
        print(
            f"| {r['kind']} {r['id']} | {r['state']} {r['reason'] or ''} | {r['vehicle']} | "
            f"{_f(r['open_to_in_flight_s'])} | {_f(r['booking_to_end_s'])} | "
            f"{_f(r['planned_flight_s'])} | {_f(ratio, 2)} |"
        )
    starts = [r["open_to_in_flight_s"] for r in rows if r["open_to_in_flight_s"] is not None]
    if starts:
        print(f"\nwindow open -> in_flight: max {max(starts):.1f} s, "
              f"median {statistics.median(starts):.1f} s (goal <= 30 s)")  # fmt: skip


def _s(when: datetime | None, since: datetime) -> float | None:
    return None if when is None else (when - since).total_seconds()


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()

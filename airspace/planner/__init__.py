"""The 3D route planner: per-altitude visibility graphs over buffered buildings and zones.

>>> from datetime import UTC, datetime
>>> from airspace.city import generate_city
>>> city = generate_city(seed=3, n_buildings=200)
>>> lon0, lat0 = city.frame.lon0_deg, city.frame.lat0_deg
>>> route = plan_route(city, (lon0 - 0.004, lat0, 0.0), (lon0 + 0.004, lat0, 0.0),
...                    departure=datetime(2026, 1, 1, tzinfo=UTC))
>>> route.duration_s > 0
True
"""

from airspace.planner.planner import Planner, plan_route
from airspace.planner.profile import Clearances, VehicleProfile

__all__ = ["Clearances", "Planner", "VehicleProfile", "plan_route"]

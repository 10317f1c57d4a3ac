"""`skyfleet plan`: plan a 3D route clear of buildings and zones; print it as a GeoJSON Feature.

Heavy imports (shapely, pyproj, scipy, matplotlib) stay inside the command so that
``skyfleet --help`` answers at once.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from airspace.city import City
    from airspace.route import AltitudeReference, Route
    from airspace.zones import Zone


def _lonlat(text: str, option: str) -> tuple[float, float]:
    try:
        lon_s, lat_s = text.split(",")
        return float(lon_s), float(lat_s)
    except ValueError:
        raise typer.BadParameter(f"{option} expects LON,LAT (e.g. 139.70,35.69)") from None


def _fail(reason: str) -> None:
    typer.echo(f"skyfleet plan: {reason}", err=True)
    raise typer.Exit(code=1)


def _altitude(route: Route, city: City, reference: AltitudeReference) -> list[float]:
    from airspace.route import AltitudeReference

    out = []
    for w in route.waypoints:
        if reference is AltitudeReference.AGL:
            out.append(w.alt_agl_m)
        elif reference is AltitudeReference.AMSL:
            out.append(w.alt_amsl_m)
        else:
            out.append(city.frame.amsl_to_w84_m(w.lon_deg, w.lat_deg, w.alt_amsl_m))
    return out


def feature_of(
    route: Route, city: City, reference: AltitudeReference, planning_ms: float
) -> dict[str, Any]:
    """The route as a GeoJSON Feature (LineString of [lon, lat, alt in ``reference``]).

    ``planning_ms`` is the wall time of the query, including building the altitude layers it
    needed (a one-shot command has no prepared planner to reuse).
    """
    alts = _altitude(route, city, reference)
    coords = [
        [round(w.lon_deg, 8), round(w.lat_deg, 8), round(a, 2)]
        for w, a in zip(route.waypoints, alts, strict=True)
    ]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "altitude_reference": str(reference),
            "length_m": round(route.length_m, 2),
            "duration_s": round(route.duration_s, 2),
            "energy_wh": None if route.energy_wh is None else round(route.energy_wh, 2),
            "planning_ms": round(planning_ms, 2),
            "departure": route.departure.isoformat(),
            "times": [w.time.isoformat() for w in route.waypoints],
        },
    }


def _load(
    buildings: Path, zone_paths: list[Path], ground_amsl_m: float | None = None
) -> tuple[City, list[Zone]]:
    from airspace.city import load_city
    from airspace.zones import load_zones_geojson

    typer.echo(f"loading {buildings} ...", err=True)
    city = load_city(buildings, ground_amsl_m=ground_amsl_m)
    typer.echo(
        f"loaded {len(city.buildings)} buildings ({city.fallback_count} with fallback heights)",
        err=True,
    )
    zones = [z for p in zone_paths for z in load_zones_geojson(p)]
    return city, zones


def _draw(path: Path, city: City, zones: list[Zone], route: Route) -> None:
    """Map (footprints coloured by height, zones, route) and altitude profile, to a PNG."""
    import matplotlib
    import matplotlib.colors

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import shapely
    from matplotlib.collections import PolyCollection

    fig, (ax_map, ax_alt) = plt.subplots(1, 2, figsize=(14, 6), width_ratios=(3, 2))
    cmap, top = plt.get_cmap("viridis"), max(float(city.heights_agl_m.max()), 1.0)
    rings, colours = [], []
    for b in city.buildings:
        for poly in shapely.get_parts(b.footprint_lonlat):
            rings.append(np.asarray(poly.exterior.coords)[:, :2])
            colours.append(cmap(b.height_agl_m / top))
    ax_map.add_collection(PolyCollection(rings, facecolors=colours, linewidths=0))
    for z in zones:
        for poly in shapely.get_parts(z.area_lonlat):
            x, y = poly.exterior.xy
            ax_map.plot(x, y, color="red", linewidth=1)
    lons = [w.lon_deg for w in route.waypoints]
    lats = [w.lat_deg for w in route.waypoints]
    ax_map.plot(lons, lats, color="orangered", linewidth=2, marker=".")
    lon_min, lat_min, lon_max, lat_max = shapely.total_bounds(
        np.array([b.footprint_lonlat for b in city.buildings], dtype=object)
    )
    ax_map.set_xlim(min(lon_min, *lons), max(lon_max, *lons))
    ax_map.set_ylim(min(lat_min, *lats), max(lat_max, *lats))
    ax_map.set_xlabel("longitude (deg)")
    ax_map.set_ylabel("latitude (deg)")
    fig.colorbar(
        plt.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(0, top)),
        ax=ax_map,
        label="building height AGL (m)",
    )
    xs, ys = city.frame.to_local(np.array(lons), np.array(lats))
    dist = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))])
    ax_alt.plot(dist, [w.alt_agl_m for w in route.waypoints], marker=".")
    ax_alt.set_xlabel("distance along route (m)")
    ax_alt.set_ylabel("altitude AGL (m)")
    ax_alt.set_title(f"{route.length_m:.0f} m, {route.duration_s:.0f} s")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to ``app``."""

    @app.command("plan", help="Plan a 3D route clear of buildings and zones; print it as GeoJSON.")
    def _plan(
        buildings: Path = typer.Option(..., "--buildings", help="CityGML (.gml) or GeoJSON."),
        zones: list[Path] = typer.Option([], "--zones", help="No-fly zones GeoJSON (repeat)."),
        from_: str = typer.Option(..., "--from", help="Start LON,LAT (ground)."),
        to: str = typer.Option(..., "--to", help="Goal LON,LAT (ground)."),
        clearance_m: float = typer.Option(10.0, "--clearance-m", help="Horizontal clearance."),
        ceiling_agl_m: float = typer.Option(150.0, "--ceiling-agl-m", help="Ceiling above ground."),
        speed_mps: float = typer.Option(12.0, "--speed-mps", help="Cruise speed."),
        altitude_reference: str = typer.Option(
            "AGL", "--altitude-reference", help="Altitude datum of the output: AGL, AMSL or W84."
        ),
        plot: Path | None = typer.Option(None, "--plot", help="Draw map and profile to a PNG."),
        ground_amsl_m: float | None = typer.Option(
            None,
            "--ground-amsl-m",
            help="Ground elevation (m AMSL) of a GeoJSON city whose features and file give none"
            " (ground_m, ground_amsl_m); CityGML keeps its own. Default 0.",
        ),
    ) -> None:
        from airspace.city.geojson import check_ground_amsl_m
        from airspace.errors import AirspaceError, DataError
        from airspace.planner import Clearances, Planner, VehicleProfile
        from airspace.route import AltitudeReference

        start, goal = _lonlat(from_, "--from"), _lonlat(to, "--to")
        try:
            reference = AltitudeReference(altitude_reference.upper())
        except ValueError:
            raise typer.BadParameter("--altitude-reference must be AGL, AMSL or W84") from None
        if ground_amsl_m is not None:
            try:
                check_ground_amsl_m(ground_amsl_m, "--ground-amsl-m")
            except DataError as exc:
                raise typer.BadParameter(str(exc)) from None
        try:
            city, zone_list = _load(buildings, zones, ground_amsl_m)
            planner = Planner(city, Clearances(horizontal_m=clearance_m))
            profile = VehicleProfile(cruise_speed_mps=speed_mps)
            t0 = time.perf_counter()
            route = planner.plan(
                (*start, 0.0),
                (*goal, 0.0),
                profile,
                departure=datetime.now(UTC),
                zones=zone_list,
                ceiling_agl_m=ceiling_agl_m,
            )
            planning_ms = (time.perf_counter() - t0) * 1000.0
            feature = feature_of(route, city, reference, planning_ms)
        except (AirspaceError, ValueError) as exc:
            _fail(str(exc).splitlines()[0])
            return
        typer.echo(json.dumps(feature))
        if plot is not None:
            _draw(plot, city, zone_list, route)
            typer.echo(f"plot written to {plot}", err=True)

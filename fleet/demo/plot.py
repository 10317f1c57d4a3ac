"""``skyfleet demo --plot``: a map of what flew (footprints, tracks, docks, pads) with Agg."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from fleet.demo.geo import Footprint
from fleet.demo.scenario import Scenario
from fleet.demo.tracks import TrackPoint


def _footprint_layer(ax: Axes, footprints: Sequence[Footprint]) -> None:
    verts = [list(f.outline_lonlat.exterior.coords) for f in footprints]
    heights = [f.height_agl_m for f in footprints]
    coll = PolyCollection(verts, array=heights, cmap="Greys", edgecolors="none", alpha=0.8)
    ax.add_collection(coll)
    plt.colorbar(coll, ax=ax, label="building height above ground (m)", shrink=0.7)


def plot_demo(
    path: Path,
    footprints: Sequence[Footprint],
    scenario: Scenario,
    tracks: Mapping[str, Sequence[TrackPoint]],
    title: str,
) -> None:
    """Draw the city, every vehicle's track, the docks and the pads, and save a PNG.

    Args:
        path: output file.
        footprints: buildings, coloured by height.
        scenario: docks and pads to mark.
        tracks: recorded telemetry per vehicle id.
        title: figure title (e.g. the run's headline figures).
    """
    fig, ax = plt.subplots(figsize=(10, 10), dpi=110)
    try:
        _footprint_layer(ax, footprints)
        cmap = plt.get_cmap("tab20")
        for k, (vid, track) in enumerate(sorted(tracks.items())):
            if len(track) < 2:
                continue
            style = "--" if vid.startswith("robot") else "-"
            xs = [p.lon_deg for p in track]
            ys = [p.lat_deg for p in track]
            ax.plot(xs, ys, style, lw=1.0, color=cmap(k % 20), label=vid)
        pads = scenario.pads[len(scenario.docks) :]
        if pads:
            px, py = [p[0] for p in pads], [p[1] for p in pads]
            ax.scatter(px, py, s=10, c="tab:blue", marker="x", label="pads")
        dx = [d.lon_deg for d in scenario.docks]
        dy = [d.lat_deg for d in scenario.docks]
        ax.scatter(dx, dy, s=140, c="tab:red", marker="s", label="docks", zorder=5)
        mean_lat = sum(dy) / len(dy)
        ax.set_aspect(1.0 / math.cos(math.radians(mean_lat)))  # metres look square
        ax.autoscale_view()
        ax.set_xlabel("longitude (deg)")
        ax.set_ylabel("latitude (deg)")
        ax.set_title(title, fontsize=10)
        ax.legend(loc="upper right", fontsize=6, ncol=2)
        fig.savefig(path, bbox_inches="tight")
    finally:
        plt.close(fig)

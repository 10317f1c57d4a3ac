"""The web dashboard: static pages (HTML, JS modules, CSS; no build step, no CDN) served by the
command service.

The page logs in with a user name and password (``POST /auth/token``), keeps the token in the
browser's session storage and shows the login again when the API refuses it. It draws the city
(``/map/buildings.geojson``) in 3D with MapLibre GL JS, zones, intent volumes, docks, the
vehicles live from ``/ws/events``, and the selected mission's route and flown track; it books
deliveries and sends vehicle commands as far as the user's role allows.

MapLibre GL JS is not vendored: it comes from the PyPI package ``maplibre`` (its ``srcjs``
folder), served at ``/dashboard/vendor/``, so nothing is fetched from the internet.

The service mounts it with :func:`mount`.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
DASHBOARD_PATH = "/dashboard"


def maplibre_dir() -> Path:
    """The folder of the installed ``maplibre`` package's ``maplibre-gl.js`` and ``.css``.

    The package is located without being imported (importing it logs warnings about optional
    frameworks).

    Raises:
        RuntimeError: the ``maplibre`` package is not installed.
    """
    spec = find_spec("maplibre")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the dashboard needs the PyPI package 'maplibre' (pip install maplibre)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "srcjs"
    if not (folder / "maplibre-gl.js").is_file():
        raise RuntimeError(f"{folder} holds no maplibre-gl.js: reinstall the 'maplibre' package")
    return folder


def mount(app: FastAPI, path: str = DASHBOARD_PATH) -> None:
    """Serve the dashboard's files at ``path`` and MapLibre GL JS at ``path + "/vendor"``;
    ``index.html`` answers ``path + "/"``.

    Args:
        app: the FastAPI application.
        path: URL prefix, without a trailing slash.
    """
    vendor = StaticFiles(directory=maplibre_dir())
    app.mount(f"{path}/vendor", vendor, name="dashboard-vendor")  # before its parent's mount
    app.mount(path, StaticFiles(directory=STATIC_DIR, html=True), name="dashboard")

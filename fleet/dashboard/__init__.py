"""The web dashboard: a static page (HTML, JS, CSS; no CDN) served by the command service.

The page draws vehicles, routes, intent volumes and missions on an SVG map in lon/lat, filled
from the REST API and kept live from ``/ws/events``. It authenticates with a bearer token given
in the URL fragment (``/dashboard/#token=...``; a fragment never reaches server logs) or typed
into its form, and keeps it in the browser's session storage.

The service mounts it with :func:`mount`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
DASHBOARD_PATH = "/dashboard"


def mount(app: FastAPI, path: str = DASHBOARD_PATH) -> None:
    """Serve the dashboard's files at ``path``; ``index.html`` answers ``path + "/"``.

    Args:
        app: the FastAPI application.
        path: URL prefix, without a trailing slash.
    """
    app.mount(path, StaticFiles(directory=STATIC_DIR, html=True), name="dashboard")

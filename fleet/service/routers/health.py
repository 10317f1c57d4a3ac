"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work), without a token.

Ready means: the city's planners are prepared (or no city is configured), the database
answers, and, when a runner flies vehicles in this process, it runs and every connection its
vehicles use is open. A 503 lists what is missing, so an orchestrator (or a person) knows
what it waits for.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from fleet.service.context import ServiceContext
from fleet.service.deps import ContextDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive and serving requests."""
    return {"status": "alive"}


@router.get(
    "/readyz",
    responses={503: {"description": "not ready: ``missing`` lists what it waits for"}},
)
async def readyz(context: ContextDep) -> JSONResponse:
    """200 when the city is prepared, the database answers and the runner's links are up;
    503 otherwise, with ``missing``: what is not ready yet."""
    checks: dict[str, Any] = {"city": _city(context)}
    checks["database"] = await run_in_threadpool(_database, context)
    checks["links"] = _links(context)
    missing = [f"{name}: {check['detail']}" for name, check in checks.items() if not check["ok"]]
    body = {"ready": not missing, "missing": missing, "checks": checks}
    return JSONResponse(body, status_code=503 if missing else 200)


def _city(context: ServiceContext) -> dict[str, Any]:
    city = context.city
    if city is None:
        return {"ok": True, "detail": "no city configured (routes are refused until one is)"}
    buildings = len(city.buildings)
    if not context.city_prepared:
        return {"ok": False, "detail": f"preparing the planner for {buildings} buildings"}
    return {"ok": True, "detail": f"planner prepared for {buildings} buildings"}


def _database(context: ServiceContext) -> dict[str, Any]:
    try:
        with context.sessions() as session:
            session.connection().execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready; the reason is the answer
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "detail": "answers"}


def _links(context: ServiceContext) -> dict[str, Any]:
    if context.runner is None:
        return {"ok": True, "detail": "no runner in this process (no vehicle links to open)"}
    live = context.live
    if live is None:
        return {"ok": False, "detail": "the runner is starting: vehicle links not open yet"}
    problems = live.link_problems()
    if problems:
        why = "; ".join(f"{p.mavlink_url}: {p.reason}" for p in problems)
        return {"ok": False, "detail": f"cannot open {why}"}
    return {"ok": True, "detail": "every vehicle connection is open"}

"""Inspections that name their camera (``camera_required``) and a height ceiling.

- the request's ``camera_required`` and ``ceiling_agl_m`` are stored and shown (defaults too);
- an inspection requiring a camera no vehicle carries is left out by scheduling and refused by
  approval (400), each with the reason; a drone registered with that camera gets it approved;
- a GSD whose camera height is above the ceiling is refused with both heights;
- migration 0003 writes the defaults into inspections stored before it (both databases).
"""

from __future__ import annotations

from typing import Any

import httpx
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import select

from fleet.storage.db import alembic_config, make_session_factory, migrate
from fleet.storage.tables import MissionRow, Operator
from tests.service.conftest import TokenMaker
from tests.service.helpers import schedule_on
from tests.service.test_approval_kinds import INSPECTION, SCHEDULE, _fleet

TELEPHOTO = {
    "sensor_width_mm": 17.3,
    "sensor_height_mm": 13.0,
    "focal_length_mm": 25.0,
    "image_width_px": 5280,
    "image_height_px": 3956,
    "name": "m43-25mm",
}


async def _book(client: httpx.AsyncClient, headers: dict[str, str], **extra: Any) -> int:
    booked = await client.post(
        "/missions/inspections", json={**INSPECTION, **extra}, headers=headers
    )
    assert booked.status_code == 201, booked.text
    return int(booked.json()["id"])


async def test_camera_fields_are_stored_and_shown_with_their_defaults(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers = auth("acme", "dispatcher")
    plain = await _book(client, headers)
    strict = await _book(
        client, headers, camera=TELEPHOTO, camera_required=True, ceiling_agl_m=120.0
    )
    shown = [
        (await client.get(f"/missions/{k}", headers=headers)).json()["spec"]
        for k in (plain, strict)
    ]
    assert (shown[0]["camera_required"], shown[0]["ceiling_agl_m"]) == (False, 150.0)
    assert (shown[1]["camera_required"], shown[1]["ceiling_agl_m"]) == (True, 120.0)
    assert shown[1]["camera"]["name"] == "m43-25mm"
    bad = await client.post(
        "/missions/inspections", json={**INSPECTION, "ceiling_agl_m": 0}, headers=headers
    )
    assert bad.status_code == 422 and "ceiling_agl_m" in bad.text


async def test_a_required_camera_no_vehicle_carries_is_refused_with_the_reason(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, (drone,) = await _fleet(client, auth, [{"camera": True}])
    mission_id = await _book(client, headers, camera=TELEPHOTO, camera_required=True)
    run = await client.post("/scheduling/run", json=SCHEDULE, headers=headers)
    (left,) = [u for u in run.json()["unassigned"] if u["mission_id"] == mission_id]
    assert "not the required 'm43-25mm'" in left["detail"], left
    schedule_on(client.app.state.context.sessions, mission_id, drone)  # type: ignore[attr-defined]
    refused = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert refused.status_code == 400
    assert "not the required 'm43-25mm'" in refused.json()["detail"]
    mission = (await client.get(f"/missions/{mission_id}", headers=headers)).json()
    assert mission["state"] == "scheduled" and mission["legs"] == []


async def test_a_drone_carrying_the_required_camera_flies_it(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, (plain, telephoto) = await _fleet(
        client, auth, [{"camera": True}, {"camera": TELEPHOTO}]
    )
    mission_id = await _book(
        client, headers, camera=TELEPHOTO, camera_required=True, gsd_cm_per_px=1.5
    )  # 114 m above ground with this lens (2 cm/px would be 153 m, above the ceiling)
    run = await client.post("/scheduling/run", json={**SCHEDULE, "approve": True}, headers=headers)
    assert run.json()["approved_mission_ids"] == [mission_id], run.json()["unassigned"]
    mission = (await client.get(f"/missions/{mission_id}", headers=headers)).json()
    assert mission["vehicle_id"] == telephoto != plain


async def test_a_gsd_above_the_ceiling_is_refused_with_both_heights(
    client: httpx.AsyncClient, auth: TokenMaker
) -> None:
    headers, (drone,) = await _fleet(client, auth, [{"camera": True}])
    mission_id = await _book(client, headers, gsd_cm_per_px=3.0, ceiling_agl_m=60.0)
    schedule_on(client.app.state.context.sessions, mission_id, drone)  # type: ignore[attr-defined]
    refused = await client.post(f"/missions/{mission_id}/approve", headers=headers)
    assert refused.status_code == 400
    assert "109 m above ground" in refused.json()["detail"]
    assert "60 m ceiling" in refused.json()["detail"]


def test_migration_0003_writes_the_defaults_into_stored_inspections(engine: Engine) -> None:
    config = alembic_config(engine)
    command.downgrade(config, "0002")
    old_camera = {k: v for k, v in TELEPHOTO.items() if k != "name"}
    with make_session_factory(engine)() as session:
        # the table as 0002 left it (the model has columns of later migrations)
        created = "INSERT INTO operators (name, created_at) VALUES ('old', '2026-05-01 09:00:00')"
        session.execute(text(created))
        operator = session.exec(select(Operator.id)).one()
        spec = {"target": INSPECTION["target"], "camera": old_camera, "gsd_cm_per_px": 2.0}
        session.add(MissionRow(operator_id=operator, kind="inspection", spec=spec, created_by="t"))
        session.add(
            MissionRow(operator_id=operator, kind="delivery", spec={"a": 1}, created_by="t")
        )
        session.commit()
    migrate(engine)
    with make_session_factory(engine)() as session:
        rows = {r.kind: r.spec for r in session.exec(select(MissionRow))}
    assert rows["inspection"]["camera_required"] is False
    assert rows["inspection"]["ceiling_agl_m"] == 150.0
    assert rows["inspection"]["camera"] == {**old_camera, "name": "camera"}
    assert rows["delivery"] == {"a": 1}
    command.downgrade(config, "0002")
    with make_session_factory(engine)() as session:
        inspection = session.exec(select(MissionRow).where(MissionRow.kind == "inspection")).one()
    assert inspection.spec == spec
    migrate(engine)

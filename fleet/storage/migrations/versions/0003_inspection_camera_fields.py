"""Inspections carry ``camera_required`` and ``ceiling_agl_m`` (and their camera a ``name``).

The inspection request lives in ``missions.spec`` (JSON); this migration writes the defaults
of the new fields into the inspections stored before them (``camera_required: false``,
``ceiling_agl_m: 150``, camera ``name: "camera"``), so every stored inspection states them and
the API shows them. Plain SQL reads and writes of the JSON: the same on SQLite and PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_missions = sa.table(
    "missions", sa.column("id", sa.Integer()), sa.column("kind"), sa.column("spec", sa.JSON())
)
DEFAULTS: dict[str, Any] = {"camera_required": False, "ceiling_agl_m": 150.0}


def _rewrite(change: Any) -> None:
    """Apply ``change(spec) -> spec | None`` to every stored inspection (None: unchanged)."""
    bind = op.get_bind()
    query = sa.select(_missions.c.id, _missions.c.spec).where(_missions.c.kind == "inspection")
    for mission_id, spec in bind.execute(query).all():
        stored = json.loads(spec) if isinstance(spec, str) else dict(spec)
        new = change(stored)
        if new is not None:
            update = _missions.update().where(_missions.c.id == mission_id).values(spec=new)
            bind.execute(update)


def _with_defaults(spec: dict[str, Any]) -> dict[str, Any] | None:
    camera = spec.get("camera")
    if all(k in spec for k in DEFAULTS) and (not isinstance(camera, dict) or "name" in camera):
        return None
    out = {**DEFAULTS, **spec}
    if isinstance(camera, dict):
        out["camera"] = {"name": "camera", **camera}
    return out


def _without(spec: dict[str, Any]) -> dict[str, Any] | None:
    out = {k: v for k, v in spec.items() if k not in DEFAULTS}
    if isinstance(out.get("camera"), dict):
        out["camera"] = {k: v for k, v in out["camera"].items() if k != "name"}
    return out if out != spec else None


def upgrade() -> None:
    _rewrite(_with_defaults)


def downgrade() -> None:
    _rewrite(_without)

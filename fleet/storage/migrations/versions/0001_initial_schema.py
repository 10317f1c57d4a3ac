"""Initial schema: every table of fleet.storage.tables, and the append-only audit log triggers.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 17:20:53.436468
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _create_tables()
    _audit_log_append_only()


def _create_tables() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False)
    op.create_index(op.f("ix_audit_log_operator_id"), "audit_log", ["operator_id"], unique=False)
    op.create_index(op.f("ix_audit_log_time"), "audit_log", ["time"], unique=False)
    op.create_table(
        "flight_plan_requests",
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("flight_plan_id", sa.String(length=36), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_operators_name"), "operators", ["name"], unique=True)
    op.create_table(
        "docks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lon_deg", sa.Float(), nullable=False),
        sa.Column("lat_deg", sa.Float(), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("charge_power_w", sa.Float(), nullable=False),
        sa.Column("swap_time_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator_id", "name"),
    )
    op.create_index(op.f("ix_docks_operator_id"), "docks", ["operator_id"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_users_operator_id"), "users", ["operator_id"], unique=False)
    op.create_index(op.f("ix_users_username"), "users", ["username"], unique=True)
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("floor_agl_m", sa.Float(), nullable=False),
        sa.Column("ceiling_agl_m", sa.Float(), nullable=False),
        sa.Column("time_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_zones_operator_id"), "zones", ["operator_id"], unique=False)
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mavlink_url", sa.String(length=300), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("home_dock_id", sa.Integer(), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_dock_id"],
            ["docks.id"],
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator_id", "name"),
    )
    op.create_index(op.f("ix_vehicles_operator_id"), "vehicles", ["operator_id"], unique=False)
    op.create_table(
        "missions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_reason", sa.String(length=500), nullable=True),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("progress_fraction", sa.Float(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_missions_operator_id"), "missions", ["operator_id"], unique=False)
    op.create_index(
        "ix_missions_operator_state", "missions", ["operator_id", "state"], unique=False
    )
    op.create_table(
        "vehicle_telemetry",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lon_deg", sa.Float(), nullable=False),
        sa.Column("lat_deg", sa.Float(), nullable=False),
        sa.Column("alt_amsl_m", sa.Float(), nullable=False),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("ground_speed_mps", sa.Float(), nullable=True),
        sa.Column("battery_fraction", sa.Float(), nullable=True),
        sa.Column("mode", sa.String(length=40), nullable=True),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("link_ok", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
        ),
        sa.PrimaryKeyConstraint("vehicle_id"),
    )
    op.create_table(
        "mission_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("intent_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mission_id", "seq"),
    )
    op.create_index(op.f("ix_mission_legs_intent_id"), "mission_legs", ["intent_id"], unique=False)
    op.create_index(
        op.f("ix_mission_legs_mission_id"), "mission_legs", ["mission_id"], unique=False
    )
    op.create_table(
        "operational_intents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=True),
        sa.Column("flight_plan_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("time_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alt_lower_w84_m", sa.Float(), nullable=False),
        sa.Column("alt_upper_w84_m", sa.Float(), nullable=False),
        sa.Column("min_lon_deg", sa.Float(), nullable=False),
        sa.Column("min_lat_deg", sa.Float(), nullable=False),
        sa.Column("max_lon_deg", sa.Float(), nullable=False),
        sa.Column("max_lat_deg", sa.Float(), nullable=False),
        sa.Column("f3548", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_intents_live_time",
        "operational_intents",
        ["live", "time_start", "time_end"],
        unique=False,
    )
    op.create_index(
        op.f("ix_operational_intents_flight_plan_id"),
        "operational_intents",
        ["flight_plan_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_operational_intents_mission_id"),
        "operational_intents",
        ["mission_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_operational_intents_operator_id"),
        "operational_intents",
        ["operator_id"],
        unique=False,
    )
    op.create_table(
        "user_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flight_plan_id", sa.String(length=36), nullable=True),
        sa.Column("mission_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["missions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_user_notifications_observed_at"),
        "user_notifications",
        ["observed_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_user_notifications_operator_id"),
        "user_notifications",
        ["operator_id"],
        unique=False,
    )


_PG_AUDIT = """
CREATE FUNCTION skyfleet_audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION skyfleet_audit_log_append_only();
"""

_SQLITE_AUDIT = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)


def _audit_log_append_only() -> None:
    """Refuse UPDATE and DELETE on audit_log in the database itself, not only in the ORM."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_AUDIT)
    else:
        for statement in _SQLITE_AUDIT:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_update ON audit_log")
        op.execute("DROP FUNCTION skyfleet_audit_log_append_only()")

    op.drop_index(op.f("ix_user_notifications_operator_id"), table_name="user_notifications")
    op.drop_index(op.f("ix_user_notifications_observed_at"), table_name="user_notifications")
    op.drop_table("user_notifications")
    op.drop_index(op.f("ix_operational_intents_operator_id"), table_name="operational_intents")
    op.drop_index(op.f("ix_operational_intents_mission_id"), table_name="operational_intents")
    op.drop_index(op.f("ix_operational_intents_flight_plan_id"), table_name="operational_intents")
    op.drop_index("ix_intents_live_time", table_name="operational_intents")
    op.drop_table("operational_intents")
    op.drop_index(op.f("ix_mission_legs_mission_id"), table_name="mission_legs")
    op.drop_index(op.f("ix_mission_legs_intent_id"), table_name="mission_legs")
    op.drop_table("mission_legs")
    op.drop_table("vehicle_telemetry")
    op.drop_index("ix_missions_operator_state", table_name="missions")
    op.drop_index(op.f("ix_missions_operator_id"), table_name="missions")
    op.drop_table("missions")
    op.drop_index(op.f("ix_vehicles_operator_id"), table_name="vehicles")
    op.drop_table("vehicles")
    op.drop_index(op.f("ix_zones_operator_id"), table_name="zones")
    op.drop_table("zones")
    op.drop_index(op.f("ix_users_username"), table_name="users")
    op.drop_index(op.f("ix_users_operator_id"), table_name="users")
    op.drop_table("users")
    op.drop_index(op.f("ix_docks_operator_id"), table_name="docks")
    op.drop_table("docks")
    op.drop_index(op.f("ix_operators_name"), table_name="operators")
    op.drop_table("operators")
    op.drop_table("flight_plan_requests")
    op.drop_index(op.f("ix_audit_log_time"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_operator_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_action"), table_name="audit_log")
    op.drop_table("audit_log")

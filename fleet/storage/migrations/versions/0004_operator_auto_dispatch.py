"""Operators choose whether the service's dispatcher books their work (``auto_dispatch``).

On by default (every existing operator too): the dispatcher schedules what is booked and books
each sortie when its vehicles are back. An operator who wants manual control turns it off
(``PUT /operators/me/dispatch``) and approves by hand.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    column: sa.Column[bool] = sa.Column(
        "auto_dispatch", sa.Boolean(), nullable=False, server_default=sa.true()
    )
    op.add_column("operators", column)


def downgrade() -> None:
    # a plain ALTER TABLE on SQLite too (3.35+): a batch copy would drop the referenced table
    op.drop_column("operators", "auto_dispatch")

"""admin_user.session_generation: a counter stored in each login's cookie

Logout, a password change and deactivation raise it, so every cookie issued before is refused.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('admin_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('admin_user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')

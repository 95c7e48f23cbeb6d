"""control group (issue 17, part A)': visitor.in_control, customer.in_control, site.control_share

Revision ID: 0019
Revises: 0018
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visitor') as batch:
        batch.add_column(sa.Column('in_control', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('customer') as batch:
        batch.add_column(sa.Column('in_control', sa.Boolean(), nullable=True))
    with op.batch_alter_table('site') as batch:
        batch.add_column(sa.Column('control_share', sa.Float(), nullable=False, server_default='0.05'))


def downgrade() -> None:
    with op.batch_alter_table('site') as batch:
        batch.drop_column('control_share')
    with op.batch_alter_table('customer') as batch:
        batch.drop_column('in_control')
    with op.batch_alter_table('visitor') as batch:
        batch.drop_column('in_control')

"""campaign allocation (fixed split or Thompson-sampling bandit): campaign.allocation, bandit_metric, min_share,
serving_weights, weights_updated_at (issue 19)

Revision ID: 0022
Revises: 0021
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaign') as batch:
        batch.add_column(sa.Column('allocation', sa.String(length=8), nullable=False, server_default='fixed'))
        batch.add_column(sa.Column('bandit_metric', sa.String(length=16), nullable=False,
                                   server_default='conversion'))
        batch.add_column(sa.Column('min_share', sa.Float(), nullable=False, server_default='0.05'))
        batch.add_column(sa.Column('serving_weights', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('weights_updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('campaign') as batch:
        batch.drop_column('weights_updated_at')
        batch.drop_column('serving_weights')
        batch.drop_column('min_share')
        batch.drop_column('bandit_metric')
        batch.drop_column('allocation')

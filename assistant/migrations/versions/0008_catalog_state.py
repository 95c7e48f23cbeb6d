"""catalog_state: per-site change counters of the catalog and its stock

Server processes poll this one row a second to learn that the catalog index must be rebuilt (version)
or its stock refreshed (stock_version), instead of reading the product table on every quiz request.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'catalog_state',
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id'), primary_key=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('stock_version', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('catalog_state')

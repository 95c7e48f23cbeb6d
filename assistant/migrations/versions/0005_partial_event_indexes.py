"""event: the sku and ref indexes cover only the rows that have one

Most events (page views, searches) have neither a SKU nor a ref; leaving them out of those two
indexes saves two index writes per such event on the ingest path. Queries that filter on sku or
ref imply IS NOT NULL, so both databases still use the indexes.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_SKU = sa.text("sku IS NOT NULL")
_REF = sa.text("ref IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_sku_type_time')
        batch_op.drop_index('ix_event_ref')
        batch_op.create_index('ix_event_sku_type_time', ['site_id', 'sku', 'type', 'occurred_at'], unique=False,
                              sqlite_where=_SKU, postgresql_where=_SKU)
        batch_op.create_index('ix_event_ref', ['site_id', 'type', 'ref'], unique=False,
                              sqlite_where=_REF, postgresql_where=_REF)


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_ref')
        batch_op.drop_index('ix_event_sku_type_time')
        batch_op.create_index('ix_event_ref', ['site_id', 'type', 'ref'], unique=False)
        batch_op.create_index('ix_event_sku_type_time', ['site_id', 'sku', 'type', 'occurred_at'], unique=False)

"""verified orders: site.secret_hash, shop_order, and a browser's purchase as one claim per visitor

A purchase from a browser was unique per order id: anyone with the public key could claim another
shopper's order id first and the real purchase was dropped as a duplicate. Claims are now unique per
order id and visitor (a second visitor's claim is stored, as a conflict), and the shop's server (with
the site's secret key) or an import records the verified order in shop_order.

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PURCHASE = sa.text("type = 'purchase'")


def upgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.create_table(
        'shop_order',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id'), nullable=False),
        sa.Column('order_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column('value_minor', sa.Integer(), nullable=False),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'order_id', name='uq_shop_order_site_order'),
    )
    op.create_index('ix_shop_order_visitor', 'shop_order', ['site_id', 'visitor_id'])
    op.drop_index('uq_event_purchase_order', table_name='event', sqlite_where=PURCHASE, postgresql_where=PURCHASE)
    op.create_index('uq_event_purchase_claim', 'event', ['site_id', 'ref', 'visitor_id'], unique=True,
                    sqlite_where=PURCHASE, postgresql_where=PURCHASE)


def downgrade() -> None:
    op.drop_index('uq_event_purchase_claim', table_name='event', sqlite_where=PURCHASE, postgresql_where=PURCHASE)
    # the older schema holds one purchase per order id: keep each order's first claim
    op.execute("DELETE FROM event WHERE type = 'purchase' AND id NOT IN "
               "(SELECT min(id) FROM event WHERE type = 'purchase' GROUP BY site_id, ref)")
    op.create_index('uq_event_purchase_order', 'event', ['site_id', 'ref'], unique=True,
                    sqlite_where=PURCHASE, postgresql_where=PURCHASE)
    op.drop_index('ix_shop_order_visitor', table_name='shop_order')
    op.drop_table('shop_order')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('secret_hash')

"""shop_order: an index on (site_id, customer_id)

One customer's verified orders are read by their admin page's timeline, a privacy export and a privacy
deletion. Without an index each of those read every order of the site; with it, one range read.

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_shop_order_customer', 'shop_order', ['site_id', 'customer_id'])


def downgrade() -> None:
    op.drop_index('ix_shop_order_customer', table_name='shop_order')

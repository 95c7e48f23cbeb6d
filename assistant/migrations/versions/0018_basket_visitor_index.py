"""basket (site_id, visitor_id, cart_updated_at): detection asks per cart whether a basket already saw it

Revision ID: 0018
Revises: 0017
"""
from __future__ import annotations

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_basket_site_visitor', 'basket', ['site_id', 'visitor_id', 'cart_updated_at'])


def downgrade() -> None:
    op.drop_index('ix_basket_site_visitor', table_name='basket')

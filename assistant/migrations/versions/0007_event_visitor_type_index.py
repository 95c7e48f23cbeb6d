"""event: the visitor index includes the type

A visitor's recent views, purchases and promotion history filter by visitor and type and order by
time. With (site_id, visitor_id, occurred_at) SQLite's planner could prefer the site-wide
(site_id, type, occurred_at) index, walking every product view of the shop for one shopper; it
did once 0006 rebuilt the table. With the type in the visitor index, that index matches more of
the query and is the one chosen (tests/tracking/test_query_plans.py).

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_event_visitor_time', table_name='event')
    op.create_index('ix_event_visitor_time', 'event', ['site_id', 'visitor_id', 'type', 'occurred_at'])


def downgrade() -> None:
    op.drop_index('ix_event_visitor_time', table_name='event')
    op.create_index('ix_event_visitor_time', 'event', ['site_id', 'visitor_id', 'occurred_at'])

"""quiz_session: drop the single-column site_id, visitor_id and flow_id indexes (issue 11)

Every query on the table names the site, and the (site_id, visitor_id, flow_id, updated_at) and (site_id,
experiment) indexes start with it: the three single-column indexes served nothing those do not, and each
quiz start wrote them (an INSERT and its commit: 66 to 52 us of CPU on a 100,000-product benchmark file).

Revision ID: 0025
Revises: 0024
"""
from __future__ import annotations

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

DROPPED = (('ix_quiz_session_site_id', 'site_id'), ('ix_quiz_session_visitor_id', 'visitor_id'),
           ('ix_quiz_session_flow_id', 'flow_id'))


def upgrade() -> None:
    for name, _ in DROPPED:
        op.drop_index(name, table_name='quiz_session')


def downgrade() -> None:
    for name, column in DROPPED:
        op.create_index(name, 'quiz_session', [column])

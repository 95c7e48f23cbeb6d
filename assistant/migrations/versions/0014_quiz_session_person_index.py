"""quiz_session: an index on (site_id, visitor_id, flow_id, updated_at)

A flow with `remember: true` reads, when a quiz starts, the person's latest earlier runs of that flow
on the site (their browsers' anon ids, newest first) to carry answers over. The index answers that
in one range read per browser instead of walking every run of the browser, or of the flow.

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_quiz_session_site_visitor_flow', 'quiz_session',
                    ['site_id', 'visitor_id', 'flow_id', 'updated_at'])


def downgrade() -> None:
    op.drop_index('ix_quiz_session_site_visitor_flow', table_name='quiz_session')

"""flow experiments: quiz_session.experiment and variant record the arm a run was served, so results need no
re-hashing (issue 19)

Revision ID: 0023
Revises: 0022
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quiz_session') as batch:
        batch.add_column(sa.Column('experiment', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('variant', sa.String(length=64), nullable=True))
    op.create_index('ix_quiz_session_site_experiment', 'quiz_session', ['site_id', 'experiment'])


def downgrade() -> None:
    op.drop_index('ix_quiz_session_site_experiment', table_name='quiz_session')
    with op.batch_alter_table('quiz_session') as batch:
        batch.drop_column('variant')
        batch.drop_column('experiment')

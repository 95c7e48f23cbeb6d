"""survey_response: micro-survey answers (issue 15)

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey_response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.String(length=64), nullable=False),
        sa.Column('response_id', sa.String(length=64), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.String(length=128), nullable=True),
        sa.Column('segment', sa.String(length=40), nullable=True),
        sa.Column('page', sa.String(length=500), nullable=False),
        sa.Column('placement', sa.String(length=40), nullable=False),
        sa.Column('device', sa.String(length=10), nullable=False),
        sa.Column('locale', sa.String(length=35), nullable=True),
        sa.Column('kind', sa.String(length=8), nullable=True),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'response_id', name='uq_survey_response_site_response'),
    )
    op.create_index('ix_survey_response_site_survey_created', 'survey_response',
                    ['site_id', 'survey_id', 'created_at'])
    op.create_index('ix_survey_response_site_visitor', 'survey_response', ['site_id', 'visitor_id'])


def downgrade() -> None:
    op.drop_index('ix_survey_response_site_visitor', table_name='survey_response')
    op.drop_index('ix_survey_response_site_survey_created', table_name='survey_response')
    op.drop_table('survey_response')

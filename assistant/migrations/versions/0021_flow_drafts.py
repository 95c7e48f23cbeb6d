"""flow_draft, flow_publication: flow drafts edited in the admin and who published what (issue 17, part C)

Revision ID: 0021
Revises: 0020
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey('admin_user.id', ondelete='SET NULL'), nullable=True)


def upgrade() -> None:
    op.create_table(
        'flow_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('flow_id', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('base_digest', sa.String(length=64), nullable=False),
        _user('updated_by'),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('flow_id'),
    )
    op.create_table(
        'flow_publication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('flow_id', sa.String(length=64), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('previous_text', sa.Text(), nullable=True),
        _user('published_by'),
        sa.Column('published_by_email', sa.String(length=254), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id', ondelete='SET NULL'), nullable=True),
        sa.Column('replay', sa.JSON(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_flow_publication_flow_published', 'flow_publication', ['flow_id', 'published_at'])


def downgrade() -> None:
    op.drop_index('ix_flow_publication_flow_published', table_name='flow_publication')
    op.drop_table('flow_publication')
    op.drop_table('flow_draft')

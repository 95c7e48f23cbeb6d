"""what the assistant earns: the daily earnings aggregates the dashboard reads (issue 17, part B)

Revision ID: 0020
Revises: 0019
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _keys(*columns: sa.Column) -> list[sa.Column]:
    return [sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id'), primary_key=True),
            sa.Column('day', sa.Date(), primary_key=True), *columns]


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False)


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default='0')


def _square(name: str) -> sa.Column:
    return sa.Column(name, sa.Float(), nullable=False, server_default='0')


def _key(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), primary_key=True)


def upgrade() -> None:
    op.create_table('earnings_group_day', *_keys(
        sa.Column('in_control', sa.Boolean(), primary_key=True), _key('segment', 40),
        _count('visitors'), _count('buyers'), _count('orders'), _money('revenue_minor'), _square('revenue_sq'),
        _square('order_sq'), _money('attributed_minor'), _money('view_through_minor')))
    op.create_table('earnings_quiz_day', *_keys(
        _key('flow_id', 64), _key('stage', 16), _key('question', 64), _count('quizzes'), _money('revenue_minor')))
    op.create_table('earnings_path_day', *_keys(
        _key('flow_id', 64), _key('path', 400), _count('finished'), _count('zero_results'), _count('relaxed')))
    op.create_table('earnings_strip_day', *_keys(
        _key('placement', 32), _key('strategy', 64), _count('impressions'), _count('clicks'), _count('adds'),
        _count('orders'), _money('revenue_minor'), _money('view_through_minor')))
    op.create_table('earnings_promo_day', *_keys(
        _key('campaign', 64), _key('variant', 64), _count('impressions'), _count('clicks'), _count('dismisses'),
        _count('orders'), _money('revenue_minor')))
    op.create_table('earnings_survey_day', *_keys(
        _key('survey_id', 64), _key('kind', 8), _count('responses'), _count('score_sum'), _count('low'),
        _count('high')))
    op.create_table(
        'earnings_state',
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id'), primary_key=True),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        _count('version'),
    )


def downgrade() -> None:
    for table in ('earnings_state', 'earnings_survey_day', 'earnings_promo_day', 'earnings_strip_day',
                  'earnings_path_day', 'earnings_quiz_day', 'earnings_group_day'):
        op.drop_table(table)

"""customer_figure and insight_state: the nightly customer figures and which run wrote them

customer_figure holds, per site and customer key, what `assistant train` computed: orders, revenue,
RFM scores and segment, lifetime value both ways, BG/NBD and Gamma-Gamma figures and churn risk (NULL
until a model fills them). insight_state is one row per site whose version server processes follow,
so they reload their in-memory figures without reading the figures table on a request.

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        'customer_figure',
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id'), primary_key=True),
        sa.Column('customer_key', sa.String(length=140), primary_key=True),
        sa.Column('customer_id', sa.String(length=128), nullable=True),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('revenue_minor', sa.BigInteger(), nullable=False),
        sa.Column('first_order_at', when, nullable=False),
        sa.Column('last_order_at', when, nullable=False),
        sa.Column('recency_score', sa.SmallInteger(), nullable=False),
        sa.Column('frequency_score', sa.SmallInteger(), nullable=False),
        sa.Column('monetary_score', sa.SmallInteger(), nullable=False),
        sa.Column('segment', sa.String(length=40), nullable=False),
        sa.Column('average_order_value', sa.Float(), nullable=False),
        sa.Column('purchase_frequency', sa.Float(), nullable=False),
        sa.Column('expected_lifespan', sa.Float(), nullable=False),
        sa.Column('simple_clv', sa.Float(), nullable=False),
        sa.Column('expected_purchases', sa.Float(), nullable=True),
        sa.Column('p_alive', sa.Float(), nullable=True),
        sa.Column('expected_spend', sa.Float(), nullable=True),
        sa.Column('clv', sa.Float(), nullable=True),
        sa.Column('churn_risk', sa.Float(), nullable=True),
        sa.Column('computed_at', when, nullable=False),
    )
    op.create_table(
        'insight_state',
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id'), primary_key=True),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('computed_at', when, nullable=False),
        sa.Column('horizon_days', sa.Integer(), nullable=False),
        sa.Column('customers', sa.Integer(), nullable=False),
        sa.Column('model', sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('insight_state')
    op.drop_table('customer_figure')

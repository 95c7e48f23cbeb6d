"""basket, basket_message, email_opt_out, basket_settings, job_lease: abandoned baskets (issue 16)

Revision ID: 0017
Revises: 0016
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'basket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.String(length=128), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('value_minor', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        _when('cart_updated_at'),
        _when('opened_at'),
        sa.Column('holdout', sa.Boolean(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        _when('next_step_at', True),
        _when('first_reminder_at', True),
        _when('clicked_at', True),
        _when('recovered_at', True),
        sa.Column('recovered_value_minor', sa.Integer(), nullable=True),
        sa.Column('recovered_order_id', sa.String(length=128), nullable=True),
        _when('closed_at', True),
        sa.Column('closed_reason', sa.String(length=16), nullable=True),
        _when('updated_at'),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ux_basket_open_visitor', 'basket', ['site_id', 'visitor_id'], unique=True,
                    sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
    op.create_index('ix_basket_site_due', 'basket', ['site_id', 'next_step_at'])
    op.create_index('ix_basket_site_customer', 'basket', ['site_id', 'customer_id'])
    op.create_index('ix_basket_site_opened', 'basket', ['site_id', 'opened_at'])
    op.create_table(
        'basket_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('basket_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('idempotency_key', sa.String(length=80), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        _when('next_attempt_at'),
        _when('leased_until', True),
        sa.Column('last_error', sa.String(length=1000), nullable=True),
        _when('created_at'),
        _when('sent_at', True),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.ForeignKeyConstraint(['basket_id'], ['basket.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('idempotency_key', name='uq_basket_message_key'),
    )
    op.create_index('ix_basket_message_due', 'basket_message', ['status', 'next_attempt_at'])
    op.create_index('ix_basket_message_basket', 'basket_message', ['basket_id'])
    op.create_index('ix_basket_message_site_status', 'basket_message', ['site_id', 'status'])
    op.create_table(
        'email_opt_out',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.String(length=128), nullable=False),
        _when('created_at'),
        sa.Column('basket_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('site_id', 'customer_id'),
    )
    op.create_table(
        'basket_settings',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('webhook_secret', sa.String(length=100), nullable=True),
        _when('updated_at'),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('site_id'),
    )
    op.create_table(
        'job_lease',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=False),
        _when('expires_at'),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('job_lease')
    op.drop_table('basket_settings')
    op.drop_table('email_opt_out')
    for name in ('ix_basket_message_site_status', 'ix_basket_message_basket', 'ix_basket_message_due'):
        op.drop_index(name, table_name='basket_message')
    op.drop_table('basket_message')
    for name in ('ix_basket_site_opened', 'ix_basket_site_customer', 'ix_basket_site_due', 'ux_basket_open_visitor'):
        op.drop_index(name, table_name='basket')
    op.drop_table('basket')

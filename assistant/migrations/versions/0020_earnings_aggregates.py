"""what the assistant earns: attribution and daily aggregates (issue 17, part B): reserved; its helper fills it in with its tables

Revision ID: 0020
Revises: 0019
"""
from __future__ import annotations

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

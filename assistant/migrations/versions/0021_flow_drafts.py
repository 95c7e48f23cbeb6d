"""flow drafts and publications (issue 17, part C): reserved; its helper fills it in with its tables

Revision ID: 0021
Revises: 0020
"""
from __future__ import annotations

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

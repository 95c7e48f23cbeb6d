"""accounts scoped to sites: admin_user.all_sites and user_site

Every account could switch to every site. Now an account sees the sites it is given (user_site), or
every site with all_sites (the operator who creates sites). Existing accounts keep what they saw:
admins get all_sites, every other account is given each site that exists now (not later ones).

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('admin_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('all_sites', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'user_site',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('admin_user.id'), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('site.id'), nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'site_id'),
    )
    op.execute("UPDATE admin_user SET all_sites = true WHERE role = 'admin'")
    op.execute("INSERT INTO user_site (user_id, site_id) SELECT admin_user.id, site.id FROM admin_user, site "
               "WHERE admin_user.role <> 'admin'")


def downgrade() -> None:
    op.drop_table('user_site')
    with op.batch_alter_table('admin_user', schema=None) as batch_op:
        batch_op.drop_column('all_sites')

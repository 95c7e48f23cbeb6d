"""Amounts in the 47 currencies whose decimals CLDR gives differently from the old rule, rescaled

Minor units were 0 decimals for JPY, KRW, CLP, ISK, VND and HUF and 2 for every other currency;
catalog/money.py now takes each currency's decimals from CLDR (Babel): KWD, BHD, JOD, LYD, OMR and
TND have 3, CLF and UYW 4, IDR, COP, PYG, XOF and 33 more 0. A stored 12.34 KWD was 1234 and would
now read as 1.234 KWD, so every stored amount in those currencies is rescaled to the new decimals:
product prices, event values and carts (shop_order came with the new rule). A fraction a currency
no longer has is rounded half away from zero (a price of 1234.50 PYG becomes 1235). The table below
is frozen here, so a later CLDR cannot change what this migration did.

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CHANGED = {  # currency: (decimals before, decimals now)
    'ADP': (2, 0), 'AFN': (2, 0), 'ALL': (2, 0), 'BHD': (2, 3), 'BIF': (2, 0), 'BYR': (2, 0), 'CLF': (2, 4),
    'COP': (2, 0), 'DJF': (2, 0), 'ESP': (2, 0), 'GNF': (2, 0), 'IDR': (2, 0), 'IQD': (2, 0), 'IRR': (2, 0),
    'ITL': (2, 0), 'JOD': (2, 3), 'KMF': (2, 0), 'KPW': (2, 0), 'KWD': (2, 3), 'LAK': (2, 0), 'LBP': (2, 0),
    'LUF': (2, 0), 'LYD': (2, 3), 'MGA': (2, 0), 'MGF': (2, 0), 'MMK': (2, 0), 'MRO': (2, 0), 'OMR': (2, 3),
    'PYG': (2, 0), 'RWF': (2, 0), 'SLL': (2, 0), 'SOS': (2, 0), 'STD': (2, 0), 'SYP': (2, 0), 'TMM': (2, 0),
    'TND': (2, 3), 'TRL': (2, 0), 'UGX': (2, 0), 'UYI': (2, 0), 'UYW': (2, 4), 'VUV': (2, 0), 'XAF': (2, 0),
    'XOF': (2, 0), 'XPF': (2, 0), 'YER': (2, 0), 'ZMK': (2, 0), 'ZWD': (2, 0),
}
AMOUNTS = (("product", "price_minor"), ("event", "value_minor"), ("cart", "value_minor"))


def upgrade() -> None:
    _rescale(forward=True)


def downgrade() -> None:
    _rescale(forward=False)


def _rescale(*, forward: bool) -> None:
    for table, column in AMOUNTS:
        for currency, (before, now) in CHANGED.items():
            shift = now - before if forward else before - now
            scaled = (f"{column} * {10 ** shift}" if shift > 0 else
                      f"CAST(ROUND({column} / {float(10 ** -shift)}) AS BIGINT)")
            op.execute(f"UPDATE {table} SET {column} = {scaled} "  # noqa: S608  (names and numbers of this file)
                       f"WHERE UPPER(currency) = '{currency}' AND {column} IS NOT NULL")

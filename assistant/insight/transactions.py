"""A site's counted purchases as arrays, one row per order, each with the customer it belongs to.

Which purchases count follows tracking.purchases: the shop's verified orders when it sends any, else the
browsers' purchase claims, an order id claimed by more than one visitor counting for nobody, beside the
orders of its imported history (`assistant history import`). An order
belongs to a customer key: the shop's customer id when known (the order's own, else the one its visitor
identified as, so every device of a customer is one person, as tracking.identity merges them), else
"v:<visitor id>" for an anonymous visitor. Orders nobody can be given to, and orders in another currency
than the site's (amounts in two currencies do not add up), are left out and counted in `skipped`.

Read with three set-based statements on the session's DBAPI cursor (rawsql), not per customer: this runs
over every order of a shop each night.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from assistant.catalog.money import exponent
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

SECONDS_PER_DAY = 86400.0
ANONYMOUS = "v:"
ORDER_COLUMNS = "order_id, visitor_id, customer_id, value_minor, currency, {at}"


@dataclass(frozen=True)
class Transactions:
    """Counted orders, in no particular order, with `customer` indexing `keys` (what summary.summarise takes)."""

    keys: list[str]
    """Customer keys, sorted: the shop's customer id, or "v:<visitor id>" for an anonymous buyer."""
    customer_ids: list[str | None]
    """Per key, the shop's customer id (None for an anonymous buyer)."""
    customer: NDArray[np.int64]
    order_id: NDArray[np.object_]
    time: NDArray[np.float64]
    """Seconds since the Unix epoch, UTC."""
    amount: NDArray[np.float64]
    """In major units of the site's currency."""
    currency: str
    verified: bool
    """Whether these are the shop's verified orders (else the browsers' claims)."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Orders left out, by reason."""

    def __len__(self) -> int:
        return int(self.customer.size)

    def days(self) -> NDArray[np.float64]:
        """Order times in days since the epoch (summarise's unit for the nightly figures)."""
        return self.time / SECONDS_PER_DAY


def epoch_sql(column: str, *, postgres: bool) -> str:
    """SQL for a timestamp column as float seconds since the epoch, on either database."""
    if postgres:
        return f"EXTRACT(EPOCH FROM {column})::float8"
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds, then the fraction as written
    return f"(CAST(strftime('%s', {column}) AS REAL) + CAST(('0' || substr({column}, 20, 7)) AS REAL))"


def visitor_customers(raw: RawSQL, site: Site) -> dict[int, str]:
    """Visitor id -> the customer id it identified as, for every identified visitor of the site."""
    rows = raw.run("SELECT id, customer_id FROM visitor WHERE site_id = ? AND customer_id IS NOT NULL",
                   (site.pk,)).fetchall()
    return {int(v): str(c) for v, c in rows}


def load_transactions(*, session: Session, site: Site, until: datetime | None = None) -> Transactions:
    """Every counted order of `site` placed at or before `until` (all when None), with its customer key."""
    raw = RawSQL(session)
    limit = until.timestamp() if until is not None else float("inf")
    # an imported past (source 'history') is not the shop's server sending orders (tracking.purchases.sends_orders)
    verified = raw.run("SELECT 1 FROM shop_order WHERE site_id = ? AND source <> 'history' LIMIT 1",
                       (site.pk,)).fetchone() is not None
    claims = raw.run(f"SELECT ref, visitor_id, value_minor, currency, {epoch_sql('occurred_at', postgres=raw.postgres)}"
                     " FROM event WHERE site_id = ? AND type = 'purchase' AND ref IS NOT NULL", (site.pk,)).fetchall()
    customers = visitor_customers(raw, site)
    orders = raw.run(f"SELECT {ORDER_COLUMNS.format(at=epoch_sql('ordered_at', postgres=raw.postgres))}"
                     " FROM shop_order WHERE site_id = ?", (site.pk,)).fetchall()
    return _assemble(_counted(orders, claims, customers, verified), customers, site, limit, verified)


def load_person_transactions(*, session: Session, site: Site, key: str, visitor_ids: list[int],
                             until: datetime | None = None) -> Transactions:
    """The counted orders of one customer key, given as load_transactions gives them, read by the person's ids.

    `visitor_ids` are the key's visitors (those identified as the customer id, or the one of "v:<id>"). Only
    their purchase claims, the claims of the same order ids by others, and the orders naming the customer,
    their visitors or those order ids are read (indexed), not the site's orders: for one customer's page.
    """
    raw = RawSQL(session)
    limit = until.timestamp() if until is not None else float("inf")
    verified = raw.run("SELECT 1 FROM shop_order WHERE site_id = ? AND source <> 'history' LIMIT 1",
                       (site.pk,)).fetchone() is not None
    mine = ", ".join("?" * max(1, len(visitor_ids)))
    theirs = tuple(visitor_ids) or (-1,)
    refs = f"SELECT ref FROM event WHERE site_id = ? AND type = 'purchase' AND visitor_id IN ({mine})"
    claims = raw.run(f"SELECT ref, visitor_id, value_minor, currency, {epoch_sql('occurred_at', postgres=raw.postgres)}"
                     f" FROM event WHERE site_id = ? AND type = 'purchase' AND ref IN ({refs})",
                     (site.pk, site.pk, *theirs)).fetchall()
    named = () if key.startswith(ANONYMOUS) else (key,)
    orders = raw.run(f"SELECT {ORDER_COLUMNS.format(at=epoch_sql('ordered_at', postgres=raw.postgres))}"
                     f" FROM shop_order WHERE site_id = ? AND (visitor_id IN ({mine}) OR order_id IN ({refs})"
                     + (" OR customer_id = ?)" if named else ")"),
                     (site.pk, *theirs, site.pk, *theirs, *named)).fetchall()
    involved = {int(v) for v in (*visitor_ids, *(c[1] for c in claims), *(o[1] for o in orders)) if v is not None}
    customers = _customers_of(raw, site, sorted(involved))
    found = _assemble(_counted(orders, claims, customers, verified), customers, site, limit, verified)
    return _only(found, key)


def _counted(orders: list[Any], claims: list[Any], customers: dict[int, str], verified: bool) -> list[Row]:
    """The orders (and, without the shop's server, the browsers' unique claims of other order ids) that count."""
    rows = _verified(orders, claims, customers)  # without the shop's server: its imported history alone
    if not verified:
        imported = {row[0] for row in rows}
        rows += _claimed([claim for claim in claims if claim[0] not in imported])
    return rows


def _customers_of(raw: RawSQL, site: Site, visitors: list[int]) -> dict[int, str]:
    """visitor_customers for these visitors alone."""
    if not visitors:
        return {}
    rows = raw.run(f"SELECT id, customer_id FROM visitor WHERE site_id = ? AND customer_id IS NOT NULL"
                   f" AND id IN ({', '.join('?' * len(visitors))})", (site.pk, *visitors)).fetchall()
    return {int(v): str(c) for v, c in rows}


def _only(t: Transactions, key: str) -> Transactions:
    """The orders of `key` alone (customer index 0); no orders when the key has none."""
    keep = t.customer == (t.keys.index(key) if key in t.keys else -1)
    return Transactions(keys=[key], customer_ids=[None if key.startswith(ANONYMOUS) else key],
                        customer=np.zeros(int(keep.sum()), dtype=np.int64), order_id=t.order_id[keep],
                        time=t.time[keep], amount=t.amount[keep], currency=t.currency, verified=t.verified,
                        skipped=t.skipped)


Row = tuple[str, int | None, str | None, int, str | None, float]
"""order id, visitor id, customer id, value in minor units, currency, epoch seconds."""


def _claimed(claims: list[tuple[str, int, int | None, str | None, float]]) -> list[Row]:
    claimants = Counter(ref for ref, *_ in claims)
    return [(ref, visitor, None, value or 0, currency, at) for ref, visitor, value, currency, at in claims
            if claimants[ref] == 1]


def _verified(orders: list[Any], claims: list[tuple[str, int, int | None, str | None, float]],
              customers: dict[int, str]) -> list[Row]:
    by_order: dict[str, list[int]] = {}
    for ref, visitor, *_ in claims:
        by_order.setdefault(ref, []).append(int(visitor))
    rows: list[Row] = []
    for order_id, named, customer, value, currency, at in orders:
        owner = named if named is not None else _claimant(by_order.get(order_id, []), customer, customers)
        rows.append((order_id, owner, customer, value, currency, at))
    return rows


def _claimant(visitors: list[int], customer: str | None, customers: dict[int, str]) -> int | None:
    """The one visitor who claimed an unnamed order, or among several the one identified as its customer."""
    if len(visitors) == 1:
        return visitors[0]
    if customer is None:
        return None
    mine = [v for v in visitors if customers.get(v) == customer]
    return mine[0] if len(mine) == 1 else None


def _assemble(rows: list[Row], customers: dict[int, str], site: Site, limit: float, verified: bool) -> Transactions:
    skipped: Counter[str] = Counter()
    keys: list[str] = []
    anonymous: set[str] = set()
    kept: list[tuple[str, float, int]] = []
    for order_id, visitor, customer, value, currency, at in rows:
        if at > limit:
            continue
        if currency is not None and currency != site.currency:
            skipped["other currency"] += 1
            continue
        key = customer or (customers.get(visitor) if visitor is not None else None)
        if key is None and visitor is not None:
            key = f"{ANONYMOUS}{visitor}"
            anonymous.add(key)
        if key is None:
            skipped["no customer"] += 1
            continue
        keys.append(key)
        kept.append((order_id, float(at), int(value)))
    unique: list[str] = sorted(set(keys))
    code = {key: i for i, key in enumerate(unique)}
    scale = 10.0 ** exponent(site.currency)
    return Transactions(
        keys=unique,
        customer_ids=[None if k in anonymous else k for k in unique],
        customer=np.array([code[k] for k in keys], dtype=np.int64),
        order_id=np.array([o for o, _, _ in kept], dtype=object),
        time=np.array([t for _, t, _ in kept], dtype=np.float64),
        amount=np.array([v for _, _, v in kept], dtype=np.float64) / scale,
        currency=site.currency, verified=verified, skipped=dict(skipped))

"""Recovery: a basket is recovered by its customer's first counted purchase within `recovery_days` of its first
reminder, holdout baskets alike (theirs is when the reminder would have gone), so the two rates compare.

Which purchases count is the project's one rule (tracking.purchases, as insight.transactions reads it per
person): the shop's verified orders when it sends any, else the browsers' purchase claims without conflicts,
beside its imported history; any device of the customer, or an order naming the customer id. One set-based
statement first finds the baskets whose customer has any purchase event or order since the basket's cart or
reminder; only those customers' purchases are then read and counted. A purchase also closes an open basket
("purchased"), recovered or not, and cancels its pending messages. "After a click" is not stored: it is
`recovered_after_click`, the click before the purchase.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from assistant.baskets.detect import cancel_pending
from assistant.baskets.models import Basket
from assistant.baskets.settings import BasketSettings
from assistant.catalog.money import exponent
from assistant.insight.transactions import load_person_transactions
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from assistant.timeutil import as_utc
from assistant.tracking.models import Visitor

SLACK = timedelta(days=1)
"""How much earlier than the basket a purchase event or order is looked for (a claim may precede its order)."""

Order = tuple[datetime, str, int]
"""When, order id, value in minor units."""


def recovered_after_click(basket: Basket) -> bool:
    """Whether the basket was recovered after a click on a reminder's link (the click came first)."""
    return (basket.recovered_at is not None and basket.clicked_at is not None
            and as_utc(basket.clicked_at) <= as_utc(basket.recovered_at))


def mark_recoveries(*, session: Session, site: Site, settings: BasketSettings, now: datetime) -> int:
    """Mark the site's baskets recovered by a counted purchase, close those bought; how many were recovered."""
    raw = RawSQL(session)
    by_customer: dict[str, list[int]] = defaultdict(list)
    for basket_id, customer_id in _with_purchases(raw, site, settings, now):
        by_customer[str(customer_id)].append(int(basket_id))
    recovered = 0
    for customer_id, basket_ids in by_customer.items():
        orders = _orders(session, site, customer_id, now)
        for basket in session.exec(select(Basket).where(col(Basket.id).in_(basket_ids))):
            recovered += _apply(session, basket, orders, settings, now)
    session.flush()
    cancel_pending(RawSQL(session), site)
    return recovered


def _with_purchases(raw: RawSQL, site: Site, settings: BasketSettings, now: datetime) -> list[tuple[int, str]]:
    """Baskets that a purchase may have recovered or closed: one statement over the open and the recent ones."""
    oldest = now - timedelta(days=settings.recovery_days, minutes=settings.steps[-1].after_minutes) - SLACK
    since = ("(CASE WHEN b.first_reminder_at IS NOT NULL AND b.first_reminder_at < b.cart_updated_at"
             " THEN b.first_reminder_at ELSE b.cart_updated_at END)")
    slack = f"{since} - INTERVAL '1 day'" if raw.postgres else f"datetime({since}, '-1 day')"
    return list(raw.run(
        "SELECT b.id, b.customer_id FROM basket b WHERE b.site_id = ? AND b.recovered_at IS NULL"
        " AND (b.closed_at IS NULL OR (b.first_reminder_at IS NOT NULL AND b.opened_at >= ?)) AND ("
        " EXISTS (SELECT 1 FROM visitor v JOIN event e ON e.site_id = v.site_id AND e.visitor_id = v.id"
        f" AND e.type = 'purchase' AND e.occurred_at >= {slack}"
        " WHERE v.site_id = b.site_id AND v.customer_id = b.customer_id)"
        " OR EXISTS (SELECT 1 FROM shop_order o WHERE o.site_id = b.site_id AND o.customer_id = b.customer_id"
        f" AND o.ordered_at >= {slack})"
        " OR EXISTS (SELECT 1 FROM visitor v JOIN shop_order o ON o.site_id = v.site_id AND o.visitor_id = v.id"
        f" AND o.ordered_at >= {slack} WHERE v.site_id = b.site_id AND v.customer_id = b.customer_id))",
        (site.pk, raw.time(oldest))).fetchall())


def _orders(session: Session, site: Site, customer_id: str, now: datetime) -> list[Order]:
    """The customer's counted orders up to `now`, oldest first."""
    visitors = [int(v) for v in session.exec(select(Visitor.id).where(Visitor.site_id == site.id,
                                                                       Visitor.customer_id == customer_id)) if v]
    found = load_person_transactions(session=session, site=site, key=customer_id, visitor_ids=visitors, until=now)
    scale = 10 ** exponent(site.currency)
    return sorted((datetime.fromtimestamp(float(t), UTC), str(o), round(float(a) * scale))
                  for t, o, a in zip(found.time, found.order_id, found.amount, strict=True))


def _apply(session: Session, basket: Basket, orders: list[Order], settings: BasketSettings, now: datetime) -> int:
    """Record what the customer's orders mean for one basket; 1 when it is recovered now."""
    recovered = 0
    if basket.first_reminder_at is not None:
        start = as_utc(basket.first_reminder_at)
        end = start + timedelta(days=settings.recovery_days)
        hit = next((order for order in orders if start <= order[0] <= end), None)
        if hit is not None:
            basket.recovered_at, basket.recovered_order_id, basket.recovered_value_minor = hit[0], hit[1], hit[2]
            recovered = 1
    since = min(as_utc(basket.cart_updated_at), as_utc(basket.first_reminder_at or basket.cart_updated_at))
    if basket.closed_at is None and (recovered or any(order[0] >= since for order in orders)):
        basket.closed_at, basket.closed_reason, basket.next_step_at = now, "purchased", None
    if recovered or basket.closed_at == now:
        basket.updated_at = now
        session.add(basket)
    return recovered

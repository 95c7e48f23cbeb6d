"""A synthetic shop's history for the nightly customer figures: orders that follow BG/NBD, and activity.

Each buyer starts on a random day of the last two years, buys at a gamma-distributed rate and, after
each repeat purchase, leaves with a beta-distributed probability (BG/NBD's story: nobody leaves before
their first repeat purchase, which is why P(alive) is 1 without one), spending gamma-distributed
amounts around their own mean (Gamma-Gamma's). A share are anonymous (a visitor id, no customer id), a
share of the identified ones use a second device. Views, add-to-carts, quiz answers and page views fall
on buyers' and other visitors' devices at random times, with one visit per ten events. Everything is
written with plain `executemany` on the session's DBAPI cursor (rawsql), in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlmodel import Session

from assistant.insight.bgnbd import BgNbd
from assistant.rawsql import RawSQL
from assistant.sites.models import Site

YEARS = 2.0
EVENT_TYPES = np.array(["product_view", "page_view", "add_to_cart", "quiz_answer"])
EVENT_SHARES = np.array([0.65, 0.2, 0.1, 0.05])


@dataclass(frozen=True)
class ShopSize:
    """How many buyers, events and browsing-only visitors to write."""

    customers: int
    events: int
    lurkers: int = 0
    anonymous_share: float = 0.3
    second_device_share: float = 0.1


TRUTH = BgNbd(r=0.7, alpha=40.0, a=0.8, b=3.0, log_likelihood=0.0)
"""The buyers' BG/NBD, in days: purchases per day gamma(0.7, 1/40), mean 0.0175 (about six a year)."""


def purchase_days(n: int, rng: np.random.Generator, *, days: float,
                  truth: BgNbd = TRUTH) -> tuple[np.ndarray, np.ndarray]:
    """(customer, day) of every purchase of `n` BG/NBD customers observed for `days`, days since the start."""
    first = rng.uniform(0, days, n)
    rate = rng.gamma(truth.r, 1.0 / truth.alpha, n)
    leave = rng.beta(truth.a, truth.b, n)
    who, when = [np.arange(n)], [first]
    now, alive = first.copy(), np.ones(n, dtype=bool)
    while alive.any():
        now = now + rng.exponential(1.0 / rate)
        alive &= now < days
        who.append(np.flatnonzero(alive))
        when.append(now[alive])
        alive &= rng.random(n) >= leave  # the coin is tossed after a repeat purchase, never after the first
    return np.concatenate(who), np.concatenate(when)


def write_shop(*, session: Session, site: Site, size: ShopSize, now: datetime, seed: int = 0,
               truth: BgNbd = TRUTH) -> dict[str, int]:
    """Write visitors, orders, events, visits and carts of a synthetic shop (buyers from `truth`); the row counts."""
    rng = np.random.default_rng(seed)
    raw = RawSQL(session)
    start = now - timedelta(days=YEARS * 365.25)
    span = (now - start).total_seconds()
    n = size.customers
    anonymous = rng.random(n) < size.anonymous_share
    second = (~anonymous) & (rng.random(n) < size.second_device_share)
    owners = np.concatenate([np.arange(n), np.flatnonzero(second), np.full(size.lurkers, -1)])
    visitors = _visitors(raw, site, owners, anonymous, now)
    who, day = purchase_days(n, rng, days=span / 86400.0, truth=truth)
    mean_spend = rng.gamma(6.0, 8.0, n)
    value = np.maximum(1, np.rint(rng.gamma(6.0, mean_spend[who] / 6.0) * 100)).astype(np.int64)
    ordered = [start + timedelta(days=float(d)) for d in day]
    orders = [(site.pk, f"o{i}", int(visitors[c]), None if anonymous[c] else f"c{c}", int(v), site.currency,
               "[]", "import", raw.time(t), raw.time(t))
              for i, (c, v, t) in enumerate(zip(who.tolist(), value.tolist(), ordered, strict=True))]
    raw.cursor.executemany(raw.sql(
        "INSERT INTO shop_order (site_id, order_id, visitor_id, customer_id, value_minor, currency, items, source,"
        " ordered_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), orders)
    events = _events(raw, site, rng, visitors, size.events, start, span)
    return {"visitors": len(visitors), "orders": len(orders), "events": events}


def _visitors(raw: RawSQL, site: Site, owners: np.ndarray, anonymous: np.ndarray, now: datetime) -> np.ndarray:
    """Insert one visitor per owner (-1: nobody's); the visitor id of each owner's first device."""
    stamp = raw.time(now)
    rows = [(site.pk, f"syn-{i:09d}", None if o < 0 or anonymous[o] else f"c{o}", 1, stamp, stamp)
            for i, o in enumerate(owners.tolist())]
    raw.cursor.executemany(raw.sql("INSERT INTO visitor (site_id, anon_id, customer_id, sessions, first_seen,"
                                   " last_seen) VALUES (?, ?, ?, ?, ?, ?)"), rows)
    ids = dict(raw.run("SELECT anon_id, id FROM visitor WHERE site_id = ? AND anon_id LIKE ?",
                       (site.pk, "syn-%")).fetchall())
    return np.array([ids[f"syn-{i:09d}"] for i in range(len(owners))], dtype=np.int64)


def _events(raw: RawSQL, site: Site, rng: np.random.Generator, visitors: np.ndarray, total: int, start: datetime,
            span: float) -> int:
    visitor = visitors[rng.integers(0, len(visitors), total)]
    kinds = EVENT_TYPES[rng.choice(len(EVENT_TYPES), total, p=EVENT_SHARES)]
    seconds = np.sort(rng.uniform(0, span, total))
    base = np.datetime64(start.replace(tzinfo=None), "us")
    text = np.datetime_as_string(base + (seconds * 1e6).astype("timedelta64[us]"), unit="us")
    times = [t.replace("T", " ") for t in text.tolist()] if not raw.postgres else [
        datetime.fromisoformat(t + "+00:00") for t in text.tolist()]
    skus = rng.integers(0, 5000, total)
    rows = [(site.pk, f"e{i}", int(v), k, f"sku-{s}" if k in ("product_view", "add_to_cart") else None, "/", "{}",
             t, t) for i, (v, k, s, t) in enumerate(zip(visitor.tolist(), kinds.tolist(), skus.tolist(), times,
                                                       strict=True))]
    raw.cursor.executemany(raw.sql("INSERT INTO event (site_id, client_id, visitor_id, type, sku, page, data,"
                                   " occurred_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"), rows)
    visits = [(site.pk, int(v), t) for v, t in zip(visitor[::10].tolist(), times[::10], strict=True)]
    raw.cursor.executemany(raw.sql("INSERT INTO visit_session (site_id, visitor_id, started_at, landing_page,"
                                   " referrer, utm_source, utm_medium, utm_campaign, device)"
                                   " VALUES (?, ?, ?, '', '', '', '', '', '')"), visits)
    carted = np.unique(visitor[kinds == "add_to_cart"])[::3]
    carts = [(site.pk, int(v), '[{"sku": "sku-1", "quantity": 1}]', 1000, site.currency, times[-1])
             for v in carted.tolist()]
    raw.cursor.executemany(raw.sql("INSERT INTO cart (site_id, visitor_id, items, value_minor, currency,"
                                   " updated_at) VALUES (?, ?, ?, ?, ?, ?)"), carts)
    return total

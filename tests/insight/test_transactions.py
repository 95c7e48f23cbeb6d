"""Counted orders per customer key, through the real ingest and order paths, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlmodel import Session, select

from assistant.insight.summary import summarise
from assistant.insight.transactions import load_person_transactions, load_transactions
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.models import Visitor
from assistant.tracking.orders import parse_order, record_order
from tests.promotions.helpers import track

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def buy(session: Session, site: Site, visitor: str, order_id: str, value: float, at: datetime = T0) -> None:
    track(session, site, visitor, at, {"type": "purchase", "order_id": order_id, "value": value})


def identify(session: Session, site: Site, visitor: str, customer: str, at: datetime = T0) -> None:
    track(session, site, visitor, at, {"type": "identify", "customer_id": customer})


def vid(session: Session, anon: str) -> int:
    found = session.exec(select(Visitor.id).where(Visitor.anon_id == anon)).one()
    assert found is not None
    return found


def rows(session: Session, site: Site, **kwargs: object) -> list[tuple[str, str, float, float]]:
    t = load_transactions(session=session, site=site, **kwargs)  # type: ignore[arg-type]
    return sorted((t.keys[c], o, a, tm) for c, o, a, tm in zip(t.customer, t.order_id, t.amount, t.time, strict=True))


def test_two_visitors_of_one_customer_are_one_customer(session: Session, site: Site) -> None:
    buy(session, site, "phone-aaaa", "o1", 20.0)
    buy(session, site, "laptop-bbbb", "o2", 30.5, T0 + DAY)
    identify(session, site, "phone-aaaa", "alice", T0 + 2 * DAY)
    identify(session, site, "laptop-bbbb", "alice", T0 + 2 * DAY)
    buy(session, site, "stranger-cc", "o3", 5.0)
    stranger = vid(session, "stranger-cc")
    t = load_transactions(session=session, site=site)
    assert t.keys == sorted(["alice", f"v:{stranger}"]) and not t.verified
    assert t.customer_ids[t.keys.index("alice")] == "alice" and t.customer_ids[t.keys.index(f"v:{stranger}")] is None
    assert rows(session, site) == sorted([("alice", "o1", 20.0, T0.timestamp()),
                                          ("alice", "o2", 30.5, (T0 + DAY).timestamp()),
                                          (f"v:{stranger}", "o3", 5.0, T0.timestamp())])
    summary = summarise(customer=t.customer, time=t.days(), amount=t.amount, end=(T0 + 10 * DAY).timestamp() / 86400)
    alice = t.keys.index("alice")
    assert summary.orders[alice] == 2 and summary.revenue[alice] == pytest.approx(50.5)
    assert summary.frequency[alice] == 1 and summary.recency[alice] == pytest.approx(1.0)


def test_an_order_claimed_by_two_visitors_counts_for_nobody(session: Session, site: Site) -> None:
    buy(session, site, "first-aaaa", "o1", 20.0)
    buy(session, site, "second-bbb", "o1", 20.0)
    buy(session, site, "second-bbb", "o2", 7.0)
    assert [(o, a) for _, o, a, _ in rows(session, site)] == [("o2", 7.0)]


def test_verified_orders_replace_claims_and_keep_their_customer(session: Session, site: Site) -> None:
    buy(session, site, "claimer-aaa", "fake", 999.0)
    buy(session, site, "claimer-aaa", "real", 10.0)
    for fields in ({"order_id": "real", "value": "12.50"},
                   {"order_id": "phone", "value": "8", "customer_id": "bob", "ordered_at": "2026-05-01T10:00:00Z"},
                   {"order_id": "nobody", "value": "3"},
                   {"order_id": "dollars", "value": "3", "currency": "USD", "customer_id": "bob"}):
        assert record_order(session=session, site=site, order=parse_order(fields), source="import", now=utcnow())
    session.commit()
    claimer = vid(session, "claimer-aaa")
    t = load_transactions(session=session, site=site)
    assert t.verified and t.skipped == {"no customer": 1, "other currency": 1}
    assert [(k, o, a) for k, o, a, _ in rows(session, site)] == [("bob", "phone", 8.0), (f"v:{claimer}", "real", 12.5)]
    may = datetime(2026, 5, 1, 10, tzinfo=UTC).timestamp()
    assert [o for _, o, _, _ in rows(session, site, until=datetime(2026, 5, 2, tzinfo=UTC))] == ["phone"]
    assert rows(session, site)[0][3] == may


def test_amounts_follow_the_currency_decimals(session: Session) -> None:
    from tests.factories import make_site
    yen = make_site(session, key="pk_yen", currency="JPY")
    buy(session, yen, "visitor-yen", "o1", 1200)
    assert load_transactions(session=session, site=yen).amount.tolist() == [1200.0]


def test_no_purchases_no_rows(session: Session, site: Site) -> None:
    t = load_transactions(session=session, site=site)
    assert t.keys == [] and len(t) == 0 and t.amount.dtype == np.float64


def one_persons(session: Session, site: Site, key: str) -> list[tuple[str, str, float, float]]:
    visitors = ([int(key[2:])] if key.startswith("v:") else
                [int(v or 0) for v in session.exec(select(Visitor.id).where(Visitor.customer_id == key)).all()])
    t = load_person_transactions(session=session, site=site, key=key, visitor_ids=visitors)
    assert t.keys == [key] and set(t.customer.tolist()) <= {0}
    return sorted((key, o, a, tm) for o, a, tm in zip(t.order_id, t.amount, t.time, strict=True))


@pytest.mark.parametrize("verified", [False, True])
def test_one_customers_orders_read_alone_are_the_ones_the_site_read_gives_them(session: Session, site: Site,
                                                                               verified: bool) -> None:
    buy(session, site, "phone-aaaa", "o1", 20.0)
    buy(session, site, "laptop-bbbb", "o2", 30.5, T0 + DAY)
    identify(session, site, "phone-aaaa", "alice", T0 + 2 * DAY)
    identify(session, site, "laptop-bbbb", "alice", T0 + 2 * DAY)
    buy(session, site, "stranger-cc", "o2", 30.5)  # a second claim of o2
    buy(session, site, "stranger-cc", "o3", 5.0)
    buy(session, site, "lonely-dddd", "o4", 9.0)
    if verified:
        for fields in ({"order_id": "o2", "value": "30.50"}, {"order_id": "o5", "value": "8", "customer_id": "alice"},
                       {"order_id": "o6", "value": "3", "currency": "USD", "customer_id": "alice"}):
            assert record_order(session=session, site=site, order=parse_order(fields), source="import", now=T0)
        session.commit()
    everyone = rows(session, site)
    keys = ["alice", *(f"v:{vid(session, anon)}" for anon in ("stranger-cc", "lonely-dddd"))]
    assert {k for k, *_ in everyone} == ({"alice"} if verified else set(keys))
    for key in keys:
        assert one_persons(session, site, key) == [r for r in everyone if r[0] == key], key
    assert one_persons(session, site, "nobody") == []

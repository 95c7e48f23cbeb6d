"""Per-customer activity counts and last times, every visitor of a customer together."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlmodel import Session

from assistant.insight.activity import load_activity, load_activity_rows
from assistant.sites.models import Site
from tests.insight.test_transactions import T0, buy, identify, vid
from tests.promotions.helpers import track

HOUR = timedelta(hours=1)


def view(sku: str) -> dict[str, object]:
    return {"type": "product_view", "sku": sku}


def test_activity_of_two_devices_adds_up(session: Session, site: Site) -> None:
    track(session, site, "phone-aaaa", T0, view("a"), view("b"), {"type": "add_to_cart", "sku": "a", "price": 5})
    track(session, site, "laptop-bbbb", T0 + 2 * HOUR, view("c"),
          {"type": "quiz_answer", "flow": "shoes", "quiz": "q1", "question": "terrain", "value": "road"})
    identify(session, site, "phone-aaaa", "alice", T0 + 3 * HOUR)
    identify(session, site, "laptop-bbbb", "alice", T0 + 3 * HOUR)
    buy(session, site, "laptop-bbbb", "o1", 20.0, T0 + 4 * HOUR)
    track(session, site, "lurker-cccc", T0, view("a"))
    buy(session, site, "buyer-dddd", "o2", 9.0, T0 + 5 * HOUR)
    buyer = vid(session, "buyer-dddd")
    keys = ["alice", f"v:{buyer}", "nobody"]
    a = load_activity(session=session, site=site, keys=keys)
    assert a["views"].tolist() == [3, 0, 0]
    assert a["add_to_carts"].tolist() == [1, 0, 0]
    assert a["carts_left"].tolist() == [1, 0, 0]  # the phone's cart was never bought
    assert a["quiz_answers"].tolist() == [1, 0, 0]
    assert a["visits"].tolist() == [5, 1, 0]  # a new visit after each gap over 30 minutes
    assert a.last["views"][0] == (T0 + 2 * HOUR).timestamp()
    assert a.last["visits"][1] == (T0 + 5 * HOUR).timestamp() and np.isnan(a.last["views"][2])
    early = load_activity(session=session, site=site, keys=keys, until=T0 + HOUR)
    assert early["views"].tolist() == [2, 0, 0] and early["visits"].tolist() == [1, 0, 0]
    after = np.array([(T0 + HOUR).timestamp(), 0.0, 0.0])
    since = load_activity(session=session, site=site, keys=keys, after=after)
    assert since["views"].tolist() == [1, 0, 0] and since["add_to_carts"].tolist() == [0, 0, 0]


def test_activity_rows_are_the_counts_one_by_one(session: Session, site: Site) -> None:
    track(session, site, "phone-aaaa", T0, view("a"), view("b"))
    identify(session, site, "phone-aaaa", "alice", T0 + HOUR)
    track(session, site, "lurker-cccc", T0, view("a"))
    rows = load_activity_rows(session=session, site=site, keys=["nobody", "alice"])
    assert sorted(zip(rows.customer.tolist(), rows.kind.tolist(), strict=True)) == [
        (1, "view"), (1, "view"), (1, "visit"), (1, "visit")]
    assert load_activity_rows(session=session, site=site, keys=["alice"], until=T0).kind.tolist().count("view") == 2

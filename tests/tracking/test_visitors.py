"""Visits split after 30 idle minutes; identify merges devices; reading behaviour back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from assistant.flows.models import QuizSession
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.models import Event, Visitor, VisitSession
from assistant.tracking.reads import current_cart, find_visitor, product_counts, purchases, quiz_answers, recent_views
from assistant.tracking.service import record_events
from tests.tracking.test_events_api import CHROME

START = utcnow() - timedelta(hours=3)


def record(session: Session, site: Site, visitor: str, *events: dict[str, Any]) -> None:
    result = record_events(session=session, site=site, batch={"visitor": visitor, "events": list(events)},
                           user_agent=CHROME, now=utcnow())
    assert not result.rejected, result.rejected
    session.commit()


def at(minutes: float) -> float:
    return (START + timedelta(minutes=minutes)).timestamp() * 1000


def view(number: int, sku: str, minutes: float) -> dict[str, Any]:
    return {"id": f"evt-{number:05d}", "type": "product_view", "sku": sku, "ts": at(minutes)}


def test_thirty_idle_minutes_start_a_new_visit(session: Session, site: Site) -> None:
    record(session, site, "visitor-0001", view(1, "a", 0), view(2, "b", 10), view(3, "c", 45))
    record(session, site, "visitor-0001", view(4, "d", 60), view(5, "e", 120))
    visits = [e.session_id for e in session.exec(select(Event).order_by(Event.client_id))]
    assert visits[0] == visits[1] != visits[2] == visits[3] != visits[4]
    assert session.exec(select(Visitor)).one().sessions == 3


def test_a_batch_continuing_the_visit_moves_last_seen_forward_only(session: Session, site: Site) -> None:
    record(session, site, "visitor-0001", view(1, "a", 0), view(2, "b", 10))
    record(session, site, "visitor-0001", view(3, "c", 20), view(4, "d", 25))
    record(session, site, "visitor-0001", view(5, "e", 50))  # 25 minutes after the last event: same visit
    record(session, site, "visitor-0001", view(6, "f", 5))  # late delivery of an early event
    record(session, site, "visitor-0001", view(7, "g", 75))  # 25 minutes after 50, not 70 after 5
    record(session, site, "visitor-0001", view(8, "h", 106))  # 31 idle minutes: a new visit
    visits = [e.session_id for e in session.exec(select(Event).order_by(Event.client_id))]
    assert len(set(visits[:7])) == 1 and visits[7] != visits[0]
    visitor = session.exec(select(Visitor)).one()
    assert (visitor.sessions, visitor.session_id) == (2, visits[7])


def test_identify_merges_history_across_devices(session: Session, site: Site) -> None:
    record(session, site, "phone-0001", view(1, "a", 0), view(2, "b", 1),
           {"id": "evt-00003", "type": "identify", "customer_id": "c-42", "traits": {"first_name": "Ada"}, "ts": at(2)})
    record(session, site, "laptop-001", view(4, "c", 30),
           {"id": "evt-00005", "type": "add_to_cart", "sku": "c", "price": 20.0, "ts": at(31)})
    laptop = find_visitor(session=session, site=site, anon_id="laptop-001")
    assert laptop is not None
    assert recent_views(session=session, site=site, visitor=laptop) == ["c"]
    record(session, site, "laptop-001", {"id": "evt-00006", "type": "identify", "customer_id": "c-42", "ts": at(32)})
    assert recent_views(session=session, site=site, visitor=laptop) == ["c", "b", "a"]
    phone = find_visitor(session=session, site=site, anon_id="phone-0001")
    assert phone is not None
    cart = current_cart(session=session, site=site, visitor=phone)
    assert cart is not None and cart.items[0]["sku"] == "c"


def test_purchases_quiz_answers_and_product_counts(session: Session, site: Site) -> None:
    record(session, site, "visitor-0001", view(1, "a", 0), view(2, "a", 1), view(3, "b", 2),
           {"id": "evt-00004", "type": "add_to_cart", "sku": "a", "ts": at(3)},
           {"id": "evt-00005", "type": "purchase", "order_id": "o-1", "value": 30.0, "ts": at(4),
            "items": [{"sku": "a", "quantity": 2, "price": 15.0}]})
    record(session, site, "visitor-0002", view(6, "b", 5))
    session.add(QuizSession(site_id=site.id, flow_id="shoes", visitor_id="visitor-0001",
                            answers=[["terrain", "trail"]]))
    session.commit()
    visitor = find_visitor(session=session, site=site, anon_id="visitor-0001")
    assert visitor is not None
    assert [p.data["order_id"] for p in purchases(session=session, site=site, visitor=visitor)] == ["o-1"]
    assert quiz_answers(session=session, site=site, visitor=visitor) == {"shoes": [["terrain", "trail"]]}
    counts = product_counts(session=session, site=site, since=START - timedelta(minutes=1))
    assert (counts.views, counts.carts, counts.purchases) == ({"a": 2, "b": 2}, {"a": 1}, {"a": 2})
    later = product_counts(session=session, site=site, since=START + timedelta(minutes=4.5))
    assert later.views == {"b": 1}


def test_postgresql_stores_a_one_visit_batch_in_one_statement(engine: Any, session: Session, site: Site,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.tracking.service as service

    class GeneralPath(Exception):
        pass

    def general_path(_session: Session) -> None:
        raise GeneralPath

    postgres = engine.dialect.name == "postgresql"
    with monkeypatch.context() as patch:
        patch.setattr(service, "Store", general_path)
        landing = {"id": "evt-00000", "type": "page_view", "ts": at(0), "page": "/?utm_source=news",
                   "referrer": "https://mail.example/"}
        search = {"id": "evt-00002x", "type": "search", "query": "trail shoes", "ts": at(10)}
        for batch in ([landing, view(1, "a", 0), view(2, "b", 10), search], [view(3, "c", 20)]):  # new, continuing
            if postgres:
                record(session, site, "visitor-0001", *batch)
            else:
                with pytest.raises(GeneralPath):
                    record(session, site, "visitor-0001", *batch)
                session.rollback()
        if postgres:  # 31 idle minutes: a new visit is the general path's work
            with pytest.raises(GeneralPath):
                record(session, site, "visitor-0001", view(4, "d", 51))
            session.rollback()
    record(session, site, "visitor-0001", view(4, "d", 51))
    events = list(session.exec(select(Event).order_by(Event.client_id)))
    assert [e.sku for e in events] == ([None, "a", "b", None, "c", "d"] if postgres else ["d"])
    visitor = session.exec(select(Visitor)).one()
    assert visitor.sessions == (2 if postgres else 1) and visitor.session_id == events[-1].session_id
    first = session.get_one(VisitSession, events[0].session_id)
    if postgres:
        assert (first.utm_source, first.referrer, first.landing_page) == (
            "news", "https://mail.example/", "/?utm_source=news")
        assert len({e.session_id for e in events[:5]}) == 1 and events[0].visitor_id == visitor.id
        assert events[3].data == {"query": "trail shoes"} and events[0].data == {"referrer": "https://mail.example/"}

"""snapshot_for's plain-SQL reads (promotions/reads.py) give what the tracking package's ORM reads give, for a
person on two devices: the carts, quiz answers, views and visitor ids of both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from assistant.flows.models import QuizSession
from assistant.promotions.snapshot import snapshot_for
from assistant.sites.models import Site
from assistant.tracking.identity import person_visitor_ids
from assistant.tracking.reads import current_cart, find_visitor, quiz_answers, recent_views
from tests.factories import make_product
from tests.promotions.helpers import track

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_a_person_on_two_devices_reads_as_the_tracking_reads_say(session: Session, site: Site) -> None:
    make_product(session, site, sku="tent-1", price="30.00", categories="Tents")
    make_product(session, site, sku="mat-1", price="12.00", categories="Mats|Camping")
    track(session, site, "phone-0001", T0, {"type": "product_view", "sku": "tent-1", "page": "https://s.example/p/1"},
          {"type": "cart", "items": [{"sku": "tent-1", "quantity": 1, "price": 30.0}], "value": 30.0},
          {"type": "identify", "customer_id": "c-7", "traits": {"firstName": "Lin"}})
    later = T0 + timedelta(minutes=3)
    track(session, site, "laptop-0001", later, {"type": "page_view", "page": "https://s.example/camping"},
          {"type": "product_view", "sku": "mat-1", "page": "https://s.example/p/2"},
          {"type": "cart", "items": [{"sku": "mat-1", "quantity": 3, "price": 12.0}], "value": 36.0},
          {"type": "identify", "customer_id": "c-7"})
    session.add(QuizSession(site_id=site.pk, flow_id="tents", visitor_id="phone-0001", answers=[["people", "4"]],
                            updated_at=T0))
    session.add(QuizSession(site_id=site.pk, flow_id="mats", visitor_id="laptop-0001", answers=[["size", "L"]],
                            updated_at=later))
    session.commit()
    snapshot = snapshot_for(session=session, site=site, anon_id="phone-0001", now=later + timedelta(minutes=1))
    phone = find_visitor(session=session, site=site, anon_id="phone-0001")
    assert phone is not None
    cart = current_cart(session=session, site=site, visitor=phone)
    assert cart is not None
    assert snapshot.visitor_ids == tuple(person_visitor_ids(session=session, visitor=phone))
    assert len(snapshot.visitor_ids) == 2
    assert (snapshot.cart_value_minor, snapshot.cart_skus, snapshot.cart_items) == (cart.value_minor, {"mat-1"}, 3)
    assert snapshot.cart_categories == {"Mats", "Camping"}
    assert list(snapshot.quiz) == list(quiz_answers(session=session, site=site, visitor=phone)) == ["tents", "mats"]
    assert snapshot.quiz == {"tents": {"people": "4"}, "mats": {"size": "L"}}
    assert list(snapshot.viewed_skus) == recent_views(session=session, site=site, visitor=phone) == ["mat-1", "tent-1"]
    assert {"/p/1", "/p/2", "/camping"} <= set(snapshot.pages) and snapshot.first_name == "Lin"

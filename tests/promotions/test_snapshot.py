"""snapshot_for: what targeting reads about a visitor, built from the tracking tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from assistant.flows.models import QuizSession
from assistant.promotions.snapshot import snapshot_for
from assistant.sites.models import Site
from tests.factories import make_product
from tests.promotions.helpers import track

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def test_an_unknown_visitor_is_new_with_the_page_source(session: Session, site: Site) -> None:
    snapshot = snapshot_for(session=session, site=site, anon_id="never-seen-1",
                            page="https://shop.example/tents?utm_source=news&utm_medium=email", device="tablet", now=T0)
    assert (snapshot.is_new, snapshot.visits, snapshot.visit_id, snapshot.visitor_ids) == (True, 1, None, ())
    assert (snapshot.utm_source, snapshot.utm_medium, snapshot.device) == ("news", "email", "tablet")
    assert snapshot.pages == ("/tents",) and snapshot.currency == "EUR" and snapshot.cart_value_minor == 0


def test_a_known_visitor(session: Session, site: Site) -> None:
    make_product(session, site, sku="tent-1", price="30.00", categories="Tents|Camping")
    track(session, site, "visitor-snap-1", T0,
          {"type": "page_view", "page": "https://shop.example/?utm_source=Newsletter&utm_campaign=spring",
           "referrer": "https://www.google.com/"},
          {"type": "product_view", "sku": "tent-1", "page": "https://shop.example/p/tent-1"},
          {"type": "cart", "items": [{"sku": "tent-1", "quantity": 2, "price": 21.0}], "value": 42.0},
          {"type": "identify", "customer_id": "c-1", "traits": {"first_name": "Ada"}}, agent=IPHONE)
    session.add(QuizSession(site_id=site.pk, flow_id="tents", visitor_id="visitor-snap-1",
                            answers=[["people", "2"], ["season", ["summer", "autumn"]]]))
    session.commit()
    snapshot = snapshot_for(session=session, site=site, anon_id="visitor-snap-1", page="https://shop.example/cart",
                            now=T0 + timedelta(minutes=5))
    assert snapshot.visit_id is not None and snapshot.visits == 1 and snapshot.is_new
    assert (snapshot.cart_value_minor, snapshot.cart_items, snapshot.cart_value) == (4200, 2, 42.0)
    assert snapshot.cart_skus == {"tent-1"} and snapshot.cart_categories == {"Tents", "Camping"}
    assert snapshot.pages[0] == "/cart" and "/p/tent-1" in snapshot.pages and "/" in snapshot.pages
    assert snapshot.viewed_skus == ("tent-1",)
    assert (snapshot.utm_source, snapshot.utm_campaign, snapshot.referrer_domain) == ("Newsletter", "spring",
                                                                                        "www.google.com")
    assert snapshot.device == "mobile" and snapshot.first_name == "Ada"
    assert snapshot.quiz == {"tents": {"people": "2", "season": ["summer", "autumn"]}}


def test_a_returning_visitor_counts_the_visit_that_is_starting(session: Session, site: Site) -> None:
    track(session, site, "visitor-snap-2", T0, {"type": "page_view"})
    later = T0 + timedelta(hours=2)
    snapshot = snapshot_for(session=session, site=site, anon_id="visitor-snap-2", page="/?utm_source=ads", now=later)
    assert (snapshot.visits, snapshot.is_new, snapshot.visit_id, snapshot.utm_source) == (2, False, None, "ads")
    track(session, site, "visitor-snap-2", later, {"type": "page_view"})
    snapshot = snapshot_for(session=session, site=site, anon_id="visitor-snap-2", now=later + timedelta(minutes=1))
    assert (snapshot.visits, snapshot.is_new) == (2, False) and snapshot.visit_id is not None

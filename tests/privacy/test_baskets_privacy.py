"""A person's baskets and reminders go with an erasure and come with an export; their opt-out is kept."""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.baskets.models import Basket, BasketMessage, EmailOptOut
from assistant.privacy.delete import delete_customer, held_counts
from assistant.privacy.export import export_customer
from assistant.sites.models import Site
from tests.baskets.shoppers import T0, shopper


def basket_with_message(session: Session, site: Site, customer: str) -> int:
    visitor = shopper(session, site, customer=customer)
    basket = Basket(site_id=site.pk, visitor_id=visitor, customer_id=customer, email=f"{customer}@example.com",
                    items=[{"sku": "a", "quantity": 1}], cart_updated_at=T0, opened_at=T0, step=1)
    session.add(basket)
    session.flush()
    session.add(BasketMessage(site_id=site.pk, basket_id=basket.id, step=1, channel="smtp",
                              idempotency_key=f"basket-{basket.id}-step-1", to_address=basket.email,
                              subject="Your cart", html="<p>cart</p>", text_body="cart"))
    session.add(EmailOptOut(site_id=site.pk, customer_id=customer, basket_id=basket.id))
    session.commit()
    return int(basket.id or 0)


def test_baskets_and_their_messages_are_exported_with_the_opt_out(session: Session, site: Site) -> None:
    mine = basket_with_message(session, site, "ada")
    basket_with_message(session, site, "bob")
    data = export_customer(session=session, site=site, customer_id="ada")
    assert [b["id"] for b in data["baskets"]] == [mine]
    assert [(m["basket_id"], m["to_address"]) for m in data["basket_messages"]] == [(mine, "ada@example.com")]
    assert [o["customer_id"] for o in data["email_opt_out"]] == ["ada"]


def test_an_erasure_removes_baskets_and_messages_and_keeps_the_opt_out(session: Session, site: Site) -> None:
    basket_with_message(session, site, "ada")
    other = basket_with_message(session, site, "bob")
    held = held_counts(session=session, site=site, customer_id="ada")
    assert (held.counts["baskets"], held.counts["basket_messages"]) == (1, 1) and "email_opt_out" not in held.counts
    report = delete_customer(session=session, site=site, customer_id="ada")
    assert (report.counts["baskets"], report.counts["basket_messages"]) == (1, 1)
    session.expire_all()
    assert [b.id for b in session.exec(select(Basket))] == [other]
    assert [m.basket_id for m in session.exec(select(BasketMessage))] == [other]
    assert sorted(o.customer_id for o in session.exec(select(EmailOptOut))) == ["ada", "bob"]

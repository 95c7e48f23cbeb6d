"""A reminder in the shopper's language: the customer's `locale` trait, else the site's default locale, else
English; words from the catalogue, prices in the locale's format, and the Arabic e-mail right to left."""

from __future__ import annotations

import re

from sqlmodel import Session

from assistant.baskets.compose import Composed, check_templates
from assistant.baskets.settings import BasketSettings, Step
from assistant.sites.models import Site
from assistant.tracking.models import Customer
from tests.baskets.messages_helpers import make_basket
from tests.baskets.test_compose import compose, parsed
from tests.factories import make_product


def _reminder(session: Session, site: Site, traits: dict[str, str], *, step: int = 1, coupon: str = "") -> Composed:
    session.add(Customer(site_id=site.pk, customer_id="c-1", traits={"first_name": "Lena", **traits}))
    make_product(session, site, sku="shoe", title="Trail Runner 3", price="1234.50")
    basket = make_basket(session, site, items=[{"sku": "shoe", "quantity": 2, "price": 1234.5}], value_minor=246900)
    settings = BasketSettings(steps=[Step(after_minutes=60, coupon=coupon), Step(after_minutes=1440, coupon=coupon)])
    return compose(session, site, basket, step=step, settings=settings)


def _html_tag(html: str) -> str:
    found = re.search(r"<html [^>]*>", html)
    assert found is not None
    return found.group(0)


def test_a_german_customer_gets_the_reminder_in_german(session: Session, site: Site) -> None:
    mail = _reminder(session, site, {"locale": "de-DE"}, step=2, coupon="SAVE10")
    assert mail.subject == "Noch unentschlossen? Ihr Warenkorb bei Test shop wartet auf Sie"
    for body in (mail.html, mail.text):
        assert "Hallo Lena," in body
        assert "Ihr Warenkorb wartet noch auf Sie. Das haben Sie ausgewählt:" in body
        assert "Menge: 2" in body and "Gesamtsumme" in body and "Zurück zum Warenkorb" in body
        assert "Geben Sie diesen Code an der Kasse ein:" in body
        assert "Von diesen Erinnerungen abmelden" in body
        assert "1.234,50\xa0€" in body and "2.469,00\xa0€" in body  # German prices, not the shop's €1,234.50
        assert "Your cart" not in body and "Quantity" not in body and "Unsubscribe" not in body
    assert _html_tag(mail.html) == '<html lang="de" dir="ltr" xmlns="http://www.w3.org/1999/xhtml">'
    parsed(mail.html)


def test_an_arabic_customer_gets_the_reminder_in_arabic_right_to_left(session: Session, site: Site) -> None:
    mail = _reminder(session, site, {"locale": "ar"})
    assert mail.subject == "سلّتك في Test shop بانتظارك"
    for body in (mail.html, mail.text):
        assert "مرحبًا Lena،" in body and "تركت بعض المنتجات في سلّتك، وقد حفظناها لك:" in body
        assert "الكمية: 2" in body and "الإجمالي" in body and "العودة إلى سلّتك" in body
        assert "Hi" not in body and "Total" not in body
    assert _html_tag(mail.html) == '<html lang="ar" dir="rtl" xmlns="http://www.w3.org/1999/xhtml">'
    assert 'class="container" dir="rtl"' in mail.html  # for the clients that drop <html>'s attributes
    assert 'align="left"' in mail.html and 'align="right"' not in mail.html  # prices at the end of a line
    parsed(mail.html)


def test_the_sites_default_locale_when_the_customer_has_none(session: Session, site: Site) -> None:
    site.default_locale = "de"
    session.add(site)
    session.commit()
    mail = _reminder(session, site, {})
    assert "Hallo Lena," in mail.text and _html_tag(mail.html).startswith('<html lang="de" dir="ltr"')


def test_english_without_a_language_and_for_one_not_translated(session: Session, site: Site) -> None:
    mail = _reminder(session, site, {"locale": "fr"})
    assert mail.subject == "Your cart at Test shop is waiting"
    assert "Hi Lena," in mail.text and "Quantity: 2" in mail.text
    assert _html_tag(mail.html).startswith('<html lang="en" dir="ltr"')


def test_a_translated_value_is_escaped_in_the_html(session: Session, site: Site) -> None:
    site.name = "<b>Shop</b>"
    session.add(site)
    session.commit()
    mail = _reminder(session, site, {"locale": "de"})
    assert "Sie sich bei &lt;b&gt;Shop&lt;/b&gt; angemeldet" in mail.html and "<b>Shop</b>" not in mail.html
    assert "Sie sich bei <b>Shop</b> angemeldet" in mail.text


def test_a_merchant_may_translate_but_call_nothing_else() -> None:
    good = Step(after_minutes=60, text='{{ _("Hi %(name)s,", name=first_name) }} {% trans %}Total{% endtrans %}')
    assert check_templates(good) == []
    for text in ('{{ _(first_name) }}', '{{ shop.upper() }}', '{{ _("x", *items) }}'):
        problems = check_templates(Step(after_minutes=60, text=text))
        assert problems and "calling a function is not available" in problems[0].message, (text, problems)


def test_the_reasons_of_the_recommended_products_in_german(session: Session, site: Site) -> None:
    from tests.baskets.test_compose import together_bundle  # noqa: PLC0415 (the bundle helper of the English tests)

    session.add(Customer(site_id=site.pk, customer_id="c-1", traits={"locale": "de"}))
    for sku in ("a", "b", "c"):
        make_product(session, site, sku=sku, title=f"Product {sku.upper()}")
    make_product(session, site, sku="pop", title="Popular product")
    bundle = together_bundle(session, site, [("a", "c"), ("a", "c")])
    basket = make_basket(session, site, items=[{"sku": "a", "quantity": 1, "price": 50}])
    mail = compose(session, site, basket, bundle=bundle)
    reasons = {p["sku"]: p["reason"] for p in mail.payload["recommendations"]}
    assert reasons["c"] == "Oft zusammen mit Product A gekauft"
    assert set(reasons.values()) - {reasons["c"]} <= {"Beliebt in unserem Shop"}  # the popular fill-ins
    assert "Oft zusammen mit Product A gekauft" in mail.text and "Das könnte Ihnen auch gefallen" in mail.html
    no_bundle = compose(session, site, make_basket(session, site, items=[{"sku": "a", "quantity": 1, "price": 50}]))
    assert {p["reason"] for p in no_bundle.payload["recommendations"]} == {"Beliebt in unserem Shop"}

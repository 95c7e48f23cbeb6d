"""A reminder as the shopper gets it: the cart in the shop's currency format, absolute images, recommended
products with their reasons, escaped HTML, and the shipped template when the merchant's cannot be used."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, select

from assistant.baskets.compose import Composed, check_templates, compose_step, shipped_template
from assistant.baskets.links import read_token
from assistant.baskets.models import Basket
from assistant.baskets.settings import BasketSettings, Step
from assistant.catalog.models import Product
from assistant.catalog.versions import catalog_changed
from assistant.promotions.settings import save_settings as save_promo_settings
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.interactions import Basket as Order
from assistant.recommend.interactions import Interactions
from assistant.recommend.serving import Bundle, ModelStore
from assistant.recommend.training import strategies
from assistant.sites.models import Site
from tests.baskets.messages_helpers import NOW, SECRET, make_basket
from tests.factories import make_product, make_site

BASE = "https://assistant.example"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class FixedModels(ModelStore):
    """The trained bundles of a test: one bundle for every site."""

    def __init__(self, bundle: Bundle | None) -> None:
        super().__init__(Path("no-models-here"))
        self.fixed = bundle

    def bundle(self, site_key: str) -> Bundle | None:
        return self.fixed


class Tags(HTMLParser):
    """The tags of a document, checked to nest and close, and its images."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag == "script":
            self.scripts += 1
        if any(name.startswith("on") for name, _ in attrs):
            self.problems.append(f"an event handler on <{tag}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else 'nothing'}>")
            return
        self.open.pop()


def parsed(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    assert not tags.problems, tags.problems
    assert tags.open == [], f"unclosed: {tags.open}"
    return tags


def compose(session: Session, site: Site, basket: Basket, *, step: int = 1, settings: BasketSettings | None = None,
            bundle: Bundle | None = None) -> Composed:
    return compose_step(session=session, site=site, basket=basket, step=step, settings=settings or BasketSettings(),
                        base_url=BASE + "/", secret_key=SECRET, now=NOW, models=FixedModels(bundle))


def cart_of(session: Session, site: Site, *lines: tuple[Product, int]) -> Basket:
    items = [{"sku": p.sku, "quantity": q, "price": p.price} for p, q in lines]
    value = sum(p.price_minor * q for p, q in lines)
    return make_basket(session, site, items=items, value_minor=value)


def test_the_cart_in_euro(session: Session, site: Site) -> None:
    shoe = make_product(session, site, sku="shoe", title="Trail Runner 3", price="1234.50",
                        image="/demo/img/shoe.svg", url="/demo/product/shoe")
    sock = make_product(session, site, sku="sock", title="Merino Socks", price="9.90",
                        image="https://cdn.example/sock.png")
    basket = cart_of(session, site, (shoe, 1), (sock, 3))
    mail = compose(session, site, basket)
    for body in (mail.html, mail.text):
        assert "Trail Runner 3" in body and "Merino Socks" in body
        assert "€1,234.50" in body and "€9.90" in body and "€29.70" in body  # the line total of 3 socks
        assert "€1,264.20" in body  # the cart's total
        assert "Test shop" in body
    assert re.search(r"Quantity: 3 &times; €9.90", mail.html)
    assert "Quantity: 3 x €9.90" in mail.text
    assert mail.subject == "Your cart at Test shop is waiting"
    tags = parsed(mail.html)
    assert {image["src"] for image in tags.images} >= {f"{BASE}/demo/img/shoe.svg", "https://cdn.example/sock.png"}
    assert f"{BASE}/demo/product/shoe" in tags.links


def test_the_shops_price_style_is_kept(session: Session, site: Site) -> None:
    save_promo_settings(session=session, site=site, data={"price_style": "suffix"})
    shoe = make_product(session, site, price="1234.50")
    mail = compose(session, site, cart_of(session, site, (shoe, 2)))
    assert "1.234,50\xa0€" in mail.html and "2.469,00\xa0€" in mail.text


@pytest.mark.parametrize(("currency", "price", "shown", "total"), [("GBP", "19.99", "£19.99", "£39.98"),
                                                                    ("JPY", "1500", "¥1,500", "¥3,000")])
def test_other_currencies(session: Session, currency: str, price: str, shown: str, total: str) -> None:
    site = make_site(session, key=f"pk_{currency.lower()}", currency=currency)
    item = make_product(session, site, price=price)
    mail = compose(session, site, cart_of(session, site, (item, 2)))
    assert shown in mail.html and total in mail.html
    assert shown in mail.text and total in mail.text
    assert mail.payload["currency"] == currency
    assert "€" not in mail.html + mail.text


def test_every_image_is_absolute_with_alt_text_and_no_broken_ones(session: Session, site: Site) -> None:
    lines = [(make_product(session, site, image="/demo/img/a.svg"), 1),
             (make_product(session, site, image="demo/img/b.svg"), 1),
             (make_product(session, site, image="javascript:alert(1)"), 1),
             (make_product(session, site, image=""), 1)]
    make_product(session, site, sku="other", image="/demo/img/other.svg")
    mail = compose(session, site, cart_of(session, site, *lines))
    tags = parsed(mail.html)
    assert len(tags.images) == 3  # two cart lines with images, one recommendation; none for the others
    for image in tags.images:
        src = image["src"] or ""
        assert urlsplit(src).scheme == "https" and urlsplit(src).netloc == "assistant.example", src
        assert image["alt"]
    assert "javascript:" not in mail.html
    assert all(link.startswith("https://") for link in tags.links)


def test_a_title_coupon_and_reason_with_markup_are_escaped_in_html_and_plain_in_text(session: Session,
                                                                                     site: Site) -> None:
    evil = make_product(session, site, sku="evil", title=f"Shoe {XSS}", image="/i.png")
    other = make_product(session, site, sku="other", title="Other")
    bundle = together_bundle(session, site, [("evil", "other")] * 3)
    settings = BasketSettings(steps=[Step(after_minutes=60, coupon="<b>SAVE</b>&10")])
    mail = compose(session, site, cart_of(session, site, (evil, 1)), settings=settings, bundle=bundle)
    tags = parsed(mail.html)
    assert tags.scripts == 0
    assert "<script" not in mail.html and "onerror=" not in mail.html.replace("onerror=alert", "")
    assert "Shoe &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in mail.html
    assert "&lt;b&gt;SAVE&lt;/b&gt;&amp;10" in mail.html
    assert "Often bought with Shoe &lt;script&gt;" in mail.html  # the recommendation's reason names the cart item
    assert [image["alt"] for image in tags.images] == [f"Shoe {XSS}"]  # an attribute value, parsed back
    assert f"Shoe {XSS}" in mail.text and "<b>SAVE</b>&10" in mail.text  # plain text is text: nothing to run
    assert mail.payload["recommendations"][0]["reason"] == f"Often bought with Shoe {XSS}"
    assert other.sku == mail.payload["recommendations"][0]["sku"]


def together_bundle(session: Session, site: Site, orders: list[tuple[str, ...]]) -> Bundle:
    products = session.exec(select(Product).where(Product.site_id == site.pk)).all()
    catalog = {p.sku: CatalogItem(p.sku, p.title, p.url, p.image, p.price, p.currency, tuple(p.categories), None, {})
               for p in products}
    models = strategies()
    baskets = Interactions.from_baskets([Order(f"o{i}", 1e6 + i, items) for i, items in enumerate(orders)])
    models["together"].fit(baskets)
    models["popular"].fit(baskets)
    return Bundle("test", {"together": models["together"], "popular": models["popular"]}, catalog)


def test_recommendations_from_the_bundle_with_reasons_never_the_cart(session: Session, site: Site) -> None:
    for sku in ("a", "b", "c", "d"):
        make_product(session, site, sku=sku, title=f"Product {sku.upper()}")
    bundle = together_bundle(session, site, [("a", "b"), ("a", "b"), ("a", "c"), ("b", "d")])
    make_product(session, site, sku="c", title="Product C, renamed since training", price="7.00")
    basket = make_basket(session, site, items=[{"sku": "a", "quantity": 1, "price": 50}, {"sku": "b", "quantity": 1,
                                                                                        "price": 50}])
    mail = compose(session, site, basket, bundle=bundle)
    picks = mail.payload["recommendations"]
    assert [p["sku"] for p in picks][:2] == ["c", "d"]
    assert {p["sku"] for p in picks}.isdisjoint({"a", "b"})
    assert picks[0]["reason"] == "Often bought with Product A"
    assert (picks[0]["title"], picks[0]["price_text"]) == ("Product C, renamed since training", "€7.00")
    assert "You might also like" in mail.html and "Often bought with Product A" in mail.html
    assert "Often bought with Product A" in mail.text


def test_without_a_bundle_popular_products_in_stock_fill_in(session: Session, site: Site) -> None:
    cart = make_product(session, site, sku="cart")
    for sku, popularity in (("top", 0.9), ("mid", 0.5), ("low", 0.1)):
        product = make_product(session, site, sku=sku)
        product.popularity = popularity
    sold = session.get(Product, make_product(session, site, sku="sold").id)
    assert sold is not None
    sold.popularity, sold.in_stock = 1.0, False
    session.commit()
    bump_catalog(session, site)
    mail = compose(session, site, cart_of(session, site, (cart, 1)),
                   settings=BasketSettings(steps=[Step(after_minutes=60, recommendations=2)]))
    assert [p["sku"] for p in mail.payload["recommendations"]] == ["top", "mid"]
    assert {p["reason"] for p in mail.payload["recommendations"]} == {"Popular in our shop"}
    none = compose(session, site, cart_of(session, site, (cart, 1)),
                   settings=BasketSettings(steps=[Step(after_minutes=60, recommendations=0)]))
    assert none.payload["recommendations"] == [] and "You might also like" not in none.html


def bump_catalog(session: Session, site: Site) -> None:
    catalog_changed(session=session, site_id=site.pk)
    session.commit()


def test_no_recommendations_when_the_catalog_has_only_the_cart(session: Session, site: Site) -> None:
    only = make_product(session, site)
    mail = compose(session, site, cart_of(session, site, (only, 1)))
    assert mail.payload["recommendations"] == []
    assert "You might also like" not in mail.html + mail.text


def test_the_payload_is_the_documented_webhook_body(session: Session, site: Site) -> None:
    item = make_product(session, site, sku="x", title="X", price="12.50", image="/x.png")
    basket = cart_of(session, site, (item, 2))
    mail = compose(session, site, basket, step=2)
    payload = mail.payload
    assert set(payload) == {"type", "idempotency_key", "site", "basket_id", "step", "to", "customer_id", "subject",
                            "html", "text", "items", "recommendations", "coupon", "restore_url", "unsubscribe_url",
                            "currency", "value"}
    assert payload["type"] == "basket.reminder"
    assert payload["idempotency_key"] == f"basket-{basket.id}-step-2"
    assert (payload["site"], payload["basket_id"], payload["step"]) == ("pk_test", basket.id, 2)
    assert (payload["to"], payload["customer_id"], payload["value"]) == ("ann@example.com", "c-1", 25)
    assert payload["items"] == [{"sku": "x", "title": "X", "quantity": 2, "price": 12.5, "price_text": "€12.50",
                                 "url": None, "image": f"{BASE}/x.png"}]
    assert (payload["subject"], payload["html"], payload["text"]) == (mail.subject, mail.html, mail.text)
    assert payload["coupon"] is None
    assert mail.subject.startswith("Still thinking it over?")
    restore, unsubscribe = payload["restore_url"], payload["unsubscribe_url"]
    assert restore.startswith(f"{BASE}/api/v1/baskets/r/") and unsubscribe.startswith(f"{BASE}/api/v1/baskets/unsub")
    assert read_token(secret_key=SECRET, token=restore.rsplit("/", 1)[1], purpose="restore", now=NOW) == basket.id
    assert read_token(secret_key=SECRET, token=unsubscribe.rsplit("/", 1)[1], purpose="unsubscribe") == basket.id
    assert f'href="{restore}"' in mail.html and f'href="{unsubscribe}"' in mail.html
    assert restore in mail.text and unsubscribe in mail.text


def test_a_product_gone_from_the_catalog_keeps_its_line(session: Session, site: Site) -> None:
    basket = make_basket(session, site, items=[{"sku": "gone-1", "quantity": 1, "price": 5}], value_minor=500)
    mail = compose(session, site, basket)
    assert "gone-1" in mail.html and "€5.00" in mail.text
    assert parsed(mail.html).images == []


def test_a_long_cart_lists_twenty_lines_and_counts_the_rest(session: Session, site: Site) -> None:
    basket = make_basket(session, site, items=[{"sku": f"s{i}", "quantity": 1, "price": 1} for i in range(25)],
                         value_minor=2500)
    mail = compose(session, site, basket)
    assert "and 5 more in your cart" in mail.html and "and 5 more in your cart" in mail.text
    assert len(mail.payload["items"]) == 25


def test_the_merchants_own_templates_are_used(session: Session, site: Site) -> None:
    step = Step(after_minutes=60, subject="{{ first_name or 'Hey' }}, {{ total }}\r\nBcc: x@evil.example",
                html="<p>{{ shop }}: {% for item in items %}{{ item.title }} ({{ item.quantity }}){% endfor %}</p>",
                text="{{ shop }} {{ restore_url }}")
    item = make_product(session, site, title="A & B")
    mail = compose(session, site, cart_of(session, site, (item, 2)), settings=BasketSettings(steps=[step]))
    assert mail.subject == "Hey, €100.00 Bcc: x@evil.example"  # one line: no header can be smuggled in
    assert mail.html == "<p>Test shop: A &amp; B (2)</p>"
    assert mail.text.startswith("Test shop https://assistant.example/api/v1/baskets/r/")


BROKEN = [
    ("html", "<p>{{ items[0].title </p>", "syntax error"),
    ("html", "{% set x = 1 %}{{ x }}", "{% set %} is not available"),
    ("text", "{{ secrets }}", "'secrets' is not available"),
    ("text", "{{ items.__class__ }}", "names starting with _ are private"),
    ("subject", "{{ shop|attr('x') }}", "the filter 'attr' is not available"),
    ("html", "".join(f"{{% for {v} in [1,2,3,4,5,6,7,8,9,10] %}}" for v in "abcde") + "{{ a }}"
     + "{% endfor %}" * 5, "steps"),
    ("text", "{{ 'x' * 999 }}{{ 'x' * 999 }}" * 60, "characters"),
    ("html", "{{ items[1].title }}", "no element 1"),
    ("html", "{{ shop.upper() }}", "calling a function"),
    ("html", "<p>\n\n{{ items }}</p>", "cannot be printed; print a text or a number, such as items[0].title or total"),
]


@pytest.mark.parametrize(("kind", "text", "reason"), BROKEN)
def test_a_broken_template_is_refused_when_saved_and_the_shipped_one_is_sent(session: Session, site: Site,
                                                                             kind: str, text: str,
                                                                             reason: str) -> None:
    step = Step.model_validate({"after_minutes": 60, kind: text})
    problems = check_templates(step)
    assert len(problems) == 1 and problems[0].field == kind
    assert reason in problems[0].message, problems[0].format()
    assert problems[0].line == (None if reason == "characters" else 3 if "\n\n" in text else 1)  # the output's size
    item = make_product(session, site, title="Kept")
    mail = compose(session, site, cart_of(session, site, (item, 1)), settings=BasketSettings(steps=[step]))
    shipped = compose(session, site, cart_of(session, site, (item, 1)))
    assert (mail.subject, mail.html.count("Back to your cart"), mail.text.count("Kept")) == \
        (shipped.subject, 1, 1)


def test_a_template_that_passed_the_check_but_fails_for_this_cart_falls_back(session: Session, site: Site) -> None:
    step = Step(after_minutes=60, html="{% if total == '€1.00' %}{{ items[7].title }}{% endif %}ok")
    assert check_templates(step) == []
    item = make_product(session, site, title="Only", price="1.00")
    mail = compose(session, site, cart_of(session, site, (item, 1)), settings=BasketSettings(steps=[step]))
    assert "Back to your cart" in mail.html and "Only" in mail.html


def test_the_shipped_templates_pass_the_merchants_checks() -> None:
    step = Step(after_minutes=60, subject=shipped_template("subject"), html=shipped_template("html"),
                text=shipped_template("text"))
    assert check_templates(step) == []


def test_an_unknown_step_is_an_error(session: Session, site: Site) -> None:
    with pytest.raises(ValueError, match="step 3"):
        compose(session, site, make_basket(session, site), step=3)


def test_odd_cart_lines_do_not_stop_the_reminder(session: Session, site: Site) -> None:
    item = make_product(session, site, sku="ok", title="Fine")
    basket = make_basket(session, site, items=["not a line", {"sku": "ok", "quantity": "many", "price": "x"},
                                               {"quantity": 2}])
    mail = compose(session, site, basket)
    assert [line["sku"] for line in mail.payload["items"]] == ["ok"]
    assert "Fine" in mail.text and item.sku == "ok"
    parsed(mail.html)

"""Promotions in the widget, against the real API: a demo shop with the demo's three live campaigns.

The free-shipping nudge on the cart (an A/B test: a product that closes the gap, or plain text with a
link), pay-in-3 at checkout for carts from €150 (with a 10 % control arm) and the exit-intent panel
with products the shopper looked at. Arms are assigned per visitor id, so each test picks ids that
land in the arm it wants (`assistant.promotions.variants.assign`) and pins one in the widget's
localStorage before the page loads. Shoppers browse with an ordinary Chrome user agent (a headless
one counts as a bot, and its events are not stored).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.db import make_engine
from assistant.demo.campaigns import FREE_SHIPPING, seed_campaigns
from assistant.paths import resource_dir
from assistant.promotions.campaigns import list_campaigns, variants_of
from assistant.promotions.variants import assign
from assistant.sites.service import get_site_by_key
from assistant.tracking.models import Event
from tests.browser.conftest import demo_shop
from tests.browser.helpers import focused, watch
from tests.browser.test_recommendations import ROWS, events_sent, fill_cart, nothing_in
from tests.browser.test_tracking import DESKTOP_UA, PHONE_UA, stored, until

PROMOS = "**/api/v1/promotions*"
NUDGE, PAY_IN_3, EXIT = "Free shipping nudge", "Pay in 3 for bigger baskets", "Before you go"
CARD = ".cart-promo section.promo"
CHECKOUT_CARD = "#checkout-promo section.promo"
DIALOG = "[data-assistant=promo-dialog] section.dialog"


def gap(*lines: tuple[str, int]) -> str:
    """What a cart of (sku, quantity) lines lacks for free shipping, as the message shows it: €43.10."""
    total = sum(float(str(ROWS[sku]["price"])) * quantity for sku, quantity in lines)
    return f"€{float(FREE_SHIPPING) - total:.2f}"


@pytest.fixture(scope="module")
def promo_folder(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the promotions shop (its database: demo.db)."""
    return tmp_path_factory.mktemp("promos")


@pytest.fixture(scope="module")
def promo_shop(promo_folder: Path) -> Iterator[str]:
    """A demo shop with the demo campaigns live; yields its base URL."""
    def seed(session: Any, site: Any, _models: Path) -> None:
        seed_campaigns(session=session, site=site)

    with demo_shop(promo_folder, resource_dir("flows"), prepare=seed) as base:
        yield base


@pytest.fixture(scope="module")
def db(promo_shop: str, promo_folder: Path) -> Iterator[Engine]:
    """An engine on the promotions shop's database."""
    engine = make_engine(f"sqlite:///{promo_folder / 'demo.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def shopper(new_page: Callable[..., Any], promo_shop: str) -> Callable[..., Any]:
    """Make a page on the promotions shop with a real browser's user agent (phone=True: a phone's)."""
    def make(*, phone: bool = False, **options: Any) -> Any:
        return new_page(phone=phone, base_url=promo_shop, user_agent=PHONE_UA if phone else DESKTOP_UA, **options)

    return make


def arm(db: Engine, campaign: str, key: str) -> tuple[str, str]:
    """A fresh visitor id that `campaign` assigns to its variant `key`, and the campaign's ref."""
    with Session(db) as session:
        site = get_site_by_key(session=session, key="pk_demo")
        found = next(c for c in list_campaigns(session=session, site=site) if c.name == campaign)
        variants = variants_of(session=session, campaign_ids=[found.pk])[found.pk]
    for _ in range(10_000):
        anon = f"shopper-{uuid.uuid4().hex[:16]}"
        chosen = assign(variants, site_id=site.pk, campaign_id=found.pk, visitor=anon)
        if chosen is not None and chosen.key == key:
            return anon, str(found.pk)
    raise AssertionError(f"no visitor lands in {campaign}/{key}")


def as_visitor(page: Any, anon_id: str) -> None:
    """Make the widget of every page of `page`'s context use the visitor id `anon_id`."""
    page.add_init_script(f"localStorage.getItem('assistant:visitor') || "
                         f"localStorage.setItem('assistant:visitor', '{anon_id}')")


def asked(page: Any) -> list[dict[str, str]]:
    """The query of every promotions request `page` makes from now on."""
    found: list[dict[str, str]] = []
    page.on("request", lambda r: found.append({k: v[0] for k, v in parse_qs(urlsplit(r.url).query).items()})
            if "/api/v1/promotions" in r.url else None)
    return found


def answer_to(placement: str) -> Callable[[Any], bool]:
    """Whether a response answers a promotions request for `placement`."""
    return lambda response: "/api/v1/promotions" in response.url and f"placement={placement}&" in response.url


def promo_events(page: Any, db: Engine, anon_id: str, count: int) -> list[Event]:
    """The visitor's promo_* events, once `count` are stored (flushing the page's queue meanwhile)."""
    def check() -> list[Event]:
        page.evaluate("window.Assistant && Assistant.flush()")
        found = [e for e in stored(db, anon_id) if e.type.startswith("promo_")]
        return found if len(found) >= count else []

    return until(page, check, f"{count} promotion event(s)")


def text_of(page: Any, selector: str) -> str:
    """The message text of the card or dialog at `selector`, once it shows."""
    node = page.locator(f"{selector} .text")
    node.wait_for()
    return node.inner_text()


def exit_intent(page: Any) -> None:
    """Move the pointer out of the window through its top edge."""
    page.mouse.move(640, 300)
    page.mouse.move(640, 40, steps=4)
    page.mouse.move(640, -20)


@pytest.mark.parametrize("variant", ["product", "plain"])
def test_a_cart_under_the_threshold_shows_the_gap(shopper: Callable[..., Any], db: Engine, variant: str) -> None:
    page = shopper()
    problems = watch(page)
    anon_id, _ = arm(db, NUDGE, variant)
    as_visitor(page, anon_id)
    queries = asked(page)
    fill_cart(page, "ac-003")  # €31.90: €43.10 short of free shipping
    page.goto("/demo/cart")

    text = text_of(page, CARD)
    amount = gap(("ac-003", 1))
    assert amount == "€43.10" and amount in text
    card = page.locator(CARD)
    assert card.get_attribute("role") == "region" and card.get_attribute("aria-label") == "Offer"
    if variant == "product":
        assert text.startswith(f"You're {amount} away from free shipping.")
        item = card.locator(".item")
        assert item.count() == 1 and urlsplit(item.get_attribute("href")).path.startswith("/demo/product/")
        name, price = item.locator(".name").inner_text(), item.locator(".price").inner_text()
        assert f"{name} ({price}) would get you there." in text
        assert float(price.lstrip("€")) >= float(amount.lstrip("€")), "the product closes the gap"
        assert item.locator(".go").inner_text() == "Add it"
    else:
        assert text == f"Spend {amount} more and shipping is on us."
        link = card.get_by_role("link", name="Keep shopping")
        assert link.get_attribute("href").endswith("/demo/")
    assert card.get_by_role("button", name="Dismiss").is_visible()
    assert card.locator(".text").evaluate("p => p.childElementCount") == 0, "text only, never markup"

    query = queries[0]
    assert (query["placement"], query["site"], query["visitor"], query["device"]) == ("cart", "pk_demo", anon_id,
                                                                                     "desktop")
    assert (query["cart"], query["cart_value"], query["page"]) == ("ac-003:1", "31.9", page.url)
    problems.assert_none()


def test_the_amount_follows_the_cart(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper()
    problems = watch(page)
    as_visitor(page, arm(db, NUDGE, "plain")[0])
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    assert text_of(page, CARD) == f"Spend {gap(('ac-003', 1))} more and shipping is on us."

    page.select_option("#qty-1", "2")  # €63.80: the demo's cart lives on the server, so the page reloads
    page.get_by_role("button", name="Update").click()
    page.wait_for_load_state()
    page.wait_for_function("() => document.querySelector('.cart-promo [data-assistant]') &&"
                           " document.querySelector('.cart-promo [data-assistant]').shadowRoot"
                           ".querySelector('.text').textContent.includes('11.20')")
    assert text_of(page, CARD) == f"Spend {gap(('ac-003', 2))} more and shipping is on us."

    fill_cart(page, "sk-002")  # €79.70: over the threshold, so no message
    with page.expect_response(answer_to("cart")) as answered:
        page.goto("/demo/cart")
    assert answered.value.json() == {"messages": []}
    page.wait_for_timeout(300)
    nothing_in(page, ".cart-promo")
    problems.assert_none()


def test_set_cart_asks_again(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper()
    problems = watch(page)
    as_visitor(page, arm(db, NUDGE, "plain")[0])
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    assert gap(("ac-003", 1)) in text_of(page, CARD)
    queries = asked(page)
    with page.expect_response(PROMOS):  # a shop with a client-side cart tells the widget
        page.evaluate("Assistant.setCart([{sku: 'ac-003', quantity: 1, price: 31.9}, {sku: 'sk-002', quantity: 2,"
                      " price: 15.9}], {value: 63.7, currency: 'EUR'})")
    page.wait_for_function("() => document.querySelector('.cart-promo [data-assistant]').shadowRoot"
                           ".querySelector('.text').textContent.includes('11.30')")
    assert gap(("ac-003", 1), ("sk-002", 2)) in text_of(page, CARD)
    assert (queries[-1]["cart"], queries[-1]["cart_value"]) == ("ac-003:1,sk-002:2", "63.7")
    assert page.locator(CARD).count() == 1, "the card is replaced, not added"
    page.evaluate("Assistant.setCart([{sku: 'rs-004', quantity: 1, price: 169.9}])")  # no total: the lines' sum
    page.wait_for_function("() => !document.querySelector('.cart-promo [data-assistant]')")
    assert queries[-1]["cart_value"] == "169.9"
    problems.assert_none()


def test_dismissing_keeps_it_dismissed(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper()
    problems = watch(page)
    anon_id, ref = arm(db, NUDGE, "plain")
    as_visitor(page, anon_id)
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    text_of(page, CARD)
    page.locator("#qty-1").focus()
    for _ in range(8):  # by keyboard: Tab to the card's Dismiss button, Enter
        page.keyboard.press("Tab")
        if (focused(page) or {}).get("cls") == "x":
            break
    assert focused(page)["cls"] == "x"
    ring = page.locator(f"{CARD} .x").evaluate("b => getComputedStyle(b).boxShadow")
    assert ring != "none", "a visible focus ring"
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    nothing_in(page, ".cart-promo")

    dismissal = [e for e in promo_events(page, db, anon_id, 2) if e.type == "promo_dismiss"]
    assert [(e.ref, e.data["variant"], e.data["placement"]) for e in dismissal] == [(ref, "plain", "cart")]

    with page.expect_response(PROMOS):
        page.reload()
    page.wait_for_timeout(500)
    nothing_in(page, ".cart-promo")

    elsewhere = shopper()  # the same shopper on another device: the server holds it back too
    as_visitor(elsewhere, anon_id)
    fill_cart(elsewhere, "ac-003")
    with elsewhere.expect_response(PROMOS) as answered:
        elsewhere.goto("/demo/cart")
    assert answered.value.json() == {"messages": []}
    nothing_in(elsewhere, ".cart-promo")
    problems.assert_none()


def test_impressions_and_clicks_are_stored(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper()
    problems = watch(page)
    anon_id, ref = arm(db, NUDGE, "product")
    as_visitor(page, anon_id)
    page.route("**/api/v1/events*", lambda route: route.continue_())  # intercepted, a beacon's body shows
    sent = events_sent(page)
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    text_of(page, CARD)
    [impression] = promo_events(page, db, anon_id, 1)
    assert (impression.type, impression.ref, impression.data) == (
        "promo_impression", ref, {"ref": ref, "variant": "product", "placement": "cart"})

    item = page.locator(f"{CARD} .item")
    sku = item.get_attribute("href").rsplit("/", 1)[1]
    item.click()
    page.wait_for_url(f"**/demo/product/{sku}")
    until(page, lambda: [e for e in sent if e["type"] == "promo_click" and e["via"] == "ping"], "the click's beacon")
    events = promo_events(page, db, anon_id, 2)
    assert [(e.type, e.ref, e.sku, e.data["variant"]) for e in events] == [
        ("promo_impression", ref, None, "product"), ("promo_click", ref, sku, "product")]
    problems.assert_none()


@pytest.mark.parametrize("variant", ["a", "control"])
def test_checkout_with_a_big_cart_offers_instalments(shopper: Callable[..., Any], db: Engine, variant: str) -> None:
    page = shopper()
    problems = watch(page)
    anon_id, ref = arm(db, PAY_IN_3, variant)
    as_visitor(page, anon_id)
    fill_cart(page, "rs-004")  # €169.90
    page.goto("/demo/cart")  # the checkout has no cart block: the server targets the cart tracked here
    page.evaluate("Assistant.flush()")
    with page.expect_response(answer_to("checkout")) as answered:
        page.goto("/demo/checkout")
    [message] = answered.value.json()["messages"]
    [impression] = promo_events(page, db, anon_id, 1)
    assert (impression.type, impression.ref, impression.data["variant"], impression.data["placement"]) == (
        "promo_impression", ref, variant, "checkout")
    if variant == "control":
        assert message["control"] is True
        page.wait_for_timeout(300)
        nothing_in(page, "#checkout-promo")
    else:
        assert text_of(page, CHECKOUT_CARD) == "Split €169.90 into 3 interest-free payments of €56.63."
        coupon = page.locator(f"{CHECKOUT_CARD} .coupon")
        assert coupon.locator(".label").inner_text() == "Use code"
        assert coupon.locator("code").inner_text() == "PAY3"
        assert coupon.get_by_role("button", name="Copy code PAY3").inner_text() == "Copy"
    problems.assert_none()


@pytest.mark.parametrize("clipboard", [True, False])
def test_copy_puts_the_code_on_the_clipboard_or_selects_it(shopper: Callable[..., Any], db: Engine,
                                                          clipboard: bool) -> None:
    page = shopper(permissions=["clipboard-read", "clipboard-write"])
    problems = watch(page)
    anon_id, ref = arm(db, PAY_IN_3, "a")
    as_visitor(page, anon_id)
    if not clipboard:
        page.add_init_script("delete Navigator.prototype.clipboard;")
    fill_cart(page, "rs-004")
    page.goto("/demo/cart")
    page.evaluate("Assistant.flush()")
    page.goto("/demo/checkout")
    coupon = page.locator(f"{CHECKOUT_CARD} .coupon")
    coupon.get_by_role("button", name="Copy code PAY3").click()
    status = coupon.locator("[aria-live=polite]")
    if clipboard:
        page.wait_for_function("s => s.textContent === 'Copied'", arg=status.element_handle())
        assert page.evaluate("navigator.clipboard.readText()") == "PAY3"
    else:
        page.wait_for_function("s => s.textContent !== ''", arg=status.element_handle())
        assert page.evaluate("getSelection().toString()") == "PAY3"
    events = promo_events(page, db, anon_id, 2)
    assert [(e.type, e.ref) for e in events] == [("promo_impression", ref), ("promo_click", ref)]
    problems.assert_none()


def test_exit_intent_shows_a_dialog_with_products(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper()
    problems = watch(page)
    anon_id, ref = arm(db, EXIT, "a")
    as_visitor(page, anon_id)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(urlsplit(r.url).path))
    for sku in ["sk-002", "ac-009"]:  # products the shopper looked at: the panel recommends them
        page.goto(f"/demo/product/{sku}")
    page.goto("/demo/")
    page.evaluate("Assistant.flush()")
    assert "/static/widget/promos.js" not in requested, "no promotion code before it is needed"
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    text_of(page, CARD)
    queries = asked(page)
    page.mouse.move(640, 300)
    page.mouse.move(640, 860 - 1)  # leaving through the bottom is not leaving the page
    page.mouse.move(640, 900)
    page.wait_for_timeout(300)
    assert queries == []
    page.get_by_role("link", name="Go to checkout").focus()

    exit_intent(page)
    dialog = page.locator(DIALOG)
    assert text_of(page, DIALOG) == "Your cart is saved. Shoppers who chose these also liked:"
    assert queries[0]["placement"] == "exit_intent"
    assert (dialog.get_attribute("role"), dialog.get_attribute("aria-modal")) == ("dialog", "true")
    page.wait_for_function("() => { let n = document.activeElement; while (n && n.shadowRoot && "
                           "n.shadowRoot.activeElement) n = n.shadowRoot.activeElement; return n.closest('.dialog'); }")
    assert focused(page)["inDialog"], "focus moved into the dialog"
    titles = dialog.locator(".item .name").all_inner_texts()
    assert set(titles) >= {"Brackenridge Summit Merino No-Show Sock", "Pikefold Nightrun Headlamp 350 lm"}
    assert dialog.locator(".item .go").first.inner_text() == "Take a look"
    for _ in range(len(titles) + 3):  # Tab stays inside
        page.keyboard.press("Tab")
        assert focused(page)["inDialog"]

    exit_intent(page)  # once a page
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('[data-assistant=promo-dialog]')")
    assert focused(page)["text"] == "Go to checkout", "focus returned"
    assert len(queries) == 1
    events = promo_events(page, db, anon_id, 3)  # and the cart's nudge
    exits = [(e.type, e.data["variant"]) for e in events if e.data["placement"] == "exit_intent"]
    assert exits == [("promo_impression", "a"), ("promo_dismiss", "a")]
    assert {e.ref for e in events if e.data["placement"] == "exit_intent"} == {ref}
    problems.assert_none()


def test_exit_intent_on_a_phone_is_a_quick_scroll_back_to_the_top(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper(phone=True)
    problems = watch(page)
    as_visitor(page, arm(db, EXIT, "a")[0])
    page.goto("/demo/product/sk-002")
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")  # where the cart is tracked: the category page has none, the server's is used
    page.evaluate("Assistant.flush()")
    page.goto("/demo/category/socks")
    queries = asked(page)
    page.evaluate("window.scrollTo(0, 1200)")
    page.wait_for_timeout(1000)
    page.evaluate("window.scrollTo(0, 0)")  # back to the top slowly: still reading
    page.wait_for_timeout(300)
    assert queries == []
    page.evaluate("window.scrollTo(0, 1200)")
    with page.expect_response(answer_to("exit_intent")) as answered:
        page.evaluate("window.scrollTo(0, 0)")
    assert answered.value.json()["messages"], answered.value.json()
    assert (queries[0]["placement"], queries[0]["device"]) == ("exit_intent", "mobile")
    dialog = page.locator(DIALOG)
    text_of(page, DIALOG)
    bounds = dialog.bounding_box()
    assert bounds["width"] == 390 and abs(bounds["y"] + bounds["height"] - 844) <= 1, "a bottom sheet"
    dialog.get_by_role("button", name="Dismiss").click()
    page.wait_for_function("() => !document.querySelector('[data-assistant=promo-dialog]')")
    problems.assert_none()


def test_exit_intent_on_a_phone_is_also_coming_back_to_the_tab(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper(phone=True)
    problems = watch(page)
    as_visitor(page, arm(db, EXIT, "a")[0])
    page.goto("/demo/product/sk-002")
    fill_cart(page, "ac-003")
    page.goto("/demo/cart")
    text_of(page, CARD)
    with page.expect_response(answer_to("exit_intent")):
        for state in ["hidden", "visible"]:  # the shopper switched to another app and came back
            page.evaluate("s => { Object.defineProperty(document, 'visibilityState', {value: s, configurable: true});"
                          " document.dispatchEvent(new Event('visibilitychange')); }", state)
    text_of(page, DIALOG)
    problems.assert_none()


@pytest.mark.parametrize("failure", ["down", "error", "hangs"])
def test_nothing_shows_when_the_api_fails(shopper: Callable[..., Any], db: Engine, failure: str) -> None:
    page = shopper()
    problems = watch(page)
    as_visitor(page, arm(db, NUDGE, "plain")[0])
    held: list[Any] = []
    if failure == "down":
        page.route(PROMOS, lambda route: route.abort())
    elif failure == "error":
        page.route(PROMOS, lambda route: route.fulfill(status=500, json={"error": {"code": "internal"}}))
    else:
        page.route(PROMOS, lambda route: held.append(route))
    fill_cart(page, "ac-003")
    with page.expect_request(PROMOS):
        page.goto("/demo/cart")
    with page.expect_request(PROMOS):
        exit_intent(page)
    if failure == "hangs":
        page.wait_for_timeout(4500)  # the widget gives up after 4 s
        for route in held:
            try:
                route.continue_()
            except Exception:  # noqa: BLE001  (the widget aborted this request long ago)
                pass
    page.wait_for_timeout(700)
    nothing_in(page, ".cart-promo")
    assert page.locator("[data-assistant=promo-dialog]").count() == 0
    problems.assert_none(network_failures_expected=True)


def test_works_under_the_strict_content_security_policy(shopper: Callable[..., Any], db: Engine) -> None:
    page = shopper()
    problems = watch(page)
    page.add_init_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI), true);
    """)
    as_visitor(page, arm(db, NUDGE, "product")[0])
    page.goto("/demo/product/sk-002")
    fill_cart(page, "ac-003")
    response = page.goto("/demo/cart")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    text_of(page, CARD)
    page.locator(f"{CARD} .item img").first.wait_for()
    exit_intent(page)
    page.locator(f"{DIALOG} .item img").first.wait_for()
    assert page.evaluate("window.__violations") == []
    problems.assert_none()

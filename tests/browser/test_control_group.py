"""The global control group in the browser, on the demo shop with its own share (5 %): a held-out shopper sees
nothing of the assistant (no launcher, strip, promotion or survey) on a whole trip to a purchase, while the
trip is recorded and the purchase counts on the control side; an exposed shopper on the same trip sees each
of them, so the selectors this test waits on do find the assistant when it is there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.db import make_engine
from assistant.demo.campaigns import seed_campaigns
from assistant.demo.history import seed_history
from assistant.paths import resource_dir
from assistant.recommend.training import train_site
from assistant.sites.control import in_control_bucket
from assistant.sites.service import get_site_by_key
from assistant.timeutil import utcnow
from assistant.tracking.models import Visitor
from assistant.tracking.purchases import counted_purchases
from tests.browser.conftest import demo_shop
from tests.browser.helpers import Problems, watch
from tests.browser.test_promotions import PAY_IN_3, arm, as_visitor
from tests.browser.test_tracking import DESKTOP_UA, delivered

SKU = "rs-003"  # a running shoe (the finder's launcher shows on its page) over 150 EUR (Pay in 3 at checkout)
ASSISTANT = "[data-assistant]"  # every shadow host the widget mounts: launchers, strips, promotions, surveys


@pytest.fixture(scope="module")
def control_folder(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the control group's shop (its database: demo.db)."""
    return tmp_path_factory.mktemp("control")


@pytest.fixture(scope="module")
def control_shop(control_folder: Path) -> Iterator[str]:
    """The demo shop as built (its own share held out, its campaigns and surveys) with strips trained on a history."""
    def prepare(session: Any, site: Any, models: Path) -> None:
        assert 0 < site.control_share < 0.5
        seed_campaigns(session=session, site=site)
        seed_history(session=session, site=site, now=utcnow(), visits=400)
        train_site(session=session, site=site, root=models, now=utcnow())

    with demo_shop(control_folder, resource_dir("flows"), prepare=prepare, control_share=None) as base:
        yield base


@pytest.fixture(scope="module")
def db(control_shop: str, control_folder: Path) -> Iterator[Engine]:
    """An engine on the control group's shop."""
    engine = make_engine(f"sqlite:///{control_folder / 'demo.db'}")
    yield engine
    engine.dispose()


def shopper_in(db: Engine, *, held: bool) -> str:
    """A visitor id the Pay in 3 campaign would show its message to, in (or out of) the global control group."""
    with Session(db) as session:
        share = get_site_by_key(session=session, key="pk_demo").control_share
    for _ in range(1000):
        anon, _ref = arm(db, PAY_IN_3, "a")
        if in_control_bucket(site_key="pk_demo", key=anon, share=share) == held:
            return anon
    raise AssertionError("no such visitor")


def trip(page: Any, on_page: Callable[[str], None]) -> str:
    """Home, a running shoe, the cart, the checkout, the order: `on_page(name)` on each; the order id."""
    page.goto("/demo/")
    on_page("home")
    page.goto(f"/demo/product/{SKU}")
    on_page("product")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/demo/cart**")
    on_page("cart")
    page.get_by_role("link", name="Go to checkout").click()
    on_page("checkout")
    page.fill("#f-name", "Robin Fell")
    page.fill("#f-email", "robin@example.com")
    page.fill("#f-address", "1 Ridge Road")
    page.fill("#f-city", "12345 Hilltown")
    page.get_by_role("button", name="Place order").click()
    on_page("thanks")
    return str(page.locator(".eyebrow").text_content()).removeprefix("Order ")


def answered(page: Any) -> list[tuple[str, Any]]:
    """(URL, JSON) of every GET the page's widget sends the API from now on (flows, strips, promotions, surveys)."""
    found: list[tuple[str, Any]] = []

    def keep(route: Any) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch()
        found.append((route.request.url, response.json()))
        route.fulfill(response=response)

    page.route("**/api/v1/**", keep)
    return found


def near(page: Any) -> None:
    """Bring each element of the demo's data-recs and data-promos into view (a strip asks once it comes near)."""
    for selector in ("#picked", "#recent", "#related", ".cart-extras", "#addons", ".cart-promo", "#checkout-promo"):
        for found in page.locator(selector).all():
            found.scroll_into_view_if_needed()
            page.wait_for_timeout(50)


def settled(page: Any) -> None:
    """Scroll every strip's element into view, then wait until the widget's requests are answered."""
    page.wait_for_load_state("networkidle")
    near(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # the last answers' rendering, had they anything to render


def test_a_held_out_shopper_sees_nothing_and_the_purchase_counts_for_the_control_group(
        new_page: Callable[..., Any], control_shop: str, db: Engine) -> None:
    anon = shopper_in(db, held=True)
    page = new_page(base_url=control_shop, user_agent=DESKTOP_UA)
    problems: Problems = watch(page)
    as_visitor(page, anon)
    answers = answered(page)
    seen: dict[str, int] = {}

    def nothing_shows(name: str) -> None:
        settled(page)
        seen[name] = page.locator(ASSISTANT).count()

    order = trip(page, nothing_shows)
    assert seen == {"home": 0, "product": 0, "cart": 0, "checkout": 0, "thanks": 0}
    flows = [body for url, body in answers if "/api/v1/flows?" in url]
    assert len(flows) == 5 and all(body == {"flows": [], "control": True} for body in flows)
    # strips, promotions and surveys too (a survey answer without a survey for the placement asks no one's group)
    assert [(url, body) for url, body in answers if body.get("control") is not True and body != {"survey": None}] == []
    kinds = {url.split("/api/v1/")[1].split("?")[0] + ":" + url.split("placement=")[1].split("&")[0]
             for url, body in answers if body.get("control") is True and "placement=" in url}
    assert {"recommendations:home", "recommendations:product", "promotions:checkout", "surveys:purchase"} <= kinds
    problems.assert_none()

    events = delivered(page, db, anon, lambda found: any(e.type == "purchase" for e in found))
    assert sum(e.type == "page_view" for e in events) >= 5 and [e.ref for e in events if e.type == "purchase"] == [
        order]
    with Session(db) as session:
        site = get_site_by_key(session=session, key="pk_demo")
        visitor = session.exec(select(Visitor).where(Visitor.anon_id == anon)).one()
        assert visitor.in_control is True
        held = list(session.exec(select(Visitor.id).where(Visitor.site_id == site.pk, col(Visitor.in_control))))
        exposed = list(session.exec(select(Visitor.id).where(Visitor.site_id == site.pk, ~col(Visitor.in_control))))
        assert order in {p.order_id for p in counted_purchases(session=session, site=site, visitor_ids=held)}
        assert order not in {p.order_id for p in counted_purchases(session=session, site=site, visitor_ids=exposed)}


def test_an_exposed_shopper_on_the_same_trip_sees_the_assistant(new_page: Callable[..., Any], control_shop: str,
                                                               db: Engine) -> None:
    anon = shopper_in(db, held=False)
    page = new_page(base_url=control_shop, user_agent=DESKTOP_UA)
    as_visitor(page, anon)
    waits = {"home": "[data-assistant] .launcher", "product": "#related [data-assistant=recs]",
             "cart": ".cart-extras [data-assistant=recs]", "checkout": "#checkout-promo [data-assistant=promo]",
             "thanks": "[data-assistant=survey]"}

    def something_shows(name: str) -> None:
        near(page)
        page.locator(waits[name]).first.wait_for(state="attached")

    order = trip(page, something_shows)
    events = delivered(page, db, anon, lambda found: any(e.type == "purchase" for e in found))
    assert [e.ref for e in events if e.type == "purchase"] == [order]
    with Session(db) as session:
        assert session.exec(select(Visitor).where(Visitor.anon_id == anon)).one().in_control is False

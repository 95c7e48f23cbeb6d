"""Abandoned baskets end to end on the demo: a shopper signs in with marketing consent, fills the cart and leaves;
the job sends a reminder that a real SMTP server on loopback (aiosmtpd) receives, with the cart's product and the
recommended ones; its "back to your cart" link restores the cart in the browser; the purchase recovers the basket.

The test clock, not a sleep: the shopper's browser runs 61 minutes behind (Playwright's clock; the widget stamps
each event with it, and the server keeps client times up to 7 days old), so the job, run at the real time, finds a
cart left 61 minutes ago. Everything after the e-mail then happens at the real time, after the reminder, which is
what recovery counts (a purchase within 7 days *after* the first reminder).
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.baskets import job
from assistant.baskets.models import Basket, BasketMessage
from assistant.baskets.settings import get_settings, save_settings
from assistant.catalog.service import get_product
from assistant.cli import main
from assistant.config import Settings
from assistant.db import make_engine
from assistant.demo.account import customer_id_of
from assistant.paths import resource_dir
from assistant.sites.models import Site
from assistant.timeutil import utcnow
from assistant.tracking.models import Cart, Event, Visitor
from tests.baskets.receivers import Mailbox
from tests.browser.conftest import DESKTOP, demo_shop
from tests.browser.helpers import watch
from tests.browser.test_promotions import DESKTOP_UA

SKU = "rs-001"
LEFT_FOR = timedelta(minutes=61)
SENDER = "shop@trailhead.example"


def no_holdout(session: Session, site: Site, _models: Path) -> None:
    """Reminders as the demo has them, but no holdout: this shopper must get one (the holdout is tested in
    tests/baskets)."""
    current = get_settings(session=session, site=site)
    save_settings(session=session, site=site, data={**current.model_dump(mode="json"), "holdout_share": 0})


@pytest.fixture(scope="module")
def basket_shop(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A demo shop of its own (its database is changed by the job); yields its base URL and folder."""
    folder = tmp_path_factory.mktemp("baskets")
    flows, surveys = folder / "flows", folder / "surveys"
    shutil.copytree(resource_dir("flows"), flows)
    surveys.mkdir()
    with demo_shop(folder, flows, prepare=no_holdout, surveys=surveys) as base:
        yield base, folder


@pytest.fixture
def db(basket_shop: tuple[str, Path]) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{basket_shop[1] / 'demo.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch, basket_shop: tuple[str, Path]) -> Iterator[Mailbox]:
    """An aiosmtpd server on loopback, and the app's SMTP settings (ASSISTANT_SMTP_*) pointing at it."""
    from aiosmtpd.controller import Controller

    from tests.baskets.receivers import free_port

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    for name, value in {"ASSISTANT_SMTP_HOST": "127.0.0.1", "ASSISTANT_SMTP_PORT": str(controller.port),
                        "ASSISTANT_SMTP_SECURITY": "none", "ASSISTANT_SMTP_FROM": SENDER,
                        "ASSISTANT_MODELS": str(basket_shop[1] / "models")}.items():
        monkeypatch.setenv(name, value)
    try:
        yield box
    finally:
        controller.stop()


def wait_for(db: Engine, query: Any, what: str, seconds: float = 15) -> Any:
    """The first row of `query`, polled in a new session each time (the widget sends its events every few seconds,
    and a session kept open would keep reading its first snapshot)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(db, expire_on_commit=False) as session:
            found = session.exec(query).first()
        if found is not None:
            return found
        time.sleep(0.2)
    with Session(db) as session:
        recent = session.exec(select(Event).order_by(col(Event.id).desc()).limit(5)).all()
    raise AssertionError(f"timed out waiting for {what}; the newest events: {recent}")


def run_job(db: Engine, base: str) -> job.RunSummary:
    """`assistant baskets run` at the real time, with the app's secret key (its links must verify)."""
    return job.run(session_factory=lambda: Session(db, expire_on_commit=False), now=utcnow(), base_url=base,
                   secret_key=Settings().secret_key, deliver=True, sites=["pk_demo"])


def parts(message: EmailMessage) -> tuple[str, str]:
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None and text is not None, "multipart/alternative with HTML and text"
    return html.get_content(), text.get_content()


def test_a_left_cart_is_reminded_restored_and_recovered(browser: Any, basket_shop: tuple[str, Path], db: Engine,
                                                        mailbox: Mailbox) -> None:
    base, _ = basket_shop
    email = f"shopper-{uuid.uuid4().hex[:8]}@example.com"
    customer = customer_id_of(email)

    # 1. signs in with consent, fills the cart and leaves: 61 minutes ago by the shopper's clock
    shopping = browser.new_context(base_url=base, user_agent=DESKTOP_UA, **DESKTOP)  # headless counts as a bot
    shopping.clock.install(time=utcnow() - LEFT_FOR)
    page = shopping.new_page()
    problems = watch(page)
    page.goto("/demo/account")
    page.fill("#f-email", email)
    page.get_by_label(re.compile("E-mail me about my cart")).check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/demo/$"))
    page.goto(f"/demo/product/{SKU}")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/demo/cart\?added="))
    page.goto("about:blank")  # leaves: the widget sends what it holds on pagehide
    visitor = wait_for(db, select(Visitor).where(Visitor.customer_id == customer), "the identify event")
    cart = wait_for(db, select(Cart).where(Cart.visitor_id == visitor.id, Cart.value_minor > 0), "the cart")
    assert [(i["sku"], i["quantity"]) for i in cart.items] == [(SKU, 1)]
    state = shopping.storage_state()
    problems.assert_none()
    shopping.close()

    # 2. the job, at the real time: the cart has waited 61 minutes; the reminder goes out by SMTP
    summary = run_job(db, base)
    assert [(s.detected.opened, s.queued) for s in summary.sites] == [(1, 1)], summary.lines()
    assert len(mailbox.messages) == 1, summary.lines()
    message = mailbox.messages[0]
    assert message["To"] == email and message["From"] == SENDER
    html, text = parts(message)
    with Session(db) as session:
        basket = session.exec(select(Basket).where(Basket.customer_id == customer)).one()
        sent = session.exec(select(BasketMessage).where(BasketMessage.basket_id == basket.id)).one()
        site = session.exec(select(Site).where(Site.key == "pk_demo")).one()
        title = get_product(session=session, site=site, sku=SKU).title
    assert sent.status == "sent" and sent.payload["items"][0]["sku"] == SKU
    recommended = [r["title"] for r in sent.payload["recommendations"]]
    assert recommended, "the reminder recommends products beside the cart's"
    for name in (title, *recommended):
        assert name in unescape(html) and name in text, name
    restore = re.search(r'href="(http://[^"]+/api/v1/baskets/r/[^"]+)"', html)
    assert restore, "the e-mail links back to the cart"

    # 3. back to the cart from the e-mail, in the same browser a while later (its shop session has ended)
    later = browser.new_context(base_url=base, user_agent=DESKTOP_UA, **DESKTOP,
                                storage_state={**state, "cookies": []})
    page = later.new_page()
    problems = watch(page)
    page.goto(restore.group(1).replace("&amp;", "&"))
    page.wait_for_url(re.compile(r"/demo/cart\?restored=1$"))
    assert "your cart is as you left it" in page.locator("[role=status]").first.inner_text()
    assert page.locator(".cart-line-title").all_inner_texts() == [title]

    # 4. buys: the next run (the command, as cron runs it) counts the basket recovered, and after the click
    page.get_by_role("link", name="Go to checkout").click()
    for field, value in (("#f-name", "Ana Shopper"), ("#f-email", email), ("#f-address", "Trail 1"),
                         ("#f-city", "1000 Hilltown")):
        page.fill(field, value)
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.get_by_role("heading", name=re.compile("Thank you")).wait_for()
    order = (page.locator(".eyebrow").text_content() or "").removeprefix("Order ").strip()
    page.goto("about:blank")
    bought = wait_for(db, select(Event).where(Event.type == "purchase", Event.ref == order,
                                              col(Event.visitor_id) == visitor.id), "the purchase event")
    problems.assert_none()
    later.close()
    command = CliRunner().invoke(main, ["baskets", "run", "--site", "pk_demo", "--now", utcnow().isoformat()],
                                 env={"DATABASE_URL": str(db.url), "ASSISTANT_PUBLIC_URL": base})
    assert command.exit_code == 0 and "; 1 recovered;" in command.output, command.output
    with Session(db) as session:
        done = session.get(Basket, basket.id)
        assert done is not None and done.recovered_at is not None and done.clicked_at is not None
        assert done.clicked_at <= done.recovered_at and done.recovered_order_id == order
        assert done.recovered_value_minor == bought.value_minor and bought.value_minor >= basket.value_minor
        assert done.closed_reason == "purchased"
    assert len(mailbox.messages) == 1  # no second reminder after the purchase


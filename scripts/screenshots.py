"""Screenshots of the widget on the demo shop: a question, the results and a product page's recommendation
strip, on a desktop and a phone; and the demo's three promotions (the free-shipping nudge on the cart,
pay-in-3 at checkout, the exit-intent panel) on a desktop.

Starts the demo in-process on a temporary SQLite database with its month of shopping history, models
trained on it and its campaigns (as `assistant demo` does), drives Debian's Chromium
(/usr/bin/chromium, never a downloaded browser) and writes docs/screenshots/*.png.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only widget|promos]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import migrate  # noqa: E402
from assistant.app import create_app  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.db import make_engine, session_scope  # noqa: E402
from assistant.demo.build import build_demo  # noqa: E402
from assistant.demo.campaigns import seed_campaigns  # noqa: E402
from assistant.demo.history import seed_history  # noqa: E402
from assistant.promotions.campaigns import list_campaigns, variants_of  # noqa: E402
from assistant.promotions.variants import assign  # noqa: E402
from assistant.recommend.training import train_site  # noqa: E402
from assistant.sites.service import get_site_by_key  # noqa: E402
from assistant.timeutil import utcnow  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The answers a shopper gives in the screenshots: a trail runner, women's fit, default budget.
ANSWERS = ["Trails and mountains", "Nothing special", "Women's"]
STRIP_PAGE = "rs-002"  # the product page whose recommendation strip is shot
# The server stores no events from a headless browser, and the promotions target what it stored.
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@contextmanager
def demo_server(folder: Path) -> Iterator[str]:
    """Serve the demo shop on a free port of 127.0.0.1; yield its base URL."""
    url = f"sqlite:///{folder / 'demo.db'}"
    migrate.upgrade(url)
    app = create_app(Settings(database_url=url, models_dir=folder / "models"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    engine = make_engine(url)
    with session_scope(engine) as session:
        site = build_demo(session=session, origins=[base])
        seed_history(session=session, site=site, now=utcnow())
        seed_campaigns(session=session, site=site)
        train_site(session=session, site=site, root=folder / "models", now=utcnow())
    engine.dispose()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(5)


def answer_until_results(page: Page, shots: dict[int, Path]) -> None:
    """Answer every question (preferring ANSWERS), saving a screenshot before question n in `shots`."""
    for number in range(1, 12):
        page.wait_for_selector(".panel:not([aria-busy]) .q")
        if page.locator(".cards").count():
            return
        if number in shots:
            page.mouse.move(0, 0)
            page.wait_for_timeout(400)
            page.screenshot(path=str(shots[number]))
        options = page.locator("[role=radio]")
        if options.count():
            texts = options.all_inner_texts()
            choice = next((t for t in texts if t in ANSWERS), texts[0])
            options.get_by_text(choice, exact=True).click()
        else:
            page.locator(".actions .btn:not(.ghost)").click()
        page.wait_for_function(
            "n => { const root = document.querySelector('[data-assistant]:not([data-assistant=recs])').shadowRoot;"
            " const step = root.querySelector('.step'); return step && step.textContent !== n; }",
            arg=f"Question {number} of", timeout=10_000)
    raise RuntimeError("the quiz did not finish")


def capture(page: Page, base: str, name: str, out: Path) -> None:
    """Open the running-shoe finder on the home page; shoot question 2 and the results."""
    page.goto(f"{base}/demo/")
    page.locator(".launcher").click()
    answer_until_results(page, {2: out / f"quiz-{name}.png"})
    page.wait_for_selector(".card img")
    page.mouse.move(0, 0)
    page.wait_for_timeout(600)
    page.screenshot(path=str(out / f"results-{name}.png"))


def capture_strip(page: Page, base: str, name: str, out: Path) -> None:
    """A product page scrolled to its recommendation strip."""
    page.goto(f"{base}/demo/product/{STRIP_PAGE}")
    page.locator("#related").scroll_into_view_if_needed()
    host = page.locator("#related [data-assistant=recs]")
    host.locator("img").last.wait_for()
    host.evaluate("h => scrollBy(0, h.getBoundingClientRect().top - innerHeight * (innerWidth < 600 ? .3 : .22))")
    page.mouse.move(0, 0)
    page.wait_for_timeout(600)
    page.screenshot(path=str(out / f"recs-product-{name}.png"))


def visitor_in(folder: Path, campaign: str, key: str) -> str:
    """A visitor id that the demo's `campaign` assigns to its variant `key` (the arm to show)."""
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    with session_scope(engine) as session:
        site = get_site_by_key(session=session, key="pk_demo")
        found = next(c for c in list_campaigns(session=session, site=site) if c.name == campaign)
        variants = variants_of(session=session, campaign_ids=[found.pk])[found.pk]
        site_id, campaign_id = site.pk, found.pk
    engine.dispose()
    for number in range(10_000):
        anon = f"screenshot-shopper-{number:05d}"
        chosen = assign(variants, site_id=site_id, campaign_id=campaign_id, visitor=anon)
        if chosen is not None and chosen.key == key:
            return anon
    raise RuntimeError(f"no visitor lands in {campaign}/{key}")


def shopper(browser: Browser, base: str, anon: str) -> Page:
    """A desktop page of a shopper with the visitor id `anon` and a real browser's user agent."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=base, user_agent=CHROME)
    context.add_init_script(f"localStorage.setItem('assistant:visitor', '{anon}')")
    return context.new_page()


def shop(page: Page, viewed: list[str], cart: list[str]) -> None:
    """Look at the `viewed` products, put the `cart` ones in the cart and open it (so tracking has both)."""
    for sku in viewed:
        page.goto(f"/demo/product/{sku}")
    for sku in cart:
        page.request.post("/demo/cart/add", form={"sku": sku, "quantity": "1"})
    page.goto("/demo/cart")
    page.evaluate("Assistant.flush()")


def settle(page: Page, host: str, path: Path) -> None:
    """Wait for the message in `host` and its images, then shoot the window."""
    page.locator(f"{host} .text").wait_for()
    for image in page.locator(f"{host} img").all():
        if image.is_visible():
            image.evaluate("img => img.complete || new Promise(done => img.addEventListener('load', done))")
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))


def capture_promos(browser: Browser, base: str, folder: Path, out: Path) -> None:
    """The free-shipping nudge naming the product that closes the gap, pay-in-3 at checkout, the exit panel."""
    page = shopper(browser, base, visitor_in(folder, "Free shipping nudge", "product"))
    shop(page, ["sk-009"], ["rs-035"])
    page.mouse.move(0, 0)
    settle(page, ".cart-promo", out / "promo-cart-gap.png")

    page = shopper(browser, base, visitor_in(folder, "Pay in 3 for bigger baskets", "a"))
    shop(page, [], ["rs-004", "sk-002"])
    page.goto("/demo/checkout")
    page.mouse.move(0, 0)
    settle(page, "#checkout-promo", out / "promo-checkout-instalments.png")

    page = shopper(browser, base, visitor_in(folder, "Before you go", "a"))
    shop(page, ["ac-003", "ac-006", "sk-018"], ["rs-002"])
    page.mouse.move(640, 300)
    page.mouse.move(640, -20)  # the pointer leaves the window through the top: exit intent
    settle(page, "[data-assistant=promo-dialog]", out / "promo-exit-intent.png")


def main() -> None:
    """Write the six widget screenshots and the three of the promotions (or only one of the two sets)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", choices=["widget", "promos"], help="write only this set")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, demo_server(Path(tmp)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if args.only != "promos":
            desktop = browser.new_context(viewport={"width": 1280, "height": 860})
            capture(desktop.new_page(), base, "desktop", args.out)
            capture_strip(desktop.new_page(), base, "desktop", args.out)
            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                        is_mobile=True, has_touch=True)
            capture(phone.new_page(), base, "phone", args.out)
            capture_strip(phone.new_page(), base, "phone", args.out)
        if args.only != "widget":
            capture_promos(browser, base, Path(tmp), args.out)
        browser.close()
    for path in sorted(args.out.glob("*.png")):
        sys.stdout.write(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}\n")


if __name__ == "__main__":
    main()

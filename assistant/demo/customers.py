"""Two years of the demo shop's orders, so its Customers pages have champions, sleepers and the lost to show.

A few hundred customers, each of a kind (a frequent buyer still around, a first-time buyer, a good customer
who stopped a year ago, ...) that sets when they started, how often they buy and when they stopped. Their
orders are written as a Shopify orders export and loaded by `import_history`, the way a shop brings its past
in (no side door into the tables): idempotent by order id, so building the demo again adds nothing.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from assistant.demo.catalog import CURRENCY, DemoProduct, demo_products
from assistant.sites.models import Site
from assistant.tracking.history import HistoryReport, import_history
from assistant.tracking.history_mapping import layout_mapping

SEED = 23
CUSTOMERS = 600
DAYS = 730
SHIPPING = 4.95
FREE_SHIPPING = 75.0
HEADER = ["Name", "Email", "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Total", "Created at",
          "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku", "Cancelled at"]
CONSENT_EVERY = 3
"""Two customers in three accepted marketing e-mail (Shopify's Accepts Marketing; the basket reminders' consent)."""
FIRST_NAMES = ["ada", "ben", "cara", "dev", "elin", "finn", "gita", "hugo", "ines", "jon", "kaia", "leo", "mara",
               "nils", "olga", "pia", "quinn", "rosa", "sven", "tara", "ugo", "vera", "wim", "xena", "yara", "zoe"]
LAST_NAMES = ["moss", "reed", "fjell", "brook", "stone", "heath", "lind", "marsh", "dale", "crag", "fern", "tarn"]


@dataclass(frozen=True)
class Kind:
    """A kind of customer: how many, when they started and stopped (days ago), orders a year, lines per order."""

    name: str
    share: float
    start: tuple[float, float]
    stop: tuple[float, float]
    per_year: tuple[float, float]
    lines: int
    max_price: float = 1e9


KINDS = [
    Kind("frequent", 0.10, (420, 720), (0, 5), (8, 14), 3),
    Kind("loyal", 0.15, (300, 700), (0, 40), (4, 7), 2),
    Kind("occasional", 0.17, (150, 700), (20, 200), (1.5, 4), 2),
    Kind("returning", 0.06, (40, 160), (0, 25), (5, 9), 1, 30.0),
    Kind("new", 0.06, (0, 60), (0, 0), (0, 0), 2),
    Kind("one-time", 0.14, (40, 720), (0, 0), (0, 0), 1),
    Kind("slipping", 0.12, (500, 720), (200, 420), (5, 10), 3),
    Kind("faded", 0.20, (450, 720), (280, 600), (1, 2.5), 1),
]
"""A customer with per_year 0 orders once, at start; the others every exponential gap from start to stop.
A max_price keeps a kind to small baskets (recent repeat buyers who spend little: potential loyalists)."""


def demo_customers_file(folder: Path, *, now: datetime, customers: int = CUSTOMERS) -> Path:
    """Write the demo's order history as a Shopify orders export in `folder`, always the same for one `now`."""
    rng = random.Random(SEED)
    pools = {kind.name: [p for p in demo_products() if 0 < p.price <= kind.max_price] for kind in KINDS}
    path = folder / "trailhead_orders.csv"
    number = 1000
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index in range(customers):
            kind = rng.choices(KINDS, [k.share for k in KINDS])[0]
            email = _email(rng, index)
            for when in _order_days(rng, kind):
                number += 1
                basket = _basket(rng, pools[kind.name], kind.lines)
                consent = "yes" if index % CONSENT_EVERY else "no"
                writer.writerows(_rows(f"#TH{number}", email, consent, now - timedelta(days=when), basket))
    return path


def seed_customers(*, session: Session, site: Site, now: datetime, customers: int = CUSTOMERS) -> HistoryReport:
    """Import the demo's order history into `site` (orders it has already are left as they are)."""
    with tempfile.TemporaryDirectory(prefix="demo-orders-") as folder:
        path = demo_customers_file(Path(folder), now=now, customers=customers)
        return import_history(session=session, site=site, path=path, mapping=layout_mapping("shopify"), now=now)


def _email(rng: random.Random, index: int) -> str:
    return f"{rng.choice(FIRST_NAMES)}.{rng.choice(LAST_NAMES)}{index:03d}@example.com"


def _order_days(rng: random.Random, kind: Kind) -> list[float]:
    """Days before now of one customer's orders, oldest first."""
    start = rng.uniform(*kind.start)
    if kind.per_year[1] == 0:
        return [start]
    stop, rate = rng.uniform(*kind.stop), rng.uniform(*kind.per_year) / 365.0
    days, when = [start], start
    while (when := when - rng.expovariate(rate)) > stop:
        days.append(when)
    return days


def _basket(rng: random.Random, products: list[DemoProduct], lines: int) -> list[tuple[DemoProduct, int]]:
    chosen = rng.sample(products, k=rng.randint(1, lines))
    return [(p, 2 if p.categories[0] == "Socks" and rng.random() < 0.4 else 1) for p in chosen]


def _rows(name: str, email: str, consent: str, when: datetime, basket: list[tuple[DemoProduct, int]]
          ) -> list[list[str]]:
    """An order's rows: its own fields on the first one only, as Shopify exports them."""
    subtotal = round(sum(p.price * q for p, q in basket), 2)
    shipping = 0.0 if subtotal >= FREE_SHIPPING else SHIPPING
    stamp = when.strftime("%Y-%m-%d %H:%M:%S %z")
    rows = []
    for line, (product, quantity) in enumerate(basket):
        own = [name, email, consent, CURRENCY, f"{subtotal:.2f}", f"{shipping:.2f}", f"{subtotal + shipping:.2f}",
               stamp]
        rows.append((own if line == 0 else [name] + [""] * 7) +
                    [str(quantity), product.title, f"{product.price:.2f}", product.sku, ""])
    return rows

"""A month of believable shopper behaviour for the demo, so its recommendations have something to learn.

Each visit has an intent (a category and, for shoes, a terrain); the shopper views a few matching
products, sometimes an add-on, and some visits add to the cart and buy. Events go through the same
`record_events` the widget's batches do.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, func, select

from assistant.demo.catalog import DemoProduct, demo_products
from assistant.sites.models import Site
from assistant.tracking.models import Event
from assistant.tracking.service import record_events

VISITS = 1500
SEED = 11
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
ADD_ONS = {"Running shoes": ["Socks", "Care"], "Hiking backpacks": ["Accessories"],
           "Rain jackets": ["Care", "Accessories"]}
INTENTS = [("Running shoes", 0.5), ("Hiking backpacks", 0.25), ("Rain jackets", 0.25)]


def seed_history(*, session: Session, site: Site, now: datetime, visits: int = VISITS) -> int:
    """Record `visits` demo visits over the last 30 days unless the site has events; the events written."""
    if session.exec(select(func.count()).select_from(Event).where(Event.site_id == site.pk)).one():
        return 0
    rng = random.Random(SEED)
    by_group = _groups(demo_products())
    written = 0
    for number in range(visits):
        when = now - timedelta(days=rng.uniform(0, 30))
        events = _visit(rng, by_group, number, when)
        batch = {"visitor": f"demo-visitor-{number % 900:04d}", "events": events}
        written += record_events(session=session, site=site, batch=batch, user_agent=BROWSER, now=now).accepted
    return written


def _groups(products: tuple[DemoProduct, ...]) -> dict[tuple[str, str], list[DemoProduct]]:
    groups: dict[tuple[str, str], list[DemoProduct]] = defaultdict(list)
    for product in products:
        if product.stock:
            category = product.categories[0]
            groups[(category, str(product.attributes.get("terrain") or product.attributes.get("use") or
                                  product.attributes.get("activity") or ""))].append(product)
            groups[(category, "")].append(product)
    return groups


def _visit(rng: random.Random, groups: dict[tuple[str, str], list[DemoProduct]], number: int,
           when: datetime) -> list[dict[str, Any]]:
    category = rng.choices([c for c, _ in INTENTS], [w for _, w in INTENTS])[0]
    flavours = sorted({flavour for (cat, flavour) in groups if cat == category and flavour})
    pool = groups[(category, rng.choice(flavours))] if flavours else groups[(category, "")]
    viewed = rng.sample(pool, k=min(len(pool), rng.randint(2, 6)))
    add_on = rng.choice(groups[(rng.choice(ADD_ONS[category]), "")]) if rng.random() < 0.4 else None
    events: list[dict[str, Any]] = []

    def event(kind: str, **fields: Any) -> None:
        stamp = (when + timedelta(seconds=40 * len(events))).timestamp() * 1000
        events.append({"id": f"demo-{number:05d}-{len(events):02d}", "type": kind, "ts": stamp, **fields})

    for product in viewed + ([add_on] if add_on else []):
        event("product_view", sku=product.sku, price=product.price, page=f"/demo/product/{product.sku}")
    if rng.random() < 0.35:
        basket = [viewed[-1]] + ([add_on] if add_on else [])
        for product in basket:
            event("add_to_cart", sku=product.sku, price=product.price)
        if rng.random() < 0.55:
            lines = [{"sku": p.sku, "quantity": 1, "price": p.price} for p in basket]
            event("purchase", order_id=f"demo-order-{number:05d}", items=lines,
                  value=round(sum(p.price for p in basket), 2))
    return events

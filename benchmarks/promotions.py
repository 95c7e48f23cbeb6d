"""Promotions benchmark: choose + render on a cart placement with 200 live campaigns, in process.

    .venv/bin/python -m benchmarks.promotions [--backend sqlite|postgresql|both] [--calls 2000]

Builds a temporary database with 200 live cart campaigns (varied conditions, variants and
controls, caps, Jinja messages), 300 products and 200 tracked visitors, then times `choose` for
2,000 varied visitors (each call in its own session, as a request would be) and reports p50/p99,
beside a baseline measured in the same run: one `SELECT 1` round trip through a fresh session.
`snapshot_for` (reading the visitor from the tracking tables) is timed separately, and so is the
whole server-side path (snapshot + choose).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from assistant.catalog.importers import Row
from assistant.catalog.indexes import CatalogIndexes
from assistant.catalog.mapping import ColumnMapping
from assistant.catalog.service import import_products
from assistant.db import make_engine
from assistant.promotions.campaigns import create_campaign
from assistant.promotions.service import CAMPAIGNS, choose
from assistant.promotions.settings import save_settings
from assistant.promotions.snapshot import VisitorSnapshot, snapshot_for
from assistant.sites.service import get_site_by_key
from assistant.timeutil import utcnow
from assistant.tracking.service import record_events
from benchmarks.common import database

CAMPAIGN_COUNT = 200
VISITORS = 200
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
MESSAGES = [
    "Only {{ price(free_shipping_gap) }} to free shipping: add {{ items[0].title }} ({{ price(items[0].price) }})",
    "{% if first_name %}{{ first_name }}, y{% else %}Y{% endif %}our cart of {{ price(cart_total) }} ships free "
    "from {{ price(cart_total + free_shipping_gap) }}.",
    "Pay in 3 instalments of {{ price(cart_total / 3) }} with no fees.",
    "You might also like: {% for item in items %}{{ item.title }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "Take 10% off today with code SAVE10",
]


def conditions(rng: random.Random) -> dict[str, Any]:
    """A random but realistic targeting tree."""
    low = rng.choice([0, 10, 20, 30, 40])
    leaves = [{"cart_value": {"min": low, "max": low + rng.choice([20, 40, 80])}},
              {"cart_items": {"min": rng.randint(1, 3)}},
              {"device": rng.choice(["mobile", "desktop", ["mobile", "tablet"]])},
              {"visitor": rng.choice(["new", "returning"])},
              {"visits": {"min": rng.randint(1, 4)}},
              {"quiz_answer": {"flow": "tents", "question": "people", "answer": rng.choice(["1", "2", "4"])}},
              {"pages_viewed": {"contains": rng.choice(["/tents/*", "/p/*", "/sale*"])}},
              {"traffic_source": {"utm_source": rng.choice(["newsletter", "google", "instagram"])}},
              {"cart_contains": {"category": rng.choice(["Tents", "Shoes", "Jackets"])}}]
    picked = rng.sample(leaves, rng.randint(1, 3))
    if rng.random() < 0.3:
        picked[0] = {"not": picked[0]}
    return {rng.choice(["all", "any"]): picked}


def build(engine: Engine, rng: random.Random) -> None:
    """Products, settings, 200 live campaigns and some tracked visitors with impressions."""
    with Session(engine, expire_on_commit=False) as session:
        site = get_site_by_key(session=session, key="pk_bench")
        rows = [Row(i, {"sku": f"sku-{i}", "title": f"Product {i}", "price": f"{rng.uniform(3, 200):.2f}",
                        "categories": rng.choice(["Tents", "Shoes", "Jackets", "Accessories"]),
                        "people": rng.choice(["1", "2", "4"])}) for i in range(300)]
        import_products(session=session, site=site, rows=rows, mapping=ColumnMapping(currency="EUR"))
        save_settings(session=session, site=site, data={"free_shipping_threshold": 50})
        for i in range(CAMPAIGN_COUNT):
            variants: list[dict[str, Any]] = [{"key": "a", "message": rng.choice(MESSAGES)},
                                              {"key": "b", "message": rng.choice(MESSAGES)}]
            if rng.random() < 0.5:
                variants.append({"key": "control", "control": True})
            create_campaign(session=session, site=site, data={
                "name": f"Campaign {i}", "placement": rng.choice(["cart", "cart", "cart", "any"]), "status": "live",
                "priority": rng.randint(0, 100), "conditions": conditions(rng), "variants": variants,
                "caps": {"per_session": rng.choice([None, 1, 2]), "per_day": rng.choice([None, 3])},
                "schedule": {"timezone": rng.choice(["UTC", "Europe/Berlin", "America/New_York"])}})
        session.commit()
        now = utcnow()
        for v in range(VISITORS):
            events: list[dict[str, Any]] = [
                {"type": "page_view", "page": f"https://shop.example/tents/{v}?utm_source=newsletter"},
                {"type": "product_view", "sku": f"sku-{v}", "page": f"https://shop.example/p/sku-{v}"},
                {"type": "cart", "items": [{"sku": f"sku-{v}", "quantity": 1 + v % 3, "price": 9.5 + v % 40}]}]
            events += [{"type": "promo_impression", "ref": str(rng.randint(1, CAMPAIGN_COUNT)), "variant": "a",
                        "placement": "cart"} for _ in range(rng.randint(0, 6))]
            batch = {"visitor": f"bench-visitor-{v:04d}",
                     "events": [{"id": uuid.uuid4().hex, **e} for e in events]}
            record_events(session=session, site=site, batch=batch, user_agent=AGENT, now=now)
        session.commit()


def synthetic(rng: random.Random, i: int) -> VisitorSnapshot:
    """A visitor the database has never seen, with a random cart and context."""
    return VisitorSnapshot(
        anon_id=f"anon-{i:06d}", cart_value_minor=rng.randint(0, 12000), cart_items=rng.randint(0, 5),
        cart_categories=frozenset(rng.sample(["Tents", "Shoes", "Jackets"], rng.randint(0, 2))),
        is_new=rng.random() < 0.5, visits=rng.randint(1, 6), device=rng.choice(["mobile", "desktop", "tablet"]),
        quiz={"tents": {"people": rng.choice(["1", "2", "4"])}} if rng.random() < 0.4 else {},
        pages=("/cart", rng.choice(["/tents/a", "/p/x", "/"])), utm_source=rng.choice(["", "newsletter", "google"]),
        first_name=rng.choice([None, "Ada", "Lin"]))


def timed(call: Callable[[], object], count: int) -> list[float]:
    """Milliseconds of `count` calls (after 50 warm-up calls)."""
    for _ in range(50):
        call()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(times: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `times`."""
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1] if q < 100 else max(times)


def run_backend(backend: str, calls: int) -> None:
    """Build the data on one backend and print its lines."""
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        engine = make_engine(url)
        build(engine, rng)
        catalogs = CatalogIndexes(engine)  # the process's catalog indexes, as a server holds them
        with Session(engine) as session:
            site = get_site_by_key(session=session, key="pk_bench")
            session.expunge(site)
        now = utcnow() + timedelta(seconds=1)
        with Session(engine) as session:
            known = [snapshot_for(session=session, site=site, anon_id=f"bench-visitor-{v:04d}",
                                  page="https://shop.example/cart", now=now) for v in range(VISITORS)]
        snapshots = [known[i % VISITORS] if i % 2 else synthetic(rng, i) for i in range(calls)]
        shown = []
        position = iter(range(10**9))

        def baseline() -> None:
            """One SELECT 1 round trip through a fresh session."""
            with Session(engine) as session:
                session.execute(text("SELECT 1")).scalar()

        def serve() -> None:
            """choose + render for the next prepared snapshot."""
            with Session(engine) as session:
                snapshot = snapshots[next(position) % calls]
                shown.append(choose(session=session, site=site, placement="cart", snapshot=snapshot, now=now,
                                    catalogs=catalogs))

        def full() -> None:
            """snapshot_for + choose for the next tracked visitor."""
            with Session(engine) as session:
                anon = f"bench-visitor-{next(position) % VISITORS:04d}"
                snapshot = snapshot_for(session=session, site=site, anon_id=anon, page="https://shop.example/cart",
                                        now=now)
                choose(session=session, site=site, placement="cart", snapshot=snapshot, now=now, catalogs=catalogs)

        def read() -> None:
            """snapshot_for for the next tracked visitor."""
            with Session(engine) as session:
                snapshot_for(session=session, site=site, anon_id=f"bench-visitor-{next(position) % VISITORS:04d}",
                             page="https://shop.example/cart", now=now)

        CAMPAIGNS.clear()
        base = timed(baseline, calls)
        results = {"choose + render": timed(serve, calls), "snapshot_for": timed(read, calls),
                   "snapshot + choose": timed(full, calls)}
        engine.dispose()
    shown = shown[-calls:]  # the timed calls, not the warm-up
    rendered = sum(1 for chosen in shown if chosen and not chosen[0].control)
    b50, b99 = percentile(base, 50), percentile(base, 99)
    print(f"\n{backend}: {CAMPAIGN_COUNT} live campaigns, {calls} calls; {rendered} calls rendered a message, "
          f"{sum(1 for c in shown if c and c[0].control)} a control exposure, {sum(1 for c in shown if not c)} nothing")
    print(f"{'':<20} {'p50 ms':>7} {'p99 ms':>7} {'p50 ratio':>9} {'p99 ratio':>9}")
    print(f"{'SELECT 1 (baseline)':<20} {b50:>7.3f} {b99:>7.3f} {1:>9.1f} {1:>9.1f}")
    for name, times in results.items():
        p50, p99 = percentile(times, 50), percentile(times, 99)
        print(f"{name:<20} {p50:>7.3f} {p99:>7.3f} {p50 / b50:>9.1f} {p99 / b99:>9.1f}")
    p99 = percentile(results["choose + render"], 99)
    print(f"choose + render p99 = {p99:.2f} ms ({'within' if p99 < 10 else 'OVER'} the 10 ms budget)")


def main() -> None:
    """Run the benchmark on the chosen backends."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run_backend(backend, args.calls)


if __name__ == "__main__":
    main()

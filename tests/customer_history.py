"""A shop's two years of orders with customers of known kinds, loaded through the history import, figured nightly.

Kinds: champions buy every few weeks up to this week; at-risk customers bought as often and as much for a
year, then stopped five to eight months ago; new customers bought once lately; lost ones once or twice long
ago; regulars in between. Their ids say their kind (`champ-007`, `risk-012`), so a test can pick one; each
has an e-mail (`<id>@mail.example`) in the export, stored in Customer.traits by the import.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from assistant.insight.nightly import InsightReport, churn_scorer, compute_site_figures
from assistant.sites.models import Site
from assistant.tracking.history import import_history
from assistant.tracking.history_mapping import HistoryMapping

MAPPING = {"order_id": "Order", "ordered_at": "Date", "customer_id": "Customer", "email": "Email", "sku": "SKU",
           "quantity": "Qty", "price": "Price", "currency": {"value": "EUR"}}
KINDS = {"champ": 40, "risk": 40, "new": 25, "lost": 60, "reg": 55}


def _orders(rng: random.Random, kind: str, now: datetime) -> list[datetime]:
    def days_ago(d: float) -> datetime:
        return now - timedelta(days=d, hours=rng.uniform(1, 20))

    if kind == "champ":
        gap, start = rng.uniform(12, 30), rng.uniform(300, 700)
        return [days_ago(d) for d in _rhythm(rng, start, rng.uniform(1, 8), gap)]
    if kind == "risk":
        gap, stop = rng.uniform(15, 35), rng.uniform(150, 240)
        return [days_ago(d) for d in _rhythm(rng, stop + rng.uniform(300, 450), stop, gap)]
    if kind == "new":
        return [days_ago(rng.uniform(1, 20))]
    if kind == "lost":
        first = rng.uniform(400, 720)
        return [days_ago(first)] + ([days_ago(first - rng.uniform(20, 60))] if rng.random() < 0.4 else [])
    gap, start = rng.uniform(45, 90), rng.uniform(250, 600)
    return [days_ago(d) for d in _rhythm(rng, start, rng.uniform(20, 80), gap)]


def _rhythm(rng: random.Random, start: float, end: float, gap: float) -> list[float]:
    days, d = [], start
    while d > end:
        days.append(d)
        d -= gap * rng.uniform(0.6, 1.4)
    return days + [end]


def write_orders(path: Path, *, now: datetime, seed: int = 7) -> int:
    """Write the shop's orders as a CSV export (one row per line); the number of orders."""
    rng = random.Random(seed)
    number = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Order", "Date", "Customer", "Email", "SKU", "Qty", "Price"])
        for kind, count in KINDS.items():
            for i in range(1, count + 1):
                customer = f"{kind}-{i:03d}"
                spend = {"champ": 90, "risk": 120, "lost": 40}.get(kind, 60)
                for when in sorted(_orders(rng, kind, now)):
                    number += 1
                    price = round(spend * rng.uniform(0.6, 1.5), 2)
                    writer.writerow([f"H{number:05d}", when.strftime("%Y-%m-%d %H:%M:%S"), customer,
                                     f"{customer}@mail.example", "rs-001", 1, f"{price:.2f}"])
    return number


def load_customer_history(*, session: Session, site: Site, folder: Path, now: datetime) -> InsightReport:
    """Import the shop's orders through the history import and compute its figures with the nightly code."""
    path = folder / "orders.csv"
    write_orders(path, now=now)
    import_history(session=session, site=site, path=path, mapping=HistoryMapping.from_dict(MAPPING), now=now)
    report = compute_site_figures(session=session, site=site, now=now, churn_scores=churn_scorer())
    session.commit()
    return report

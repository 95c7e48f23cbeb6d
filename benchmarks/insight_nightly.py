"""Nightly customer figures benchmark: `compute_site_figures` on a synthetic shop, against reading its rows alone.

    python -m benchmarks.insight_nightly [--customers 100000] [--events 1000000] [--keep DIR]

Writes a synthetic shop (benchmarks/insight_shop.py: BG/NBD orders, views, add-to-carts, quiz answers,
visits, carts) into a temporary SQLite database, then, each in a fresh process so that peak memory is
its own: reads every event and order row with a bare cursor (the baseline), and runs the nightly job for
the site, churn model included, and commits. Prints seconds, peak RSS (getrusage) and the ratio of the
job's time to the baseline's. Target: under 60 s and 2 GB at 100,000 customers and 1,000,000 events.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from assistant import migrate
from assistant.db import make_engine
from assistant.sites.service import create_site, get_site_by_key

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
KEY = "pk_bench"


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write(url: str, customers: int, events: int) -> dict[str, Any]:
    """Create the database and the synthetic shop."""
    from benchmarks.insight_shop import ShopSize, write_shop

    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        site = create_site(session=session, name="Bench", origins=[], key=KEY)
        session.commit()
        counts = write_shop(session=session, site=site, now=NOW,
                            size=ShopSize(customers=customers, events=events, lurkers=customers))
        session.commit()
    engine.dispose()
    return {**counts, "seconds": time.perf_counter() - started}


def read(url: str) -> dict[str, Any]:
    """The baseline: every event and order row of the site, fetched with a bare cursor."""
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        events = cursor.execute("SELECT visitor_id, type, sku, occurred_at FROM event").fetchall()
        orders = cursor.execute("SELECT order_id, visitor_id, customer_id, value_minor, ordered_at "
                                "FROM shop_order").fetchall()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "rows": len(events) + len(orders), "peak_rss_mb": peak_rss_mb()}


def nightly(url: str) -> dict[str, Any]:
    """The nightly job for the site, churn model included, committed."""
    from assistant.insight.nightly import churn_scorer, compute_site_figures

    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        site = get_site_by_key(session=session, key=KEY)
        report = compute_site_figures(session=session, site=site, now=NOW, churn_scores=churn_scorer())
        session.commit()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "customers": report.customers,
            "orders": report.orders, "stages": report.stages, "line": report.line(),
            "churn": report.churn_evaluation}


def step(name: str, url: str, *extra: str) -> dict[str, Any]:
    """Run one step in a fresh process; its JSON answer."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.insight_nightly", "--step", name, "--url", url, *extra],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Write the shop, run the baseline and the job, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="Write the database here and keep it.")
    parser.add_argument("--step", choices=["write", "read", "nightly"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        answer = {"write": lambda: write(args.url, args.customers, args.events), "read": lambda: read(args.url),
                  "nightly": lambda: nightly(args.url)}[args.step]()
        print(json.dumps(answer))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        url = f"sqlite:///{folder / 'insight.db'}"
        written = step("write", url, "--customers", str(args.customers), "--events", str(args.events))
        print(f"wrote {written['visitors']:,} visitors, {written['orders']:,} orders and {written['events']:,} events"
              f" in {written['seconds']:.1f} s")
        bare = step("read", url)
        job = step("nightly", url)
    print(job["line"])
    print(job["churn"])
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in job["stages"].items())
    print(f"{'':28} {'seconds':>8} {'peak RSS':>10}")
    print(f"{'read the rows alone':28} {bare['seconds']:8.2f} {bare['peak_rss_mb']:8.0f} MB   ({bare['rows']:,} rows)")
    print(f"{'nightly job':28} {job['seconds']:8.2f} {job['peak_rss_mb']:8.0f} MB   ({stages})")
    print(f"ratio to reading alone: {job['seconds'] / bare['seconds']:.1f}x time, "
          f"{job['peak_rss_mb'] / bare['peak_rss_mb']:.1f}x memory")


if __name__ == "__main__":
    main()

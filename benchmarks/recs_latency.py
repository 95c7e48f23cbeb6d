"""Recommendation latency at scale: 100,000 products and 1,000,000 events, cart placement through gunicorn.

    python -m benchmarks.recs_latency [--products 100000] [--events 1000000] [--seconds 10] [--data DIR]

Generates the catalog and a million events (sessions with category affinity, carts and orders)
into a temporary SQLite database, trains with `assistant train` in a child process (wall time and
peak memory), then loads `/api/v1/recommendations?placement=cart` with wrk beside a bare Flask
endpoint under the same gunicorn settings in the same run. With `--data DIR` the generated
database is kept in DIR and reused by later runs with the same DIR (training always runs again).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text

from assistant.db import make_engine
from benchmarks.common import ROOT, database, gunicorn, wrk

CATEGORIES = 100
WORDS = [f"{a}{b}" for a in ("trail", "road", "pack", "rain", "wool", "light", "warm", "dry", "fast", "soft")
         for b in ("er", "ix", "on", "a", "o", "us", "en", "ly", "ra", "go")]


def generate(url: str, products: int, events: int, seed: int = 5) -> None:
    """Write `products` products and about `events` events of believable sessions into the database."""
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    site_id = 1
    now = datetime.now(UTC)
    category = rng.integers(0, CATEGORIES, products)
    price = np.round(rng.lognormal(3.5, 0.7, products), 2)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO product (site_id, sku, title, description, url, image, currency, price_minor, categories, "
            "attributes, in_stock, popularity, updated_at, stock) VALUES (:site, :sku, :title, '', '', '', 'EUR', "
            ":price, :cats, '{}', :stock, 0, :now, NULL)"),
            [{"site": site_id, "sku": f"p{i:06d}", "title": " ".join(rng.choice(WORDS, 4)) + f" {i}",
              "price": int(price[i] * 100), "cats": json.dumps([f"c{category[i]}"]), "stock": bool(rng.random() > 0.05),
              "now": now} for i in range(products)])
        visitors = max(events // 20, 1)
        connection.execute(text("INSERT INTO visitor (site_id, anon_id, first_seen, last_seen, sessions) "
                                "VALUES (:site, :anon, :now, :now, 1)"),
                           [{"site": site_id, "anon": f"bench-{v:05d}", "now": now} for v in range(visitors)])
    by_category = [np.flatnonzero(category == c) for c in range(CATEGORIES)]
    written, visit, batch = 0, 0, []
    with engine.begin() as connection:
        while written < events:
            visit += 1
            members = by_category[int(rng.integers(0, CATEGORIES))]
            viewed = members[np.minimum(rng.zipf(1.6, int(rng.integers(3, 12))) - 1, len(members) - 1)]
            when = now - timedelta(days=float(rng.uniform(0, 60)))
            visitor = int(rng.integers(1, visitors + 1))
            for k, item in enumerate(viewed):
                batch.append(_event(site_id, f"v{visit}-{k}", visitor, visit, "product_view", f"p{item:06d}", None,
                                    {}, when + timedelta(seconds=30 * k)))
            if rng.random() < 0.3:
                basket = sorted({f"p{i:06d}" for i in viewed[-3:]})
                lines = [{"sku": s, "quantity": 1} for s in basket]
                batch.append(_event(site_id, f"o{visit}", visitor, visit, "purchase", None, f"order-{visit}",
                                    {"order_id": f"order-{visit}", "items": lines, "value": 1.0}, when))
            written = written + len(viewed) + 1
            if len(batch) >= 20_000:
                _flush(connection, batch)
    with engine.begin() as connection:
        _flush(connection, batch)
    engine.dispose()


def _event(site: int, client: str, visitor: int, visit: int, kind: str, sku: str | None, ref: str | None,
           data: dict, when: datetime) -> dict:
    return {"site": site, "client": client, "visitor": visitor, "visit": visit, "type": kind, "sku": sku,
            "ref": ref, "data": json.dumps(data), "when": when}


def _flush(connection, batch: list[dict]) -> None:  # type: ignore[no-untyped-def]
    if batch:
        connection.execute(text(
            "INSERT INTO event (site_id, client_id, visitor_id, session_id, type, sku, ref, page, data, "
            "occurred_at, received_at) VALUES (:site, :client, :visitor, :visit, :type, :sku, :ref, '', :data, "
            ":when, :when)"), batch)
        batch.clear()


def train(url: str, models: Path) -> tuple[float, float]:
    """Run `assistant train` in a child process; (seconds, peak resident MB of the child)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant", "train", "--days", "90"], check=True, cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": url, "ASSISTANT_MODELS": str(models)})
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.perf_counter() - started, peak_kb / 1024


@contextlib.contextmanager
def bench_data(keep: Path | None, products: int, events: int) -> Iterator[tuple[str, Path]]:
    """The benchmark database URL and a folder for models: generated in a temporary folder, or kept in `keep`."""
    with contextlib.ExitStack() as stack:
        folder = keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        folder.mkdir(parents=True, exist_ok=True)
        done = folder / f"generated-{products}-{events}"
        if done.exists():
            print(f"reusing the data in {folder}")
            yield f"sqlite:///{folder / 'bench.db'}", folder
            return
        for stale in [*folder.glob("bench.db*"), *folder.glob("generated-*")]:  # interrupted, or another size
            stale.unlink()
        url = stack.enter_context(database("sqlite", folder))
        started = time.perf_counter()
        generate(url, products, events)
        done.touch()
        print(f"generated {products:,} products and {events:,} events in {time.perf_counter() - started:.0f} s")
        yield url, folder


def main() -> None:
    """Generate, train, then measure the cart placement beside the bare endpoint."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, help="keep the generated database here and reuse it next time")
    args = parser.parse_args()
    with bench_data(args.data, args.products, args.events) as (url, folder):
        seconds, peak_mb = train(url, folder / "models")
        print(f"training: {seconds:.1f} s wall, peak memory {peak_mb:,.0f} MB (limits: 120 s, 2,048 MB)")
        env = {"DATABASE_URL": url, "ASSISTANT_MODELS": str(folder / "models"), "ASSISTANT_ENV": "production",
               "SECRET_KEY": "benchmark-only", "ASSISTANT_RELOAD_FLOWS": "off"}
        with gunicorn("benchmarks.bare_app:app", workers=args.workers, env={}, probe="/bare") as (base, _):
            bare = wrk(f"{base}/bare", seconds=args.seconds, connections=16, script="bare.lua")
        with gunicorn("assistant.app:create_app()", workers=args.workers, env=env,
                      probe="/api/v1/recommendations?site=pk_bench&placement=home") as (base, _):
            wrk(f"{base}/api/v1/recommendations", seconds=2, connections=4, script="recs.lua")  # warm up
            ours = wrk(f"{base}/api/v1/recommendations", seconds=args.seconds, connections=16, script="recs.lua")
    print(f"\ngunicorn {args.workers} sync workers, wrk 2 threads x 16 connections, {args.seconds} s\n")
    print(f"{'':<26} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    print(f"{'bare Flask':<26} {bare.rps:>8,.0f} {bare.p50_ms:>7.1f} {bare.p99_ms:>7.1f} {bare.errors:>6}")
    print(f"{'cart recommendations':<26} {ours.rps:>8,.0f} {ours.p50_ms:>7.1f} {ours.p99_ms:>7.1f} {ours.errors:>6}")
    print(f"ratio: {ours.rps / bare.rps:.2f} of the bare requests/s (target >= 0.5), "
          f"p99 {ours.p99_ms / bare.p99_ms:.2f} x the bare p99 (target <= 2)")


if __name__ == "__main__":
    main()

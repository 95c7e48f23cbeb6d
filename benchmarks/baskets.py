"""Abandoned-basket detection at scale, against a plain scan of the cart table in the same run.

    python -m benchmarks.baskets [--carts 100000] [--events 1000000] [--repeat 3]
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres python -m benchmarks.baskets

Writes a synthetic shop (150 % of `--carts` visitors, a cart for `--carts` of them changed at random times
over the last 30 days, 60 % of the carted visitors identified, 80 % of those with marketing consent, 2 %
opted out, `--events` events of which 1 % purchases) into a SQLite file, then into PostgreSQL when it is
reachable, and times, best of `--repeat`:

- the baseline: `SELECT` of every cart idle long enough (updated before now - idle_minutes), fetched; beside it,
  for reference, the same scan limited to the sequence's span (the carts detection can still remind);
- detection's first run (opens every basket; rolled back after each timing, so each repeat does the same work);
- detection's next run (every basket already open: the steady state of a job every few minutes);
- `mark_recoveries` over the open baskets, each given a first reminder at its cart's change (the set-based
  pre-check against events and orders, then the buyers' counted purchases).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlmodel import Session

from assistant.baskets.detect import detect
from assistant.baskets.recovery import mark_recoveries
from assistant.baskets.settings import BasketSettings
from assistant.db import make_engine
from assistant.rawsql import RawSQL
from assistant.sites.service import get_site_by_key
from benchmarks.common import POSTGRES_URL, database

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
SETTINGS = BasketSettings(enabled=True, holdout_share=0.1)
BATCH = 20_000


def write_shop(session: Session, carts: int, events: int, seed: int = 0) -> dict[str, int]:
    """Visitors, customers, carts, opt-outs and events of the synthetic shop, written with executemany."""
    raw = RawSQL(session)
    site = get_site_by_key(session=session, key="pk_bench")
    rng = np.random.default_rng(seed)
    visitors = int(carts * 1.5)
    identified = rng.random(visitors) < 0.6
    rows = [(site.pk, f"anon-{i}", f"cust-{i}" if identified[i] else None, raw.time(NOW), raw.time(NOW))
            for i in range(visitors)]
    _many(raw, "INSERT INTO visitor (site_id, anon_id, customer_id, sessions, first_seen, last_seen)"
               " VALUES (?, ?, ?, 1, ?, ?)", rows)
    first = raw.run("SELECT min(id) FROM visitor WHERE site_id = ?", (site.pk,)).fetchone()[0]
    cast = "?::json" if raw.postgres else "?"
    consent = rng.random(visitors) < 0.8
    customers = [(site.pk, f"cust-{i}", raw.json_param({"email": f"c{i}@example.com",
                                                        "email_consent": bool(consent[i])}),
                  raw.time(NOW), raw.time(NOW)) for i in range(visitors) if identified[i]]
    _many(raw, "INSERT INTO customer (site_id, customer_id, traits, first_seen, last_seen)"
               f" VALUES (?, ?, {cast}, ?, ?)", customers)
    out = {i for i in range(visitors) if identified[i] and rng.random() < 0.02}
    opted = [(site.pk, f"cust-{i}", raw.time(NOW)) for i in sorted(out)]
    _many(raw, "INSERT INTO email_opt_out (site_id, customer_id, created_at) VALUES (?, ?, ?)", opted)
    ages = rng.random(carts) * 30 * 24 * 60
    items = raw.json_param([{"sku": "sku-1", "quantity": 1, "price": 20.0},
                            {"sku": "sku-2", "quantity": 2, "price": 5.5}])
    cart_rows = [(site.pk, first + i, items, 3100, "EUR", raw.time(NOW - timedelta(minutes=float(ages[i]))))
                 for i in range(carts)]
    _many(raw, f"INSERT INTO cart (site_id, visitor_id, items, value_minor, currency, updated_at)"
               f" VALUES (?, ?, {cast}, ?, ?, ?)", cart_rows)
    _events(raw, site.pk, rng, first, visitors, events)
    span = (SETTINGS.idle_minutes, SETTINGS.steps[-1].after_minutes)
    expected = sum(1 for i in range(carts) if identified[i] and consent[i] and i not in out
                   and span[0] <= ages[i] <= span[1])
    return {"visitors": visitors, "customers": len(customers), "opted_out": len(opted), "carts": carts,
            "events": events, "expected": expected}


def _events(raw: RawSQL, site_id: int, rng: np.random.Generator, first: int, visitors: int, events: int) -> None:
    kinds = rng.choice(["page_view", "product_view", "add_to_cart", "purchase"], size=events, p=[0.4, 0.49, 0.1, 0.01])
    who = rng.integers(0, visitors, size=events) + first
    ages = rng.random(events) * 30 * 24 * 60
    empty = raw.json_param({})
    for start in range(0, events, BATCH):
        rows = [(site_id, f"e{i}", int(who[i]), str(kinds[i]), None if kinds[i] == "page_view" else f"sku-{i % 500}",
                 f"o{i}" if kinds[i] == "purchase" else None, 2000 if kinds[i] == "purchase" else None, "/", empty,
                 raw.time(NOW - timedelta(minutes=float(ages[i]))), raw.time(NOW))
                for i in range(start, min(events, start + BATCH))]
        cast = "?::json" if raw.postgres else "?"
        raw.cursor.executemany(raw.sql("INSERT INTO event (site_id, client_id, visitor_id, type, sku, ref, value_minor,"
                                       f" page, data, occurred_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {cast},"
                                       " ?, ?)"), rows)


def _many(raw: RawSQL, statement: str, rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), BATCH):
        raw.cursor.executemany(raw.sql(statement), rows[start:start + BATCH])


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of `repeat` runs of `work`, and its last answer."""
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - started)
    return min(times), answer


def measure(url: str, carts: int, events: int, repeat: int) -> dict[str, Any]:
    """Write the shop into `url` and time the scan and the detection steps."""
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        counts = write_shop(session, carts, events)
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
    written = time.perf_counter() - started
    with Session(engine, expire_on_commit=False) as session:
        site = get_site_by_key(session=session, key="pk_bench")
        raw = RawSQL(session)
        idle = raw.time(NOW - timedelta(minutes=SETTINGS.idle_minutes))

        def scan() -> int:
            found = raw.run("SELECT visitor_id, items, value_minor, currency, updated_at, purchased_at FROM cart"
                            " WHERE site_id = ? AND updated_at <= ?", (site.pk, idle)).fetchall()
            session.rollback()
            return len(found)

        def first_run() -> Any:
            summary = detect(session=session, site=site, settings=SETTINGS, now=NOW)
            session.rollback()
            return summary

        def window() -> int:
            span = raw.time(NOW - timedelta(minutes=SETTINGS.steps[-1].after_minutes))
            found = raw.run("SELECT visitor_id, items, value_minor, currency, updated_at, purchased_at FROM cart"
                            " WHERE site_id = ? AND updated_at <= ? AND updated_at >= ?",
                            (site.pk, idle, span)).fetchall()
            session.rollback()
            return len(found)

        scanned_s, scanned = best(repeat, scan)
        if first_run().opened != counts["expected"]:  # the data's own count of reachable idle carts
            raise SystemExit(f"detection opened {first_run().opened} baskets, the data has {counts['expected']}")
        window_s, windowed = best(repeat, window)
        first_s, opened = best(repeat, first_run)
        detect(session=session, site=site, settings=SETTINGS, now=NOW)
        session.commit()
        later = NOW + timedelta(minutes=5)
        # as if every basket had its first reminder when its cart changed: purchases since then recover them
        session.execute(text("UPDATE basket SET step = 1, first_reminder_at = cart_updated_at"))
        session.commit()
        steady_s, steady = best(repeat, lambda: _committed(session, detect(session=session, site=site,
                                                                            settings=SETTINGS, now=later)))
        # once: a second run finds the recovered baskets done and does less
        recovery_s, recovered = best(1, lambda: _committed(session, mark_recoveries(
            session=session, site=site, settings=SETTINGS, now=later)))
    engine.dispose()
    return {"counts": counts, "written": written, "scan": scanned_s, "scanned": scanned, "window": window_s,
            "windowed": windowed, "first": first_s,
            "opened": opened, "steady": steady_s, "steady_summary": steady, "recovery": recovery_s,
            "recovered": recovered}


def _committed(session: Session, answer: Any) -> Any:
    session.commit()
    return answer


def report(backend: str, found: dict[str, Any]) -> None:
    """Print one backend's figures and ratios to the plain scan."""
    counts, scan = found["counts"], found["scan"]
    print(f"\n{backend}: {counts['carts']:,} carts, {counts['visitors']:,} visitors, {counts['customers']:,} customers,"
          f" {counts['opted_out']:,} opted out, {counts['events']:,} events (written in {found['written']:.0f} s)")
    print(f"  {'plain scan of idle carts':34} {scan * 1000:8.1f} ms  ({found['scanned']:,} carts)   1.00x")
    print(f"  {'(scan of the sequence window)':34} {found['window'] * 1000:8.1f} ms  ({found['windowed']:,} carts)"
          f"   {found['window'] / scan:.2f}x")
    for label, key, note in (("detection, first run", "first", found["opened"].line()),
                             ("detection, next run", "steady", found["steady_summary"].line()),
                             ("recovery pre-check and counting", "recovery", f"{found['recovered']} recovered")):
        print(f"  {label:34} {found[key] * 1000:8.1f} ms  ({note})   {found[key] / scan:.2f}x")


def main() -> None:
    """Run the benchmark on SQLite, then on PostgreSQL when reachable."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--carts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgresql" and not _reachable():
            print(f"\npostgresql: not reachable at {POSTGRES_URL.split('@')[-1]}, skipped")
            continue
        with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
            report(backend, measure(url, args.carts, args.events, args.repeat))


def _reachable() -> bool:
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        return True
    except Exception:  # noqa: BLE001 (any failure: no server here)
        return False
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()

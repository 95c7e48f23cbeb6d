"""The earnings dashboard over 1,000,000 events, on SQLite and PostgreSQL, beside a bare Flask endpoint.

    .venv/bin/python -m benchmarks.dashboard [--events 1000000] [--backends sqlite,postgresql] [--seconds 10]

Per backend: writes 90 days of shoppers (a 10 % control group; strips, quizzes with their quiz_session rows,
promotions, adds to cart, purchases) straight into the tracking tables, times the nightly job over all 91
days and over the usual last 3, then serves the app and the bare endpoint with gunicorn (2 sync workers)
and loads /admin/earnings (the default 90 days, logged in) and /bare with wrk, one after the other in the
same run. The page keeps its figures per process until the nightly job writes new ones, so it is loaded twice:
the default range (kept figures: what a shop owner's views cost) and a new range on every request (each sums
the aggregates again). Prints requests/s, p50 and p99, the ratio of the p99s and the load average (the machine
may be shared: the bare endpoint in the same run is the yardstick).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from assistant.analytics.aggregates import compute_earnings
from assistant.analytics.earnings import earnings_overview
from assistant.db import make_engine, session_scope
from assistant.flows.models import QuizSession
from assistant.sites.service import get_site_by_key
from assistant.timeutil import utcnow
from assistant.tracking.models import Event, Visitor
from assistant.users.service import create_user
from benchmarks.common import database, gunicorn, wrk

DAYS = 90
EMAIL, PASSWORD = "bench@example.com", "benchmark password 1"
PLACEMENTS = (("home", "popular"), ("home", "session"), ("product", "together"), ("product", "similar"))
FLOWS = {"running-shoes": ("terrain", "distance", "feet", "fit"), "backpacks": ("use", "fit", "budget")}
BATCH = 20_000


def generate(url: str, events: int, now: datetime, seed: int = 5) -> int:
    """About `events` events of 90 days; the number written."""
    rng = random.Random(seed)
    engine = make_engine(url)
    written = 0
    with session_scope(engine) as session:
        site = get_site_by_key(session=session, key="pk_bench")
        site.control_share = 0.10
        visitors = max(1, events // 9)
        session.execute(insert(Visitor), [
            {"site_id": site.pk, "anon_id": f"bench-{n:07d}", "sessions": 1, "first_seen": now, "last_seen": now,
             "in_control": rng.random() < 0.10} for n in range(visitors)])
        ids = session.execute(text("SELECT id, in_control FROM visitor WHERE site_id = :s"), {"s": site.pk}).all()
        rows: list[dict[str, Any]] = []
        quizzes: list[dict[str, Any]] = []
        visit = 0
        while written + len(rows) < events:
            visit += 1
            visitor, control = rng.choice(ids)
            rows.extend(_visit(rng, site.pk, int(visitor), bool(control), visit, now, quizzes))
            if len(rows) >= BATCH:
                session.execute(insert(Event), rows)
                written += len(rows)
                rows = []
        if rows:
            session.execute(insert(Event), rows)
            written += len(rows)
        for start in range(0, len(quizzes), BATCH):
            session.execute(insert(QuizSession), quizzes[start:start + BATCH])
        create_user(session=session, email=EMAIL, password=PASSWORD, role="marketer", all_sites=True)
    engine.dispose()
    return written


def _visit(rng: random.Random, site: int, visitor: int, control: bool, visit: int, now: datetime,
           quizzes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    when = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
    rows: list[dict[str, Any]] = []

    def event(kind: str, **fields: Any) -> None:
        at = when + timedelta(seconds=30 * len(rows))
        rows.append({"site_id": site, "client_id": f"b{visit}-{len(rows)}", "visitor_id": visitor, "session_id": visit,
                     "type": kind, "page": "/", "occurred_at": at, "received_at": at, "data": {}, **fields})

    event("page_view")
    skus = [f"p{rng.randrange(5000):05d}" for _ in range(rng.randint(1, 5))]
    for sku in skus:
        event("product_view", sku=sku)
    if not control:
        placement, strategy = rng.choice(PLACEMENTS)
        shown = [f"p{rng.randrange(5000):05d}" for _ in range(6)]
        event("rec_impression", ref=f"r{visit}", data={"placement": placement, "variant": strategy, "skus": shown})
        if rng.random() < 0.1:
            skus.append(shown[0])
            event("rec_click", ref=f"r{visit}", sku=shown[0], data={"placement": placement, "variant": strategy})
        if rng.random() < 0.06:
            _quiz(rng, event, site, visit, when, quizzes, skus)
    if rng.random() < 0.12:
        event("add_to_cart", sku=skus[-1])
        if not control and rng.random() < 0.7:
            promo = {"ref": "1", "data": {"placement": "cart", "variant": rng.choice("ab")}}
            event("promo_impression", **promo)
            if rng.random() < 0.15:
                event("promo_click", **promo)
        if rng.random() < (0.40 if control else 0.44):
            price = rng.randint(2000, 20000)
            event("purchase", ref=f"o{visit}", value_minor=price, currency="EUR",
                  data={"items": [{"sku": skus[-1], "quantity": 1, "price": price / 100}]})
    return rows


def _quiz(rng: random.Random, event: Any, site: int, visit: int, when: datetime, quizzes: list[dict[str, Any]],
          skus: list[str]) -> None:
    flow = rng.choice(list(FLOWS))
    quiz = f"q{visit:012d}"
    event("quiz_start", ref=quiz, data={"flow": flow})
    answers = []
    for question in FLOWS[flow]:
        if rng.random() < 0.08:
            break
        answers.append([question, rng.choice("abc")])
        event("quiz_answer", ref=quiz, data={"flow": flow, "question": question, "value": answers[-1][1]})
    shown = [] if rng.random() < 0.05 else [f"p{rng.randrange(5000):05d}" for _ in range(6)]
    event("quiz_finish", ref=quiz, data={"flow": flow, "value": shown})
    quizzes.append({"id": quiz, "site_id": site, "flow_id": flow, "visitor_id": None, "page": "/", "answers": answers,
                    "finished": True, "created_at": when, "updated_at": when})
    if shown and rng.random() < 0.4:
        skus.append(shown[0])
        event("quiz_result_click", ref=quiz, sku=shown[0], data={"flow": flow})


def nightly(url: str, now: datetime) -> tuple[float, float, float]:
    """Seconds of the nightly job over 91 days and over 3, and of one dashboard read in process."""
    engine = make_engine(url)
    timings = []
    for days in (DAYS + 1, 3):
        with session_scope(engine) as session:
            site = get_site_by_key(session=session, key="pk_bench")
            started = time.perf_counter()
            compute_earnings(session=session, site=site, now=now, days=days)
            timings.append(time.perf_counter() - started)
    reads = []
    for _ in range(6):  # the first imports SciPy (about 0.8 s, once per process): the median of the next five
        with session_scope(engine) as session:
            site = get_site_by_key(session=session, key="pk_bench")
            started = time.perf_counter()
            earnings_overview(session=session, site=site, first=now.date() - timedelta(days=DAYS - 1),
                              last=now.date())
            reads.append(time.perf_counter() - started)
    engine.dispose()
    return timings[0], timings[1], statistics.median(reads[1:])


def session_cookie(base: str) -> str:
    """Log in as the benchmark's marketer; the session cookie as a Cookie header value."""
    with urllib.request.urlopen(base + "/admin/login") as response:  # noqa: S310 (loopback)
        page = response.read().decode()
        cookie = response.headers.get("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1) if token else ""})

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    request = urllib.request.Request(base + "/admin/login", data=form.encode(), headers={"Cookie": cookie})
    try:
        urllib.request.build_opener(Stay).open(request)
    except urllib.error.HTTPError as exc:  # the 302 to the dashboard carries the logged-in session
        return str(exc.headers.get("Set-Cookie", "")).split(";")[0]
    raise RuntimeError("the benchmark's login did not redirect")


def run(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Generate, compute and load one backend."""
    now = utcnow()
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        started = time.perf_counter()
        written = generate(url, args.events, now)
        generated = time.perf_counter() - started
        full, last3, read = nightly(url, now)
        env = {"DATABASE_URL": url, "SECRET_KEY": "benchmark-only-secret-key-0123456789", "ASSISTANT_ENV": "production",
               "ASSISTANT_RELOAD_FLOWS": "off", "ASSISTANT_MODELS": str(Path(tmp) / "models")}
        with gunicorn("benchmarks.bare_app:app", workers=args.workers, env={}, probe="/bare") as (base, _):
            bare = wrk(f"{base}/bare", seconds=args.seconds, connections=args.connections, script="bare.lua")
        with gunicorn("assistant.app:create_app()", workers=args.workers, env=env, probe="/admin/login") as (base, _):
            os.environ["BENCH_COOKIE"] = session_cookie(base)
            with urllib.request.urlopen(urllib.request.Request(  # noqa: S310 (loopback)
                    base + "/admin/earnings", headers={"Cookie": os.environ["BENCH_COOKIE"]})) as response:
                assert "What the assistant earns" in response.read().decode(), "not the dashboard"
            wrk(f"{base}/admin/earnings", seconds=2, connections=2, script="earnings.lua")  # warm up
            ours = wrk(f"{base}/admin/earnings", seconds=args.seconds, connections=args.connections,
                       script="earnings.lua")
            fresh = wrk(f"{base}/admin/earnings", seconds=args.seconds, connections=args.connections,
                        script="earnings_uncached.lua")
    return {"backend": backend, "events": written, "generated": generated, "full": full, "last3": last3,
            "read": read, "bare": bare, "ours": ours, "fresh": fresh, "load": os.getloadavg()}


def main() -> None:
    """Run each backend and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    results = [run(backend, args) for backend in args.backends.split(",")]
    print(f"\ngunicorn {args.workers} sync workers, wrk 2 threads x {args.connections} connections, {args.seconds} s\n")
    for r in results:
        bare, ours = r["bare"], r["ours"]
        print(f"{r['backend']}: {r['events']:,} events written in {r['generated']:.0f} s; nightly job "
              f"{r['full']:.1f} s for 91 days, {r['last3']:.2f} s for the last 3; one dashboard read "
              f"{1000 * r['read']:.0f} ms in process; load average {r['load'][0]:.2f}")
        print(f"  {'':<22} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
        print(f"  {'bare Flask':<22} {bare.rps:>8,.0f} {bare.p50_ms:>7.1f} {bare.p99_ms:>7.1f} {bare.errors:>6}")
        for name, found in (("/admin/earnings", ours), ("  every range new", r["fresh"])):
            print(f"  {name:<22} {found.rps:>8,.0f} {found.p50_ms:>7.1f} {found.p99_ms:>7.1f} {found.errors:>6}")
        worst = max(ours.p99_ms, r["fresh"].p99_ms)
        print(f"  p99 {ours.p99_ms:.0f} ms, {r['fresh'].p99_ms:.0f} ms with every range new (target < 500); "
              f"{ours.p99_ms / bare.p99_ms:.1f} x and {r['fresh'].p99_ms / bare.p99_ms:.1f} x the bare p99; "
              f"{'within' if worst < 500 else 'OVER'} the target")


if __name__ == "__main__":
    main()

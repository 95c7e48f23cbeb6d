"""Promotions benchmark, the whole request: GET /api/v1/promotions through gunicorn, beside a bare Flask endpoint.

    .venv/bin/python -m benchmarks.promotions_http [--backend sqlite|postgresql|both] [--seconds 10] 2>/dev/null

The data of benchmarks/promotions.py (200 live campaigns, 300 products, 200 tracked visitors with
impressions) on a fresh database per backend, served by gunicorn in production mode. wrk picks each
request at random from 4,000 prepared ones, as the widget sends them on cart and checkout pages: half
from tracked visitors, half from visitors the database has never seen, each with the page's cart
(1-4 lines) and total, a device and a page URL (some with utm_source). The bare endpoint runs under the
same wrk loads in the same run; the ratios are to it. Two loads by default: 4 connections (one request
per worker: the latency a shopper waits for) and 16 (requests queue for a worker, as in the other
benchmarks: throughput). Before them, 5,000 requests one at a time on one connection: the whole
request with no other in the server (on a shared machine, the only number here near what the code
costs). Before the load, a sample of the requests is checked: every one answers 200,
and some show a message. `CPU ms` is the workers' CPU time per request (PostgreSQL's own processes
not counted), which other load on a shared machine inflates much less than latency. Some of the
benchmark's messages log a warning (a template reads an item the visitor does not have, as in
benchmarks/promotions.py) on gunicorn's stderr: hence `2>/dev/null`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from assistant.db import make_engine
from benchmarks.common import WrkResult, database, gunicorn, wrk
from benchmarks.promotions import CAMPAIGN_COUNT, VISITORS, build

REQUESTS = 4000
BUDGET_MS = 10.0
PROBE = "/healthz"


def request_paths(rng: random.Random, count: int) -> list[str]:
    """`count` varied promotion requests, as promos.js builds them."""
    paths = []
    for i in range(count):
        visitor = f"bench-visitor-{rng.randrange(VISITORS):04d}" if i % 2 else f"bench-new-{i:06d}"
        lines = {f"sku-{rng.randrange(300)}": rng.randint(1, 3) for _ in range(rng.randint(1, 4))}
        source = rng.choice(["", "", "newsletter", "google"])
        page = rng.choice(["https://shop.example/cart", "https://shop.example/checkout"])
        query = {"site": "pk_bench", "placement": "cart" if "cart" in page else "checkout", "visitor": visitor,
                 "page": page + (f"?utm_source={source}" if source else ""),
                 "device": rng.choice(["desktop", "desktop", "mobile", "tablet"]),
                 "cart": ",".join(f"{sku}:{n}" for sku, n in lines.items()),
                 "cart_value": f"{sum(n * rng.uniform(3, 60) for n in lines.values()):.2f}"}
        paths.append("/api/v1/promotions?" + urllib.parse.urlencode(query))
    return paths


def check(base: str, paths: list[str]) -> int:
    """Call each path once: all must answer 200; how many showed a message."""
    shown = 0
    for path in paths:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 (loopback)
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            shown += bool(json.loads(response.read())["messages"])
    return shown


def one_at_a_time(base: str, paths: list[str], count: int) -> tuple[float, float]:
    """p50 and p99 ms of `count` requests sent one after another on one kept-alive connection (Python's client,
    about 0.1 ms of its own): the wait of a shopper whose request meets no other in the server."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    times = []
    for i in range(count):
        started = time.perf_counter()
        connection.request("GET", paths[i % len(paths)])
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{paths[i % len(paths)]} answered {response.status}")
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)]


def worker_cpu(master: int) -> float:
    """CPU seconds the gunicorn workers of `master` have used (Linux /proc): a measure the other load on the
    machine does not inflate the way it inflates latency."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_backend(backend: str, args: argparse.Namespace, bare: dict[int, WrkResult], folder: Path) -> None:
    """Build the data on one backend, load the endpoint at each concurrency and print its lines."""
    cpu: dict[int, float] = {}
    rng = random.Random(7)
    with database(backend, folder) as url:
        engine = make_engine(url)
        build(engine, rng)
        engine.dispose()
        paths = request_paths(rng, REQUESTS)
        file = folder / "requests.txt"
        file.write_text("\n".join(paths) + "\n")
        os.environ["BENCH_PROMO_REQUESTS"] = str(file)
        env = {"DATABASE_URL": url, "ASSISTANT_ENV": "production", "SECRET_KEY": "benchmark-only",
               "ASSISTANT_RELOAD_FLOWS": "off"}
        with gunicorn("assistant.app:create_app()", workers=args.workers, env=env, probe=PROBE) as (base, server):
            shown = check(base, paths[:200])
            wrk(base + "/", seconds=2, connections=args.workers, script="promotions.lua")  # every worker warm
            alone = one_at_a_time(base, paths, args.alone)
            loads = {}
            for connections in args.connections:
                before = worker_cpu(server.pid)
                loads[connections] = wrk(base + "/", seconds=args.seconds, connections=connections,
                                         threads=min(2, connections), script="promotions.lua")
                cpu[connections] = (worker_cpu(server.pid) - before) * 1000 / loads[connections].requests
    for connections, ours in loads.items():
        print(line(f"{backend} c={connections}", ours, bare[connections], cpu[connections]))
    print(f"{'':<15} ({shown} of the first 200 requests showed a message; one at a time, {args.alone:,} requests: "
          f"p50 {alone[0]:.2f} ms, p99 {alone[1]:.2f} ms, {'within' if alone[1] <= BUDGET_MS else 'OVER'} the budget)")


def line(name: str, ours: WrkResult, bare: WrkResult, cpu_ms: float | None = None) -> str:
    """One row of the table."""
    verdict = "within" if ours.p99_ms <= BUDGET_MS else "OVER"
    cpu = "-" if cpu_ms is None else f"{cpu_ms:.2f}"
    return (f"{name:<15} {ours.rps:>8,.0f} {ours.p50_ms:>7.2f} {ours.p99_ms:>7.2f} {ours.errors:>6}"
            f" {ours.rps / bare.rps:>9.2f} {ours.p99_ms / bare.p99_ms:>9.2f} {cpu:>7}   {verdict}")


def main() -> None:
    """Run the baseline, then each backend, and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=lambda v: [int(c) for c in v.split(",")], default=[4, 16],
                        help="wrk connections, one run each (default 4,16: one request per worker, then queued)")
    parser.add_argument("--alone", type=int, default=5000, help="requests sent one at a time (default 5000)")
    args = parser.parse_args()
    with gunicorn("benchmarks.bare_app:app", workers=args.workers, env={}, probe="/bare") as (base, _):
        alone = one_at_a_time(base, ["/bare"], args.alone)
        bare = {c: wrk(f"{base}/bare", seconds=args.seconds, connections=c, threads=min(2, c), script="bare.lua")
                for c in args.connections}
    print(f"gunicorn {args.workers} sync workers, wrk min(2, c) threads x c connections, {args.seconds} s per run, "
          f"{CAMPAIGN_COUNT} live campaigns, {REQUESTS} varied cart/checkout requests; load average "
          f"{os.getloadavg()[0]:.1f} at the start\n")
    print(f"{'':<15} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'req ratio':>9} {'p99 ratio':>9}"
          f" {'CPU ms':>7}   p99 vs {BUDGET_MS:g} ms")
    for connections, result in bare.items():
        print(line(f"bare c={connections}", result, result))
    print(f"{'':<15} (one at a time, {args.alone:,} requests: p50 {alone[0]:.2f} ms, p99 {alone[1]:.2f} ms)")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
            (Path(tmp) / backend).mkdir()
            run_backend(backend, args, bare, Path(tmp) / backend)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()

"""Recommendation latency at scale: 100,000 products and 1,000,000 events, cart placement through gunicorn.

    python -m benchmarks.recs_latency [--products 100000] [--events 1000000] [--seconds 10] [--data DIR]

Generates the catalog and a million events (sessions with category affinity, carts and orders)
into a temporary SQLite database, trains with `assistant train` in a child process (wall time and
peak memory), then loads `/api/v1/recommendations?placement=cart` with wrk beside a bare Flask
endpoint under the same gunicorn settings in the same run. The carts are drawn from recorded
behaviour: consecutive product views of held-out visits (generated like the trained ones, never
written to the database), one to three products each; the share of carts no strategy knows (the
"no signal" path) is printed. A second run of the same length publishes a newer bundle one second
in (a copy of the trained one, published as training does) and reports its p99 and max latency
against the run without a swap. With `--data DIR` the generated database is kept in DIR and reused
by later runs with the same DIR (training always runs again).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text

from assistant.db import make_engine
from benchmarks.common import HERE, ROOT, WrkResult, database, gunicorn, wrk

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
            viewed = _visit(rng, by_category)
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


def _visit(rng: np.random.Generator, by_category: list[np.ndarray]) -> np.ndarray:
    """The products one visit views in order: 3-11 of one category, popular ones (Zipf ranks) most often."""
    members = by_category[int(rng.integers(0, CATEGORIES))]
    return members[np.minimum(rng.zipf(1.6, int(rng.integers(3, 12))) - 1, len(members) - 1)]


def held_out_carts(products: int, count: int, seed: int = 5) -> list[list[str]]:
    """Carts of `count` visits drawn like the generated ones but never recorded: 1-3 consecutive views each."""
    category = np.random.default_rng(seed).integers(0, CATEGORIES, products)  # the catalog's, as in `generate`
    by_category = [np.flatnonzero(category == c) for c in range(CATEGORIES)]
    rng = np.random.default_rng(seed + 1000)
    carts = []
    for _ in range(count):
        viewed = _visit(rng, by_category)
        size = int(rng.integers(1, 4))
        start = int(rng.integers(0, len(viewed) - size + 1))
        carts.append(list(dict.fromkeys(f"p{i:06d}" for i in viewed[start:start + size])))
    return carts


def uniform_carts(products: int, count: int) -> list[list[str]]:
    """The carts the benchmark drew before 2026-12-08: two products uniformly from the whole catalog."""
    return [[f"p{(c * 7919) % products:06d}", f"p{(c * 104729 + 13) % products:06d}"] for c in range(1, count + 1)]


def known_share(models: Path, carts: list[list[str]]) -> float:
    """The share of `carts` with a product some strategy of the cart placement knows (the rest: "no signal")."""
    from assistant.recommend.service import PLACEMENTS
    from assistant.recommend.serving import ModelStore

    bundle = ModelStore(models).bundle("pk_bench")
    assert bundle is not None
    chain = [m for m in (bundle.get(name) for name in PLACEMENTS["cart"].chain) if m is not None]
    return sum(any(m.knows_any(set(cart)) for m in chain) for cart in carts) / len(carts)


def write_paths(carts: list[list[str]], path: Path) -> Path:
    """One request path per cart, for recs.lua."""
    path.write_text("".join(f"/api/v1/recommendations?site=pk_bench&placement=cart&n=8&visitor=bench-{i % 50000:05d}"
                            f"&cart={','.join(cart)}\n" for i, cart in enumerate(carts)))
    return path


def stage_copy(models: Path, site: str = "pk_bench") -> str:
    """Copy the current bundle as a newer version (a whole folder, renamed into place); CURRENT is not moved yet."""
    folder = models / site
    live = (folder / "CURRENT").read_text().strip()
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-benchmark-swap"
    partial = folder / f".{version}.partial"
    shutil.copytree(folder / live, partial)
    manifest = json.loads((partial / "manifest.json").read_text())
    (partial / "manifest.json").write_text(json.dumps({**manifest, "version": version}))
    partial.replace(folder / version)
    return version


def publish(models: Path, version: str, site: str = "pk_bench") -> None:
    """Point CURRENT at `version` with one rename, as `assistant train` does."""
    pointer = models / site / "CURRENT.benchmark.tmp"
    pointer.write_text(version)
    pointer.replace(models / site / "CURRENT")


@dataclass
class Run:
    """One wrk run of the recommendation endpoint, with its slowest request."""

    result: WrkResult
    max_ms: float
    cpu_ms: float = 0.0
    """CPU milliseconds the workers spent per request (less noisy than req/s on a shared machine)."""


def load(base: str, paths: Path, offset: int, seconds: int, connections: int = 16,
         during: Callable[[], None] | None = None) -> Run:
    """wrk on the recommendation endpoint with recs.lua over `paths` from line `offset`; `during` runs 1 s in."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(HERE / "recs.lua"),
               f"{base}/api/v1/recommendations"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "RECS_PATHS": str(paths), "RECS_OFFSET": str(offset)})
    if during is not None:
        time.sleep(1)
        during()
    output, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"wrk failed: {output}")
    data = json.loads(next(line for line in output.splitlines() if line.startswith("WRK_JSON ")).split(" ", 1)[1])
    return Run(WrkResult(data["requests"], data["duration_us"] / 1e6, data["errors"], data["p50_us"] / 1000,
                         data["p99_us"] / 1000), data["max_us"] / 1000)


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn workers of `master` (the master's children)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == master:  # fields after the name: state, ppid, ..., utime (12), stime (13)
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def served_versions(base: str, tries: int = 20) -> set[str]:
    """The bundle versions /readyz reports over `tries` requests (each answered by whichever worker is free)."""
    versions = set()
    for _ in range(tries):
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as answer:  # noqa: S310 (loopback)
            versions.update(v for v in json.loads(answer.read())["bundles"].values() if v)
    return versions


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
    """Generate, train, then measure the cart placement beside the bare endpoint, without and with a bundle swap."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20, help="each run (the swap lands within the first 11 s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, help="keep the generated database here and reuse it next time")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with bench_data(args.data, args.products, args.events) as (url, folder):
        seconds, peak_mb = train(url, folder / "models")
        print(f"training: {seconds:.1f} s wall, peak memory {peak_mb:,.0f} MB (limits: 120 s, 2,048 MB)")
        carts = held_out_carts(args.products, 200_000)  # each run its own 60,000: no cart asked for twice on purpose
        paths = write_paths(carts, folder / "recs-paths.txt")
        known, uniform = known_share(folder / "models", carts[:20_000]), known_share(
            folder / "models", uniform_carts(args.products, 20_000))
        repeated = 1 - len({tuple(c) for c in carts[60_000:90_000]}) / 30_000
        print(f"carts from held-out visits: {known:.0%} known to some strategy, {1 - known:.0%} 'no signal' "
              f"(two uniform products: {uniform:.0%} known); {sum(map(len, carts)) / len(carts):.2f} products a cart; "
              f"{repeated:.0%} of 30,000 carts in a row repeat an earlier one of them")
        env = {"DATABASE_URL": url, "ASSISTANT_MODELS": str(folder / "models"), "ASSISTANT_ENV": "production",
               "SECRET_KEY": "benchmark-only", "ASSISTANT_RELOAD_FLOWS": "off"}
        with gunicorn("benchmarks.bare_app:app", workers=args.workers, env={}, probe="/bare") as (base, server):
            cpu = workers_cpu(server.pid)
            bare = wrk(f"{base}/bare", seconds=args.seconds, connections=16, script="bare.lua")
            bare_cpu = (workers_cpu(server.pid) - cpu) / bare.requests * 1000
        newer = stage_copy(folder / "models")
        with gunicorn("assistant.app:create_app()", workers=args.workers, env=env,
                      probe="/api/v1/recommendations?site=pk_bench&placement=home") as (base, server):
            load(base, paths, 0, seconds=2, connections=4)  # warm up
            cpu = workers_cpu(server.pid)
            ours = load(base, paths, 60_000, seconds=args.seconds)
            ours.cpu_ms = (workers_cpu(server.pid) - cpu) / ours.result.requests * 1000
            before, cpu = served_versions(base), workers_cpu(server.pid)
            swap = load(base, paths, 120_000, seconds=args.seconds, during=lambda: publish(folder / "models", newer))
            swap.cpu_ms = (workers_cpu(server.pid) - cpu) / swap.result.requests * 1000
            after = served_versions(base)
    print(f"\ngunicorn {args.workers} sync workers, wrk 2 threads x 16 connections, {args.seconds} s each, "
          f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(f"{'':<34} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6} {'x bare':>6} {'p99 x':>6} "
          f"{'CPU ms':>6} {'bare/CPU':>8}")
    print(f"{'bare Flask':<34} {bare.rps:>8,.0f} {bare.p50_ms:>7.1f} {bare.p99_ms:>7.1f} {'':>7} {bare.errors:>6} "
          f"{'':>6} {'':>6} {bare_cpu:>6.3f}")
    for name, run in (("cart recommendations", ours), ("cart recommendations, bundle swap", swap)):
        r, cpu = run.result, run.cpu_ms
        print(f"{name:<34} {r.rps:>8,.0f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {run.max_ms:>7.1f} {r.errors:>6} "
              f"{r.rps / bare.rps:>6.2f} {r.p99_ms / bare.p99_ms:>6.2f} {cpu:>6.3f} {bare_cpu / cpu:>8.2f}")
    print(f"target: >= 0.7 of the bare requests/s, p99 <= 1.5 x the bare p99; bundles served before the swap "
          f"run {sorted(before)}, after it {sorted(after)} (swapped in: {after == {newer}})")


if __name__ == "__main__":
    main()

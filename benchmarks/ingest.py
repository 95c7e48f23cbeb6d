"""Ingest benchmark: batches of 20 events through gunicorn on loopback, against a bare Flask endpoint.

    python benchmarks/ingest.py [--backend sqlite|postgresql|both] [--seconds 10]

Prints events stored per second (counted in the database afterwards) and p50/p99 latency, beside
the same wrk load on a bare Flask endpoint measured in the same run, as ratios.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sqlalchemy import text

from assistant.db import make_engine
from benchmarks.common import WrkResult, database, gunicorn, wrk

BATCH = 20


def run_backend(backend: str, args: argparse.Namespace, bare: WrkResult) -> None:
    """Measure one database backend and print its line."""
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        # rate limits on, as in production, set high enough that wrk's single address never trips them
        env = {"DATABASE_URL": url, "ASSISTANT_EVENT_LIMIT_SITE": "10000000/minute",
               "ASSISTANT_EVENT_LIMIT_CLIENT": "10000000/minute", "ASSISTANT_ENV": "production",
               "SECRET_KEY": "benchmark-only", "ASSISTANT_RELOAD_FLOWS": "off"}
        with gunicorn("assistant.app:create_app()", workers=args.workers, env=env,
                      probe="/api/v1/flows?site=pk_bench") as (base, _):
            ours = wrk(f"{base}/api/v1/events?site=pk_bench", seconds=args.seconds, connections=args.connections)
        engine = make_engine(url)
        with engine.connect() as connection:
            stored = connection.execute(text("select count(*) from event")).scalar_one()
        engine.dispose()
    print(f"{backend:<11} {stored / ours.seconds:>10,.0f} {ours.rps:>8,.0f} {ours.p50_ms:>7.1f} {ours.p99_ms:>7.1f}"
          f" {ours.errors:>6} {ours.rps / bare.rps:>9.2f} {ours.p99_ms / bare.p99_ms:>9.2f}"
          f"   (acknowledged {(ours.requests - ours.errors) * BATCH:,} events, stored {stored:,})")


def main() -> None:
    """Run the baseline, then each backend, and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with gunicorn("benchmarks.bare_app:app", workers=args.workers, env={}, probe="/bare") as (base, _):
        bare = wrk(f"{base}/bare", seconds=args.seconds, connections=args.connections)
    print(f"gunicorn {args.workers} sync workers, wrk 2 threads x {args.connections} connections, "
          f"{args.seconds} s per run, batches of {BATCH} events\n")
    print(f"{'':<11} {'events/s':>10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'req ratio':>9} {'p99 ratio':>9}")
    print(f"{'bare Flask':<11} {'-':>10} {bare.rps:>8,.0f} {bare.p50_ms:>7.1f} {bare.p99_ms:>7.1f} {bare.errors:>6}"
          f" {1:>9.2f} {1:>9.2f}")
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        run_backend(backend, args, bare)


if __name__ == "__main__":
    main()

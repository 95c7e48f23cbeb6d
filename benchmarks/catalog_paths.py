"""The home strip's quiz cold start and the free-shipping gap picker: before and after the catalog index.

    .venv/bin/python -m benchmarks.catalog_paths [--size 100000] [--backend sqlite|postgresql|both]
                                                 [--calls 200] [--old-calls 5]

Generates the catalog of `benchmarks/quiz_catalog.py` (its six-question flow's attributes, 8 % out of
stock) into a temporary database (a few seconds; never the quiz benchmark's kept ones), then
times, in this process, one call of each path the former way and the new way, over the same
varied inputs:

- quiz strip: `QuizMatch.recommend` for a new visitor's complete random answers (n=16, what an
  8-item home strip asks the chain for; two SKUs excluded), the former product-list engine over a
  transient Product per snapshot item in the flow's scope (that pool built once, as it was kept per
  bundle) against `flows.ranking` over the catalog index (its snapshot mask built once);
- gap picker: `gap_candidates` for a random free-shipping gap, the former query (`price between gap
  and 2*gap order by price, sku limit 30` over the product table, in a fresh session as a request
  had) against the price-sorted in-stock positions of the index (sorted once per index and stock).

Prints the median and 90th percentile per call, the one-time preparation of each, and the ratio
old / new of the medians. Both ways are first checked to agree on the gap candidates; the quiz
paths differ by design where sold-out products rank (the former pool ranked them, the strip dropped
them after).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from assistant.catalog.index import CatalogIndex, build_index
from assistant.catalog.models import Product
from assistant.catalog.money import to_minor
from assistant.db import make_engine
from assistant.flows import engine
from assistant.flows.answers import Answers
from assistant.flows.engine import Candidate, in_scope
from assistant.flows.schema import Flow
from assistant.promotions.gap import BAND, POOL, available, by_price, gap_candidates
from assistant.recommend.base import Context, Reason, Scored
from assistant.recommend.catalog_view import CatalogItem, load_snapshot, snapshot_rows, write_snapshot
from assistant.recommend.quiz_match import QuizMatch, snapshot_mask
from assistant.recommend.serving import Bundle
from assistant.sites.models import Site
from assistant.sites.service import get_site_by_key
from benchmarks.quiz_catalog import FLOW_ID, FLOW_YAML, SITE, catalog
from benchmarks.quiz_sessions import load_flow, random_answers

STRIP_FETCH = 16
EXCLUDED = 2


def former_quiz(flow: Flow, answers: Answers, pool: list[Candidate], n: int, exclude: set[str]) -> list[Scored]:
    """The former QuizMatch.recommend over its pool (ranked for n + len(exclude), the excluded dropped after)."""
    found = engine.results(flow, answers, pool, count=n + len(exclude))
    if found.fallback:
        return []
    picks = [m for m in found.items if m.product.sku not in exclude][:n]
    return [Scored(m.product.sku, m.score, Reason("quiz", f"From your quiz: {m.reasons[0].text}" if m.reasons
                                                  else "From your quiz answers")) for m in picks]


def former_pool(bundle: Bundle, flow: Flow) -> list[Candidate]:
    """The former quiz_pool: a transient Product per snapshot item, the flow's scope applied."""
    return in_scope(flow, (Candidate(_product(item), item.attrs) for item in bundle.catalog.values()))


def _product(item: CatalogItem) -> Product:
    return Product(site_id=0, sku=item.sku, title=item.title, url=item.url, image=item.image, currency=item.currency,
                   price_minor=to_minor(item.price, item.currency), categories=list(item.categories),
                   rating=item.rating, in_stock=True, popularity=item.popularity)


def former_gap_candidates(*, session: Session, site: Site, gap: int) -> list[Product]:
    """The former gap_candidates: the product table, per request."""
    base = select(Product).where(Product.site_id == site.id, col(Product.in_stock).is_(True))
    near = base.where(Product.price_minor >= gap, Product.price_minor <= BAND * gap)
    found = [p for p in session.exec(near.order_by(col(Product.price_minor), col(Product.sku)).limit(POOL))
             if available(p)]
    if found:
        return found
    above = base.where(Product.price_minor > BAND * gap).order_by(col(Product.price_minor), col(Product.sku))
    return [p for p in session.exec(above.limit(POOL)) if available(p)]


def timed(fn: Callable[[int], Any], calls: int) -> list[float]:
    """Seconds of each of `calls` calls of fn(i)."""
    times = []
    for i in range(calls):
        started = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - started)
    return times


def once(fn: Callable[[], Any]) -> tuple[Any, float]:
    """fn() and the seconds it took."""
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def line(name: str, old: list[float], new: list[float], old_setup: float | None, new_setup: float) -> str:
    """One row: median and p90 per call of both ways, their one-time preparation, the ratio of medians."""
    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:10.3f} {np.percentile(values, 90) * 1000:9.3f}"
    ratio = statistics.median(old) / statistics.median(new)
    prepared = f"{old_setup:8.2f} s" if old_setup is not None else f"{'-':>10}"
    return f"{name:<12} {ms(old)} {ms(new)} {prepared} {new_setup * 1000:8.1f} ms {ratio:8.0f}x"


def run(url: str, args: argparse.Namespace, folder: Path) -> list[str]:
    """Both paths on the catalog at `url`; the report lines."""
    (folder / f"{FLOW_ID}.yaml").write_text(FLOW_YAML)
    flow = load_flow(folder / f"{FLOW_ID}.yaml")
    db = make_engine(url)
    with Session(db) as session:
        site = get_site_by_key(session=session, key=SITE)
        session.expunge(site)
        write_snapshot(folder / "catalog.json", snapshot_rows(session, site))  # as `assistant train` does
    items = load_snapshot(folder / "catalog.json")
    bundle = Bundle("bench", {}, items)
    with db.connect() as connection:
        index, built = once(lambda: build_index(connection, site.pk))
    rng = np.random.default_rng(5)
    skus = list(items)
    answer_sets = [random_answers(flow, rng) for _ in range(64)]
    excluded = [set(rng.choice(skus, EXCLUDED, replace=False).tolist()) for _ in range(64)]
    pool, pool_seconds = once(lambda: former_pool(bundle, flow))
    known, mask_seconds = once(lambda: snapshot_mask(bundle, index))

    def old_quiz(i: int) -> None:
        former_quiz(flow, answer_sets[i % 64], pool, STRIP_FETCH, excluded[i % 64])

    def new_quiz(i: int) -> None:
        QuizMatch(flow, answer_sets[i % 64], index, known).recommend(Context(), n=STRIP_FETCH, exclude=excluded[i % 64])

    gaps = [int(g) for g in rng.integers(100, 8000, 256)]  # 1 to 80 EUR to free shipping
    _, sorted_seconds = once(lambda: by_price(index))
    _check_gaps(db, site, index, gaps[:32])

    def old_gap(i: int) -> None:
        with Session(db) as session:
            former_gap_candidates(session=session, site=site, gap=gaps[i % 256])

    def new_gap(i: int) -> None:
        gap_candidates(index=index, gap=gaps[i % 256])

    new_quiz(0)  # the first call caches the flow's attribute masks, as the first request does
    quiz_row = line("quiz strip", timed(old_quiz, args.old_calls), timed(new_quiz, args.calls), pool_seconds,
                    mask_seconds)
    gap_row = line("gap picker", timed(old_gap, args.calls), timed(new_gap, args.calls), None, sorted_seconds)
    db.dispose()
    return [f"index built in {built:.1f} s; {index.size:,} products, {int(index.in_stock.sum()):,} in stock; "
            f"{len(pool):,} in the flow's scope (stock aside, as the former pool took them)", quiz_row, gap_row]


def _check_gaps(db: Any, site: Site, index: CatalogIndex, gaps: list[int]) -> None:
    """Refuse to time two ways that do not pick the same candidates."""
    with Session(db) as session:
        for gap in gaps:
            old = [p.sku for p in former_gap_candidates(session=session, site=site, gap=gap)]
            if old != [p.sku for p in gap_candidates(index=index, gap=gap)]:
                raise SystemExit(f"the gap candidates differ for a gap of {gap}")


def main() -> None:
    """Parse the arguments, run every backend asked for, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--calls", type=int, default=200, help="timed calls of each new path and the old gap query")
    parser.add_argument("--old-calls", type=int, default=5, help="timed calls of the former quiz strip (seconds each)")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    header = (f"{'path':<12} {'old p50 ms':>10} {'old p90':>9} {'new p50 ms':>10} {'new p90':>9} "
              f"{'old prep':>10} {'new prep':>11} {'old/new':>9}")
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="catalog-paths-") as tmp, \
                catalog(backend, args.size, None) as (url, generated):
            print(f"\n{backend}, {args.size:,} products (generated in {generated or 0:.0f} s)")
            first, *rows = run(url, args, Path(tmp))
            print(first)
            print(header)
            for row in rows:
                print(row)


if __name__ == "__main__":
    main()

"""`flows check` against the catalog at scale: the index-based checks beside the list-based ones they replaced.

    python -m benchmarks.flows_check [--size 100000] [--old-size 10000] [--backend sqlite|postgresql] [--seed 7]

Generates a catalog (straight into the product table of a fresh database with the site pk_bench) whose
products carry the attributes of a generated seven-question flow with five answers a question (skewed
values, rare combinations, attributes missing on a share of products, 8 % out of stock), so that many
answer paths end empty and the walk runs into its cap. Then it times, on the same database:

- old: `list_products` (the ORM objects the CLI used to load) and the list-based checks kept in
  tests/flows/catalog_checks_reference.py, at --old-size products (at 100,000 they take minutes);
- new: `build_index` (what the CLI now reads, streaming) and `catalog_checks.check_against_catalog`,
  at --old-size and at --size products;

and prints each time, the ratio old/new at equal size, and that both reported the same problems (it
exits 1 when they did not). "nodes expanded" are the walk's nodes whose answers were tried; "counted
without a visit" are nodes inside subtrees no later answer could empty (last answers among them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import yaml

from assistant.catalog.index import build_index
from assistant.catalog.models import Product
from assistant.catalog.service import list_products
from assistant.db import make_engine, session_scope
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.empty_paths import empty_paths
from assistant.flows.loader import Loaded, load_text
from assistant.flows.masks import scope_mask
from assistant.flows.paths import MAX_PATHS
from assistant.flows.problems import Problem
from assistant.sites.service import get_site_by_key
from assistant.timeutil import utcnow
from benchmarks.common import database
from tests.flows import catalog_checks_reference as reference

T = TypeVar("T")
QUESTIONS = 7
ANSWERS = 5
VALUES = 6
VALUE_P = [0.34, 0.26, 0.18, 0.12, 0.07, 0.03]  # the last values are rare
FEATURES = ["waterproof", "lightweight", "breathable", "insulated", "reflective"]
FEATURE_P = [0.35, 0.40, 0.30, 0.12, 0.04]
CATEGORIES = ["Shoes", "Jackets", "Bags", "Care"]
CHUNK = 5000


def flow_text() -> str:
    """The generated flow: seven questions of five answers over attributes a0..a6 (a2: a multi over
    `features`), one asked only after some answers, one optional, three with a "no preference"."""
    questions = []
    for q in range(QUESTIONS):
        question: dict[str, Any] = {"id": f"q{q}", "text": f"Question {q}?", "type": "single", "importance": 1 + q % 4}
        if q == 2:
            question["type"] = "multi"
            question["answers"] = [{"id": f, "text": f.title(), "filter": {"features": [f]}} for f in FEATURES]
        else:
            answers: list[dict[str, Any]] = [{"id": f"v{v}", "text": f"Value {v}", "filter": {f"a{q}": [f"v{v}"]}}
                                             for v in range(ANSWERS - 1)]
            if q % 2:
                answers.append({"id": "any", "text": "No preference", "neutral": True})
            else:
                answers.append({"id": "rare", "text": "Rare ones", "filter": {f"a{q}": ["v4", "v5"]}})
            question["answers"] = answers
        if q == 4:
            question["when"] = {"q0": ["v0", "v1", "rare"]}
        if q == 6:
            question["optional"] = True
        questions.append(question)
    flow = {"id": "bench-check", "title": "Benchmark flow", "scope": {"category": {"not": ["Care"]}},
            "questions": questions}
    return yaml.safe_dump(flow, sort_keys=False)


def product_rows(size: int, site_id: int, seed: int) -> list[dict[str, Any]]:
    """`size` products for the flow's attributes, as rows of the product table."""
    rng = np.random.default_rng(seed)
    now = utcnow()
    values = rng.choice(VALUES, (size, QUESTIONS), p=VALUE_P).tolist()
    missing = (rng.random((size, QUESTIONS)) < 0.05).tolist()
    features = (rng.random((size, len(FEATURES))) < np.array(FEATURE_P)).tolist()
    category = rng.choice(len(CATEGORIES), size, p=[0.5, 0.25, 0.2, 0.05]).tolist()
    price = rng.integers(500, 40_000, size).tolist()
    in_stock = (rng.random(size) >= 0.08).tolist()
    rows = []
    for i in range(size):
        attributes: dict[str, Any] = {f"a{q}": f"v{values[i][q]}" for q in range(QUESTIONS)
                                      if q != 2 and not missing[i][q]}
        attributes["features"] = [f for f, on in zip(FEATURES, features[i], strict=True) if on]
        rows.append({"site_id": site_id, "sku": f"b{i:07d}", "title": f"Product {i}", "price_minor": price[i],
                     "categories": [CATEGORIES[category[i]]], "attributes": attributes, "in_stock": in_stock[i],
                     "stock": 5 if in_stock[i] else 0, "rating": 4.0, "popularity": float(i % 97), "updated_at": now})
    return rows


def fill(url: str, size: int, seed: int) -> int:
    """Write the generated catalog into the database at `url`; the site's id."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        site_id = get_site_by_key(session=session, key="pk_bench").pk
    rows = product_rows(size, site_id, seed)
    with engine.begin() as connection:
        for start in range(0, size, CHUNK):
            connection.execute(Product.__table__.insert(), rows[start:start + CHUNK])  # type: ignore[attr-defined]
    engine.dispose()
    return site_id


def timed(make: Callable[[], T]) -> tuple[T, float]:
    """`make()` and the seconds it took."""
    started = time.perf_counter()
    value = make()
    return value, time.perf_counter() - started


def run_new(url: str, site_id: int, loaded: Loaded) -> tuple[list[Problem], float, float, str]:
    """Build the index from the database and check the flow against it; the problems, both times and
    what the walk did."""
    flow = loaded.flow
    assert flow is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        index, load = timed(lambda: build_index(connection, site_id))
    engine.dispose()
    problems, check = timed(lambda: check_against_catalog(flow, loaded.locator, index, "bench.yaml"))
    walk = empty_paths(flow, index, scope_mask(index, flow), keep=5)
    return problems, load, check, (f"{walk.count:,} empty paths, {walk.expanded:,} nodes expanded, "
                                   f"{walk.skipped:,} counted without a visit")


def run_old(url: str, loaded: Loaded) -> tuple[list[Problem], float, float]:
    """Load Product objects as the CLI did and run the list-based checks on them."""
    flow = loaded.flow
    assert flow is not None
    engine = make_engine(url)
    with session_scope(engine) as session:
        site = get_site_by_key(session=session, key="pk_bench")
        products, load = timed(lambda: list_products(session=session, site=site))
        problems, check = timed(lambda: reference.check_against_catalog(flow, loaded.locator, products, "bench.yaml"))
    engine.dispose()
    return problems, load, check


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--old-size", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    loaded = load_text(flow_text())
    assert loaded.flow is not None and not loaded.problems, loaded.problems
    print(f"flow: {QUESTIONS} questions of {ANSWERS} answers ({ANSWERS ** QUESTIONS:,}+ answer paths in full); "
          f"the walk visits at most {MAX_PATHS:,} nodes. Backend: {args.backend}.")
    print(f"{'products':>10}  {'checks':<28}{'load s':>8}{'check s':>9}{'total s':>9}  problems")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "old").mkdir()
        (Path(tmp) / "new").mkdir()
        with database(args.backend, Path(tmp) / "old") as small_url:
            site_id = fill(small_url, args.old_size, args.seed)
            old, old_load, old_check = run_old(small_url, loaded)
            print(f"{args.old_size:>10,}  {'old: Product list':<28}{old_load:>8.2f}{old_check:>9.2f}"
                  f"{old_load + old_check:>9.2f}  {len(old)}")
            new, new_load, new_check, walk = run_new(small_url, site_id, loaded)
            print(f"{args.old_size:>10,}  {'new: catalog index':<28}{new_load:>8.2f}{new_check:>9.2f}"
                  f"{new_load + new_check:>9.2f}  {len(new)} ({walk})")
        with database(args.backend, Path(tmp) / "new") as large_url:
            site_id = fill(large_url, args.size, args.seed)
            large, load, check, walk = run_new(large_url, site_id, loaded)
            print(f"{args.size:>10,}  {'new: catalog index':<28}{load:>8.2f}{check:>9.2f}{load + check:>9.2f}  "
                  f"{len(large)} ({walk})")
    print(f"at {args.old_size:,} products old/new: checks {old_check / new_check:.1f}x, "
          f"load + checks {(old_load + old_check) / (new_load + new_check):.1f}x; "
          f"same problems: {'yes' if old == new else 'NO'}")
    for problem in large:
        print("   ", problem.format().replace("\n", "\n    "))
    if old != new:
        sys.exit("the old and new checks reported different problems")


if __name__ == "__main__":
    main()

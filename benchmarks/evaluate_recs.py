"""Recommendation quality on the two published protocols: our strategies beside the reference figures.

    .venv/bin/python -m benchmarks.evaluate_recs          # the comparison tables (about 2 minutes)
    .venv/bin/python -m benchmarks.evaluate_recs --tune   # repeat the validation search behind CHOSEN_*

YOOCHOOSE 100k (session-rec's rsc15 sample): next click after each of the first n-1 clicks of every
test session, ranking all training items. Online Retail II 2009-2010: leave one item out of every
test invoice and rank all training items but the rest of the cart. Protocols as in
shared/data/BASELINES.md; every figure of ours comes from the strategy classes the server uses,
called through `recommend_sequential` with popularity as the fallback.

Hyper-parameters were chosen on validation splits only (YOOCHOOSE: fit `_train_tr`, score
`_train_valid`; Online Retail: fit invoices before 2010-07-01, score July and August 2010, both
inside the training period); the test data was never used to choose them. Data is read from
../shared/data (or $ASSISTANT_SHARED_DATA) and never copied into the repository.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np

from assistant.recommend.base import Recommender
from assistant.recommend.ease import EASE
from assistant.recommend.evaluate import (
    Evaluation,
    Point,
    coverage,
    evaluate,
    leave_one_out,
    next_item_points,
    popularity_bias,
    popularity_percentiles,
    read_click_sequences,
    read_reference_lists,
    score_reference,
    split_baskets,
)
from assistant.recommend.interactions import Interactions, read_retail_baskets, read_session_clicks
from assistant.recommend.popular import Popular
from assistant.recommend.rules import SequentialRules
from assistant.recommend.session_knn import SessionKNN
from assistant.recommend.settings import CHOSEN_CART_KNN, CHOSEN_COOCCURRENCE, CHOSEN_EASE, CHOSEN_SESSION
from assistant.recommend.together import CoOccurrence

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA", ROOT / ".." / "shared" / "data"))
YOO = DATA / "yoochoose_100k_sessionrec"
RETAIL = DATA / "online_retail_uci" / "online_retail_II_2009-12_2010-12.csv.gz"

# The session-rec authors' settings (BASELINES.md), re-implemented to check our code reproduces their figures.
VSKNN_AUTHORS: dict[str, Any] = dict(k=500, sample_size=5000, weighting="quadratic", weighting_score="div",
                                     idf_weighting=5)
VSTAN_AUTHORS: dict[str, Any] = dict(k=1500, sample_size=10000, similarity="cosine", lambda_spw=0.5, lambda_snh=5,
                                     lambda_inh=2.0, lambda_ipw=2.0, idf_weighting=2)

# Published figures (shared/data/BASELINES.md): HR@20, MRR@20, HR@10, MRR@10, HR@5, MRR@5.
REFERENCE_LISTS = {"vsknn": ("V-SKNN", (0.6098, 0.3342, 0.5530, 0.3301, 0.4755, 0.3202)),
                   "ar": ("AR", (0.5917, 0.3160, 0.5220, 0.3112, 0.4393, 0.3001)),
                   "gru4rec": ("GRU4Rec", (0.5711, 0.3289, 0.5168, 0.3251, 0.4574, 0.3171)),
                   "sr": ("SR", (0.5607, 0.3275, 0.5220, 0.3248, 0.4677, 0.3174))}
REFERENCE_ALL = [("V-SKNN k500 s5000 quadratic div idf5", (0.688, 0.367, 0.619, 0.362)),
                 ("V-SKNN k100 s1000 quadratic quadratic", (0.682, 0.369, 0.611, 0.364)),
                 ("VSTAN tuned", (0.685, 0.375, 0.619, 0.371)),
                 ("STAN tuned", (0.668, 0.373, 0.609, 0.368)),
                 ("SKNN tuned", (0.655, 0.321, 0.574, 0.315)),
                 ("AR pruning 20", (0.634, 0.327, 0.559, 0.321)),
                 ("SR steps 8 div", (0.618, 0.347, 0.564, 0.344)),
                 ("session popularity", (0.381, 0.264, 0.368, 0.263)),
                 ("popularity", (0.089, 0.026, 0.074, 0.025))]
# HR@10, MRR@10, HR@20, MRR@20 under the cart leave-one-out protocol.
REFERENCE_RETAIL = [("V-SKNN k500 s5000 quadratic div idf5", (0.130, 0.067, 0.163, 0.070)),
                    ("V-SKNN k100 s1000 quadratic quadratic", (0.124, 0.064, 0.167, 0.068)),
                    ("AR pruning 20", (0.115, 0.059, 0.149, 0.062)),
                    ("plain co-occurrence sum", (0.127, 0.055, None, None)),
                    ("popularity", (0.051, 0.019, 0.073, 0.020))]
RETAIL_CHECKS = {"520899": (2, 26, "22555"), "520900": (14, 19, "21181"), "520901": (1, 2, "21166"),
                 "520902": (1, 3, "22502"), "520903": (6, 16, "21588"), "538171": (11, 55, "21975")}
TEST_START = datetime(2010, 9, 1, tzinfo=UTC).timestamp()
VALID_START = datetime(2010, 7, 1, tzinfo=UTC).timestamp()


def chain(strategy: Recommender, train: Interactions) -> list[Recommender]:
    """The fitted strategy with fitted popularity behind it, as the server chains them."""
    fitted = strategy.fit(train)
    return [fitted] if isinstance(strategy, Popular) else [fitted, Popular().fit(train)]


NAME = 56
TARGET_SESSION = (0.688, 0.375)  # the best session-rec HR@20 (V-SKNN) and MRR@20 (VSTAN) on all 10,152 points
TARGET_CART = (0.130, 0.067)  # session-rec's best cart figures (V-SKNN HR@10, MRR@10); AR is 0.115 / 0.059


def fmt(values: Sequence[float | None]) -> str:
    """Figures in fixed-width columns, '-' for unknown ones."""
    return " ".join(f"{v:>7.4f}" if v is not None else f"{'-':>7}" for v in values)


def metrics(e: Evaluation, ks: Sequence[int]) -> list[float]:
    """HR@k, MRR@k for each k in order."""
    return [x for k in ks for x in (e.hit_rate(k), e.mrr(k))]


def describe(e: Evaluation, catalog: int, percentiles: dict[str, float], k: int) -> str:
    """Coverage, popularity bias and latency columns (latency only when it was measured)."""
    latency = f" {e.latency_ms():>6.2f} {e.latency_ms(99):>6.2f}" if e.durations.size else ""
    return f" {coverage(e.lists, catalog, k=k):>6.3f} {popularity_bias(e.lists, percentiles, k=k):>5.1f}{latency}"


def header(ks: Sequence[int]) -> str:
    """Column titles for HR/MRR at `ks`, coverage, popularity bias and latency."""
    cells = " ".join(f"{t + str(k):>7}" for k in ks for t in ("HR@", "MRR@"))
    return f"{'':<{NAME}} {cells} {'cov@' + str(ks[0]):>6} {'pop%':>5} {'ms/pt':>6} {'p99 ms':>6}"


def subset(e: Evaluation, mask: np.ndarray) -> Evaluation:
    """The part of an evaluation at the points where `mask` is true."""
    lists = [items for items, keep in zip(e.lists, mask, strict=True) if keep]
    return Evaluation(e.ranks[mask], lists, e.durations[mask])


def yoochoose() -> None:
    """Session-based next item on YOOCHOOSE: the 387 reference points and all 10,152 points."""
    train = read_session_clicks(YOO / "yoochoose-clicks-100k_train_full.txt")
    sessions = read_click_sequences(YOO / "yoochoose-clicks-100k_test.txt")
    print(f"== YOOCHOOSE 100k: train_full {train.n_sessions:,} sessions, {train.n_items:,} items (all ranked); "
          f"test {len(sessions):,} sessions ==")
    print("hyper-parameters: tuned on train_tr -> train_valid only (see --tune); the test file was never used\n")
    ours = {"popularity": Popular(), "SR (steps 8, div)": SequentialRules(steps=8, weighting="div"),
            "V-SKNN, authors' settings (k 500, sample 5000, idf 5)": SessionKNN(**VSKNN_AUTHORS),
            "VSTAN, authors' tuned settings": SessionKNN(**VSTAN_AUTHORS),
            "ours: VSTAN + sequential rules + reminders (tuned)": SessionKNN(**CHOSEN_SESSION)}
    reference = {p.key for p in next_item_points(sessions[:99])}
    for exclude_seen in (False, True):
        points = next_item_points(sessions, exclude_seen=exclude_seen)
        runs = {name: evaluate(chain(strategy, train), points, n=20) for name, strategy in ours.items()}
        label = "own items excluded (what a shop serves)" if exclude_seen else "own items allowed (published protocol)"
        print(f"-- 387 reference points (first 99 test sessions), {label} --\n{header((20, 10, 5))}")
        in_reference = np.array([p.key in reference for p in points])
        reference_rows([p for p in points if p.key in reference], train, exclude_seen=exclude_seen)
        rows({name: subset(e, in_reference) for name, e in runs.items()}, train, (20, 10, 5))
        print(f"\n-- all {len(points):,} points, {label} --\n{header((20, 10, 5))}")
        for name, figures in REFERENCE_ALL if not exclude_seen else []:
            print(f"{'ref session-rec ' + name:<{NAME}} {fmt(figures)}")
        rows(runs, train, (20, 10, 5))
        if not exclude_seen:
            best = runs[list(ours)[-1]]
            print(verdict("HR@20", "MRR@20", TARGET_SESSION, (best.hit_rate(20), best.mrr(20))))
        print()


def reference_rows(points: list[Point], train: Interactions, *, exclude_seen: bool) -> None:
    """Score session-rec's committed lists on the reference points, checking them against BASELINES.md."""
    percentiles = popularity_percentiles(train)
    for algo, (name, published) in REFERENCE_LISTS.items():
        e = score_reference(read_reference_lists(YOO / "reference_recommendations" / f"recoms_rsc15_100k_{algo}.csv"),
                            points)
        if not exclude_seen:
            assert np.allclose(metrics(e, (20, 10, 5)), published, atol=6e-5), f"{algo} differs from BASELINES.md"
        note = "own items dropped" if exclude_seen else "= published table"
        print(f"{f'ref {name} committed lists ({note})':<{NAME}} {fmt(metrics(e, (20, 10, 5)))}"
              f"{describe(e, train.n_items, percentiles, 20)}")


def rows(runs: dict[str, Evaluation], train: Interactions, ks: Sequence[int]) -> None:
    """One line per evaluated strategy."""
    percentiles = popularity_percentiles(train)
    for name, e in runs.items():
        print(f"{name:<{NAME}} {fmt(metrics(e, ks))}{describe(e, train.n_items, percentiles, ks[0])}")


def verdict(hr: str, rr: str, target: tuple[float, float], got: tuple[float, float]) -> str:
    """One line saying whether `got` beats both target figures."""
    met = got[0] > target[0] and got[1] > target[1]
    return (f"target {hr} > {target[0]:.3f} and {rr} > {target[1]:.3f}: ours {got[0]:.4f} / {got[1]:.4f} -> "
            f"{'beaten' if met else 'NOT beaten'}")


def retail_data(*, validation: bool) -> tuple[Interactions, list[Point]]:
    """Training interactions and leave-one-out points: the test protocol, or the validation split inside training."""
    baskets = read_retail_baskets(RETAIL)
    train, test = split_baskets(baskets, at=TEST_START)
    if validation:
        train, test = split_baskets(train, at=VALID_START)
    interactions = Interactions.from_baskets(train)
    return interactions, leave_one_out(test, known=set(interactions.item_ids), seed=42)


def check_retail(train: Interactions, points: list[Point]) -> None:
    """Assert the counts and hidden items BASELINES.md gives for the test protocol."""
    assert (train.n_sessions, train.n_items, len(points)) == (13_230, 3_969, 6_709), (train.n_sessions, len(points))
    found = {str(p.key[0]): (p.key[1], p.key[2], p.target) for p in points if str(p.key[0]) in RETAIL_CHECKS}
    assert found == RETAIL_CHECKS, found
    assert str(points[-1].key[0]) == "538171"


def retail() -> None:
    """Frequently bought together on Online Retail: cart leave-one-out."""
    train, points = retail_data(validation=False)
    check_retail(train, points)
    print(f"== Online Retail II 2009-2010: {train.n_sessions:,} training invoices, {train.n_items:,} candidates, "
          f"{len(points):,} leave-one-out points (check values of invoices 520899.. and 538171 match) ==")
    print("hyper-parameters: tuned on invoices before 2010-07 -> July-August 2010 only (see --tune)\n")
    print(header((10, 20)))
    for name, figures in REFERENCE_RETAIL:
        print(f"{'ref session-rec ' + name:<{NAME}} {fmt(figures)}")
    ours = {"popularity": Popular(), "co-occurrence, plain counts summed over the cart": CoOccurrence(),
            "V-SKNN authors' settings, all given items": SessionKNN(**VSKNN_AUTHORS),
            "ours: co-occurrence, cosine-normalised (tuned)": CoOccurrence(**CHOSEN_COOCCURRENCE),
            "ours: session-kNN over invoices, cosine (tuned)": SessionKNN(**CHOSEN_CART_KNN),
            "ours: EASE item-item regression (tuned)": EASE(**CHOSEN_EASE)}
    runs = {name: evaluate(chain(strategy, train), points, n=20) for name, strategy in ours.items()}
    rows(runs, train, (10, 20))
    best = runs[list(ours)[-1]]
    print(verdict("HR@10", "MRR@10", TARGET_CART, (best.hit_rate(10), best.mrr(10))))
    print()


# -- validation search (--tune) --------------------------------------------------------------------------------------

_VALIDATION: dict[str, tuple[Interactions, list[Point]]] = {}

SESSION_SPACE: dict[str, list[Any]] = {
    "reminder_boost": [0.0, 0.05, 0.1, 0.2], "rules_weight": [0.0, 0.1, 0.2], "lambda_spw": [0.25, 0.5, 1.0, 2.0],
    "lambda_ipw": [1.0, 2.0, 4.0], "lambda_inh": [1.0, 2.0, 4.0, 8.0], "lambda_snh": [None, 2, 5, 10],
    "idf_weighting": [0, 1, 2, 4], "k": [500, 1000, 1500], "sample_size": [5000, 10000]}
RETAIL_GRIDS: list[tuple[str, Callable[..., Recommender], list[dict[str, Any]]]] = [
    ("co-occurrence", CoOccurrence, [dict(alpha=a, beta=b) for a in (0.0, 0.5, 1.0) for b in (0.0, 0.25, 0.5, 0.75)]),
    ("session-kNN over invoices", SessionKNN,
     [dict(k=k, sample_size=5000, similarity=s, weighting="same", weighting_score="same", idf_weighting=i)
      for s in ("cosine", "vec") for k in (50, 100, 200, 400) for i in (0, 1)]),
    ("EASE", EASE, [dict(l2=l2, max_neighbors=200) for l2 in (10, 30, 50, 100, 300)])]


def _validate(job: tuple[str, str, dict[str, Any]]) -> tuple[float, float]:
    data, family, params = job
    train, points = _VALIDATION[data]
    factory = {"session": SessionKNN, **{name: cls for name, cls, _ in RETAIL_GRIDS}}[family]
    e = evaluate(chain(factory(**params), train), points, n=20)
    k = 20 if data == "yoochoose" else 10
    return e.hit_rate(k), e.mrr(k)


def tune_session(pool: Any) -> dict[str, Any]:
    """Coordinate search from VSTAN's published settings, two rounds, objective HR@20 + MRR@20 on validation."""
    best, seen = dict(VSTAN_AUTHORS, reminder_boost=0.0, rules_weight=0.0), {}
    for round_ in (1, 2):
        for name, values in SESSION_SPACE.items():
            options = [dict(best, **{name: v}) for v in values]
            todo = [o for o in options if repr(sorted(o.items())) not in seen]
            for option, result in zip(todo, pool.map(_validate, [("yoochoose", "session", o) for o in todo]),
                                      strict=True):
                seen[repr(sorted(option.items()))] = result
            scores = [seen[repr(sorted(o.items()))] for o in options]
            best = options[int(np.argmax([sum(s) for s in scores]))]
            cells = "  ".join(f"{o[name]}: {hr:.4f}/{rr:.4f}" for o, (hr, rr) in zip(options, scores, strict=True))
            print(f"round {round_} {name:<15} {cells}  -> {best[name]}", flush=True)
    return best


def tune() -> None:
    """Repeat the validation searches and print what they choose beside the CHOSEN_* settings."""
    started = time.perf_counter()
    valid = next_item_points(read_click_sequences(YOO / "yoochoose-clicks-100k_train_valid.txt"))
    _VALIDATION["yoochoose"] = (read_session_clicks(YOO / "yoochoose-clicks-100k_train_tr.txt"), valid)
    _VALIDATION["retail"] = retail_data(validation=True)
    print(f"YOOCHOOSE validation: fit train_tr, {len(_VALIDATION['yoochoose'][1]):,} points of train_valid "
          "(HR@20/MRR@20)")
    with Pool(os.cpu_count() or 1) as pool:
        for name, params in (("V-SKNN authors", VSKNN_AUTHORS), ("VSTAN authors", VSTAN_AUTHORS)):
            print(f"  {name}: {'/'.join(f'{x:.4f}' for x in _validate(('yoochoose', 'session', params)))}")
        best = tune_session(pool)
        print(f"chosen: {best}  (CHOSEN_SESSION {'matches' if best == CHOSEN_SESSION else 'DIFFERS'})\n")
        print(f"Online Retail validation: fit {_VALIDATION['retail'][0].n_sessions:,} invoices before 2010-07, "
              f"{len(_VALIDATION['retail'][1]):,} leave-one-out points of July-August 2010 (HR@10/MRR@10)")
        chosen = {"co-occurrence": CHOSEN_COOCCURRENCE, "session-kNN over invoices": CHOSEN_CART_KNN,
                  "EASE": CHOSEN_EASE}
        for family, _, grid in RETAIL_GRIDS:
            results = pool.map(_validate, [("retail", family, g) for g in grid])
            for params, (hr, rr) in zip(grid, results, strict=True):
                print(f"  {family:<26} {hr:.4f}/{rr:.4f} {params}")
            best_params = grid[int(np.argmax([sum(r) for r in results]))]
            verdict = "matches" if best_params == chosen[family] else "DIFFERS from"
            print(f"  chosen {family}: {best_params} ({verdict} the CHOSEN setting)\n")
    print(f"tuning wall time {time.perf_counter() - started:.0f} s")


def main() -> None:
    """Print the comparison tables (or, with --tune, repeat the validation search)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="repeat the hyper-parameter search on validation splits")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"shared data not found at {DATA} (set ASSISTANT_SHARED_DATA)")
    started = time.perf_counter()
    if args.tune:
        tune()
        return
    yoochoose()
    retail()
    print(f"wall time {time.perf_counter() - started:.0f} s (ms/pt: mean time of one recommend_sequential call)")


if __name__ == "__main__":
    main()

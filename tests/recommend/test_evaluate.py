"""Metrics on hand-computed examples, and the protocol helpers."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.recommend.base import Context
from assistant.recommend.evaluate import (
    Point,
    coverage,
    evaluate,
    hit_rate,
    leave_one_out,
    mrr,
    next_item_points,
    popularity_bias,
    rank_of,
    score_reference,
    split_baskets,
)
from assistant.recommend.interactions import Basket
from assistant.recommend.popular import Popular
from tests.recommend.helpers import sessions_to_interactions

RANKS = np.array([1, 3, 0, 12, 2])


def test_rank_of_is_one_based_and_zero_when_absent() -> None:
    assert rank_of("b", ["a", "b", "c"]) == 2
    assert rank_of("z", ["a", "b"]) == 0


@pytest.mark.parametrize(("k", "hr", "rr"), [
    (1, 1 / 5, 1 / 5),
    (2, 2 / 5, (1 + 1 / 2) / 5),
    (5, 3 / 5, (1 + 1 / 3 + 1 / 2) / 5),
    (20, 4 / 5, (1 + 1 / 3 + 1 / 12 + 1 / 2) / 5),
])
def test_hit_rate_and_mrr_by_hand(k: int, hr: float, rr: float) -> None:
    assert hit_rate(RANKS, k) == pytest.approx(hr)
    assert mrr(RANKS, k) == pytest.approx(rr)


def test_empty_runs_score_zero() -> None:
    assert hit_rate(np.array([], dtype=int), 10) == 0.0 and mrr(np.array([], dtype=int), 10) == 0.0


def test_coverage_and_popularity_bias() -> None:
    lists = [["a", "b", "c"], ["a", "d"]]
    assert coverage(lists, 10) == 0.4
    assert coverage(lists, 10, k=1) == 0.1
    percentiles = {"a": 100.0, "b": 50.0, "c": 20.0, "d": 10.0}
    assert popularity_bias(lists, percentiles) == pytest.approx((100 + 50 + 20 + 100 + 10) / 5)
    assert popularity_bias(lists, percentiles, k=1) == 100.0


def test_next_item_points_follow_the_session_rec_protocol() -> None:
    points = next_item_points([("s1", ["a", "b", "a"]), ("s2", ["c"]), ("s3", ["d", "e"])], exclude_seen=True)
    assert [(p.key, p.context.session, p.target) for p in points] == [
        (("s1", 0), ("a",), "b"), (("s1", 1), ("a", "b"), "a"), (("s3", 0), ("d",), "e")]
    assert points[1].exclude == {"a", "b"}
    assert next_item_points([("s1", ["a", "b"])])[0].exclude == frozenset()


def test_score_reference_drops_excluded_items_before_ranking() -> None:
    lists = {("s1", 0): ["a", "b", "c"]}
    plain = Point(Context(session=("a",)), "b", frozenset(), ("s1", 0))
    excluded = Point(Context(session=("a",)), "b", frozenset({"a"}), ("s1", 0))
    assert score_reference(lists, [plain]).ranks.tolist() == [2]
    assert score_reference(lists, [excluded]).ranks.tolist() == [1]


def test_leave_one_out_hides_one_known_item_reproducibly() -> None:
    baskets = [Basket("1", 0.0, ("a", "b", "x")), Basket("2", 1.0, ("a",)), Basket("3", 2.0, ("c", "b", "a", "d"))]
    points = leave_one_out(baskets, known={"a", "b", "c", "d"}, seed=42)
    rng = np.random.default_rng(42)
    first, second = int(rng.integers(0, 2)), int(rng.integers(0, 4))
    assert [p.key for p in points] == [("1", first, 2), ("3", second, 4)]
    for point, items in zip(points, (["a", "b"], ["c", "b", "a", "d"]), strict=True):
        assert point.target == items[point.key[1]]
        assert set(point.context.cart) == point.exclude == set(items) - {point.target}


def test_split_baskets_at_a_time() -> None:
    baskets = [Basket("1", 5.0, ("a",)), Basket("2", 1.0, ("b",)), Basket("3", 9.0, ("c",))]
    before, after = split_baskets(baskets, at=5.0)
    assert [b.basket_id for b in before] == ["2"] and [b.basket_id for b in after] == ["1", "3"]


def test_evaluate_runs_the_chain_and_times_it() -> None:
    popular = Popular().fit(sessions_to_interactions([["a", "b"], ["a"], ["c"]]))
    points = [Point(Context(), "a"), Point(Context(), "c"), Point(Context(), "z", frozenset({"a"}))]
    result = evaluate([popular], points, n=2)
    assert result.ranks.tolist() == [1, 0, 0] and result.lists[2] == ["b", "c"]
    assert result.points == 3 and result.hit_rate(2) == pytest.approx(1 / 3) and result.latency_ms() >= 0

"""Smoke test on the real data in ../shared/data (skipped when it is absent, required under CI=true)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.recommend.evaluate import (
    evaluate,
    leave_one_out,
    next_item_points,
    read_click_sequences,
    read_reference_lists,
    score_reference,
    split_baskets,
)
from assistant.recommend.interactions import Interactions, read_retail_baskets, read_session_clicks
from assistant.recommend.popular import Popular
from assistant.recommend.session_knn import SessionKNN
from tests.conftest import shared_data

pytestmark = pytest.mark.shared_data


def test_yoochoose_reference_points_reproduce_the_published_vsknn_table() -> None:
    folder = shared_data("yoochoose_100k_sessionrec")
    train = read_session_clicks(folder / "yoochoose-clicks-100k_train_full.txt")
    points = next_item_points(read_click_sequences(folder / "yoochoose-clicks-100k_test.txt")[:99])
    assert (train.n_sessions, train.n_items, len(points)) == (17_794, 2_933, 387)
    committed = score_reference(read_reference_lists(folder / "reference_recommendations"
                                                     / "recoms_rsc15_100k_vsknn.csv"), points)
    assert (round(committed.hit_rate(20), 4), round(committed.mrr(20), 4)) == (0.6098, 0.3342)
    vsknn = SessionKNN(k=500, sample_size=5000, weighting="quadratic", weighting_score="div", idf_weighting=5)
    ours = evaluate([vsknn.fit(train), Popular().fit(train)], points, n=20)
    assert (round(ours.hit_rate(20), 4), round(ours.mrr(20), 4)) == (0.6098, 0.3342)


def test_online_retail_leave_one_out_matches_the_check_values() -> None:
    baskets = read_retail_baskets(shared_data("online_retail_uci", "online_retail_II_2009-12_2010-12.csv.gz"))
    train, test = split_baskets(baskets, at=datetime(2010, 9, 1, tzinfo=UTC).timestamp())
    interactions = Interactions.from_baskets(train)
    points = leave_one_out(test, known=set(interactions.item_ids), seed=42)
    assert (interactions.n_sessions, interactions.n_items, len(points)) == (13_230, 3_969, 6_709)
    hidden = {p.key[0]: (p.key[1], p.key[2], p.target) for p in points}
    assert hidden["520899"] == (2, 26, "22555") and hidden["538171"] == (11, 55, "21975")

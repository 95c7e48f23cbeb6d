"""RFM scores: quintiles of the shop's customers, ties shared, the same whatever the order of customers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.insight import rfm


def test_ten_distinct_values_fill_the_quintiles_two_by_two() -> None:
    scores = rfm.quintile_scores([40, 10, 30, 20, 50, 60, 70, 80, 90, 100])
    assert scores.tolist() == [2, 1, 2, 1, 3, 3, 4, 4, 5, 5]


def test_ties_share_the_score_of_their_lowest_rank() -> None:
    orders = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9]
    assert rfm.quintile_scores(orders).tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


def test_recency_scores_the_most_recent_highest() -> None:
    scores = rfm.rfm_scores(days_since_last=[3, 400, 30, 90, 200], orders=[1, 1, 1, 1, 1], revenue=[5, 4, 3, 2, 1])
    assert scores.recency.tolist() == [5, 1, 4, 3, 2]
    assert scores.frequency.tolist() == [1] * 5
    assert scores.monetary.tolist() == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(("figures", "message"), [
    ({"days_since_last": [1, 2], "orders": [1], "revenue": [1, 2]}, "same customers"),
    ({"days_since_last": [-1, 2], "orders": [1, 1], "revenue": [1, 2]}, "cannot be negative"),
    ({"days_since_last": [1, 2], "orders": [1, 1], "revenue": [1, float("nan")]}, "finite"),
])
def test_refuses_figures_it_cannot_score(figures: dict[str, list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rfm.rfm_scores(**figures)


figures = st.lists(st.integers(0, 20), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(figures, st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_the_order_of_customers(values: list[int], random: object) -> None:
    order = np.arange(len(values))
    random.shuffle(order)  # type: ignore[attr-defined]
    scores = rfm.quintile_scores(values)
    assert rfm.quintile_scores(np.asarray(values)[order]).tolist() == scores[order].tolist()


@settings(max_examples=200, deadline=None)
@given(figures)
def test_scores_are_1_to_5_rise_with_the_figure_and_tie_alike(values: list[int]) -> None:
    scores = rfm.quintile_scores(values)
    assert scores.min() >= 1 and scores.max() <= 5
    ranked = np.argsort(values, kind="stable")
    assert np.all(np.diff(scores[ranked]) >= 0)
    for value in set(values):
        assert len(set(scores[np.asarray(values) == value].tolist())) == 1
    if len(set(values)) == len(values):
        assert np.bincount(scores, minlength=6)[1:].max() - np.bincount(scores, minlength=6)[1:].min() <= 1

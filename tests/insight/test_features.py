"""Churn features: each figure from a history small enough to check by hand, nothing from after the cut-off."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.insight.features import FEATURES, Activity, churn_features


def column(name: str, matrix: np.ndarray) -> list[float]:
    return matrix[:, FEATURES.index(name)].tolist()


def test_rhythm_and_trend_of_two_customers() -> None:
    # customer 5: orders on days 0, 10, 30 (gaps 10, 20) and one after the cut-off; customer 9: one order
    features = churn_features(customer=[5, 5, 5, 9, 5], time=[0.0, 10.0, 30.0, 70.0, 200.0],
                              amount=[10.0, 20.0, 60.0, 5.0, 99.0], at=100.0, recent=80.0)
    m = features.matrix
    assert features.customer.tolist() == [5, 9]
    assert np.expm1(column("days_since_last", m)) == pytest.approx([70.0, 30.0])
    assert np.expm1(column("orders", m)) == pytest.approx([3.0, 1.0])
    assert np.expm1(column("mean_gap", m)) == pytest.approx([15.0, 30.0])  # one order: its age stands in
    assert np.expm1(column("gap_spread", m)) == pytest.approx([5.0, 0.0])
    assert np.expm1(column("last_gap", m)) == pytest.approx([20.0, 30.0])
    assert column("overdue", m) == pytest.approx([np.log(71 / 16), 0.0])
    assert column("one_order", m) == [0.0, 1.0]
    assert column("recent_orders", m) == pytest.approx([np.log(2), np.log(2)])  # days 30 and 70, within 80
    assert column("recent_order_share", m) == pytest.approx([1 / 3, 1.0])
    assert column("recent_revenue_share", m) == pytest.approx([60 / 90, 1.0])
    assert column("last_order_value", m) == pytest.approx([np.log1p(60) - np.log1p(30), 0.0])


def test_activity_counts_only_between_the_last_order_and_the_cut_off() -> None:
    activity = Activity(customer=[5, 5, 5, 5, 9, 7], time=[20.0, 40.0, 90.0, 120.0, 80.0, 50.0],
                        kind=["view", "view", "cart_left", "view", "quiz_answer", "view"])
    m = churn_features(customer=[5, 5, 9], time=[0.0, 30.0, 70.0], amount=[1.0, 1.0, 1.0], at=100.0,
                       activity=activity).matrix
    assert np.expm1(column("views_since_order", m)) == pytest.approx([1.0, 0.0])  # day 40 only (7 never bought)
    assert np.expm1(column("carts_left_since_order", m)) == pytest.approx([1.0, 0.0])
    assert np.expm1(column("quiz_answers_since_order", m)) == pytest.approx([0.0, 1.0])
    assert column("surveys_since_order", m) == [0.0, 0.0]


def test_an_unknown_activity_kind_is_named() -> None:
    with pytest.raises(ValueError, match="unknown activity kinds \\['click'\\]"):
        churn_features(customer=[1], time=[0.0], amount=[1.0], at=5.0,
                       activity=Activity(customer=[1], time=[1.0], kind=["click"]))


def test_no_purchases_no_rows() -> None:
    assert churn_features(customer=[1], time=[9.0], amount=[1.0], at=5.0).matrix.shape == (0, len(FEATURES))

"""Churn risk: beats recency where churn shows in more than recency, calibrated, quiet on small shops."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.insight import churn
from assistant.insight.features import Activity, churn_features

END, HORIZON = 720.0, 90.0


def fading_shop(n: int, *, seed: int) -> tuple[np.ndarray, ...]:
    """A steady shop (days 0 .. END + HORIZON) whose customers slow down before they leave.

    Each buys at their own rate from a first purchase until, after Exp(300) days, they start to fade: for
    the 120 days before leaving they buy three times less often, smaller orders, and browse less. So who
    will churn shows in rhythm, trend and browsing, not only in days since the last order.
    """
    rng = np.random.default_rng(seed)
    first = rng.uniform(0, END - 120, n)
    rate = rng.gamma(2.0, 1 / 40.0, n)
    fade = first + rng.exponential(300.0, n)
    rows: list[tuple[np.ndarray, ...]] = []
    views: list[tuple[np.ndarray, ...]] = []
    for i in range(n):
        for start, stop, each, value in ((first[i], fade[i], rate[i], 1.0), (fade[i], fade[i] + 120, rate[i] / 3, 0.4)):
            stop = min(stop, END + HORIZON)
            if stop > start:
                k = rng.poisson(each * (stop - start))
                rows.append((np.full(k, i), rng.uniform(start, stop, k), value * rng.gamma(4.0, 25.0, k)))
                v = rng.poisson(3 * each * (stop - start) * value)
                views.append((np.full(v, i), rng.uniform(start, stop, v)))
        rows.append((np.array([i]), np.array([first[i]]), rng.gamma(4.0, 25.0, 1)))
    customer, time, amount = (np.concatenate(parts) for parts in zip(*rows, strict=True))
    viewer, viewed = (np.concatenate(parts) for parts in zip(*views, strict=True))
    return customer, time, amount, viewer, viewed


@pytest.fixture(scope="module")
def shop() -> tuple[np.ndarray, ...]:
    return fading_shop(3000, seed=1)


def judged(shop: tuple[np.ndarray, ...], *, with_views: bool) -> tuple[churn.ChurnEvaluation, churn.ChurnRun]:
    """churn_risk on the shop up to END, judged on what the customers did in the next HORIZON."""
    customer, time, amount, viewer, viewed = shop
    past, seen = time <= END, viewed <= END
    activity = Activity(viewer[seen], viewed[seen], np.full(seen.sum(), "view")) if with_views else None
    run = churn.churn_risk(customer=customer[past], time=time[past], amount=amount[past], end=END,
                           horizon=HORIZON, activity=activity)
    assert run.scores is not None, run.reason
    figures = churn_features(customer=customer[past], time=time[past], amount=amount[past], at=END)
    assert run.scores.customer.tolist() == figures.customer.tolist()
    churned = churn.labels(figures.customer, customer=customer, time=time, after=END, until=END + HORIZON)
    return churn.evaluate_churn(churned, risk=run.scores.probability, days_since_last=figures.summary.since_last,
                                p_alive=None, base_rate=run.scores.training_churn_rate), run


def test_the_classifier_beats_recency_where_churn_shows_in_rhythm_and_trend(shop: tuple[np.ndarray, ...]) -> None:
    future, run = judged(shop, with_views=False)
    assert future.model.roc_auc > future.recency.roc_auc + 0.01
    assert future.model.pr_auc > future.recency.pr_auc
    assert run.evaluation is not None and run.evaluation.model.roc_auc > run.evaluation.recency.roc_auc + 0.01


def test_browsing_since_the_last_order_adds_to_the_purchases(shop: tuple[np.ndarray, ...]) -> None:
    without, _ = judged(shop, with_views=False)
    with_views, run = judged(shop, with_views=True)
    assert with_views.model.roc_auc > without.model.roc_auc + 0.005
    assert run.scores is not None and run.scores.contributions is not None
    views = run.scores.contributions[:, list(churn.FEATURES).index("views_since_order")]
    assert np.ptp(views) > 0.1  # the model leans on it


def test_probabilities_are_calibrated(shop: tuple[np.ndarray, ...]) -> None:
    future, _ = judged(shop, with_views=True)
    assert future.brier < 0.5 * future.brier_constant
    for predicted, observed, customers in future.reliability:
        assert abs(predicted - observed) < 0.08, (predicted, observed, customers)


def test_a_shop_with_few_customers_gets_a_reason_not_a_crash() -> None:
    run = churn.churn_risk(customer=[1, 2, 2, 3], time=[1.0, 5.0, 200.0, 210.0], amount=[5.0, 6.0, 7.0, 8.0],
                           end=220.0)
    scores, evaluation = run
    assert scores is None and evaluation is None
    assert "too few customers" in run.reason


def test_a_shop_where_nobody_churned_gets_a_reason_not_a_crash() -> None:
    weekly = np.arange(0.0, 400.0, 7.0)
    customer = np.repeat(np.arange(60), len(weekly))
    run = churn.churn_risk(customer=customer, time=np.tile(weekly, 60), amount=np.ones(len(customer)), end=399.0)
    assert run.scores is None and "0 churned" in run.reason


def test_a_short_history_is_scored_but_not_evaluated(shop: tuple[np.ndarray, ...]) -> None:
    customer, time, amount, *_ = shop
    short = (time > END - 150) & (time <= END)
    run = churn.churn_risk(customer=customer[short], time=time[short], amount=amount[short], end=END)
    assert run.scores is not None and run.evaluation is None
    assert run.reason.startswith("no evaluation: too few customers")


def test_evaluation_needs_both_kinds() -> None:
    with pytest.raises(ValueError, match="one class"):
        churn.evaluate_churn([True, True], risk=[0.5, 0.6], days_since_last=[3, 4], p_alive=None)


def test_the_drivers_are_the_features_raising_the_risk(shop: tuple[np.ndarray, ...]) -> None:
    _, run = judged(shop, with_views=False)
    assert run.scores is not None and run.scores.contributions is not None
    riskiest = int(np.argmax(run.scores.probability))
    drivers = run.scores.drivers(riskiest)
    assert drivers and all(pull > 0 for _, pull in drivers)
    assert [name for name, _ in drivers][0] == churn.FEATURES[int(np.argmax(run.scores.contributions[riskiest]))]

"""Online Retail II through the history import: the benchmark's claims, computed by the nightly job's code, held."""

from __future__ import annotations

import pytest

from benchmarks.evaluate_insight import Orders, check_rfm, compare_churn, compare_value, load_orders
from tests.conftest import shared_data

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def orders() -> Orders:
    return load_orders(shared_data("online_retail_uci", "online_retail_II_2009-12_2010-12.csv.gz"))


def test_the_import_reads_back_every_customer(orders: Orders) -> None:
    assert orders.stored == 22_100 and len(set(orders.customer.tolist())) == 4_314


def test_our_churn_risk_beats_recency_and_p_alive(orders: Orders) -> None:
    holdout = compare_churn(orders, boosting=False).holdout
    assert holdout.customers > 2500 and 0.2 < holdout.churned / holdout.customers < 0.5
    assert holdout.p_alive is not None
    assert holdout.model.roc_auc > holdout.recency.roc_auc
    assert holdout.model.roc_auc > holdout.p_alive.roc_auc
    assert holdout.model.pr_auc > max(holdout.recency.pr_auc, holdout.p_alive.pr_auc)


def test_both_lifetime_values_rank_holdout_revenue(orders: Orders) -> None:
    rows, _ = compare_value(orders)
    assert len(rows) == 3  # the shop formula and BG/NBD x Gamma-Gamma fitted both ways
    for row in rows:
        assert row.spearman > 0.4, row
        assert abs(row.total_error) < 0.5, row


def test_holdout_revenue_rises_with_the_rfm_score_and_segments_are_stable(orders: Orders) -> None:
    check = check_rfm(orders)
    means = [mean for _, _, mean in check.by_score]
    assert means == sorted(means) and check.spearman > 0.4
    assert check.stable and sum(check.segments.values()) > 2500

"""Per-customer figures from raw transactions, reproducing the CDNOW summaries the papers fit."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from assistant.insight import bgnbd, gamma_gamma, summary
from tests.conftest import shared_data

CALIBRATION_END = date(1997, 9, 30)


def days(yyyymmdd: np.ndarray) -> np.ndarray:
    return np.array([date(v // 10000, v // 100 % 100, v % 100).toordinal() for v in yyyymmdd.tolist()], dtype=float)


@pytest.fixture(scope="module")
def figures() -> summary.Summary:
    """CDNOW_sample.txt (master id, sample id, date, CDs, dollars) summarised in weeks, as the papers do."""
    rows = np.loadtxt(shared_data("cdnow_lifetimes", "CDNOW_sample.txt"), dtype=float)
    return summary.summarise(customer=rows[:, 1].astype(int), time=days(rows[:, 2].astype(int)) / 7,
                             amount=rows[:, 4], end=CALIBRATION_END.toordinal() / 7)


@pytest.mark.shared_data
def test_the_cdnow_summary_from_its_transactions(figures: summary.Summary, cdnow_spend: np.ndarray) -> None:
    assert figures.customer.tolist() == cdnow_spend["ID"].astype(int).tolist()
    assert figures.frequency.tolist() == cdnow_spend["x"].tolist()
    assert figures.recency == pytest.approx(cdnow_spend["t_x"], abs=0.005)
    assert figures.T == pytest.approx(cdnow_spend["T"], abs=0.005)
    assert figures.mean_spend == pytest.approx(cdnow_spend["zbar"], abs=0.005 + 1e-9)


def test_same_time_purchases_merge_and_later_ones_are_left_out() -> None:
    figures = summary.summarise(customer=[7, 3, 7, 7, 7, 3], time=[10, 2, 1, 10, 30, 5],
                                amount=[5.0, 8.0, 20.0, 15.0, 99.0, 4.0], end=20)
    assert figures.customer.tolist() == [3, 7]
    assert figures.orders.tolist() == [2, 2] and figures.frequency.tolist() == [1, 1]
    assert figures.recency.tolist() == [3, 9] and figures.T.tolist() == [18, 19]
    assert figures.revenue.tolist() == [12.0, 40.0] and figures.mean_spend.tolist() == [4.0, 20.0]
    assert figures.since_last.tolist() == [15, 10]


def test_a_single_purchase_and_no_purchase_at_all() -> None:
    one = summary.summarise(customer=[1], time=[4.0], amount=[9.0], end=4.0)
    assert (one.frequency.tolist(), one.recency.tolist(), one.T.tolist(), one.mean_spend.tolist()) == (
        [0.0], [0.0], [0.0], [0.0])
    assert summary.summarise(customer=[1], time=[5.0], amount=[9.0], end=4.0).customer.tolist() == []


@pytest.mark.shared_data
def test_raw_transactions_to_the_published_models(figures: summary.Summary) -> None:
    purchases = bgnbd.fit(figures.frequency, figures.recency, figures.T)
    assert [round(v, 3) for v in (purchases.r, purchases.alpha, purchases.a, purchases.b)] == [
        0.243, 4.414, 0.793, 2.426]
    assert round(purchases.log_likelihood, 1) == -9582.4
    spend = gamma_gamma.fit(figures.frequency, figures.mean_spend)
    assert (spend.p, spend.q, spend.gamma) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)

"""The CDNOW summaries of the BG/NBD and Gamma-Gamma papers, read from ../shared/data (never copied here)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import shared_data


@pytest.fixture(scope="session")
def cdnow() -> np.ndarray:
    """ID, frequency, recency, T of the 2,357 customers, in weeks (BASELINES.md protocol)."""
    return np.genfromtxt(shared_data("cdnow_lifetimes", "cdnow_customers_summary.csv"), delimiter=",", names=True)


@pytest.fixture(scope="session")
def cdnow_spend() -> np.ndarray:
    """ID, x, t_x, T, zbar (mean repeat spend in dollars) of the same customers."""
    path = shared_data("cdnow_lifetimes", "cdnow_customers_summary_with_transactions.csv")
    return np.genfromtxt(path, delimiter=",", names=True)

"""Assignment: deterministic, sticky, on its weights within 1% over 100,000 visitors, independent per campaign."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from assistant.promotions.variants import assign, bucket, pick

IDS = [f"anon-{i:06d}" for i in range(100_000)]


@dataclass(frozen=True)
class Arm:
    key: str
    weight: int


@pytest.mark.parametrize("weights", [(50, 50), (10, 90), (1, 1, 1), (20, 30, 50), (5, 0, 95)])
def test_split_is_within_one_percent_of_the_weights(weights: tuple[int, ...]) -> None:
    arms = [Arm(f"v{i}", w) for i, w in enumerate(weights)]
    counts = Counter(assign(arms, site_id=1, campaign_id=7, visitor=v).key for v in IDS)  # type: ignore[union-attr]
    for arm in arms:
        share = counts[arm.key] / len(IDS)
        expected = arm.weight / sum(weights)
        assert abs(share - expected) < 0.01, (arm, share)
        assert abs(share - expected) <= 0.01 * expected + 0.002  # relative too, beyond sampling noise


def test_assignment_is_deterministic_and_sticky() -> None:
    arms = [Arm("a", 1), Arm("b", 1), Arm("control", 1)]
    first = [assign(arms, site_id=3, campaign_id=9, visitor=v) for v in IDS[:1000]]
    again = [assign(arms, site_id=3, campaign_id=9, visitor=v) for v in IDS[:1000]]
    assert first == again
    assert bucket(3, 9, "anon-1") == bucket(3, 9, "anon-1") != bucket(4, 9, "anon-1")


def test_campaigns_assign_independently() -> None:
    one = np.array([bucket(1, 101, v) for v in IDS])
    two = np.array([bucket(1, 102, v) for v in IDS])
    assert abs(np.corrcoef(one, two)[0, 1]) < 0.01
    arms = [Arm("a", 1), Arm("b", 1)]
    table = np.zeros((2, 2))
    for u, w in zip(one, two, strict=True):
        table[pick(arms, u).key == "b", pick(arms, w).key == "b"] += 1  # type: ignore[union-attr]
    assert stats.chi2_contingency(table).pvalue > 0.001


def test_positions_are_uniform() -> None:
    positions = [bucket(1, 5, v) for v in IDS]
    assert stats.kstest(positions, "uniform").pvalue > 0.001
    assert 0 <= min(positions) and max(positions) < 1


def test_zero_weights_assign_nothing() -> None:
    assert assign([Arm("a", 0)], site_id=1, campaign_id=1, visitor="x") is None
    assert pick([Arm("a", 1), Arm("b", 0)], 0.999999) == Arm("a", 1)

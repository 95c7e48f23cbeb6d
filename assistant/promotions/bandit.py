"""Thompson sampling over a campaign's message variants, with the control's share fixed and a floor per variant.

A bandit campaign moves traffic towards the variants that convert (or get clicked) better while the
campaign runs, instead of splitting it evenly until the end. The rules that keep it measurable:

- the control variant keeps its weight's share of all traffic, always (the lift of the campaign over
  showing nothing stays an unbiased comparison of two fixed shares of the same visitors);
- every message variant keeps at least `min_share` of all traffic (exploration never stops, so a
  variant unlucky early can come back);
- the rest goes by Thompson sampling: each variant's share is the posterior probability that it is
  the best (Beta(1 + successes, 1 + failures) per variant, estimated from `DRAWS` joint draws).

Shares are computed offline (`analytics.allocation`, run by `assistant train` or `assistant campaigns
allocate`), stored on the campaign, and served with the cached live campaign: choosing reads no table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DRAWS = 10_000


@dataclass(frozen=True)
class ArmCounts:
    """A message variant's record on the bandit's metric: successes (conversions or clickers) of trials (visitors)."""

    key: str
    successes: int
    trials: int


@dataclass(frozen=True)
class Arm:
    """A variant as the allocation sees it: its key, configured weight and whether it is the control."""

    key: str
    weight: int
    control: bool


def best_probabilities(arms: Sequence[ArmCounts], *, rng: np.random.Generator,
                       draws: int = DRAWS) -> NDArray[np.float64]:
    """P(each arm has the highest rate) under independent Beta(1 + s, 1 + n - s) posteriors (Monte Carlo)."""
    if not arms:
        return np.zeros(0)
    successes = np.array([a.successes for a in arms], dtype=float)
    failures = np.array([a.trials - a.successes for a in arms], dtype=float)
    if (successes < 0).any() or (failures < 0).any():
        raise ValueError("successes must be between 0 and the number of trials")
    samples = rng.beta(1 + successes, 1 + failures, size=(draws, len(arms)))
    return np.bincount(samples.argmax(axis=1), minlength=len(arms)) / draws


def floored(probabilities: NDArray[np.float64], *, room: float, min_share: float) -> NDArray[np.float64]:
    """Shares of `room` (the traffic the message variants split): `min_share` each, the rest by probability."""
    count = len(probabilities)
    if count == 0:
        return np.zeros(0)
    floor = min(min_share, room / count)
    return np.asarray(floor + (room - count * floor) * probabilities, dtype=float)


def control_share(arms: Sequence[Arm]) -> float:
    """The control variant's fixed share of all traffic: its weight over all weights (0 without a control)."""
    total = sum(a.weight for a in arms if a.weight > 0)
    return sum(a.weight for a in arms if a.control and a.weight > 0) / total if total > 0 else 0.0


def bandit_weights(arms: Sequence[Arm], counts: Mapping[str, ArmCounts], *, min_share: float,
                   rng: np.random.Generator, draws: int = DRAWS) -> dict[str, float]:
    """New serving shares per variant key (summing to 1): the control's fixed, the message variants' by Thompson."""
    control = control_share(arms)
    playing = [a for a in arms if not a.control and a.weight > 0]
    records = [counts.get(a.key, ArmCounts(a.key, 0, 0)) for a in playing]
    shares = floored(best_probabilities(records, rng=rng, draws=draws), room=1 - control, min_share=min_share)
    weights = {a.key: 0.0 for a in arms}
    weights.update({a.key: control for a in arms if a.control and a.weight > 0})
    weights.update({a.key: float(s) for a, s in zip(playing, shares, strict=True)})
    return weights


def serving_shares(arms: Sequence[Arm], *, bandit: bool, stored: Mapping[str, float] | None) -> tuple[float, ...]:
    """Each variant's share of new visitors now: by weight, or the bandit's stored shares with the control's fixed.

    Stored shares that no longer fit the variants (one was added, or all are 0) are ignored until the
    next update: the configured weights serve meanwhile.
    """
    total = sum(a.weight for a in arms if a.weight > 0)
    by_weight = tuple(a.weight / total if a.weight > 0 and total > 0 else 0.0 for a in arms)
    if not bandit or not stored:
        return by_weight
    playing = [a for a in arms if not a.control and a.weight > 0]
    given = [max(0.0, float(stored[a.key])) if a.key in stored else None for a in playing]
    if not playing or None in given or sum(g or 0.0 for g in given) <= 0:
        return by_weight
    room, scale = 1 - control_share(arms), sum(g or 0.0 for g in given)
    share = {a.key: (g or 0.0) * room / scale for a, g in zip(playing, given, strict=True)}
    return tuple(by_weight[i] if a.control else share.get(a.key, 0.0) for i, a in enumerate(arms))

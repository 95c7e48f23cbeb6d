"""The standard survey figures with their confidence intervals: NPS, CSAT, CES and the response rate.

- NPS (0-10): % promoters (9-10) - % detractors (0-6). Each answer is coded +1 / 0 / -1, whose mean is
  NPS / 100 and whose variance is p_pro + p_det - (p_pro - p_det)^2; the interval is the normal one,
  NPS +/- z * 100 * sqrt(Var / n), clipped to [-100, 100]. Two groups (segment vs rest, this week vs
  last) are compared as independent samples: se = sqrt(Var_a / n_a + Var_b / n_b).
- CSAT (1-5): the share of 4-5, with a Wilson score interval (it stays inside [0, 1] and keeps its
  coverage near 0 and 1, where the normal interval does not).
- CES (1-7): the mean with a Student t interval, and the share agreeing (5-7) with a Wilson interval.
- Response rate: answered / shown, with a Wilson interval.

Every figure is computed from a histogram {score: count}, which is what a `GROUP BY score` returns, so
a report never loads the answers themselves; the `scores` forms count a list first.

Degenerate inputs never give nan: with no answers every value and bound is None; when every answer is
the same, NPS and the CES mean have a zero-width interval (the sample shows no spread: read it with n);
with a single CES answer the t interval does not exist and its bounds are None. Wilson intervals are
never zero-width. Scores outside the scale, non-integer scores and negative counts raise ValueError.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from assistant.intervals import scipy_stats, wilson_interval, z_value

NPS_SCALE = range(0, 11)
CSAT_SCALE = range(1, 6)
CES_SCALE = range(1, 8)


@dataclass(frozen=True)
class Proportion:
    """A share with its Wilson interval: count of n, value = count / n (None, None, None when n is 0)."""

    value: float | None
    low: float | None
    high: float | None
    count: int
    n: int
    confidence: float

    def to_json(self) -> dict[str, Any]:
        """The share as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class Nps:
    """Net Promoter Score on -100..100 with its interval and the three counts."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    promoters: int
    passives: int
    detractors: int
    confidence: float

    def to_json(self) -> dict[str, Any]:
        """The score as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class NpsDifference:
    """NPS of group a minus NPS of group b (-200..200), with its interval, and the two scores."""

    value: float | None
    low: float | None
    high: float | None
    a: Nps
    b: Nps
    confidence: float

    def to_json(self) -> dict[str, Any]:
        """The difference as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class Mean:
    """A mean with its Student t interval (bounds None when n < 2, value None when n is 0)."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    confidence: float

    def to_json(self) -> dict[str, Any]:
        """The mean as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class Ces:
    """Customer Effort Score: the mean of the 1-7 answers and the share agreeing (5-7)."""

    mean: Mean
    agreeing: Proportion
    counts: dict[int, int]

    def to_json(self) -> dict[str, Any]:
        """The score as a JSON object."""
        return asdict(self)


def histogram(scores: Iterable[int | float], scale: range) -> dict[int, int]:
    """Count integer scores on a scale; a score off the scale or not a whole number raises ValueError."""
    counts = dict.fromkeys(scale, 0)
    for score in scores:
        if not _whole(score) or int(score) not in counts:
            raise ValueError(f"score {score!r} is not a whole number from {scale.start} to {scale.stop - 1}")
        counts[int(score)] += 1
    return counts


def wilson(count: int, n: int, confidence: float = 0.95) -> Proportion:
    """The share count / n with its Wilson score interval (no continuity correction)."""
    if n < 0 or count < 0 or count > n:
        raise ValueError(f"count {count} of n {n} is not a share (need 0 <= count <= n)")
    z_value(confidence)
    if n == 0:
        return Proportion(None, None, None, count, n, confidence)
    low, high = wilson_interval(count, n, confidence)
    return Proportion(count / n, low, high, count, n, confidence)


def nps_from_counts(counts: Mapping[int, int], confidence: float = 0.95) -> Nps:
    """NPS from a histogram of 0-10 scores."""
    counts = _checked(counts, NPS_SCALE)
    promoters = counts[9] + counts[10]
    detractors = sum(counts[s] for s in range(0, 7))
    n = sum(counts.values())
    z = z_value(confidence)
    if n == 0:
        return Nps(None, None, None, 0, 0, 0, 0, confidence)
    p_pro, p_det = promoters / n, detractors / n
    score = p_pro - p_det
    half = z * math.sqrt(_coded_variance(p_pro, p_det) / n)
    low, high = max(-100.0, 100 * (score - half)), min(100.0, 100 * (score + half))
    return Nps(100 * (promoters - detractors) / n, low, high, n, promoters, n - promoters - detractors, detractors,
               confidence)


def nps(scores: Iterable[int | float], confidence: float = 0.95) -> Nps:
    """NPS from a list of 0-10 scores."""
    return nps_from_counts(histogram(scores, NPS_SCALE), confidence)


def nps_difference(a: Nps, b: Nps) -> NpsDifference:
    """NPS of a minus NPS of b for independent groups, at a's confidence (both must use the same)."""
    if a.confidence != b.confidence:
        raise ValueError(f"the two scores use different confidence levels ({a.confidence} and {b.confidence})")
    if a.value is None or b.value is None:
        return NpsDifference(None, None, None, a, b, a.confidence)
    se = math.sqrt(_nps_variance(a) / a.n + _nps_variance(b) / b.n)
    difference = a.value - b.value
    half = 100 * z_value(a.confidence) * se
    return NpsDifference(difference, max(-200.0, difference - half), min(200.0, difference + half), a, b,
                         a.confidence)


def csat_from_counts(counts: Mapping[int, int], confidence: float = 0.95) -> Proportion:
    """CSAT from a histogram of 1-5 scores: the share of 4 and 5."""
    counts = _checked(counts, CSAT_SCALE)
    return wilson(counts[4] + counts[5], sum(counts.values()), confidence)


def csat(scores: Iterable[int | float], confidence: float = 0.95) -> Proportion:
    """CSAT from a list of 1-5 scores."""
    return csat_from_counts(histogram(scores, CSAT_SCALE), confidence)


def ces_from_counts(counts: Mapping[int, int], confidence: float = 0.95) -> Ces:
    """CES from a histogram of 1-7 scores: the mean (t interval) and the share of 5-7 (Wilson)."""
    counts = _checked(counts, CES_SCALE)
    n = sum(counts.values())
    agreeing = wilson(counts[5] + counts[6] + counts[7], n, confidence)
    return Ces(_mean_from_counts(counts, n, confidence), agreeing, counts)


def ces(scores: Iterable[int | float], confidence: float = 0.95) -> Ces:
    """CES from a list of 1-7 scores."""
    return ces_from_counts(histogram(scores, CES_SCALE), confidence)


def response_rate(answered: int, shown: int, confidence: float = 0.95) -> Proportion:
    """Answered / shown with its Wilson interval (None values when nothing was shown)."""
    return wilson(answered, shown, confidence)


def _mean_from_counts(counts: dict[int, int], n: int, confidence: float) -> Mean:
    z_value(confidence)
    if n == 0:
        return Mean(None, None, None, 0, confidence)
    mean = sum(s * c for s, c in counts.items()) / n
    if n == 1:
        return Mean(mean, None, None, 1, confidence)
    variance = sum(c * (s - mean) ** 2 for s, c in counts.items()) / (n - 1)
    half = float(scipy_stats().t.ppf(0.5 + confidence / 2, n - 1)) * math.sqrt(variance / n)
    return Mean(mean, mean - half, mean + half, n, confidence)


def _whole(score: object) -> bool:
    """Whether a score is a whole number (NumPy numbers included; True/False, text and nan are not)."""
    return isinstance(score, numbers.Real) and not isinstance(score, bool) and float(score).is_integer()


def _coded_variance(p_pro: float, p_det: float) -> float:
    """Variance of the +1 / 0 / -1 score; never below 0 (rounding could make p + q - (p - q)^2 a hair negative)."""
    return max(0.0, p_pro + p_det - (p_pro - p_det) ** 2)


def _nps_variance(score: Nps) -> float:
    return _coded_variance(score.promoters / score.n, score.detractors / score.n)


def _checked(counts: Mapping[int, int], scale: range) -> dict[int, int]:
    unknown = sorted(set(counts) - set(scale))
    if unknown:
        raise ValueError(f"score {unknown[0]!r} is not on the scale {scale.start}-{scale.stop - 1}")
    negative = [s for s, c in counts.items() if c < 0]
    if negative:
        raise ValueError(f"count of score {negative[0]} is negative ({counts[negative[0]]})")
    return {s: int(counts.get(s, 0)) for s in scale}

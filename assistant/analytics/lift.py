"""The lift of exposed visitors over the control group, with intervals, from sums alone (the daily aggregates).

- A mean (revenue per visitor-day, average order value) is known by n, the sum and the sum of squares.
  The difference of two means takes Welch's interval (unequal variances, Welch-Satterthwaite degrees of
  freedom), as analytics.stats.compare_means does on the raw values: the same numbers from the sums.
- A rate (conversion: visitor-days with an order) takes the Wilson interval per group and Newcombe's
  hybrid score interval for the difference (analytics.stats.newcombe_interval).
- The relative lift (exposed / control - 1) is a ratio of two independent estimates: its interval is the
  delta method on the log scale, exp(log R +- z * sqrt(var1 / m1^2 + var0 / m0^2)) - 1, which keeps the
  ratio positive and is what Kohavi et al. (Trustworthy Online Controlled Experiments, ch. 18) recommend.
- Incremental revenue is the difference of revenue per visitor-day times the exposed visitor-days, with
  the difference's interval scaled the same way: what the exposed would have spent without the assistant,
  estimated from the control group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from assistant.analytics.stats import newcombe_interval, two_proportion_ztest
from assistant.intervals import scipy_stats, wilson_interval, z_value

MEAN_METHOD = "Welch's t interval from sums (unequal variances); relative lift: delta method on the log scale"
RATE_METHOD = "Wilson per group; difference: Newcombe hybrid score; relative lift: delta method on the log scale"
MIN_GROUP = 30


@dataclass(frozen=True)
class Moments:
    """A sample known by its size, sum and sum of squares."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float | None:
        """The sample mean (None when empty)."""
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """The sample variance (n - 1), None below two values; never below zero from rounding."""
        if self.n < 2:
            return None
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


@dataclass(frozen=True)
class Estimate:
    """A value and its interval (None where it cannot be told)."""

    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Lift:
    """Exposed against control on one metric."""

    metric: str
    method: str
    exposed: Estimate
    control: Estimate
    difference: Estimate
    relative: Estimate
    p_value: float | None
    confidence: float
    verdict: str
    """'higher', 'lower', 'no clear difference' or 'too few visitors to tell'."""


def mean_interval(m: Moments, confidence: float = 0.95) -> Estimate:
    """The mean with its t interval."""
    if m.mean is None or m.variance is None:
        return Estimate(m.mean)
    half = _t(confidence, m.n - 1) * math.sqrt(m.variance / m.n)
    return Estimate(m.mean, m.mean - half, m.mean + half)


def welch(exposed: Moments, control: Moments, confidence: float = 0.95) -> tuple[Estimate, float | None]:
    """The difference of means (exposed - control) with Welch's interval, and its two-sided p-value."""
    m1, m0, v1, v0 = exposed.mean, control.mean, exposed.variance, control.variance
    if m1 is None or m0 is None:
        return Estimate(None), None
    if v1 is None or v0 is None:
        return Estimate(m1 - m0), None
    a, b = v1 / exposed.n, v0 / control.n
    se = math.sqrt(a + b)
    if se == 0:
        return Estimate(m1 - m0, m1 - m0, m1 - m0), None
    df = (a + b) ** 2 / (a * a / (exposed.n - 1) + b * b / (control.n - 1))
    half = _t(confidence, df) * se
    p = float(2 * scipy_stats().t.sf(abs(m1 - m0) / se, df))
    return Estimate(m1 - m0, m1 - m0 - half, m1 - m0 + half), p


def ratio_interval(m1: float, var1: float, m0: float, var0: float, confidence: float = 0.95) -> Estimate:
    """m1 / m0 - 1 with the delta method's interval on the log scale (var: the estimates' variances)."""
    if m1 <= 0 or m0 <= 0:
        return Estimate(m1 / m0 - 1 if m0 > 0 else None)
    half = z_value(confidence) * math.sqrt(var1 / (m1 * m1) + var0 / (m0 * m0))
    ratio = m1 / m0
    return Estimate(ratio - 1, ratio * math.exp(-half) - 1, ratio * math.exp(half) - 1)


def mean_lift(metric: str, exposed: Moments, control: Moments, confidence: float = 0.95) -> Lift:
    """Exposed against control on a mean (revenue per visitor-day, average order value)."""
    difference, p = welch(exposed, control, confidence)
    relative = Estimate(None)
    if exposed.mean is not None and control.mean is not None and exposed.variance is not None \
            and control.variance is not None:
        relative = ratio_interval(exposed.mean, exposed.variance / exposed.n, control.mean,
                                  control.variance / control.n, confidence)
    small = min(exposed.n, control.n) < MIN_GROUP
    return Lift(metric, MEAN_METHOD, mean_interval(exposed, confidence), mean_interval(control, confidence),
                difference, relative, p, confidence, _verdict(small, p, difference, confidence))


def rate_lift(metric: str, exposed: tuple[int, int], control: tuple[int, int], confidence: float = 0.95) -> Lift:
    """Exposed against control on a rate: (successes, trials) per group."""
    (x1, n1), (x0, n0) = exposed, control
    if n1 == 0 or n0 == 0:
        empty = Estimate(None)
        return Lift(metric, RATE_METHOD, _rate(x1, n1, confidence), _rate(x0, n0, confidence), empty, empty, None,
                    confidence, "too few visitors to tell")
    p1, p0 = x1 / n1, x0 / n0
    low, high = newcombe_interval(x1, n1, x0, n0, confidence)
    _, p = two_proportion_ztest(x1, n1, x0, n0)
    relative = ratio_interval(p1, p1 * (1 - p1) / n1, p0, p0 * (1 - p0) / n0, confidence)
    difference = Estimate(p1 - p0, low, high)
    small = min(n1, n0) < MIN_GROUP
    return Lift(metric, RATE_METHOD, _rate(x1, n1, confidence), _rate(x0, n0, confidence), difference, relative, p,
                confidence, _verdict(small, p, difference, confidence))


def incremental(difference: Estimate, exposed_visitors: int) -> Estimate:
    """A per-visitor difference times the exposed visitors: the total it made (None where unknown)."""
    def scaled(value: float | None) -> float | None:
        return None if value is None else value * exposed_visitors
    return Estimate(scaled(difference.value), scaled(difference.low), scaled(difference.high))


def _rate(x: int, n: int, confidence: float) -> Estimate:
    if n == 0:
        return Estimate(None)
    low, high = wilson_interval(x, n, confidence)
    return Estimate(x / n, low, high)


def _t(confidence: float, df: float) -> float:
    return float(scipy_stats().t.ppf(0.5 + confidence / 2, df))


def _verdict(small: bool, p: float | None, difference: Estimate, confidence: float) -> str:
    if small or p is None or difference.low is None or difference.high is None:
        return "too few visitors to tell"
    if p >= 1 - confidence:
        return "no clear difference"
    return "higher" if difference.low > 0 else "lower" if difference.high < 0 else "no clear difference"

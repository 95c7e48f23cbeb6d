"""The statistics of A/B results, on scipy.stats: rates, means, and the sample ratio check.

- Conversion rate: two-sided two-proportion z-test with the pooled standard error for the p-value,
  and Newcombe's hybrid score interval (Wilson intervals of each arm, method 10 of Newcombe 1998)
  for the difference, which keeps its coverage near 0 and 1 where the Wald interval does not.
- Revenue per visitor: Welch's unequal-variances t-test and its interval (scipy's ttest_ind).
- Sample ratio mismatch: chi-square goodness of fit of visitors per arm against the configured
  weights, flagged at p < 0.001 as Microsoft's ExP and Optimizely do.
- Both metrics again with the always-valid sequential test (`sequential`), which the results page
  shows first: its p-values and intervals hold at whatever time one looks; the tests above hold only
  at one look at a sample size fixed in advance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from assistant.intervals import scipy_stats, wilson_interval

from .sequential import DEFAULT_TUNING, Sequential, sequential_means, sequential_rates

RATE_METHOD = "two-proportion z-test (pooled SE); CI: Newcombe hybrid score interval (Wilson)"
MEAN_METHOD = "Welch's t-test (unequal variances)"
SRM_METHOD = "chi-square goodness of fit against the configured weights"
SEQUENTIAL_METHOD = ("always valid: normal-mixture sequential test (Optimizely's mSPRT, GrowthBook's confidence "
                     "sequence), tuned to be narrowest at {tuning:,} visitors")
SRM_THRESHOLD = 0.001
TOO_SMALL = "too small to tell"


@dataclass(frozen=True)
class Comparison:
    """A variant against the baseline on one metric: difference (variant - baseline), interval, p-value."""

    metric: str
    method: str
    baseline: float | None
    variant: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    statistic: float | None
    confidence: float
    verdict: str
    """'better', 'worse', 'no clear difference' or 'too small to tell'."""

    def to_json(self) -> dict[str, Any]:
        """The comparison as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class Srm:
    """The sample ratio check: observed and expected visitors per arm, the test, and whether it failed."""

    observed: list[int]
    expected: list[float]
    chi2: float
    p_value: float
    mismatch: bool
    method: str = SRM_METHOD

    def to_json(self) -> dict[str, Any]:
        """The check as a JSON object."""
        return asdict(self)


def two_proportion_ztest(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) for p1 - p2 with the pooled standard error."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return z, float(2 * scipy_stats().norm.sf(abs(z)))


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p2."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def compare_rates(variant: tuple[int, int], baseline: tuple[int, int], *, confidence: float = 0.95,
                  min_visitors: int = 100, min_expected: float = 5) -> Comparison:
    """Compare conversions/visitors of a variant with the baseline's."""
    (xv, nv), (xb, nb) = variant, baseline
    if nv == 0 or nb == 0:
        return Comparison("conversion_rate", RATE_METHOD, _rate(xb, nb), _rate(xv, nv), None, None, None, None,
                          None, confidence, TOO_SMALL)
    z, p = two_proportion_ztest(xv, nv, xb, nb)
    low, high = newcombe_interval(xv, nv, xb, nb, confidence)
    pooled = (xv + xb) / (nv + nb)
    expected = min(n * q for n in (nv, nb) for q in (pooled, 1 - pooled))
    small = min(nv, nb) < min_visitors or expected < min_expected
    return Comparison("conversion_rate", RATE_METHOD, xb / nb, xv / nv, xv / nv - xb / nb, low, high, p, z,
                      confidence, TOO_SMALL if small else _verdict(p, low, high, confidence))


def compare_means(variant: Sequence[float], baseline: Sequence[float], *, confidence: float = 0.95,
                  min_visitors: int = 100) -> Comparison:
    """Compare per-visitor values (revenue, zeros included) of a variant with the baseline's (Welch)."""
    mv, mb = _mean(variant), _mean(baseline)
    difference = mv - mb if mv is not None and mb is not None else None
    if len(variant) < 2 or len(baseline) < 2:
        return Comparison("revenue_per_visitor", MEAN_METHOD, mb, mv, difference, None, None, None, None,
                          confidence, TOO_SMALL)
    result = scipy_stats().ttest_ind(variant, baseline, equal_var=False)
    if math.isnan(result.statistic):
        return Comparison("revenue_per_visitor", MEAN_METHOD, mb, mv, difference, None, None, None, None,
                          confidence, TOO_SMALL)
    interval = result.confidence_interval(confidence_level=confidence)
    low, high, p = float(interval.low), float(interval.high), float(result.pvalue)
    small = min(len(variant), len(baseline)) < min_visitors
    return Comparison("revenue_per_visitor", MEAN_METHOD, mb, mv, difference, low, high, p,
                      float(result.statistic), confidence, TOO_SMALL if small else _verdict(p, low, high, confidence))


def compare_rates_sequential(variant: tuple[int, int], baseline: tuple[int, int], *, confidence: float = 0.95,
                             tuning: float = DEFAULT_TUNING, min_visitors: int = 100,
                             min_expected: float = 5) -> Comparison:
    """Compare conversions/visitors with the always-valid test (the same 'too small' rule as compare_rates)."""
    (xv, nv), (xb, nb) = variant, baseline
    result = sequential_rates(variant, baseline, alpha=1 - confidence, tuning=tuning) if nv and nb else None
    method = SEQUENTIAL_METHOD.format(tuning=int(tuning))
    pooled = (xv + xb) / (nv + nb) if nv + nb else 0.0
    small = min(nv, nb) < min_visitors or min(n * q for n in (nv, nb) for q in (pooled, 1 - pooled)) < min_expected
    return _sequential("conversion_rate", method, _rate(xb, nb), _rate(xv, nv), result, confidence, small)


def compare_means_sequential(variant: Sequence[float], baseline: Sequence[float], *, confidence: float = 0.95,
                             tuning: float = DEFAULT_TUNING, min_visitors: int = 100) -> Comparison:
    """Compare per-visitor values with the always-valid test (the same 'too small' rule as compare_means)."""
    result = sequential_means(variant, baseline, alpha=1 - confidence, tuning=tuning)
    small = min(len(variant), len(baseline)) < min_visitors
    return _sequential("revenue_per_visitor", SEQUENTIAL_METHOD.format(tuning=int(tuning)), _mean(baseline),
                       _mean(variant), result, confidence, small)


def _sequential(metric: str, method: str, baseline: float | None, variant: float | None, result: Sequential | None,
                confidence: float, small: bool) -> Comparison:
    difference = variant - baseline if variant is not None and baseline is not None else None
    if result is None:
        return Comparison(metric, method, baseline, variant, difference, None, None, None, None, confidence,
                          TOO_SMALL)
    verdict = TOO_SMALL if small else _verdict(result.p_value, result.ci_low, result.ci_high, confidence)
    return Comparison(metric, method, baseline, variant, result.difference, result.ci_low, result.ci_high,
                      result.p_value, result.difference / result.standard_error, confidence, verdict)


def srm_check(observed: Sequence[int], weights: Sequence[float], threshold: float = SRM_THRESHOLD) -> Srm | None:
    """Whether visitors per arm are off the weights (None with fewer than two weighted arms or no visitors)."""
    pairs = [(o, w) for o, w in zip(observed, weights, strict=True) if w > 0]
    total, weight = sum(o for o, _ in pairs), sum(w for _, w in pairs)
    if len(pairs) < 2 or total == 0:
        return None
    expected = [total * w / weight for _, w in pairs]
    chi2, p = scipy_stats().chisquare([o for o, _ in pairs], f_exp=expected)
    return Srm([o for o, _ in pairs], expected, float(chi2), float(p), bool(p < threshold))


def _verdict(p: float, low: float, high: float, confidence: float) -> str:
    if p >= 1 - confidence:
        return "no clear difference"
    return "better" if low > 0 else "worse" if high < 0 else "no clear difference"


def _rate(x: int, n: int) -> float | None:
    return x / n if n else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None

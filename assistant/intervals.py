"""Confidence intervals every report shares: the experiment results (analytics) and the survey figures (surveys).

SciPy is imported on the first call rather than by every worker at start (about 0.8 s).
"""

from __future__ import annotations

import math
from types import ModuleType


def scipy_stats() -> ModuleType:
    """scipy.stats, imported when first needed."""
    from scipy import stats

    return stats


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level in (0, 1)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence {confidence!r} is not between 0 and 1 (e.g. 0.95)")
    return float(scipy_stats().norm.ppf(0.5 + confidence / 2))


def wilson_interval(count: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of the proportion count / n (no continuity correction), for n > 0.

    The closed form, as SciPy's binomtest(...).proportion_ci(method="wilson"); a bound is exactly 0 (1) when
    count is 0 (n), where rounding could otherwise move it past.
    """
    if n <= 0 or count < 0 or count > n:
        raise ValueError(f"count {count} of n {n} is not a share (need 0 <= count <= n, n > 0)")
    z = z_value(confidence)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if count == 0 else max(0.0, centre - half)
    high = 1.0 if count == n else min(1.0, centre + half)
    return low, high

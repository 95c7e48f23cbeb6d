"""Always-valid inference for a variant against the control: p-values and intervals safe to read every day.

A fixed-horizon test promises its 5 % false-positive rate at one planned look; read daily and stopped
at the first p < 0.05, it finds "winners" in a quarter of A/A tests (benchmarks/sequential_tests.py).
The test here promises P(it *ever* shows p < alpha, or an interval without the true difference) <= alpha,
however often and whenever one looks, so a campaign may be stopped the day its result turns clear.

The method is the normal-mixture sequential test, which is one thing under two names:

- Optimizely's mixture sequential probability ratio test (Johari, Pekelis, Walsh, "Always valid
  inference", 2017/2022): with the difference estimate d, its variance V = SE^2 and a normal mixture
  N(theta0, tau^2) over the alternative, the likelihood ratio is
  L = sqrt(V / (V + tau^2)) * exp(tau^2 (d - theta0)^2 / (2 V (V + tau^2))); the always-valid p-value
  is 1 / L at theta0 = 0 (capped at 1), and the interval is every theta0 with L < 1 / alpha.
- GrowthBook's asymptotic confidence sequence (Waudby-Smith et al. 2023, after Howard et al. 2021),
  written with n = all visitors of both arms, s^2 = n SE^2 and tau^2 = rho^2 s^2: half-width
  s * sqrt(2 (n rho^2 + 1) / (n^2 rho^2) * log(sqrt(n rho^2 + 1) / alpha)).

The mixture variance is chosen as GrowthBook documents it: rho^2 = (-2 log alpha + log(-2 log alpha + 1)) / N*,
which makes the interval narrowest when N* visitors have been seen (N* = 5,000 by default, their default
"estimated number of users"); the guarantee holds for every N*, only the power moves.
Each function works on the current totals; the bound holds at every look taken by itself (taking
the running minimum of p and intersection of intervals over looks, `running`, is also valid and tighter).
The approximation is the central limit theorem's: asymptotic, like the fixed-horizon z-test.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

DEFAULT_TUNING = 5000
"""N*: the number of visitors (both arms) at which the interval is narrowest (GrowthBook's default)."""
DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class Sequential:
    """An always-valid comparison at one look: difference (variant - control), interval, p-value."""

    difference: float
    standard_error: float
    ci_low: float
    ci_high: float
    p_value: float
    visitors: int
    """Visitors of both arms (n above)."""


def mixture_rho2(alpha: float = DEFAULT_ALPHA, tuning: float = DEFAULT_TUNING) -> float:
    """rho^2, the mixture variance per unit of s^2, that makes the interval narrowest at `tuning` visitors."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha {alpha!r} is not between 0 and 1")
    if tuning <= 0:
        raise ValueError(f"the tuning parameter {tuning!r} must be a positive number of visitors")
    two_log = -2 * math.log(alpha)
    return (two_log + math.log(two_log + 1)) / tuning


def log_evidence(z: ArrayLike, n: ArrayLike, rho2: float) -> NDArray[np.float64]:
    """log L: the mixture likelihood ratio for z = d / SE after n visitors (vectorised over z and n)."""
    z, n = np.asarray(z, dtype=float), np.asarray(n, dtype=float)
    growth = n * rho2 + 1
    return np.asarray(rho2 * n * z * z / (2 * growth) - 0.5 * np.log(growth), dtype=float)


def p_values(z: ArrayLike, n: ArrayLike, rho2: float) -> NDArray[np.float64]:
    """The always-valid p-values min(1, 1 / L) (vectorised, for simulations)."""
    return np.asarray(np.exp(np.minimum(0.0, -log_evidence(z, n, rho2))), dtype=float)


def half_widths(se: ArrayLike, n: ArrayLike, rho2: float, alpha: float = DEFAULT_ALPHA) -> NDArray[np.float64]:
    """Half-widths of the always-valid intervals: d +- this holds every theta0 with L(theta0) < 1 / alpha."""
    se, n = np.asarray(se, dtype=float), np.asarray(n, dtype=float)
    growth = n * rho2 + 1
    return np.asarray(se * np.sqrt(growth / (n * rho2) * (2 * np.log(1 / alpha) + np.log(growth))), dtype=float)


def sequential_z(difference: float, se: float, visitors: int, *, alpha: float = DEFAULT_ALPHA,
                 tuning: float = DEFAULT_TUNING) -> Sequential:
    """The always-valid result for an estimate with its standard error after `visitors` (both arms)."""
    if se <= 0 or visitors <= 0:
        raise ValueError("the standard error and the number of visitors must be positive")
    rho2 = mixture_rho2(alpha, tuning)
    half = float(half_widths(se, visitors, rho2, alpha))
    p = float(p_values(difference / se, visitors, rho2))
    return Sequential(difference, se, difference - half, difference + half, p, visitors)


def sequential_rates(variant: tuple[int, int], control: tuple[int, int], *, alpha: float = DEFAULT_ALPHA,
                     tuning: float = DEFAULT_TUNING) -> Sequential | None:
    """Conversions/visitors of a variant against the control's (None when the standard error is 0)."""
    (xv, nv), (xc, nc) = variant, control
    if nv <= 0 or nc <= 0:
        return None
    pv, pc = xv / nv, xc / nc
    se = math.sqrt(pv * (1 - pv) / nv + pc * (1 - pc) / nc)
    return sequential_z(pv - pc, se, nv + nc, alpha=alpha, tuning=tuning) if se > 0 else None


def sequential_means(variant: Sequence[float] | NDArray[np.float64], control: Sequence[float] | NDArray[np.float64],
                     *, alpha: float = DEFAULT_ALPHA, tuning: float = DEFAULT_TUNING) -> Sequential | None:
    """Per-visitor values (revenue, zeros included) of a variant against the control's (None: too few or constant)."""
    v, c = np.asarray(variant, dtype=float), np.asarray(control, dtype=float)
    if len(v) < 2 or len(c) < 2:
        return None
    se = math.sqrt(float(v.var(ddof=1)) / len(v) + float(c.var(ddof=1)) / len(c))
    difference = float(v.mean() - c.mean())
    return sequential_z(difference, se, len(v) + len(c), alpha=alpha, tuning=tuning) if se > 0 else None


def running(looks: Iterable[Sequential]) -> Sequential:
    """The looks combined: the smallest p-value so far and the intersection of the intervals (still valid)."""
    combined: Sequential | None = None
    for look in looks:
        if combined is None:
            combined = look
            continue
        low, high = max(combined.ci_low, look.ci_low), min(combined.ci_high, look.ci_high)
        combined = Sequential(look.difference, look.standard_error, low, high, min(combined.p_value, look.p_value),
                              look.visitors)
    if combined is None:
        raise ValueError("no looks to combine")
    return combined

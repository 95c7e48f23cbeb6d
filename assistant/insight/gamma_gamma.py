"""Gamma-Gamma spend per order (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013 note).

A customer's orders are gamma(p, nu) around their own mean, and nu is gamma(q, gamma) across customers.
Fitted on customers with at least one repeat purchase, from x (repeat purchases) and their mean spend;
it assumes spend per order does not depend on how often a customer buys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

Array = NDArray[np.float64]


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters and the log-likelihood they reach."""

    p: float
    q: float
    gamma: float
    log_likelihood: float


def log_likelihood(params: ArrayLike, x: ArrayLike, mean_spend: ArrayLike) -> Array:
    """Each customer's log-likelihood of their mean spend over x orders, under (p, q, gamma)."""
    p, q, gamma = (float(v) for v in np.asarray(params, dtype=float))
    x, m = _arrays(x, mean_spend)
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + x * m))


def fit(frequency: ArrayLike, mean_spend: ArrayLike) -> GammaGamma:
    """The maximum-likelihood (p, q, gamma) over customers with frequency > 0 (the others are left out)."""
    x, m = np.asarray(frequency, dtype=float), np.asarray(mean_spend, dtype=float)
    repeat = x > 0
    x, m = _arrays(x[repeat], m[repeat])
    if len(x) == 0:
        raise ValueError("Gamma-Gamma needs customers with at least one repeat purchase")

    def loss(log_params: Array) -> tuple[float, Array]:
        with np.errstate(over="ignore", under="ignore"):
            params = np.exp(log_params)
        if not np.all(np.isfinite(params) & (params > 0)):  # a trial step too far: the line search steps back
            return np.inf, np.zeros(3)
        return -float(np.sum(log_likelihood(params, x, m))) / len(x), -_gradient(params, x, m) * params / len(x)

    # the exact gradient: finite differences of a step too far gave inf - inf (a RuntimeWarning, and no direction)
    result = minimize(loss, np.zeros(3), jac=True, method="L-BFGS-B", options={"ftol": 1e-13, "gtol": 1e-9})
    if not np.all(np.isfinite(result.x)):
        raise ValueError(f"Gamma-Gamma fit did not converge: {result.message}")
    p, q, gamma = np.exp(result.x)
    return GammaGamma(float(p), float(q), float(gamma), -float(result.fun) * len(x))


def _gradient(params: Array, x: Array, m: Array) -> Array:
    """The summed log-likelihood's gradient in (p, q, gamma)."""
    p, q, gamma = (float(v) for v in params)
    px, log_end = p * x, np.log(gamma + x * m)
    shared = digamma(px + q)
    return np.array([
        float(np.sum(x * (shared - digamma(px) + np.log(m) + np.log(x) - log_end))),
        float(np.sum(shared - digamma(q) + np.log(gamma) - log_end)),
        float(np.sum(q / gamma - (px + q) / (gamma + x * m))),
    ])


def expected_spend(model: GammaGamma, frequency: ArrayLike, mean_spend: ArrayLike) -> Array:
    """E[spend per order | x, mean spend]: a weighted mean of the population's mean and the customer's own.

    A customer without repeat purchases (x = 0) gets the population mean, p * gamma / (q - 1).
    """
    p, q, gamma = model.p, model.q, model.gamma
    x, m = np.broadcast_arrays(np.asarray(frequency, dtype=float), np.asarray(mean_spend, dtype=float))
    if q <= 1:
        raise ValueError(f"the mean spend is infinite when q <= 1 (q = {q:.3g})")
    return np.asarray(p * (gamma + x * m) / (p * x + q - 1.0), dtype=float)


def _arrays(x: ArrayLike, mean_spend: ArrayLike) -> tuple[Array, Array]:
    x, m = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(mean_spend, dtype=float))
    if np.any(x <= 0) or np.any(m <= 0) or not (np.all(np.isfinite(x)) and np.all(np.isfinite(m))):
        raise ValueError("need finite frequency > 0 and mean spend > 0 for every customer fitted")
    return x, m

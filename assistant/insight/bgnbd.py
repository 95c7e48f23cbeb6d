"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"), fitted by maximum likelihood.

A customer buys at a Poisson rate (gamma-distributed across customers: r, alpha) until, after any purchase,
they drop out with probability p (beta-distributed: a, b). Each customer is summarised by x (repeat
purchases), t_x (time of the last one, from the first purchase) and T (time since the first purchase).
Everything is computed in logs so that large x or T neither overflows nor loses the small terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeResult, minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters and the log-likelihood they reach on the data they were fitted to."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    @property
    def drop_out(self) -> float:
        """The mean probability of dropping out after a purchase, a / (a + b)."""
        return self.a / (self.a + self.b)

    @property
    def homogeneous(self) -> bool:
        """True on the edge where every customer drops out with the same probability (the beta is a point mass)."""
        return self.a + self.b >= HOMOGENEOUS


HOMOGENEOUS = 1e12
"""a + b of a fit on the homogeneous-drop-out edge (bgnbd.fit); the closed forms take their limit there."""
EDGE = 1e4
"""a + b beyond which L-BFGS-B is taken to be heading for that edge: from (1, 1, 1, 1) it only goes that far
when the likelihood keeps rising that way, and a beta that narrow (sd below 0.005) is one p for any purpose.
The four-parameter likelihood out there is itself unreliable (log-gammas in the millions, differences of order
1e-6 per customer), so the edge's closed form decides."""


def log_likelihood(params: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:  # noqa: N803
    """Each customer's log-likelihood under (r, alpha, a, b): equation (6) of the paper, as a log-sum-exp."""
    x, t_x, T = _arrays(x, t_x, T)  # noqa: N806
    values, inverse = np.unique(x, return_inverse=True)
    return _terms(np.asarray(params, dtype=float), values, inverse.reshape(x.shape), t_x, T)[0]


def fit(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, weights: ArrayLike | None = None) -> BgNbd:  # noqa: N803
    """The maximum-likelihood (r, alpha, a, b) for customers with (frequency, recency, T); `weights` counts repeats.

    Optimised over the parameters' logs (all four are positive) by L-BFGS-B with the exact gradient, from
    (1, 1, 1, 1), the starting point of Hardie's spreadsheet. Terms of x alone are computed once per distinct x.
    When the data show no drop-out the maximum is on an edge (a / (a + b) -> 0): the answer is a point on it,
    with the NBD's r and alpha, and P(alive) about 1 for everyone. When everyone drops out alike it is on another
    (a, b -> inf, a / (a + b) = p; `homogeneous`): (r, alpha, p) by that edge's closed form.
    """
    x, t_x, T = (v.ravel() for v in _arrays(frequency, recency, T))  # noqa: N806
    w = np.ones_like(x) if weights is None else np.broadcast_to(np.asarray(weights, dtype=float), x.shape)
    if not np.any((x > 0) & (w > 0)):
        raise ValueError("BG/NBD needs customers with a repeat purchase: without one it has no maximum")
    values, inverse = np.unique(x, return_inverse=True)
    scale = float(w.sum())

    def loss(log_params: Array) -> tuple[float, Array]:
        with np.errstate(over="ignore", under="ignore"):
            params = np.exp(log_params)
        if not np.all(np.isfinite(params) & (params > 0)):  # a trial step too far: the line search steps back
            return np.inf, np.zeros(4)
        each, gradient = _terms(params, values, inverse, t_x, T, w)
        return -_dot(w, each) / scale, -gradient * params / scale

    options = {"ftol": 1e-14, "gtol": 1e-10}
    result = minimize(loss, np.zeros(4), jac=True, method="L-BFGS-B", options=options)
    r, alpha, a, b = np.exp(result.x)
    if np.all(np.isfinite(result.x)) and a + b > EDGE and max(r, alpha) < 1e6:
        same = _same_drop_out(x, t_x, T, w, result.x)
        if same is not None:
            return same
    if not result.success and np.all(np.isfinite(result.x)) and max(r, alpha) < 1e6:
        edge = _on_the_edge(loss, result.x, options)
        if edge is not None and edge.fun <= result.fun + 1e-12:
            r, alpha, a, b = np.exp(edge.x)
            return BgNbd(float(r), float(alpha), float(a), float(b), -float(edge.fun) * scale)
    if not result.success or not np.all(np.isfinite(result.x)):
        # e.g. purchases at one steady rate with no drop-out: r, alpha -> inf and a -> 0 at the boundary
        raise ValueError(f"BG/NBD fit did not converge ({result.message}); it stopped at r {r:.3g}, "
                         f"alpha {alpha:.3g}, a {a:.3g}, b {b:.3g}: the data show no maximum inside")
    return BgNbd(float(r), float(alpha), float(a), float(b), -float(result.fun) * scale)


def _same_drop_out(x: Array, t_x: Array, T: Array, w: Array, stopped: Array) -> BgNbd | None:  # noqa: N803
    """The maximum on the edge a, b -> inf with a / (a + b) = p: one drop-out probability for everyone.

    Where the data show less spread in drop-out than any beta allows, the likelihood rises towards that edge and
    L-BFGS-B wanders along it (a, b in the millions) until it gives up. There the model has three parameters,
    (r, alpha, p), and its likelihood a closed form: (1-p)^x A(T) (1 + [x > 0] p / (1-p) A(t_x) / A(T)) with
    A(t) = Gamma(r+x) alpha^r / (Gamma(r) (alpha+t)^(r+x)). None if that fit fails.
    """
    repeat = x > 0
    scale = float(w.sum())

    def loss(params: Array) -> tuple[float, Array]:
        with np.errstate(over="ignore", under="ignore"):
            r, alpha = np.exp(params[:2])
        if not (np.isfinite(r) and np.isfinite(alpha) and r > 0 and alpha > 0):
            return np.inf, np.zeros(3)
        p, log_stay = float(expit(params[2])), -float(np.logaddexp(0.0, params[2]))  # log(1 - p), for any p
        log_end, log_last = np.log(alpha + T), np.log(alpha + t_x)
        odds = params[2] + (r + x) * (log_end - log_last)
        each = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + x * log_stay - (r + x) * log_end
                + np.where(repeat, np.logaddexp(0.0, odds), 0.0))
        dropped = np.where(repeat, expit(odds), 0.0)
        gradient = np.array([
            _dot(w, digamma(r + x) - digamma(r) + np.log(alpha) - log_end + dropped * (log_end - log_last)) * r,
            _dot(w, r / alpha - (r + x) / (alpha + T) + dropped * (r + x) * (1 / (alpha + T) - 1 / (alpha + t_x)))
            * alpha,
            _dot(w, dropped - x * p),
        ])
        return -_dot(w, each) / scale, -gradient / scale

    start = np.r_[stopped[:2], stopped[2] - stopped[3]]  # logit p = log a - log b
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"ftol": 1e-14, "gtol": 1e-10})
    if not result.success or not np.all(np.isfinite(result.x)):
        return None
    r, alpha = np.exp(result.x[:2])
    p = max(float(expit(result.x[2])), 1e-300)  # a = 0 would be no model at all
    return BgNbd(float(r), float(alpha), p * HOMOGENEOUS, (1.0 - p) * HOMOGENEOUS, -float(result.fun) * scale)


def _on_the_edge(loss: Callable[[Array], tuple[float, Array]], stopped: Array,
                 options: dict[str, float]) -> OptimizeResult | None:
    """The maximum on the no-drop-out edge, where L-BFGS-B stopped short of it (or None if it is not there).

    Where the data show no drop-out the likelihood's supremum is the edge a / (a + b) -> 0, flat in (a, b), and
    the line search gives up on the way on some data and not on others (by a -> 0, or by a, b -> inf): (r,
    alpha) are finished with (a, b) held where it stopped, or at a = 1e-12, b = 1, and a point counts if the
    likelihood is flat in (a, b) there.
    """
    best: OptimizeResult | None = None
    for held in (stopped[2:], np.log([1e-12, 1.0])):

        def rates_only(log_rate: Array, held: Array = held) -> tuple[float, Array]:
            value, gradient = loss(np.r_[log_rate, held])
            return value, gradient[:2]

        rates = minimize(rates_only, stopped[:2], jac=True, method="L-BFGS-B", options=options)
        point = np.r_[rates.x, held]
        flat = rates.success and bool(np.all(np.abs(loss(point)[1][2:]) < 1e-8))
        if flat and (best is None or rates.fun < best.fun):
            best = OptimizeResult(x=point, fun=float(rates.fun))
    return best


def _terms(params: Array, values: Array, inverse: NDArray[np.intp], t_x: Array, T: Array,  # noqa: N803
           w: Array | None = None) -> tuple[Array, Array]:
    """Each customer's log-likelihood and, when weights `w` are given, the weighted sum's gradient in (r, alpha, a, b).

    log L = common(x) - (r+x) log(alpha+T) + softplus(d) with d the log-odds of having dropped out, which
    only customers with a repeat purchase have (B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1)).
    """
    r, alpha, a, b = (float(v) for v in params)
    x = values[inverse]
    common = gammaln(r + values) - gammaln(r) + r * np.log(alpha) + betaln(a, b + values) - betaln(a, b)
    log_end = np.log(alpha + T)
    each = common[inverse] - (r + x) * log_end
    repeat = np.flatnonzero(x > 0)
    xr, log_end_r, log_last = x[repeat], log_end[repeat], np.log(alpha + t_x[repeat])
    odds = np.log(a) - np.log(b + xr - 1.0) + (r + xr) * (log_end_r - log_last)
    each[repeat] += np.logaddexp(0.0, odds)
    if w is None:
        return each, np.zeros(4)
    dropped = w[repeat] * expit(odds)
    per_value = np.bincount(inverse, weights=w, minlength=len(values)).astype(float)
    shift = _dot(w * (r + x), 1.0 / (alpha + T)) + _dot(
        dropped * (r + xr), 1.0 / (alpha + t_x[repeat]) - 1.0 / (alpha + T[repeat]))
    gradient = np.array([
        _dot(per_value, digamma(r + values) - digamma(r) + np.log(alpha)) - _dot(w, log_end)
        + _dot(dropped, log_end_r - log_last),
        per_value.sum() * r / alpha - shift,
        _dot(per_value, digamma(a + b) - digamma(a + b + values)) + dropped.sum() / a,
        _dot(per_value, digamma(b + values) - digamma(a + b + values) - digamma(b) + digamma(a + b))
        - _dot(dropped, 1.0 / (b + xr - 1.0)),
    ])
    return each, gradient


def _dot(u: Array, v: Array) -> float:
    """u . v without BLAS: OpenBLAS threads spin against each other on a busy machine (70 ms a call, not 1)."""
    return float(np.sum(u * v))


def expected_purchases(model: BgNbd, t: ArrayLike) -> Array:
    """E[X(t)]: how many purchases a new customer is expected to make in a period of length t (equation 7)."""
    t = np.asarray(t, dtype=float)
    return _while_alive(model, np.zeros_like(t), t / (model.alpha + t))


def conditional_expected_purchases(model: BgNbd, t: ArrayLike, x: ArrayLike, t_x: ArrayLike,
                                   T: ArrayLike) -> Array:  # noqa: N803
    """E[Y(t) | x, t_x, T]: purchases expected in (T, T + t] from a customer with that history (equation 10)."""
    x, t_x, T = _arrays(x, t_x, T)  # noqa: N806
    t = np.asarray(t, dtype=float)
    alive_part = _while_alive(model, x, t / (model.alpha + T + t))
    return np.asarray(alive_part * probability_alive(model, x, t_x, T), dtype=float)


def probability_alive(model: BgNbd, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:  # noqa: N803
    """P(alive | x, t_x, T): 1 for a customer without repeat purchases, as the model has no drop-out before one."""
    x, t_x, T = _arrays(x, t_x, T)  # noqa: N806
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    log_odds_dead = (np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0)
                     + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def _while_alive(model: BgNbd, x: Array, z: Array) -> Array:
    """(a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]: purchases expected in a period from a customer
    alive at its start, with z = t / (alpha + T + t). The 2F1 by Euler's transformation (the direct form overflows
    for large x); on and near the homogeneous edge, the edge's limit."""
    r, a, b = model.r, model.a, model.b
    if model.homogeneous:
        return _while_alive_alike(r, model.drop_out, x, z)
    with np.errstate(invalid="ignore", over="ignore"):
        tail = np.exp((a - 1.0) * np.log1p(-z)) * _hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
        value = np.asarray((a + b + x - 1.0) / (a - 1.0) * (1.0 - tail), dtype=float)
    lost = ~np.isfinite(value)
    if a + b >= EDGE and np.any(lost):  # 0 x inf near the edge: its limit is off by O(x / (a + b))
        value = np.where(lost, _while_alive_alike(r, model.drop_out, x, z), value)
    return value


def _while_alive_alike(r: float, p: float, x: Array, z: Array) -> Array:
    """The same on the homogeneous edge (a, b -> inf, a / (a + b) = p), where 2F1 tends to (1 - (1-p) z)^-(r+x):
    [1 - ((1 - z) / (1 - (1-p) z))^(r+x)] / p, which tends to the NBD's (r+x) z / (1-z) as p -> 0."""
    p = max(p, float(np.finfo(float).tiny))
    return np.asarray(-np.expm1((r + x) * np.log1p(-p * z / (1.0 - (1.0 - p) * z))) / p, dtype=float)


def _hyp2f1(p: float, q: float, c: Array, z: Array) -> Array:
    """2F1(p, q; c; z), finite for z < 1. SciPy answers nan or inf when c - p - q is an integer and z is near 1
    (the logarithmic case: r = a); the function is smooth in p, so the mean of two values nudged by 1e-7 stands in."""
    value = np.asarray(hyp2f1(p, q, c, z), dtype=float)
    stuck = ~np.isfinite(value) & np.isfinite(z) & np.isfinite(c)
    if np.any(stuck):
        nudge = 1e-7 * max(1.0, abs(p))
        nudged = 0.5 * (hyp2f1(p + nudge, q, c, z) + hyp2f1(p - nudge, q, c, z))
        value = np.where(stuck, nudged, value)
    return value


def _arrays(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[Array, Array, Array]:  # noqa: N803
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T)))
    x, t_x, T = arrays  # noqa: N806
    if np.any(x < 0) or np.any(t_x < 0) or np.any(T < t_x) or not all(np.all(np.isfinite(v)) for v in arrays):
        raise ValueError("need finite frequency >= 0 and 0 <= recency <= T for every customer")
    return x, t_x, T

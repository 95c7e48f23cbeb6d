"""Customers drawn from a known BG/NBD, for recovery tests and timing (a known answer, as P11 asks)."""

from __future__ import annotations

import numpy as np

from assistant.insight.bgnbd import BgNbd


def customers(model: BgNbd, n: int, *, T: float = 52.0, seed: int = 0) -> tuple[np.ndarray, ...]:  # noqa: N803
    """(x, t_x, T) of `n` customers observed for `T` since their first purchase.

    Rate ~ gamma(r, 1/alpha), drop-out ~ beta(a, b) after each repeat purchase: the customer stops after
    repeat j ~ geometric(p); of N(T) ~ Poisson(rate T) arrivals they make x = min(j, N), the x-th of N
    uniform arrival times being T * beta(x, N - x + 1).
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(model.r, 1.0 / model.alpha, n)
    stop_after = rng.geometric(rng.beta(model.a, model.b, n))
    arrivals = rng.poisson(rate * T)
    x = np.minimum(stop_after, arrivals)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), arrivals - x + 1), 0.0)
    return x.astype(float), t_x, np.full(n, T)

"""The quiz's results over a list of Product objects: the reference `ranking.rank` is held to.

This is how the quiz ranked before the catalog index (every product tested in Python, per request);
tests/flows/test_ranking_differential.py compares the two over generated catalogs, flows, answers
and merchandising rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from assistant.catalog.models import Product
from assistant.catalog.service import attribute_items
from assistant.flows.answers import Answers
from assistant.flows.engine import ResultSet, candidates, results
from assistant.flows.schema import Flow
from assistant.merchandising.rules import Rule
from assistant.merchandising.weights import rule_factors, rule_weight


def rank(flow: Flow, answers: Answers, products: list[Product], rules: Sequence[Rule] = ()) -> ResultSet:
    """The engine's results for `answers` among in-stock `products`, under the rules of quiz_results.

    Excluded products leave the pool before ranking (so relaxation still finds the best of the
    rest); boosts and buries then multiply 1 / (1 + position), as on every strip. Pins are for
    strips: here the answers decide.
    """
    active = [r for r in rules if r.applies("quiz_results")]  # never a pin (NO_PINS)
    if not active:
        return results(flow, answers, candidates(flow, products), everything=products)
    factors = {p.sku: rule_factors(active, dict(attribute_items(p))) for p in products}
    products = [p for p in products if factors[p.sku] is not None]
    pool = candidates(flow, products)
    if not any(r.action in ("boost", "bury") for r in active):
        return results(flow, answers, pool, everything=products)
    found = results(flow, answers, pool, everything=products, count=max(len(pool), len(products)))
    weighted = sorted((-rule_weight(position, factors[m.product.sku] or ()), position, m)
                      for position, m in enumerate(found.items))
    return replace(found, items=[m for _, _, m in weighted[:flow.results.count]])

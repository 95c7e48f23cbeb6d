"""The shopper's own quiz answers as the cold-start signal: "Picked for you" before any history exists.

The quiz engine ranks the bundle's catalog snapshot for the answers, exactly as it ranks quiz results
(constraints, relaxation, preferences); each item says which answer it fits. Built per request from
the answers, so it is not trained; the candidates of each flow are kept in the bundle's memo.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from assistant.catalog.models import Product
from assistant.catalog.money import to_minor
from assistant.flows.answers import Answers
from assistant.flows.engine import Candidate, in_scope, results
from assistant.flows.schema import Flow
from assistant.recommend.base import Context, Reason, Scored
from assistant.recommend.catalog_view import CatalogItem
from assistant.recommend.serving import Bundle


class QuizMatch:
    """Products that fit the answers one shopper gave to one flow, best first (the Recommender contract)."""

    def __init__(self, flow: Flow, answers: Answers, pool: list[Candidate]) -> None:
        self.flow = flow
        self.answers = answers
        self.pool = pool

    def fit(self, interactions: object) -> QuizMatch:
        """Nothing to learn: the answers come with the request."""
        return self

    def recommend(self, context: Context, *, n: int = 10, exclude: Collection[str] = ()) -> list[Scored]:
        """At most `n` products for the answers, none in `exclude`; none when nothing fits (the chain falls back)."""
        if n <= 0 or not self.answers:
            return []
        found = results(self.flow, self.answers, self.pool, count=n + len(exclude))
        if found.fallback:
            return []
        picks = [m for m in found.items if m.product.sku not in exclude][:n]
        return [Scored(m.product.sku, m.score, _reason(m.reasons[0].text if m.reasons else None)) for m in picks]

    def knows_any(self, items: Iterable[str]) -> bool:
        """Answers are a signal of their own: a strip built from them is never the same for everyone."""
        return True


def quiz_pool(bundle: Bundle, flow: Flow) -> list[Candidate]:
    """The catalog snapshot's products inside the flow's scope, as the engine ranks them; kept per bundle and flow."""
    key = ("quiz pool", flow.id)
    kept = bundle.memo.get(key)
    if kept is None or kept[0] is not flow:  # an edited flow is a new object
        kept = (flow, in_scope(flow, (Candidate(_product(item), item.attrs) for item in bundle.catalog.values())))
        bundle.memo[key] = kept
    return kept[1]


def _product(item: CatalogItem) -> Product:
    """What the engine reads of a product (title, rating, popularity), from the snapshot; never stored."""
    return Product(site_id=0, sku=item.sku, title=item.title, url=item.url, image=item.image, currency=item.currency,
                   price_minor=to_minor(item.price, item.currency), categories=list(item.categories),
                   rating=item.rating, in_stock=True, popularity=item.popularity)


def _reason(label: str | None) -> Reason:
    return Reason("quiz", f"From your quiz: {label}" if label else "From your quiz answers")

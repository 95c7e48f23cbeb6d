"""Chain strategies with fallback: each fills what the ones before it left empty (gorse's RecommendSequential)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from assistant.recommend.base import Context, NotFittedError, Recommender, Scored


def recommend_sequential(strategies: Sequence[Recommender], context: Context, *, n: int,
                         exclude: Collection[str] = ()) -> list[Scored]:
    """Up to `n` items: the first strategy's best, then the next strategy's best of what is still missing, and so on.

    Every item keeps the reason of the strategy that produced it; items already chosen join the
    excluded ones, so nothing repeats. A strategy that is not fitted is skipped.
    """
    chosen: list[Scored] = []
    banned = set(exclude)
    for strategy in strategies:
        if len(chosen) >= n:
            break
        try:
            found = strategy.recommend(context, n=n - len(chosen), exclude=banned)
        except NotFittedError:
            continue
        if found:
            chosen.extend(found)
            banned.update(s.item_id for s in found)
    return chosen

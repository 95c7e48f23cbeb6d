"""The recommender contract, the values it speaks in, and the plumbing every strategy shares."""

from __future__ import annotations

import inspect
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, Self, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from assistant.recommend.interactions import Interactions


class NotFittedError(ValueError, AttributeError):
    """`recommend` was called on a strategy that has not been fitted (or loaded) yet (as scikit-learn's)."""


class Params:
    """scikit-learn's parameter protocol (`get_params`, `set_params`, so `sklearn.base.clone` works) without
    importing scikit-learn: a server that only serves strips never needs it, and importing it costs a second."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(p.name for p in signature.parameters.values()
                      if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters, as given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Change hyper-parameters; unknown names are an error."""
        for name, value in params.items():
            if name not in self._param_names():
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


class Reason(NamedTuple):
    """Why an item is recommended: a kind the widget can style, a sentence, and the item that led to it.

    Named tuples, like :class:`Scored`: a strip makes dozens per request, and a frozen dataclass costs
    four times as much to build.
    """

    kind: str
    """`bought_together`, `similar_session`, `next_viewed`, `popular` or `trending`."""
    text: str
    source_item: str | None = None
    template: str | None = None
    """The text before `value` went into its `{}`: what a page in another language is shown translated."""
    value: str | None = None
    """What fills the template's `{}` (a category, a product's title), kept as the catalog writes it."""

    @classmethod
    def filled(cls, kind: str, template: str, value: str, source_item: str | None = None) -> Reason:
        """A reason whose text is `template` with `value` in its `{}`, the two kept apart for translation."""
        return cls(kind, template.format(value), source_item, template, value)


class Scored(NamedTuple):
    """One recommended item with its score (comparable within one strategy only) and its reason."""

    item_id: str
    score: float
    reason: Reason


@dataclass(frozen=True)
class Context:
    """What is known about the shopper right now; every field may be empty."""

    session: tuple[str, ...] = ()
    """Items viewed in this visit, oldest first, repeats kept."""
    cart: tuple[str, ...] = ()
    viewing: str | None = None
    """The product on the page being shown."""
    category: str | None = None

    @cached_property
    def sequence(self) -> tuple[str, ...]:
        """The session's clicks, then cart items not clicked, then the product viewed unless it was the last click.

        Worked out once per context: every strategy of a chain reads it.
        """
        seen = set(self.session)
        items = list(self.session) + [item for item in dict.fromkeys(self.cart) if item not in seen]
        if self.viewing is not None and (not items or items[-1] != self.viewing):
            items.append(self.viewing)
        return tuple(items)


@runtime_checkable
class Recommender(Protocol):
    """The one interface of every strategy (scikit-learn conventions).

    ``fit(interactions)`` learns from sessions of item events and returns the strategy itself;
    hyper-parameters are the keyword arguments of ``__init__``, stored unchanged, and everything
    learned is an attribute ending in ``_``.

    ``recommend(context, n=..., exclude=...)`` returns at most ``n`` :class:`Scored` items, best
    first, none of them in ``exclude``, each with the :class:`Reason` it was chosen for; it may
    return fewer (even none) when the strategy has no opinion, so that a chain can fall back.
    Before ``fit`` it raises :class:`NotFittedError`. It is deterministic and takes a few
    milliseconds, because the server calls it per request.
    """

    def fit(self, interactions: Interactions) -> Self:
        """Learn from `interactions` and return self."""
        ...

    def recommend(self, context: Context, *, n: int = 10, exclude: Collection[str] = ()) -> list[Scored]:
        """At most `n` items for `context`, best first, none in `exclude`."""
        ...


class Strategy(Params):
    """Shared plumbing: item coding, the fitted check, top-n selection with exclusions and tie-breaks.

    A subclass implements ``_fit(interactions)``, ``_candidates(codes, context)`` (the items it has an
    opinion on: distinct codes and their scores, only positive ones count) and ``_reasons(top, codes)``
    (one per chosen code); ties are broken by popularity, then by code.
    """

    needs_items = True
    """Whether the strategy has no opinion unless it knows an item of the context (all but popularity)."""

    def fit(self, interactions: Interactions) -> Self:
        """Learn from `interactions` and return self."""
        self.item_ids_ = interactions.item_ids
        self.popularity_ = interactions.item_counts().astype(np.float64)
        self._fit(interactions)
        return self

    def recommend(self, context: Context, *, n: int = 10, exclude: Collection[str] = ()) -> list[Scored]:
        """At most `n` items for `context`, best first, none in `exclude`."""
        self._check_fitted()
        known = self._known_codes(context.sequence)
        if not known and self.needs_items:
            return []  # before building an array: most strategies of a cold chain know nothing
        codes = np.array(known, dtype=np.int64)
        top, scores = self._best(codes, context, exclude, n)
        if top.size == 0:
            return []
        ids = self.item_ids_[top].tolist()
        return [Scored(i, s, r) for i, s, r in zip(ids, scores.tolist(), self._reasons(top, codes), strict=True)]

    def knows_any(self, items: Iterable[str]) -> bool:
        """Whether any of `items` is one this strategy was fitted on (none before it is fitted)."""
        return hasattr(self, "item_ids_") and not self._index().keys().isdisjoint(items)

    def encode(self, items: Iterable[str]) -> np.ndarray:
        """Item codes of the known `items`, in order (unknown ids are dropped)."""
        return np.array(self._known_codes(items), dtype=np.int64)

    def _known_codes(self, items: Iterable[str]) -> list[int]:
        index = self._index()
        return [code for code in map(index.get, items) if code is not None]

    def _index(self) -> dict[str, int]:
        cached = getattr(self, "_index_cache", None)
        if cached is None or cached[0] is not self.item_ids_:
            # one tuple, assigned at once, so concurrent requests never see a half-built cache
            cached = (self.item_ids_, {item: code for code, item in enumerate(self.item_ids_.tolist())})
            self._index_cache = cached
        return cached[1]

    def _check_fitted(self) -> None:
        if not hasattr(self, "item_ids_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(interactions) or load it")

    def _best(self, codes: np.ndarray, context: Context, exclude: Collection[str],
              n: int) -> tuple[np.ndarray, np.ndarray]:
        """The `n` best candidates not in `exclude`, best first, and their scores."""
        items, scores = self._candidates(codes, context)
        if n <= 0 or items.size == 0:
            return items[:0], scores[:0]
        keep = scores > 0
        items, scores = self._ranked(items[keep], scores[keep], n + len(exclude))
        return self._allowed(items, scores, exclude, n)

    def _ranked(self, items: np.ndarray, scores: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The `m` best of the candidates, best first: by score, then popularity, then code."""
        if items.size > m:
            threshold = np.partition(scores, items.size - m)[items.size - m]
            items, scores = items[scores >= threshold], scores[scores >= threshold]
        order = np.lexsort((items, -self.popularity_[items], -scores))[:m]
        return items[order], scores[order]

    def _allowed(self, ranked: np.ndarray, scores: np.ndarray, exclude: Collection[str],
                 n: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `n` of the `ranked` codes that are not in `exclude`, with their scores.

        Excluded items are dropped from the few best by id, not looked up among all the items:
        ranking ``n + len(exclude)`` of them first is enough, and far cheaper than coding `exclude`.
        """
        if exclude:
            banned = exclude if isinstance(exclude, set | frozenset | dict) else set(exclude)
            keep = np.fromiter((i not in banned for i in self.item_ids_[ranked].tolist()), dtype=bool,
                               count=ranked.size)
            ranked, scores = ranked[keep], scores[keep]
        return ranked[:n], scores[:n]

    def _fit(self, interactions: Interactions) -> None:
        raise NotImplementedError

    def _candidates(self, codes: np.ndarray, context: Context) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _reasons(self, top: np.ndarray, codes: np.ndarray) -> list[Reason]:
        raise NotImplementedError


def no_candidates() -> tuple[np.ndarray, np.ndarray]:
    """An empty candidate set: no codes, no scores."""
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)

"""Every strategy honours the same contract (implicit's RecommenderBaseTestMixin idea, parametrized)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.base import clone

from assistant.recommend import artifacts
from assistant.recommend.base import Context, NotFittedError, Recommender, Strategy
from assistant.recommend.ease import EASE
from assistant.recommend.popular import Popular, Trending
from assistant.recommend.recent import RecentlyViewed
from assistant.recommend.rules import SequentialRules
from assistant.recommend.session_knn import SessionKNN
from assistant.recommend.together import CoOccurrence
from tests.recommend.helpers import chains

STRATEGIES = [
    Popular(),
    Trending(half_life_days=0.5),
    CoOccurrence(),
    CoOccurrence(alpha=0.5, beta=0.5, max_neighbors=3),
    EASE(l2=1.0),
    EASE(l2=5.0, max_neighbors=2, max_items=20),
    SequentialRules(steps=3),
    SessionKNN(),
    SessionKNN(k=5, sample_size=10, similarity="cosine", lambda_spw=0.5, lambda_snh=5, lambda_inh=4.0,
               lambda_ipw=4.0, idf_weighting=2, reminder_boost=0.1, rules_weight=0.1),
    SessionKNN(neighbors_from="last", remind=False, weighting="linear", weighting_score="log"),
    RecentlyViewed(),
]
CONTEXTS = [
    Context(session=("a0", "a1")),
    Context(session=("b2",), cart=("c1", "c0"), viewing="c3"),
    Context(cart=("d0", "e0", "unknown")),
    Context(viewing="f1"),
    Context(),
]


@pytest.fixture(params=STRATEGIES, ids=lambda s: repr(s))
def strategy(request: pytest.FixtureRequest) -> Strategy:
    return clone(request.param)


def test_fit_returns_self_and_learns_only_trailing_underscore_state(strategy: Strategy) -> None:
    before = dict(vars(strategy))
    assert strategy.fit(chains()) is strategy
    learned = {name for name in vars(strategy) if name not in before and not name.startswith("_")}
    assert learned and all(name.endswith("_") for name in learned)
    assert strategy.get_params() == clone(strategy).get_params()
    assert isinstance(strategy, Recommender)


def test_recommending_before_fit_raises(strategy: Strategy) -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        strategy.recommend(Context(session=("a0",)), n=3)


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("n", [0, 1, 5, 100])
def test_at_most_n_never_excluded_deterministic(strategy: Strategy, context: Context, n: int) -> None:
    strategy.fit(chains())
    exclude = {"a1", "a2", "c2", "d1", "b3"}
    first = strategy.recommend(context, n=n, exclude=exclude)
    assert len(first) <= n
    assert not exclude & {s.item_id for s in first}
    assert len({s.item_id for s in first}) == len(first)
    assert [s.score for s in first] == sorted((s.score for s in first), reverse=True)
    assert first == strategy.recommend(context, n=n, exclude=exclude)
    assert first == clone(strategy).fit(chains()).recommend(context, n=n, exclude=exclude)
    assert all(s.reason.kind and s.reason.text for s in first)


def test_round_trips_through_artifacts(strategy: Strategy, tmp_path: Path) -> None:
    strategy.fit(chains())
    path = tmp_path / "model.npz"
    artifacts.save(strategy, path)
    loaded = artifacts.load(path)
    assert type(loaded) is type(strategy)
    assert loaded.get_params() == strategy.get_params()
    for context in CONTEXTS:
        assert loaded.recommend(context, n=6, exclude={"a2"}) == strategy.recommend(context, n=6, exclude={"a2"})


def test_saving_an_unfitted_strategy_fails(strategy: Strategy, tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        artifacts.save(strategy, tmp_path / "model.npz")

"""recommend_sequential: fallback fills up, nothing repeats, every item keeps its own reason."""

from __future__ import annotations

from assistant.recommend.base import Context
from assistant.recommend.chain import recommend_sequential
from assistant.recommend.popular import Popular
from assistant.recommend.session_knn import SessionKNN
from assistant.recommend.together import CoOccurrence
from tests.recommend.helpers import chains


def test_fallback_fills_up_to_n_with_growing_exclusions() -> None:
    knn, together, popular = SessionKNN().fit(chains()), CoOccurrence().fit(chains()), Popular().fit(chains())
    context = Context(session=("a0", "a1"))
    found = recommend_sequential([knn, together, popular], context, n=10, exclude={"a0", "a1", "b0"})
    assert len(found) == 10
    assert [s.reason.kind for s in found] == ["similar_session"] * 2 + ["popular"] * 8
    assert [s.item_id for s in found[:2]] == ["a2", "a3"]
    assert len({s.item_id for s in found}) == 10 and not {"a0", "a1", "b0"} & {s.item_id for s in found}


def test_unfitted_strategies_are_skipped() -> None:
    found = recommend_sequential([SessionKNN(), Popular().fit(chains())], Context(session=("a0",)), n=3)
    assert len(found) == 3 and {s.reason.kind for s in found} == {"popular"}


def test_stops_once_full_and_returns_fewer_when_nothing_is_left() -> None:
    popular = Popular().fit(chains(groups=1))
    assert len(recommend_sequential([popular], Context(), n=2)) == 2
    assert len(recommend_sequential([popular, popular], Context(), n=10)) == 4
    assert recommend_sequential([], Context(), n=5) == []

"""One tiny hand-made case per strategy, whose right answer is obvious."""

from __future__ import annotations

from assistant.recommend.base import Context
from assistant.recommend.ease import EASE
from assistant.recommend.interactions import Interactions
from assistant.recommend.popular import Popular, Trending
from assistant.recommend.recent import RecentlyViewed
from assistant.recommend.rules import SequentialRules
from assistant.recommend.session_knn import SessionKNN
from assistant.recommend.together import CoOccurrence
from tests.recommend.helpers import chains, checkerboard, sessions_to_interactions


def ids(found: list) -> list[str]:
    return [s.item_id for s in found]


def test_popular_ranks_by_sessions_and_filters_by_category() -> None:
    interactions = sessions_to_interactions([["a", "b"], ["a", "c"], ["a", "b"], ["c"], ["b", "b", "b"]])
    assert ids(Popular().fit(interactions).recommend(Context(), n=3)) == ["b", "a", "c"]
    categorized = Interactions.from_arrays(["1", "1", "2", "3"], ["x", "y", "y", "z"], [1, 2, 3, 4],
                                           categories={"x": "shoes", "z": "shoes", "y": "bags"})
    model = Popular(by_category=True).fit(categorized)
    assert ids(model.recommend(Context(category="shoes"), n=5)) == ["x", "z"]
    assert ids(model.recommend(Context(category="hats"), n=5)) == ["y", "x", "z"]
    assert model.recommend(Context(), n=1)[0].reason.kind == "popular"
    assert {s.reason.text for s in model.recommend(Context(category="shoes"), n=5)} == {"Popular in shoes"}
    assert model.recommend(Context(category="hats"), n=1)[0].reason.text == "Popular with other shoppers"


def test_popular_past_its_ready_made_head_keeps_the_ranking_and_its_reason(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.recommend import popular

    monkeypatch.setattr(popular, "HEAD", 2)
    items = [f"i{k}" for k in range(12) for _ in range(12 - k)]  # i0 in 12 sessions, i1 in 11, ...
    categories = {f"i{k}": "even" if k % 2 == 0 else "odd" for k in range(12)}
    model = Trending(by_category=True).fit(Interactions.from_arrays(
        [str(s) for s in range(len(items))], items, [1e6] * len(items), categories=categories))
    found = model.recommend(Context(category="even"), n=5, exclude={"i2"})
    assert ids(found) == ["i0", "i4", "i6", "i8", "i10"]
    assert {s.reason.text for s in found} == {"Trending in even"}


def test_trending_prefers_what_sold_lately() -> None:
    old = [["classic"]] * 5 + [["new"]] * 2
    recent_first = Trending(half_life_days=1.0).fit(sessions_to_interactions(old, start=0.0))
    assert ids(recent_first.recommend(Context(), n=2)) == ["classic", "new"]
    late = sessions_to_interactions([["classic"]] * 5 + [["x"]] * 40 + [["new"]] * 2, start=0.0)
    found = Trending(half_life_days=0.5).fit(late).recommend(Context(), n=3, exclude={"x"})
    assert ids(found) == ["new", "classic"] and found[0].reason.kind == "trending"


def test_co_occurrence_stays_on_the_checkerboard_and_names_its_source() -> None:
    model = CoOccurrence(alpha=0.5, beta=0.5).fit(checkerboard())
    found = model.recommend(Context(cart=("i0", "i2")), n=8)
    assert len(found) == 8 and all(int(s.item_id[1:]) % 2 == 0 for s in found)
    assert found[0].reason.kind == "bought_together" and found[0].reason.source_item in {"i0", "i2"}


def test_co_occurrence_sums_over_the_whole_cart() -> None:
    baskets = [["tent", "pegs"]] * 2 + [["stove", "gas"]] * 2 + [["stove", "pan"]] * 2 + [["tent", "pan"]]
    found = CoOccurrence().fit(sessions_to_interactions(baskets)).recommend(Context(cart=("tent", "stove")), n=1)
    assert ids(found) == ["pan"]


def test_ease_completes_the_checkerboard() -> None:
    found = EASE(l2=1.0).fit(checkerboard()).recommend(Context(cart=("i1", "i3", "i5")), n=5)
    assert len(found) == 5 and all(int(s.item_id[1:]) % 2 == 1 for s in found)
    assert found[0].reason.source_item in {"i1", "i3", "i5"}


def test_sequential_rules_predict_the_following_click() -> None:
    model = SequentialRules(steps=2).fit(chains())
    found = model.recommend(Context(session=("c0", "c1")), n=2)
    assert ids(found) == ["c2", "c3"]
    assert found[0].reason.kind == "next_viewed" and found[0].reason.source_item == "c1"


def test_session_knn_finds_the_known_next_item() -> None:
    model = SessionKNN(k=10, sample_size=50).fit(chains())
    for group in "abcdefghijkl":
        context = Context(session=(f"{group}0", f"{group}1"))
        found = model.recommend(context, n=2, exclude=set(context.session))
        assert ids(found) == [f"{group}2", f"{group}3"]
    assert found[0].reason.kind == "similar_session"


def test_session_knn_reminds_of_the_item_being_viewed_unless_told_not_to() -> None:
    context = Context(session=("e0", "e1"))
    near = {"lambda_inh": 1.0}
    assert ids(SessionKNN(reminder_boost=0.5, **near).fit(chains()).recommend(context, n=1)) == ["e1"]
    assert ids(SessionKNN(remind=False, **near).fit(chains()).recommend(context, n=2)) == ["e2", "e3"]


def test_session_knn_stan_decays_favour_the_recent_neighbourhood() -> None:
    sessions = [["x", "old"]] * 3 + [["x", "new"]] * 2
    model = SessionKNN(similarity="cosine", lambda_snh=0.01, remind=False).fit(sessions_to_interactions(sessions))
    assert ids(model.recommend(Context(session=("x",)), n=1)) == ["new"]


def test_session_knn_answers_kept_for_one_item_contexts_are_what_a_search_finds() -> None:
    data = sessions_to_interactions([["a", "b", "c", "d"], ["b", "c", "e"], ["a", "e", "f", "g"], ["c", "a", "h"],
                                     ["h", "i"], ["b", "a"]] * 2)
    params = dict(similarity="cosine", lambda_spw=0.5, lambda_inh=2.0, reminder_boost=0.1, rules_weight=0.1)
    kept = SessionKNN(one_item_answers=3, **params).fit(data)
    searching = SessionKNN(one_item_answers=0, **params).fit(data)
    assert kept.one_item_indptr_[-1] > 0 and searching.one_item_indptr_[-1] == 0
    for item in "abcdefghi":
        for context in (Context(cart=(item,)), Context(viewing=item), Context(session=(item,), cart=("unknown",))):
            for n, exclude in ((1, ()), (3, ()), (3, {"a"}), (5, {"b", "c"}), (9, set("abcdefghi") - {item})):
                assert kept.recommend(context, n=n, exclude=exclude) == searching.recommend(context, n=n,
                                                                                           exclude=exclude)


def test_context_sequence_puts_cart_then_viewed_item_after_the_clicks() -> None:
    context = Context(session=("a", "b", "a"), cart=("c", "a", "c"), viewing="d")
    assert context.sequence == ("a", "b", "a", "c", "d")
    assert Context(session=("a", "d"), viewing="d").sequence == ("a", "d")


def test_recently_viewed_shows_the_shoppers_own_views_latest_first_once_each() -> None:
    model = RecentlyViewed().fit(Interactions.from_arrays([], [], []))  # learns nothing: a new shop has it too
    context = Context(session=("a", "b", "a", "c", "d"), viewing="d")
    found = model.recommend(context, n=3, exclude={"d"})
    assert ids(found) == ["c", "a", "b"]
    assert {s.reason.kind for s in found} == {"recently_viewed"} and found[0].score > found[1].score
    assert model.recommend(Context(cart=("x",)), n=3) == []
    assert model.knows_any({"anything"}) and not model.knows_any(set())

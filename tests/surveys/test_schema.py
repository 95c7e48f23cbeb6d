"""What the rest of the code reads from a Survey: follow-ups by score, labels, page matching, the scales' groups."""

from __future__ import annotations

import pytest

from assistant.surveys.scales import DEFAULT_LABELS, GROUPS, SCALES
from assistant.surveys.schema import Placement, ShowIf, Survey


def survey(kind: str, show_if: object) -> Survey:
    return Survey.model_validate({"id": "s", "title": "S", "questions": [
        {"id": "score", "type": kind, "text": "Rate us"},
        {"id": "why", "type": "text", "text": "Why?", "show_if": {"question": "score", "scores": show_if}},
    ]})


@pytest.mark.parametrize(("kind", "show_if", "shown"), [
    ("nps", "detractor", set(range(0, 7))),
    ("nps", ["passive"], {7, 8}),
    ("nps", ["promoter", 0], {0, 9, 10}),
    ("nps", ["0..3", 10], {0, 1, 2, 3, 10}),
    ("csat", ["low"], {1, 2}),
    ("csat", ["low", "neutral"], {1, 2, 3}),
    ("csat", "high", {4, 5}),
    ("ces", "low", {1, 2, 3}),
    ("ces", ["high"], {5, 6, 7}),
    ("ces", [" 2 .. 4 "], {2, 3, 4}),
])
def test_a_score_triggers_the_follow_up_of_its_group(kind: str, show_if: object, shown: set[int]) -> None:
    s = survey(kind, show_if)
    triggered = {score for score in SCALES[kind] if [q.id for q in s.follow_ups("score", score)] == ["why"]}
    assert triggered == shown
    assert all(s.shows(s.questions[1], {"score": n}) == (n in shown) for n in SCALES[kind])


def test_a_follow_up_is_not_shown_before_its_score_and_others_always_are() -> None:
    s = survey("nps", "detractor")
    assert not s.shows(s.questions[1], {})
    assert s.shows(s.questions[0], {})
    assert s.follow_ups("why", 3) == [] and s.follow_ups("nope", 3) == []


def test_entries_outside_the_scale_or_of_another_kind_match_nothing() -> None:
    assert ShowIf(question="q", scores=[11, "high", "9..12"]).score_set("nps") == frozenset({9, 10})
    assert ShowIf(question="q", scores=["detractor"]).score_set("csat") == frozenset()


def test_groups_split_each_scale_exactly() -> None:
    for kind, scale in SCALES.items():
        covered = sorted(n for group in GROUPS[kind].values() for n in group)
        assert covered == list(scale), kind


def test_labels_default_to_english_per_kind() -> None:
    s = Survey.model_validate({"id": "s", "title": "S", "questions": [
        {"id": "a", "type": "nps", "text": "?"}, {"id": "b", "type": "csat", "text": "?", "style": "faces"},
        {"id": "c", "type": "ces", "text": "The shop made it easy to pay."},
        {"id": "d", "type": "csat", "text": "?", "labels": ["1", "2", "3", "4", "5"]},
        {"id": "e", "type": "text", "text": "?"}]})
    a, b, c, d, e = s.questions
    assert a.point_labels == DEFAULT_LABELS["nps"] and len(a.point_labels) == 2
    assert b.point_labels[0] == "Very unsatisfied" and len(b.point_labels) == 5 and b.style == "faces"
    assert (c.point_labels[0], c.point_labels[-1], len(c.point_labels)) == ("Strongly disagree", "Strongly agree", 7)
    assert d.point_labels == ("1", "2", "3", "4", "5")
    assert (e.point_labels, e.scale, e.scored, a.scale) == ((), None, False, range(0, 11))


def test_defaults_and_pages() -> None:
    s = Survey.model_validate({"id": "s", "title": "S"})
    assert (s.sample, s.recontact_days, s.active, s.audience, s.locale) == (1.0, 90, True, {}, None)
    assert s.placement.matches_page("/anything") and s.offered_to("pk_any")
    placement = Placement(pages=["/checkout/thank-you*", "*/order-confirmation"])
    assert placement.matches_page("/checkout/thank-you?order=1")
    assert placement.matches_page("/shop/de/order-confirmation")
    assert not placement.matches_page("/checkout")
    assert not Survey.model_validate({"id": "s", "title": "S", "sites": ["pk_a"]}).offered_to("pk_b")

"""The survey validator: shipped files pass; every mistake is reported at its line and column with a hint, all at
once; a file with schema errors still has its meaning checked; hostile YAML is refused, never raised."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.surveys.checks import read_survey, run_checks
from assistant.surveys.loader import load_text
from tests.hostile_yaml import HOSTILE_YAML

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "surveys").glob("*.yaml"))
MANY_MISTAKES = ROOT / "tests" / "data" / "surveys" / "many-mistakes.yaml"
VALID = textwrap.dedent("""
    id: after-order
    title: After an order
    placement: {after: purchase}
    questions:
      - id: score
        type: nps
        text: How likely are you to recommend us?
      - id: better
        type: text
        text: What could we do better?
        show_if: {question: score, scores: detractor}
      - id: liked
        type: single
        text: What did you like?
        show_if: {question: score, scores: [9, 10]}
        choices: [{id: range, text: The range}, {id: prices, text: The prices}]
""").lstrip("\n")


def problems_of(text: str, tmp_path: Path) -> list[tuple[int, int, str, str]]:
    path = tmp_path / "survey.yaml"
    path.write_text(text, encoding="utf-8")
    _loaded, problems = read_survey(path)
    assert all(p.path == str(path) for p in problems)
    return [(p.line, p.column, p.level, p.message) for p in problems]


def test_valid_survey_has_no_problems(tmp_path: Path) -> None:
    assert problems_of(VALID, tmp_path) == []


def test_the_examples_cover_the_issue() -> None:
    assert {p.name for p in SHIPPED} >= {"post-purchase-nps.yaml", "quiz-csat.yaml", "checkout-ces.yaml",
                                         "post-purchase-nps-ja.yaml"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_survey_passes(path: Path) -> None:
    loaded, problems = read_survey(path)
    assert [p.format() for p in problems] == []
    assert loaded.survey is not None and loaded.survey.questions


def test_the_japanese_example_is_in_japanese() -> None:
    survey = read_survey(ROOT / "surveys" / "post-purchase-nps-ja.yaml")[0].survey
    assert survey is not None and survey.locale == "ja"
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in q.text) for q in survey.questions)
    assert survey.questions[0].point_labels == ("まったくすすめない", "ぜひすすめたい")


def test_a_file_with_many_mistakes_reports_them_all_at_their_lines() -> None:
    _loaded, problems = read_survey(MANY_MISTAKES)
    assert [(p.line, p.column, p.message) for p in problems] == [
        (3, 1, "unknown key 'titel' in the survey"),
        (4, 9, "unknown locale 'xx-!!'"),
        (5, 9, "sample: input should be less than or equal to 1"),
        (7, 11, "page pattern 'checkout' is not a URL path"),
        (7, 23, "page pattern 'https://shop.example/thanks' is not a URL path"),
        (8, 10, "`after: product_views` needs a `count:`"),
        (11, 8, "audience.all[0].cart_valu: unknown condition 'cart_valu'"),
        (12, 22, "audience.all[1].visits.min: must be a whole number"),
        (17, 13, "question 'score' (nps) has 3 label(s); it takes 2"),
        (18, 5, "`style` is only for csat questions; 'score' is nps"),
        (19, 9, "duplicate question id 'score'"),
        (21, 11, "the text of question 'score' is empty"),
        (25, 41, "score 11 is outside nps's scale 0..10"),
        (25, 45, "'detractors' is not a score group of nps"),
        (25, 57, "the span 6..2 runs backwards"),
        (31, 14, "duplicate choice id 'a' in question 'pick'"),
        (33, 11, "question 'bad', type: input should be 'nps', 'csat', 'ces', 'single', 'multi' or 'text'"),
        (42, 25, "`show_if` refers to question 'last', which is not asked before this one"),
    ]
    hints = {p.message.split(":")[0]: p.hint for p in problems}
    assert all(p.hint for p in problems), [p.message for p in problems if not p.hint]
    assert hints["unknown key 'titel' in the survey"] == "did you mean `title`?"
    assert hints["audience.all[0].cart_valu"] == "did you mean 'cart_value'?"
    assert hints["'detractors' is not a score group of nps"] == "did you mean 'detractor'?"
    assert all(p.level == "error" for p in problems)


@pytest.mark.parametrize(("text", "expected"), [
    ("id: x\ntitle: [unclosed\n", (3, "YAML syntax error")),
    ("", (1, "the survey file is empty")),
    ("- a\n- b\n", (1, "a survey file must be a mapping")),
    ("id: x\ntitle: X\n", (1, "the survey has no questions")),
    ("title: X\nquestions: []\n", (1, "id: field required")),
    (VALID.replace("title: After", "title: After\ntitle: Again"), (3, "'title' is written twice")),
    (VALID.replace("type: nps", "type: NPS"), (6, "question 'score', type: input should be")),
    (VALID.replace("id: better", "id: score"), (8, "duplicate question id 'score'")),
    (VALID.replace("{id: prices,", "{id: range,"), (16, "duplicate choice id 'range' in question 'liked'")),
    (VALID.replace(", {id: prices, text: The prices}", ""), (12, "question 'liked' (single) needs at least two")),
    (VALID.replace("text: The prices", "text: ' '"), (16, "the text of choice 'prices' in question 'liked' is")),
    (VALID.replace("question: score, scores: detractor", "question: scor, scores: detractor"),
     (11, "`show_if` refers to unknown question 'scor'")),
    (VALID.replace("question: score, scores: [9", "question: better, scores: [9"),
     (15, "`show_if` needs a scored question; 'better' is text")),
    (VALID.replace("scores: [9, 10]", "scores: [9, 11]"), (15, "score 11 is outside nps's scale 0..10")),
    (VALID.replace("scores: [9, 10]", "scores: ['8..12']"), (15, "the span 8..12 is outside nps's scale")),
    (VALID.replace("scores: detractor", "scores: low"), (11, "'low' is not a score group of nps")),
    (VALID.replace("    text: What could", "    max_length: 0\n    text: What could"),
     (10, "question 'better', max_length: input should be greater than or equal to 1")),
    (VALID.replace("    text: How likely", "    choices: [{id: a, text: A}]\n    text: How likely"),
     (7, "`choices` is only for single and multi questions; 'score' is nps")),
    (VALID.replace("type: nps", "type: csat\n    labels: [a, b, c]"), (7, "question 'score' (csat) has 3 label(s)")),
    (VALID.replace("type: nps", "type: ces\n    labels: ['', b, c, d, e, f, g]"),
     (7, "label 1 of question 'score' is empty")),
    (VALID.replace("{after: purchase}", "{after: checkout}"), (3, "placement.after: input should be")),
    (VALID.replace("{after: purchase}", "{after: purchase, count: 2}"),
     (3, "`count` only goes with `after: product_views`")),
    (VALID.replace("{after: purchase}", "{after: purchase, exit_intent: true}"),
     (3, "a survey shows after `purchase` or on exit intent, not both")),
    (VALID.replace("{after: purchase}", "{pages: ['/thanks page']}"), (3, "page pattern '/thanks page' is not")),
    (VALID.replace("{after: purchase}", "{after: purchase, page: ['/x']}"), (3, "unknown key 'page' in placement")),
    (VALID + "audience: {segment: {name: champions, extra: 1}}\n", (17, "audience.segment.extra: unknown key")),
    (VALID + "audience: {device: phone}\n", (17, "audience.device: must be one of: desktop, mobile, tablet")),
    (VALID + "sample: -0.1\n", (17, "sample: input should be greater than or equal to 0")),
    (VALID + "recontact_days: soon\n", (17, "recontact_days: input should be a valid integer")),
    (VALID + "locale: english\n", (17, "unknown locale 'english'")),
    (VALID + "active: maybe\n", (17, "active: input should be a valid boolean")),
])
def test_each_mistake_at_its_line(text: str, expected: tuple[int, str], tmp_path: Path) -> None:
    found = [(line, message) for line, _column, level, message in problems_of(text, tmp_path) if level == "error"]
    assert any(line == expected[0] and message.startswith(expected[1]) for line, message in found), found


def test_a_schema_error_does_not_hide_the_meaning_checks(tmp_path: Path) -> None:
    text = VALID.replace("{after: purchase}", "{after: later}").replace("scores: [9, 10]", "scores: [99]")
    assert [m for _line, _col, _level, m in problems_of(text, tmp_path)] == [
        "placement.after: input should be 'purchase', 'quiz_finished', 'search_no_click' or 'product_views'",
        "score 99 is outside nps's scale 0..10"]


def test_warnings_do_not_stop_a_survey(tmp_path: Path) -> None:
    path = tmp_path / "ja.yaml"
    path.write_text(VALID + "locale: ja\nsample: 0\n", encoding="utf-8")
    loaded, problems = read_survey(path)
    assert [(p.line, p.level, p.message) for p in problems] == [
        (17, "warning", "the survey is in 'ja' but shows English defaults: thanks, labels of 'score'"),
        (18, "warning", "`sample: 0` offers the survey to nobody")]
    assert loaded.survey is not None


@pytest.mark.parametrize("name", HOSTILE_YAML)
def test_hostile_yaml_is_a_problem_not_an_exception(name: str, tmp_path: Path) -> None:
    value, words = HOSTILE_YAML[name]
    messages = [m for _line, _col, _level, m in problems_of(f"{VALID}hostile: {value}\n", tmp_path)]
    assert len(messages) == 1 and words in messages[0], messages


def test_dropped_list_entries_leave_the_others_at_their_columns(tmp_path: Path) -> None:
    text = VALID.replace("scores: [9, 10]", "scores: [true, 11, null, 12]")
    assert [(line, column, m) for line, column, _level, m in problems_of(text, tmp_path)] == [
        (15, 41, "question 'liked', show_if.scores[0]: not a score, a span or a group name"),
        (15, 47, "score 11 is outside nps's scale 0..10"),
        (15, 51, "question 'liked', show_if.scores[2]: not a score, a span or a group name"),
        (15, 57, "score 12 is outside nps's scale 0..10")]


_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-3, 12) | st.sampled_from(
    ["", " ", "x", "nps", "csat", "text", "single", "detractor", "low", "0..6", "/a*", "score", "purchase"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["id", "type", "text", "question", "scores", "choices", "labels", "min", "all", "device", "pages"]),
        inner, max_size=3), max_leaves=8)


def _paths(node: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path]
    if isinstance(node, dict):
        found += [p for key, value in node.items() for p in _paths(value, (*path, key))]
    elif isinstance(node, list):
        found += [p for i, value in enumerate(node) for p in _paths(value, (*path, i))]
    return found


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_edit_of_a_valid_survey_is_reported_never_raised(data: st.DataObject) -> None:
    survey = yaml.safe_load(VALID)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(survey)[1:]))
        parent = survey
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = data.draw(_VALUES)
    loaded = load_text(yaml.safe_dump(survey, allow_unicode=True), path="edited.yaml")
    problems = list(loaded.problems)
    if loaded.checkable is not None:
        problems += run_checks(loaded.checkable, loaded.locator, "edited.yaml")
    assert all(p.line >= 1 and p.column >= 1 and p.message for p in problems)
    assert (loaded.survey is not None) == (loaded.problems == [])

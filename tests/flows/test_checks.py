"""The flow validator: every problem kind, at its line, with a hint; all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.flows.registry import read_flow
from tests.factories import flow_yaml

VALID = flow_yaml("""
    id: shoes
    title: Find your shoe
    questions:
      - id: terrain
        text: Where do you run?
        type: single
        answers:
          - {id: road, text: Road, filter: {terrain: road}}
          - {id: trail, text: Trail, filter: {terrain: trail}}
      - id: budget
        text: Budget?
        type: range
        field: price
        min: 40
        max: 250
""")


def problems_of(text: str, tmp_path: Path) -> list[tuple[int, str, str]]:
    path = tmp_path / "flow.yaml"
    path.write_text(text)
    _loaded, problems = read_flow(path)
    assert all(p.path == str(path) for p in problems)
    return [(p.line, p.level, p.message) for p in problems]


def test_valid_flow_has_no_problems(tmp_path: Path) -> None:
    assert problems_of(VALID, tmp_path) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("id: x\ntitle: [unclosed\n", (3, "YAML syntax error")),
    ("", (1, "the flow file is empty")),
    ("- a\n- b\n", (1, "a flow file must be a mapping")),
    ("id: x\ntitle: X\nquestions: []\n", (3, "the flow has no questions")),
    ("id: x\ntitel: X\nquestions: []\n", (2, "unknown key 'titel' in the flow")),
    ("title: X\nquestions: []\n", (1, "id: field required")),
    (VALID.replace("type: range", "type: slider"), (12, "question 'budget', type: input should be")),
    (VALID.replace("id: budget", "id: terrain"), (10, "duplicate question id 'terrain'")),
    (VALID.replace("{id: trail,", "{id: road,"), (9, "duplicate answer id 'road' in question 'terrain'")),
    (VALID.replace("filter: {terrain: trail}", "filter: {terrain: {between: 3}}"),
     (9, "unknown operator 'between' for 'terrain'")),
    (VALID.replace(", filter: {terrain: trail}", ""), (9, "answer 'trail' of 'terrain' has no effect")),
    (VALID.replace("min: 40", "min: 400"), (14, "range question 'budget' needs `min:` below `max:`")),
    (VALID.replace("    field: price\n", ""), (10, "range question 'budget' needs a `field:`")),
    (VALID.replace("    type: range", "    type: range\n    when: {terrain: gravel}"),
     (13, "question 'terrain' has no answer 'gravel'")),
    (VALID.replace("    type: range", "    type: range\n    when: {terain: road}"),
     (13, "`when` refers to unknown question 'terain'")),
    (VALID.replace("    type: single", "    type: single\n    when: {budget: x}", 1),
     (7, "`when` refers to question 'budget', which is not asked before this one")),
])
def test_each_problem_kind_at_its_line(tmp_path: Path, text: str, expected: tuple[int, str]) -> None:
    found = problems_of(text, tmp_path)
    line, start = expected
    assert any(p[0] == line and p[1] == "error" and p[2].startswith(start) for p in found), found


def test_always_skipped_question(tmp_path: Path) -> None:
    text = flow_yaml("""
        id: shoes
        title: Shoes
        questions:
          - id: terrain
            text: Where?
            type: single
            answers:
              - {id: road, text: Road, filter: {terrain: road}}
              - {id: trail, text: Trail, filter: {terrain: trail}}
          - id: distance
            text: How far?
            type: single
            when: {terrain: road}
            answers:
              - {id: short, text: Short, boost: {cushioning: low}}
              - {id: long, text: Long, boost: {cushioning: high}}
          - id: grip
            text: Grip?
            type: single
            when: {distance: long, terrain: trail}
            answers:
              - {id: high, text: High, boost: {grip: high}}
              - {id: any, text: Any, neutral: true}
    """)
    assert problems_of(text, tmp_path) == [
        (20, "error", "question 'grip' is never asked: no answer path satisfies its `when`")]


def test_hints_suggest_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(VALID.replace("title:", "titel:"))
    _loaded, problems = read_flow(path)
    assert "did you mean `title`?" in [p.hint for p in problems]
    assert len(problems) == 1, "the missing `title` is not reported beside its misspelling"
    assert problems[0].format().startswith(f"{path}:2:1: error: unknown key 'titel' in the flow")


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (VALID.replace("id: budget", "id: terrain")
            .replace(", filter: {terrain: trail}", "")
            .replace("min: 40", "min: 400"))
    assert [line for line, _level, _message in problems_of(text, tmp_path)] == [9, 10, 14]

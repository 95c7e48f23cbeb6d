"""Named RFM segments: the shipped mapping, first match wins, and every mistake in an edited file at its line."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from assistant.insight import rfm, rfm_segments
from assistant.insight.rfm_segments import SegmentFileError, load_segments

MARKETERS = ["champions", "loyal", "potential_loyalists", "new", "promising", "need_attention", "about_to_sleep",
             "at_risk", "cannot_lose", "hibernating", "lost"]
CELLS = np.array(list(itertools.product(range(1, 6), repeat=3)), dtype=np.int8)


def assign(mapping: rfm_segments.SegmentMap, *cells: tuple[int, int, int]) -> list[str]:
    scores = np.array(cells, dtype=np.int8).reshape(-1, 3)
    return mapping.assign(rfm.Rfm(scores[:, 0], scores[:, 1], scores[:, 2])).tolist()


@pytest.fixture(scope="module")
def shipped() -> rfm_segments.SegmentMap:
    return load_segments(rfm_segments.default_path())


def test_the_shipped_file_names_every_segment_and_leaves_no_one_out(shipped: rfm_segments.SegmentMap) -> None:
    assert rfm_segments.default_path().parent.name == "rules"
    assert sorted(shipped.names()[:-1]) == sorted(MARKETERS)
    assert set(assign(shipped, *map(tuple, CELLS))) == set(MARKETERS)


@pytest.mark.parametrize(("cell", "segment"), [
    ((5, 5, 5), "champions"), ((4, 4, 4), "champions"), ((3, 4, 5), "loyal"), ((5, 2, 1), "potential_loyalists"),
    ((5, 1, 5), "new"), ((4, 1, 1), "promising"), ((3, 2, 2), "need_attention"), ((3, 1, 3), "about_to_sleep"),
    ((1, 5, 5), "cannot_lose"), ((2, 5, 5), "at_risk"), ((1, 3, 3), "at_risk"), ((2, 1, 1), "hibernating"),
    ((2, 2, 3), "hibernating"),
    ((1, 1, 1), "lost"), ((1, 5, 1), "lost"),
])
def test_the_shipped_mapping(shipped: rfm_segments.SegmentMap, cell: tuple[int, int, int], segment: str) -> None:
    assert assign(shipped, cell) == [segment]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rfm_segments.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_first_rule_that_holds_wins_and_otherwise_takes_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "segments:\n  - {name: best, recency: 5}\n  - {name: big, monetary: [4, 5]}\n"
                           "otherwise: rest\n")
    assert assign(load_segments(path), (5, 1, 5), (4, 1, 5), (4, 1, 3)) == ["best", "big", "rest"]


BROKEN = [
    ("segments:\n  - name: a\n    recency: [5, 1]\notherwise: rest\n",
     ["3:5: error: a: recency range [5, 1] is empty"]),
    ("segments:\n  - name: a\n    frequncy: 5\notherwise: rest\n",
     ["3:5: error: unknown key 'frequncy' (known: name, recency, frequency, monetary)"]),
    ("segments:\n  - name: a\n    monetary: 6\n  - name: b\n    recency: [1, 2, 3]\notherwise: rest\n",
     ["3:5: error: a: monetary must be a score from 1 to 5 or a range [low, high], got 6",
      "5:5: error: b: recency must be a score from 1 to 5 or a range [low, high], got [1, 2, 3]"]),
    ("segments:\n  - name: a\n    recency: true\notherwise: rest\n",
     ["3:5: error: a: recency must be a score from 1 to 5 or a range [low, high], got True"]),
    ("segments:\n  - {name: a, recency: 5}\n  - {name: a, recency: 4}\notherwise: rest\n",
     ["3:6: error: segment 'a' is named twice"]),
    ("segments:\n  - {name: all}\n  - {name: later, recency: 1}\notherwise: rest\n",
     ["3:5: error: later: never applies, the rules above it take every score it covers"]),
    ("segments:\n  - {recency: 1}\notherwise: rest\n",
     ["2:5: error: rule 1 needs a `name:` of lowercase letters, digits and _, got None"]),
    ("segments:\n  - {name: a}\n", ["1:1: error: `otherwise:` must name the segment of customers no rule takes, "
                                   "e.g. `otherwise: others`"]),
    ("segments: []\notherwise: rest\nextra: 1\n",
     ["1:1: error: `segments:` must be a list of rules, each with a `name:`",
      "3:1: error: unknown key 'extra' (known: segments, otherwise)"]),
    ("segments:\n  - {name: a\notherwise: rest\n", None),
    ("segments:\n  - &x {name: a}\n  - *x\notherwise: rest\n", None),
    ("otherwise: rest\notherwise: more\nsegments: [{name: a}]\n",
     ["2:1: error: 'otherwise' is written twice, here and at line 1"]),
    ("- just\n- a list\n", ["1:1: error: expected a mapping with `segments:` (a list of rules) and `otherwise:`"]),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_broken_file_names_every_problem_at_its_line(tmp_path: Path, text: str, expected: list[str] | None) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SegmentFileError) as caught:
        load_segments(path)
    problems = caught.value.problems
    assert all(p.startswith(f"{path}:") for p in problems)
    if expected is None:
        assert len(problems) == 1 and ": error: " in problems[0]
        return
    assert [p.removeprefix(f"{path}:")[:len(e)] for p, e in zip(problems, expected, strict=True)] == expected


def test_a_syntax_error_and_a_missing_file_are_problems_too(tmp_path: Path) -> None:
    with pytest.raises(SegmentFileError, match=r"rfm_segments.yaml:3:10: error: did not find expected"):
        load_segments(write(tmp_path, "segments:\n  - {name: a\notherwise: rest\n"))
    with pytest.raises(SegmentFileError, match="cannot read the file"):
        load_segments(tmp_path / "absent.yaml")

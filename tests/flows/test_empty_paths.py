"""The empty-path walk: subtrees no later answer can empty are counted, not walked, and the cap still ends
the walk where the list-based walk ended it."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings

from assistant.catalog.index import index_of_rows
from assistant.flows import empty_paths
from assistant.flows.answers import Answers, next_question
from assistant.flows.catalog_checks import check_against_catalog
from assistant.flows.loader import load_text
from assistant.flows.paths import choices
from assistant.flows.schema import Flow
from tests.flows import catalog_checks_reference as reference
from tests.flows.test_ranking_differential import flows, product_of

LOOSE = "\n".join(f"""  - id: q{n}
    text: Loose {n}?
    type: single
    answers: [{", ".join(f"{{id: a{i}, text: A{i}, boost: {{terrain: road}}}}" for i in range(5))}]"""
                  for n in range(2, 7))
FLOW = f"""id: f
title: Width, terrain, then five questions that only boost
questions:
  - id: q0
    text: Width?
    type: single
    answers:
      - {{id: wide, text: Wide, filter: {{width: wide}}}}
      - {{id: regular, text: Regular, filter: {{width: regular}}}}
      - {{id: narrow, text: Narrow, filter: {{width: narrow}}}}
  - id: q1
    text: Terrain?
    type: single
    answers:
      - {{id: road, text: Road, filter: {{terrain: road}}}}
      - {{id: trail, text: Trail, filter: {{terrain: trail}}}}
{LOOSE}
"""
SUBTREE = sum(5 ** k for k in range(6))
"""Nodes under an answer to q1: five questions of five answers that filter nothing."""


def rows(*products: tuple[str, str]) -> list[tuple[Any, ...]]:
    """Product rows in stock with these (terrain, width)."""
    return [(n, f"sku-{n}", "T", "", "", 1000, "EUR", [], None, {"terrain": terrain, "width": width}, 0.0, True)
            for n, (terrain, width) in enumerate(products, start=1)]


CATALOG = rows(("road", "wide"), ("road", "regular"), ("trail", "regular"), ("road", "narrow"))


def test_a_subtree_no_later_answer_can_empty_is_counted_not_walked() -> None:
    loaded = load_text(FLOW)
    assert loaded.flow is not None
    index = index_of_rows(1, CATALOG)
    found = empty_paths.empty_paths(loaded.flow, index, index.in_stock, keep=5)
    assert found.first == [[("q0", "wide"), ("q1", "trail")], [("q0", "narrow"), ("q1", "trail")]]
    assert (found.count, found.expanded, found.skipped) == (2, 4, 4 * SUBTREE)


def test_skipped_subtrees_count_toward_the_cap_as_the_nodes_they_hold() -> None:
    loaded = load_text(FLOW)
    assert loaded.flow is not None
    index, products = index_of_rows(1, CATALOG), [product_of(row) for row in CATALOG]
    last = 3 * SUBTREE + 4  # root, wide (its subtree), regular (two subtrees), then narrow finds the second path
    for cap, paths in [(last - 1, 1), (last, 2)]:
        with mock.patch.object(reference, "MAX_PATHS", cap), mock.patch.object(empty_paths, "MAX_PATHS", cap):
            found = empty_paths.empty_paths(loaded.flow, index, index.in_stock, keep=5)
            expected = reference.check_against_catalog(loaded.flow, loaded.locator, products, "f.yaml")
            got = check_against_catalog(loaded.flow, loaded.locator, index, "f.yaml")
        assert found.count == paths and got == expected


def every_node(flow: Flow, answers: Answers) -> int:
    """The nodes of the answer tree under `answers`, counted one by one."""
    question = next_question(flow, answers)
    if question is None:
        return 1
    return 1 + sum(every_node(flow, [*answers, (question.id, value)]) for value in choices(question))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(flow=flows())
def test_tree_sizes_are_the_node_counts(flow: Flow) -> None:
    sizes = empty_paths.TreeSizes(flow)
    assert sizes([]) == every_node(flow, [])
    question = next_question(flow, [])
    assert question is not None
    for value in choices(question):
        assert sizes([(question.id, value)]) == every_node(flow, [(question.id, value)])

"""Replaying thousands of answer sets leaves the live index's memory as it was."""

from __future__ import annotations

from assistant.catalog.index import index_of_rows
from assistant.flows.replay import replay_sessions
from tests.factories import load_flow
from tests.flows.test_replay import LIVE, NARROWED


def test_replay_works_on_memory_of_its_own() -> None:
    rows = [(i, f"s{i}", f"Shoe {i}", "", "", 5000 + 100 * i, "EUR", "[]", 4.0,
             {"terrain": ["road", "trail", "mixed"][i % 3], "colour": ["black", "red"][i % 2]}, 0.1 * i, True)
            for i in range(1, 30)]
    index = index_of_rows(1, rows)
    live = load_flow(LIVE)
    memo, answered = dict(index.memo), dict(index.answered)
    recorded = [([["terrain", t], ["colour", c], ["budget", [float(lo), 300.0]]], 1)
                for t in ("road", "trail") for c in ("dark", "bright") for lo in range(0, 100, 5)]
    report = replay_sessions(live, load_flow(NARROWED), recorded, index)
    assert report.sessions == 80 and report.ranked_before == 80
    assert index.memo == memo and index.answered == answered

"""Taking a quiz over the public API, as the widget does: shared by the production tests and the smoke test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Call = Callable[[str, str, Any], tuple[int, Any]]
"""(method, path under /api/v1 without the site key, JSON body or None) -> (status, JSON answer)."""


def an_answer(question: dict[str, Any]) -> Any:
    """A valid answer to `question` as the API shows it: its first answer, or the whole of its range."""
    if question["type"] == "single":
        return question["answers"][0]["id"]
    if question["type"] == "multi":
        return [question["answers"][0]["id"]]
    if question["type"] == "range":
        return [question["min"], question["max"]]
    return question["min"]


def take_quiz(call: Call, flow_id: str) -> tuple[list[str], dict[str, Any]]:
    """Start `flow_id`, answer every question it asks, and return the ids asked and the results."""
    status, state = call("POST", "/quiz", {"flow": flow_id, "visitor": "v-walk", "page": "/"})
    assert status == 201, state
    asked: list[str] = []
    while not state["done"]:
        question = state["question"]
        assert question["id"] not in asked, f"'{question['id']}' asked twice"
        asked.append(question["id"])
        status, state = call("POST", f"/quiz/{state['quiz']}/answers",
                             {"question": question["id"], "value": an_answer(question)})
        assert status == 200, state
    assert [a["question"] for a in state["answers"]] == asked
    status, results = call("GET", f"/quiz/{state['quiz']}/results", None)
    assert status == 200, results
    return asked, results

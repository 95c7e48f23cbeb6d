"""Taking a quiz over the public API, as the widget does: shared by the production tests and the smoke test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.sites.control import in_control_bucket

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


def outside_control(site_key: str) -> str:
    """A visitor id the site's control group holds out at no share (the largest allowed is 0.5): a site made as the
    README makes it holds out 5 % of visitors, so a fixed id would be held out for one site key in 20."""
    return next(f"v-walk-{n}" for n in range(1000)
                if not in_control_bucket(site_key=site_key, key=f"v-walk-{n}", share=0.5))


def take_quiz(call: Call, flow_id: str, visitor: str = "v-walk") -> tuple[list[str], dict[str, Any]]:
    """Start `flow_id` as `visitor`, answer every question it asks, and return the ids asked and the results."""
    status, state = call("POST", "/quiz", {"flow": flow_id, "visitor": visitor, "page": "/"})
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

"""Quiz results encoded once per answer set, per process.

Results depend only on the catalog index (catalog and stock), the live flow, the merchandising
rules and the answers, and shoppers give the same answers over and over: a flow of a few single
and multiple choice questions has a few hundred answer paths, and a price slider moves in steps.
So the JSON of a results answer is kept, apart from the quiz id, under the site, flow and stored
answers, for as long as the same index, flow and rules objects are live: a catalog or stock change
(a new index), an edited flow (a new Flow) or edited rules (a new list) miss at once, with nothing
to invalidate. The cache is bounded by the bytes of text it holds and starts again when full.
With several nodes a miss here asks the shared tier (shared_results.py, Redis) before computing.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from assistant.api.shared_results import SharedResults
from assistant.shared_state import redis_client

LIMIT_BYTES = 16 * 2**20
"""Text kept per process: about 5,000 answer sets of six products with reasons."""


class ResultsCache:
    """Encoded results (text before and after the quiz id) per answer set, while their inputs are live."""

    def __init__(self, limit_bytes: int = LIMIT_BYTES) -> None:
        self.limit_bytes = limit_bytes
        self._held = 0
        self._kept: dict[Any, tuple[tuple[object, ...], tuple[str, str]]] = {}

    def find(self, key: Any, inputs: tuple[object, ...]) -> tuple[str, str] | None:
        """The parts kept under `key` if they were worked out from these very `inputs` objects."""
        kept = self._kept.get(key)
        if kept is None or len(kept[0]) != len(inputs) or any(a is not b for a, b in zip(kept[0], inputs, strict=True)):
            return None
        return kept[1]

    def keep(self, key: Any, inputs: tuple[object, ...], parts: tuple[str, str]) -> tuple[str, str]:
        """Keep `parts` under `key`, worked out from `inputs`; returns `parts`."""
        size = len(parts[0]) + len(parts[1])
        if self._held + size > self.limit_bytes:
            self._kept.clear()
            self._held = 0
        if size <= self.limit_bytes:
            self._kept[key] = (inputs, parts)
            self._held += size
        return parts


def answers_key(answers: list[Any]) -> str:
    """Stored answers as one hashable text (what they replay to is a function of the text and the flow)."""
    return json.dumps(answers, separators=(",", ":"), sort_keys=True)


def get_results_cache() -> ResultsCache:
    """This process's results cache for the current app."""
    extensions = current_app.extensions["assistant"]
    cache = extensions.get("results_cache")
    if cache is None:
        cache = extensions["results_cache"] = ResultsCache()
    return cache


def get_shared_results() -> SharedResults | None:
    """The shared (Redis) tier of the current app, None without ASSISTANT_REDIS_URL."""
    extensions = current_app.extensions["assistant"]
    if "shared_results" not in extensions:
        client = redis_client(current_app)
        extensions["shared_results"] = SharedResults(client) if client is not None else None
    shared: SharedResults | None = extensions["shared_results"]
    return shared

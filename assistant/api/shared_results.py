"""The second tier of quiz results, shared by every node through Redis (only with ASSISTANT_REDIS_URL).

The per-process tier (results_cache.py) keys on object identity, which no other process shares; this one
keys on stable versions of the same inputs: the site, the catalog's counters (catalog_state: version and
stock version), a digest of the live flow and of the site's quiz rules, the stored answers and this
code's version. So a node reuses the encoding another node (or worker) made, and a change to any input
is a new key, with nothing to invalidate; keys expire after TTL_SECONDS.

Measured at 100,000 products (benchmarks/shared_results.py): ranking and encoding an answer set costs
0.43-0.72 ms, a Redis GET on loopback 0.05 ms whether it hits or misses, so a hit saves most of a miss
and a miss adds a GET and a SET. Redis errors (0.2 s timeouts) fall back to computing, logged, and
Redis is left alone for RETRY_SECONDS.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from assistant import __version__
from assistant.catalog.index import CatalogIndex
from assistant.flows.schema import Flow
from assistant.shared_state import degraded, redis_errors

TTL_SECONDS = 3600
RETRY_SECONDS = 5.0
SEPARATOR = "\0"
"""Between the text before and after the quiz id (JSON text never holds a NUL)."""
_digests: dict[int, tuple[object, str]] = {}


def digest_of(value: object, text: Callable[[], str]) -> str:
    """A short digest of `text()`, worked out once per live object `value` (held, so its id is not reused)."""
    known = _digests.get(id(value))
    if known is None or known[0] is not value:
        if len(_digests) > 256:
            _digests.clear()
        known = (value, hashlib.sha256(text().encode()).hexdigest()[:16])
        _digests[id(value)] = known
    return known[1]


def shared_key(site_id: int, index: CatalogIndex, flow: Flow, rules: Sequence[Any], answers: str) -> str:
    """The key of an answer set's results, the same in every process that serves the same inputs."""
    flow_digest = digest_of(flow, flow.model_dump_json)
    rules_digest = digest_of(rules, lambda: repr(list(rules)))
    versions = index.versions
    return (f"assistant:results:{__version__}:{site_id}:{versions.version}.{versions.stock_version}:"
            f"{flow.id}:{flow_digest}:{rules_digest}:{hashlib.sha256(answers.encode()).hexdigest()[:24]}")


class SharedResults:
    """Results text in Redis under `shared_key`; a Redis error computes locally for RETRY_SECONDS."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._retry_after = 0.0

    def get_or_compute(self, key: str, compute: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        """The parts kept under `key` by any node, else `compute()`d and kept for the others."""
        if time.monotonic() < self._retry_after:
            return compute()
        try:
            found = self.client.get(key)
        except redis_errors() as exc:
            return self._failed(exc, compute)
        if found is not None:
            before, _, after = found.decode().partition(SEPARATOR)
            return before, after
        parts = compute()
        try:
            self.client.set(key, parts[0] + SEPARATOR + parts[1], ex=TTL_SECONDS)
        except redis_errors() as exc:
            self._failed(exc, lambda: parts)
        return parts

    def _failed(self, exc: BaseException, compute: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        degraded("quiz results cached", exc)
        self._retry_after = time.monotonic() + RETRY_SECONDS
        return compute()

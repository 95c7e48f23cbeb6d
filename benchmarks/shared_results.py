"""Would a second, shared (Redis) tier for quiz results pay? A hit against a recompute at catalog scale.

    python -m benchmarks.shared_results [--size 100000] [--sets 300] [--redis redis://127.0.0.1:6379/15]

Builds benchmarks/quiz_catalog.py's generated catalog and flow (SQLite, in a temporary folder) and complete quiz
sessions on random answer paths, then times in process, per answer set, best of 5:

- first compute: the first ranking of an answer set in the process (the index's per-answer masks cold);
- recompute: what a node does on a miss of its own per-process cache: `quiz_results` over the index
  plus the JSON encoding (`results_parts`), i.e. the work a shared tier would save;
- redis hit: GET of the same encoded text from Redis under a key made of stable versions (site, flow
  file digest, catalog version, rules digest, answers), as another node would have stored it;
- redis miss: the GET that finds nothing, which every first computation would pay on top.

Without --redis a redis-server is started on a free port (and stopped). Prints medians and p90s in ms.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import redis

from assistant.api.results_cache import answers_key
from assistant.api.shapes import results_parts
from assistant.catalog.index import build_index
from assistant.db import make_engine
from assistant.flows import quiz as quizzes
from assistant.flows.quiz_store import StoredQuiz
from benchmarks.quiz_catalog import FLOW_ID, FLOW_YAML, catalog
from benchmarks.quiz_sessions import load_flow, random_answers


def best_of(action: Callable[[], object], times: int = 5) -> float:
    """The shortest of `times` runs of `action`, in ms."""
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best * 1000


@contextlib.contextmanager
def own_redis(folder: Path) -> Iterator[str]:
    """A redis-server on a free loopback port in `folder`, stopped afterwards."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    break
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def describe(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    return (f"{name:<12} median {statistics.median(ordered):7.3f} ms   p90 {ordered[int(len(ordered) * 0.9)]:7.3f} ms"
            f"   (n={len(ordered)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--sets", type=int, default=300)
    parser.add_argument("--redis", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sharedresults-") as tmp, \
            catalog("sqlite", args.size, None) as (url, _), \
            (contextlib.nullcontext(args.redis) if args.redis else own_redis(Path(tmp))) as redis_url:
        flow_path = Path(tmp) / f"{FLOW_ID}.yaml"
        flow_path.write_text(FLOW_YAML)
        flow = load_flow(flow_path)
        engine = make_engine(url)
        with engine.connect() as connection:
            site_id = connection.exec_driver_sql("SELECT id FROM site WHERE key = 'pk_bench'").scalar_one()
            index = build_index(connection, site_id)
        rng = np.random.default_rng(5)
        client = redis.Redis.from_url(redis_url, socket_timeout=0.2, socket_connect_timeout=0.2)
        flow_digest = hashlib.sha256(flow_path.read_bytes()).hexdigest()[:12]
        cold: list[float] = []
        recompute, hits, misses, sizes = [], [], [], []
        for n in range(args.sets):
            answers = [[q, v] for q, v in random_answers(flow, rng)]
            quiz = StoredQuiz(f"q{n}", site_id, flow.id, answers)

            def compute(quiz: StoredQuiz = quiz) -> tuple[str, str]:
                result = quizzes.quiz_results(index=index, quiz=quiz, flow=flow, rules=[])
                return results_parts(result, explain=flow.results.explain)

            started = time.perf_counter()
            parts = compute()
            cold.append((time.perf_counter() - started) * 1000)
            key = f"results:{site_id}:{flow.id}:{flow_digest}:v1:rules0:{answers_key(answers)}"
            client.set(key, parts[0] + "\0" + parts[1], ex=3600)
            sizes.append(len(parts[0]) + len(parts[1]))
            recompute.append(best_of(compute))
            hits.append(best_of(lambda key=key: client.get(key).decode().split("\0")))  # type: ignore[union-attr]
            misses.append(best_of(lambda key=key: client.get(key + ":none")))
        engine.dispose()
    print(f"{args.size:,} products, {args.sets} answer sets, encoded results {statistics.median(sizes):,.0f} B median")
    for name, values in (("first compute", cold), ("recompute", recompute), ("redis hit", hits),
                         ("redis miss", misses)):
        print(describe(name, values))
    print(json.dumps({"first_ms": statistics.median(cold), "recompute_ms": statistics.median(recompute),
                      "hit_ms": statistics.median(hits), "miss_ms": statistics.median(misses)}))


if __name__ == "__main__":
    main()

"""Flow replay at scale: 100,000 recorded quiz sessions over a 100,000-product catalog, beside ranking alone.

    python -m benchmarks.replay [--products 100000] [--sessions 100000] [--backend sqlite|postgresql]
                                [--data DIR] [--seed 5] [--repeat 2]

The catalog, flow and shoppers' answers come from benchmarks/quiz.py's generators (its six-question flow
with a scope, a `when`, a multi, a scale and a price range; answers picked with its weights, budgets
varying from shopper to shopper). The sessions are stored in quiz_session as the API stores them. The
draft narrows one filter (everyday: classic or urban -> classic only).

Measured after a warm-up, each step `--repeat` times in alternating order (the best kept: the machine
may be shared), each on a cold copy of the index (no per-answers or per-value memory from an earlier step):
- read: `replay.recorded_answers`, the grouped query of the last 30 days' answers;
- replay: `replay.replay_sessions` of those against the live flow and the draft;
- baseline: `ranking.rank` of the same distinct answer sets, each once per flow (the live flow's sets and
  the draft's), and nothing else: what replay cannot do without. The ratio replay / baseline is what the
  replaying itself costs (answers given to each flow, keys, counting, the report).
Time per session is the replay's (and read + replay's) wall time divided by the sessions replayed.

With `--data DIR` the generated catalog is kept and reused (as benchmarks/quiz.py does); sessions are
written afresh.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from assistant.catalog.index import CatalogIndex, build_index
from assistant.db import make_engine
from assistant.flows import ranking
from assistant.flows.quiz import replay
from assistant.flows.replay import recorded_answers, replay_sessions
from assistant.flows.schema import Flow
from assistant.rawsql import RawSQL
from assistant.sites.models import Site
from benchmarks import quiz

NARROWED = ("filter: {style: [classic, urban]}", "filter: {style: [classic]}")


def cold(index: CatalogIndex) -> CatalogIndex:
    """The same index with no memory of earlier work (per-value gains, scope masks, answered masks)."""
    return replace(index, memo={}, answered={}, shown={})


def make_answers(flow: Flow, n: int, seed: int) -> list[list[tuple[str, Any]]]:
    """`n` complete answer paths by benchmarks/quiz.py's shopper model."""
    rng = np.random.default_rng(seed)
    return [quiz.random_answers(flow, rng) for _ in range(n)]


def baseline(flow: Flow, answer_sets: list[list[Any]], index: CatalogIndex) -> float:
    """Seconds to rank each distinct answer set (as `flow` takes it) once, on a cold index."""
    distinct = {json.dumps(replay(flow, stored)): replay(flow, stored) for stored in answer_sets}
    index = cold(index)
    started = time.perf_counter()
    for answers in distinct.values():
        ranking.rank(flow, answers, index)
    return time.perf_counter() - started


def measure(url: str, live: Flow, draft: Flow, sessions: int, seed: int, repeat: int) -> dict[str, Any]:
    """Write the sessions, then time the read, the replay and the baseline."""
    started = time.perf_counter()
    answers = make_answers(live, sessions, seed)
    made = time.perf_counter() - started
    quiz.write_sessions(url, live, quiz.Sessions({}, {uuid.uuid4().hex: a for a in answers}))
    engine = make_engine(url)
    with Session(engine) as session:
        site_id = session.execute(select(Site.__table__.c.id).where(Site.__table__.c.key == quiz.SITE)).scalar_one()
        started = time.perf_counter()
        index = build_index(session.connection(), site_id)
        built = time.perf_counter() - started
        started = time.perf_counter()
        recorded = recorded_answers(RawSQL(session), site_id=site_id, flow_id=live.id, days=30)
        read = time.perf_counter() - started
    engine.dispose()
    stored = [s for s, _ in recorded]
    replay_sessions(live, draft, recorded[:200], cold(index))  # warm-up: first calls into NumPy and the engine
    replayed = base_live = base_draft = float("inf")
    for turn in range(repeat):  # alternate the order, keep each one's best: the machine is shared
        for step in (("baseline", "replay") if turn % 2 == 0 else ("replay", "baseline")):
            if step == "baseline":
                base_live, base_draft = (min(base_live, baseline(live, stored, index)),
                                         min(base_draft, baseline(draft, stored, index)))
            else:
                started = time.perf_counter()
                report = replay_sessions(live, draft, recorded, cold(index), days=30)
                replayed = min(replayed, time.perf_counter() - started)
    return {"products": index.size, "sessions": report.sessions, "stored_sets": len(recorded),
            "ranked_live": report.ranked_before, "ranked_draft": report.ranked_after, "made": made, "index": built,
            "read": read, "replay": replayed, "baseline": base_live + base_draft, "baseline_live": base_live,
            "changed": report.changed, "newly_empty": len(report.newly_empty()),
            "relaxed": (report.relaxed_before, report.relaxed_after)}


def main() -> None:
    """Parse arguments, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--data", type=Path, default=None, help="keep and reuse the generated catalog here")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each step, in alternating order (best kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="replaybench-") as scratch:
        path = Path(scratch) / "bench-finder.yaml"
        path.write_text(quiz.FLOW_YAML)
        live = quiz.load_flow(path)
        path.write_text(quiz.FLOW_YAML.replace(*NARROWED))
        draft = quiz.load_flow(path)
    with quiz.catalog(args.backend, args.products, args.data) as (url, generated):
        if generated is not None:
            print(f"catalog: {args.products:,} products generated in {generated:.1f} s")
        found = measure(url, live, draft, args.sessions, args.seed, args.repeat)
    print_figures(args, found)


def print_figures(args: argparse.Namespace, f: dict[str, Any]) -> None:
    """The run's figures as a small Markdown table, with what was replayed."""
    per = f["sessions"] or 1
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"\nflow replay, {args.backend}, {f['products']:,} products, {f['sessions']:,} sessions "
          f"({f['stored_sets']:,} distinct stored answer lists; ranked {f['ranked_live']:,} live and "
          f"{f['ranked_draft']:,} draft answer sets), git {head}")
    print(f"answers generated in {f['made']:.1f} s, index built in {f['index']:.1f} s; draft: "
          f"{f['changed']:,} sessions changed, {f['newly_empty']} paths newly empty, relaxed "
          f"{f['relaxed'][0]:,} -> {f['relaxed'][1]:,}\n")
    print("| step | seconds | per session | vs baseline |")
    print("|---|---:|---:|---:|")
    rows = [("read (grouped query)", f["read"]), ("replay (live + draft)", f["replay"]),
            ("read + replay", f["read"] + f["replay"]), ("baseline: rank each set once per flow", f["baseline"])]
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {1e6 * seconds / per:,.0f} us | {seconds / f['baseline']:.2f}x |")


if __name__ == "__main__":
    main()

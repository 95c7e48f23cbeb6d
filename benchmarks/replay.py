"""Flow replay at scale: 100,000 recorded quiz sessions over a 100,000-product catalog, beside ranking alone.

    python -m benchmarks.replay [--products 100000] [--sessions 100000] [--backend sqlite|postgresql]
                                [--data DIR] [--seed 5] [--repeat 2] [--budget-step 10]

The catalog, flow and shoppers' answers come from the quiz benchmark's generators (quiz_catalog.py: its
six-question flow with a scope, a `when`, a multi, a scale and a price range; answers picked with its weights, budgets
varying from shopper to shopper). The sessions are stored in quiz_session as the API stores them. The
draft narrows one filter (everyday: classic or urban -> classic only).

Measured after a warm-up, each step `--repeat` times in alternating order (the best kept: the machine
may be shared), each on a cold copy of the index (no per-answers or per-value memory from an earlier step):
- read: `replay.recorded_answers`, the grouped query of the last 30 days' answers;
- replay: `replay.replay_sessions` of those against the live flow and the draft;
- baseline: `ranking.rank` of the same distinct answer sets, each once per flow (the live flow's sets and
  the draft's), and nothing else: what replay cannot do without. The ratio replay / baseline is what the
  replaying itself costs (answers given to each flow, keys, counting, the report).
Wall and CPU time are both printed (CPU time of this process moves less with other work on a shared
machine); time per session is CPU time divided by the sessions replayed.

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
from benchmarks import quiz_catalog, quiz_sessions

NARROWED = ("filter: {style: [classic, urban]}", "filter: {style: [classic]}")


def cold(index: CatalogIndex) -> CatalogIndex:
    """The same index with no memory of earlier work (per-value gains, scope masks, answered masks)."""
    return replace(index, memo={}, answered={}, shown={})


def make_answers(flow: Flow, n: int, seed: int, step: float = 0) -> list[list[tuple[str, Any]]]:
    """`n` complete answer paths by the quiz benchmark's shopper model (quiz_sessions.py); with `step`, range
    answers rounded to it (a budget slider with steps: shoppers then share answer sets)."""
    rng = np.random.default_rng(seed)
    paths = [quiz_sessions.random_answers(flow, rng) for _ in range(n)]
    if step:
        ranges = {q.id: (q.min or 0.0, q.max or 0.0) for q in flow.questions if q.type == "range"}
        paths = [[(qid, _stepped(v, step, *ranges[qid]) if qid in ranges and v else v) for qid, v in path]
                 for path in paths]
    return paths


def _stepped(value: list[float], step: float, low: float, high: float) -> list[float]:
    lo = max(low, float(np.floor(value[0] / step) * step))
    return [lo, max(lo, min(high, float(np.ceil(value[1] / step) * step)))]


Timing = tuple[float, float]
"""(wall seconds, CPU seconds of this process): CPU time moves less with other work on a shared machine."""


def clock() -> Timing:
    """Now, on both clocks."""
    return time.perf_counter(), time.process_time()


def since(started: Timing) -> Timing:
    """Wall and CPU seconds since `started`."""
    wall, cpu = clock()
    return wall - started[0], cpu - started[1]


def best(a: Timing, b: Timing) -> Timing:
    """The faster of two runs (by CPU time)."""
    return a if a[1] <= b[1] else b


def baseline(flow: Flow, answer_sets: list[list[Any]], index: CatalogIndex) -> Timing:
    """The time to rank each distinct answer set (as `flow` takes it) once, on a cold index."""
    distinct = {json.dumps(replay(flow, stored)): replay(flow, stored) for stored in answer_sets}
    index = cold(index)
    started = clock()
    for answers in distinct.values():
        ranking.rank(flow, answers, index)
    return since(started)


def measure(url: str, live: Flow, draft: Flow, args: argparse.Namespace) -> dict[str, Any]:
    """Write the sessions, then time the read, the replay and the baseline."""
    started = clock()
    answers = make_answers(live, args.sessions, args.seed, args.budget_step)
    made = since(started)
    quiz_sessions.write_sessions(url, live, quiz_sessions.Sessions({}, {uuid.uuid4().hex: a for a in answers}))
    engine = make_engine(url)
    with Session(engine) as session:
        site_id = session.execute(select(Site.id).where(Site.key == quiz_catalog.SITE)).scalar_one()  # type: ignore[call-overload]
        started = clock()
        index = build_index(session.connection(), site_id)
        built = since(started)
        started = clock()
        recorded = recorded_answers(RawSQL(session), site_id=site_id, flow_id=live.id, days=30)
        read = since(started)
    engine.dispose()
    stored = [s for s, _ in recorded]
    replay_sessions(live, draft, recorded[:200], cold(index))  # warm-up: first calls into NumPy and the engine
    slow = (float("inf"), float("inf"))
    replayed, base_live, base_draft = slow, slow, slow
    for turn in range(args.repeat):  # alternate the order, keep each one's best: the machine is shared
        for step in (("baseline", "replay") if turn % 2 == 0 else ("replay", "baseline")):
            if step == "baseline":
                base_live = best(base_live, baseline(live, stored, index))
                base_draft = best(base_draft, baseline(draft, stored, index))
            else:
                started = clock()
                report = replay_sessions(live, draft, recorded, cold(index), days=30)
                replayed = best(replayed, since(started))
    return {"products": index.size, "sessions": report.sessions, "stored_sets": len(recorded),
            "ranked_live": report.ranked_before, "ranked_draft": report.ranked_after, "made": made[0],
            "index": built[0], "read": read, "replay": replayed,
            "baseline": (base_live[0] + base_draft[0], base_live[1] + base_draft[1]),
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
    parser.add_argument("--budget-step", type=float, default=0,
                        help="round budgets to this step (a slider with steps), so shoppers share answer sets")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each step, in alternating order (best kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="replaybench-") as scratch:
        path = Path(scratch) / "bench-finder.yaml"
        path.write_text(quiz_catalog.FLOW_YAML)
        live = quiz_sessions.load_flow(path)
        path.write_text(quiz_catalog.FLOW_YAML.replace(*NARROWED))
        draft = quiz_sessions.load_flow(path)
    with quiz_catalog.catalog(args.backend, args.products, args.data) as (url, generated):
        if generated is not None:
            print(f"catalog: {args.products:,} products generated in {generated:.1f} s")
        found = measure(url, live, draft, args)
    print_figures(args, found)


def print_figures(args: argparse.Namespace, f: dict[str, Any]) -> None:
    """The run's figures as a small Markdown table, with what was replayed."""
    per = f["sessions"] or 1
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    stepped = f", budgets in steps of {args.budget_step:g}" if args.budget_step else ""
    print(f"\nflow replay, {args.backend}, {f['products']:,} products, {f['sessions']:,} sessions{stepped} "
          f"({f['stored_sets']:,} distinct stored answer lists; ranked {f['ranked_live']:,} live and "
          f"{f['ranked_draft']:,} draft answer sets), git {head}")
    print(f"answers generated in {f['made']:.1f} s, index built in {f['index']:.1f} s; draft: "
          f"{f['changed']:,} sessions changed, {f['newly_empty']} paths newly empty, relaxed "
          f"{f['relaxed'][0]:,} -> {f['relaxed'][1]:,}\n")
    print("| step | wall s | CPU s | CPU per session | CPU vs baseline | wall vs baseline |")
    print("|---|---:|---:|---:|---:|---:|")
    both = (f["read"][0] + f["replay"][0], f["read"][1] + f["replay"][1])
    rows = [("read (grouped query)", f["read"]), ("replay (live + draft)", f["replay"]), ("read + replay", both),
            ("baseline: rank each set once per flow", f["baseline"])]
    for name, (wall, cpu) in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {1e6 * cpu / per:,.0f} us | {cpu / f['baseline'][1]:.2f}x "
              f"| {wall / f['baseline'][0]:.2f}x |")


if __name__ == "__main__":
    main()

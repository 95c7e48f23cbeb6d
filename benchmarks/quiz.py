"""Quiz at catalog scale: every quiz step through gunicorn, at 300 to 1,000,000 products, beside bare Flask.

    python -m benchmarks.quiz [--sizes 300,10000,100000,1000000] [--seconds 10] [--workers 2]
                              [--backend sqlite|postgresql] [--data DIR] [--connections 16] [--timeout 4]

For each size: generates a synthetic catalog (SQL straight into the product table of a migrated
database with the site pk_bench, then `catalog_changed`) whose products carry the attributes of a
generated six-question flow (single with a filter per answer, a `when`, a multi over a list
attribute and a text attribute, a boost-only question, a scale and a price range), with skew: rare
values, attributes missing on a share of products, 8 % out of stock. Then it writes thousands of
quiz sessions with random valid answers (checked by the engine's own `give_answer`) straight into
quiz_session, and serves the app with gunicorn as production does (`-c python:assistant.gunicorn_conf`
when that module exists; production settings, rate limits off) and, in the same run, the bare Flask
endpoint. Measured, with wrk picking a random pre-made session per request (`benchmarks/quiz.lua`):

- start-up: spawn to the first answered `GET /flows` and the first quiz results, beside the bare
  app's first answer; the CPU of importing the app beside importing flask alone (once a run);
- per step: `POST /quiz`; `POST /quiz/<id>/answers` for every question, each over its own sessions
  stored answered up to the question before (the first post answers it; a later post of the same
  answer to the same session is valid and idempotent, since answering an earlier question drops the
  later ones); `GET /quiz/<id>/results` over complete sessions with different answer sets (the count
  is printed): answered, req/s (2xx only), p50, p99, errors (timeouts included), ratios to bare;
- memory of the master and each worker (RSS and PSS from /proc: PSS splits pages the workers share with
  the master, such as a preloaded index) when booted, after the first results and after the run.

Nothing is measured before it is checked over HTTP: the flow is served, stored sessions replay in
full, one request of every step answers 2xx and results carry items. A step slower than the wrk
timeout is reported as timeouts, gunicorn's timeout kills a worker stuck longer, and a server still
busy long after a step is restarted (said in the output) rather than waited for.

With `--data DIR` the generated catalogs are kept (SQLite files in DIR, or PostgreSQL databases
named assistant_quizbench_<size>) and reused by later runs; sessions are always written afresh.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ROOT
from benchmarks.gunicorn_server import Server, Unusable, memory_text
from benchmarks.quiz_catalog import FLOW_ID, FLOW_YAML, ORIGIN, SITE, catalog
from benchmarks.quiz_checks import check_server, checked_call, flows_problem, results_problem
from benchmarks.quiz_sessions import Step, load_flow, make_sessions, make_steps, write_sessions
from benchmarks.quiz_startup import import_costs
from benchmarks.quiz_wrk import Load, run_wrk

DEFAULT_CONFIG = "python:assistant.gunicorn_conf" if importlib.util.find_spec("assistant.gunicorn_conf") else ""


@dataclass
class SizeReport:
    """What one catalog size measured, for the closing summary."""

    size: int
    generated: float | None
    bare: Load
    steps: list[Load]
    bare_first: float
    flows_first: float
    results_first: float
    memory: dict[str, list[tuple[int, float, float]]]
    distinct: int
    failure: str | None = None


def measure_bare(args: argparse.Namespace, folder: Path) -> tuple[Load, float, Server]:
    """The bare endpoint: spawn to first answer, then the same wrk load; the server is left running, so each
    step can be set beside a bare run made just before it (stop it when done)."""
    bare_file = folder / "bare.txt"
    bare_file.write_text("GET\t/bare\t\n")
    server = Server("benchmarks.bare_app:app", workers=args.workers, env={}, timeout=args.gunicorn_timeout,
                    origin=ORIGIN)
    try:
        server.start()
        first = server.wait_for("GET", "/bare", lambda body: None if body == {} else "not {}", "the bare app")
        server.settle(cap=60)
        load = run_wrk("bare Flask GET /bare", server.base, bare_file, seconds=args.seconds,
                       connections=args.connections, timeout=args.timeout)
    except BaseException:
        server.stop()
        raise
    return load, first, server


def bare_beside(args: argparse.Namespace, bare: Server, folder: Path) -> Load:
    """A shorter bare run, made just before a step and compared with it."""
    return run_wrk("bare, just before", bare.base, folder / "bare.txt", seconds=max(2, args.seconds // 2),
                   connections=args.connections, timeout=args.timeout)


def measure_size(args: argparse.Namespace, size: int, scratch: Path) -> SizeReport:
    """Generate (or reuse) one catalog and write its sessions, then measure the bare app and the assistant."""
    folder = scratch / f"size-{size}"
    (folder / "flows").mkdir(parents=True)
    (folder / "models").mkdir()
    (folder / "flows" / f"{FLOW_ID}.yaml").write_text(FLOW_YAML)
    flow = load_flow(folder / "flows" / f"{FLOW_ID}.yaml")
    print(f"\n=== {size:,} products ({args.backend}) ===", flush=True)
    with catalog(args.backend, size, args.data) as (url, generated):
        print(f"catalog: {'generated in ' + format(generated, '.1f') + ' s' if generated is not None else 'reused'}")
        started = time.perf_counter()
        sessions = make_sessions(flow, per_pool=args.sessions, seed=size)
        write_sessions(url, flow, sessions)
        plan = make_steps(folder, flow, sessions, seed=size)
        print(f"sessions: {args.sessions:,} for each answer step (answered up to the question before) and "
              f"{len(sessions.results):,} complete ones for results, with {sessions.distinct_result_sets:,} distinct "
              f"answer sets (written in {time.perf_counter() - started:.1f} s)")
        bare, bare_first, bare_server = measure_bare(args, folder)
        env = {"DATABASE_URL": url, "ASSISTANT_ENV": "production", "SECRET_KEY": "benchmark-only",
               "ASSISTANT_RATE_LIMITS": "off", "ASSISTANT_FLOWS": str(folder / "flows"),
               "ASSISTANT_MODELS": str(folder / "models"),
               "ASSISTANT_MERCH_RULES": str(folder / "no-rules.yaml"),  # missing: no merchandising rules
               **dict(item.split("=", 1) for item in args.env)}
        server = Server("assistant.app:create_app()", workers=args.workers, env=env, timeout=args.gunicorn_timeout,
                        config=args.gunicorn_config, origin=ORIGIN)
        report = SizeReport(size, generated, bare, [], bare_first, math.nan, math.nan, {}, 0)
        try:
            measure_assistant(args, server, plan, report, lambda: bare_beside(args, bare_server, folder))
        except Unusable as exc:
            report.failure = str(exc)
            print(f"NOT MEASURED further at {size:,} products: {exc}", flush=True)
        finally:
            server.stop()
            bare_server.stop()
    report.size, report.generated, report.distinct = size, generated, sessions.distinct_result_sets
    _print_size(args, report)
    return report


def measure_assistant(args: argparse.Namespace, server: Server, plan: list[Step], report: SizeReport,
                      beside: Callable[[], Load]) -> None:
    """Start the assistant (timed), check it, then load every step in turn, each just after a bare run
    (`beside()`), into `report`; memory along the way."""
    bare, bare_first, memory, loads = report.bare, report.bare_first, report.memory, report.steps
    server.start()
    report.flows_first = flows_first = server.wait_for("GET", f"/api/v1/flows?site={SITE}", flows_problem,
                                                       "start-up")
    if not server.settle(cap=300):
        print("  (the workers were still busy 300 s after the first answer)")
    memory["booted, before any results"] = server.memory()
    results = list(plan[-1].sessions)
    report.results_first = results_first = server.wait_for(
        "GET", f"/api/v1/quiz/{results[0]}/results?site={SITE}", results_problem, "first results",
        deadline=args.gunicorn_timeout + 30)
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:  # concurrent, so every worker answers one
        answered = pool.map(lambda q: checked_call(server, "GET", f"/api/v1/quiz/{q}/results?site={SITE}"),
                            results[1:1 + args.workers])
        for quiz, (status, body) in zip(results[1:1 + args.workers], answered, strict=True):
            if status != 200 or (problem := results_problem(body)):
                raise Unusable(f"results of {quiz}: {status} {problem or json.dumps(body)[:400]}")
    server.settle(cap=60)
    memory["after the first results"] = server.memory()
    check_server(server, plan, samples=40)
    server.settle(cap=60)
    print(f"start-up (spawn to first answer): bare {bare_first:.2f} s; assistant GET /flows {flows_first:.2f} s "
          f"({flows_first / bare_first:.1f}x), first quiz results {results_first:.2f} s "
          f"({results_first / bare_first:.1f}x)", flush=True)
    print("  " + HEADER)
    for step in plan:
        before = set(server.worker_pids())
        bare_now = beside()
        load = run_wrk(step.name, server.base, step.requests, seconds=args.seconds, connections=args.connections,
                       timeout=args.timeout)
        load.beside = bare_now
        loads.append(load)
        draining = time.monotonic()
        if server.settle(cap=args.drain):
            if time.monotonic() - draining > 3:
                load.notes.append(f"the workers were busy for {time.monotonic() - draining:.0f} s after wrk stopped "
                                  "(requests queued by then)")
        else:
            load.notes.append(f"still busy {args.drain:.0f} s after wrk stopped: server restarted")
            server.stop()
            server.start()
            server.wait_for("GET", f"/api/v1/flows?site={SITE}", flows_problem, "restart")
            server.settle(cap=300)
        replaced = len(before - set(server.worker_pids()))
        if replaced:
            load.notes.append(f"{replaced} worker(s) replaced (gunicorn's timeout, a crash or the restart)")
        print("  " + _row(load, bare), flush=True)
    memory["after the run"] = server.memory()


def _ratio(value: float, base: float, digits: int = 2) -> str:
    if not (math.isfinite(value) and math.isfinite(base)) or base == 0:
        return "-"
    return f"{value / base:.{digits}g}" if value / base < 0.01 else f"{value / base:.{digits}f}"


def _ms(value: float) -> str:
    return f"{value:,.1f}" if math.isfinite(value) else "-"


def _row(load: Load, bare: Load) -> str:
    """One step's figures; its ratios against the bare run just before it when there is one, else `bare`."""
    bare = load.beside or bare
    errors = f"{load.errors}" + (f" ({load.timeouts} t/o)" if load.timeouts else "")
    return (f"{load.name:<34} {load.ok:>8,} {load.rps:>9,.1f} {_ms(load.p50_ms):>9} {_ms(load.p99_ms):>9} "
            f"{errors:>14} {_ratio(load.rps, bare.rps):>8} {_ratio(load.p99_ms, bare.p99_ms):>8}"
            + "".join(f"\n{'':<36}note: {n}" for n in load.notes))


HEADER = (f"{'step':<34} {'answered':>8} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'errors':>14} {'vs bare':>8} "
          f"{'p99 x':>8}")


def _print_size(args: argparse.Namespace, report: SizeReport) -> None:
    print(f"\n{report.size:,} products, {args.backend}: gunicorn {args.workers} sync workers, wrk 2 threads x "
          f"{args.connections} connections, {args.seconds} s a step, timeout {args.timeout} s (wrk's; a timeout is an "
          f"error); results over {report.distinct:,} distinct answer sets; req/s counts 2xx answers; "
          f"vs bare = req/s / req/s of the bare run just before the step (bare beside), p99 x = p99 / its p99")
    print(HEADER)
    print(_row(report.bare, report.bare))
    for load in report.steps:
        print(_row(load, report.bare))
    besides = [load.beside.rps for load in report.steps if load.beside]
    if besides:
        print(f"bare beside the steps: {min(besides):,.0f}-{max(besides):,.0f} req/s")
    if report.failure:
        print(f"not measured further: {report.failure}")
    print(f"start-up, spawn to first answer: bare {report.bare_first:.2f} s, GET /flows {report.flows_first:.2f} s, "
          f"first quiz results {report.results_first:.2f} s")
    for moment, snapshot in report.memory.items():
        print(f"memory, RSS/PSS MB, {moment}: {memory_text(snapshot)}")


def _print_summary(args: argparse.Namespace, reports: list[SizeReport]) -> None:
    print(f"\nSummary ({args.backend}; results = GET /quiz/<id>/results; bare = the bare run just before results; "
          "worst step = the lowest req/s ratio of the other steps, each to its own bare run)")
    print(f"{'products':>10} {'generated':>10} {'bare req/s':>10} {'bare p99':>9} {'results':>9} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'vs bare':>8} {'p99 x':>7} {'errors':>7} {'worst step':>11} {'first results':>14} "
          f"{'worker RSS MB':>13}")
    for r in reports:
        generated = f"{r.generated:.1f} s" if r.generated is not None else "reused"
        head = f"{r.size:>10,} {generated:>10} {r.bare.rps:>10,.0f} {r.bare.p99_ms:>9.1f}"
        if r.failure or len(r.steps) < 2:
            print(f"{head} not measured: {r.failure or 'no steps'}")
            continue
        results, others = r.steps[-1], r.steps[:-1]
        worst = min(others, key=lambda s: s.rps / (s.beside or r.bare).rps)
        near = results.beside or r.bare
        head = f"{r.size:>10,} {generated:>10} {near.rps:>10,.0f} {near.p99_ms:>9.1f}"  # the bare run beside results
        rss = (r.memory.get("after the run") or [])[1:]  # the workers
        print(f"{head} {results.rps:>9,.1f} {_ms(results.p50_ms):>8} {_ms(results.p99_ms):>8} "
              f"{_ratio(results.rps, near.rps):>8} {_ratio(results.p99_ms, near.p99_ms):>7} {results.errors:>7} "
              f"{_ratio(worst.rps, (worst.beside or r.bare).rps):>11} {r.results_first:>12.2f} s "
              f"{max((m[1] for m in rss), default=math.nan):>13,.0f}")


def main() -> None:
    """Parse the options, measure the import cost once, then every size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,10000,100000,1000000",
                        help="catalog sizes, comma separated (default: %(default)s)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration of each step")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (2 threads)")
    parser.add_argument("--timeout", type=int, default=4,
                        help="wrk's request timeout, s (default: the widget's own); a timeout is an error")
    parser.add_argument("--gunicorn-timeout", type=int, default=60,
                        help="gunicorn's worker timeout, s (a worker busy longer is killed)")
    parser.add_argument("--gunicorn-config", default=DEFAULT_CONFIG,
                        help="gunicorn -c for the assistant, as production runs it (default: %(default)s; '' for none)")
    parser.add_argument("--drain", type=float, default=90,
                        help="after a step, wait this long for the workers to go idle, then restart the server")
    parser.add_argument("--sessions", type=int, default=3000, help="pre-made sessions per pool (answers, results)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--data", type=Path, help="keep the generated catalogs here and reuse them next time")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the assistant's server (repeatable)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    if any("=" not in item for item in args.env):
        sys.exit("--env takes KEY=VALUE")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    print(f"benchmarks.quiz: sizes {', '.join(f'{s:,}' for s in sizes)}; {args.backend}; git "
          f"{_git_head()}; gunicorn -c {args.gunicorn_config or '(none)'}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    import_costs()
    with tempfile.TemporaryDirectory(prefix="quizbench-run-") as scratch:
        try:
            reports = [measure_size(args, size, Path(scratch)) for size in sizes]
        except Unusable as exc:  # the bare app: nothing to compare with
            sys.exit(str(exc))
    _print_summary(args, reports)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.2f} at the end")
    if any(r.failure for r in reports):
        sys.exit(1)


def _git_head() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()

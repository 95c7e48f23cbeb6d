"""Load through nginx on the local cluster (scripts/cluster.py): one node, then two, in one run; then a node killed.

    python benchmarks/cluster.py [--seconds 15] [--processes 2] [--threads 8] [--workers 2]

Starts a cluster of its own (PostgreSQL, Redis, two gunicorn nodes, nginx) on free ports in a temporary folder and
drives it with a Python load generator (processes x threads, each thread one keep-alive connection to nginx):

1. ingest: POST /api/v1/events, batches of 20 events, through nginx to one node, then to both;
2. `assistant train` on what was ingested, then recommendations (GET /api/v1/recommendations, a product page of a
   product the visitors viewed, as one of those visitors) through nginx to one node, then to both;
3. ingest to both nodes with one node SIGKILLed (master and workers) half way.

Every event the cluster acknowledged (a 2xx naming it neither rejected) is recorded by its client event id; at the
end PostgreSQL is asked for each of them: acknowledged = stored, no client event id stored twice. The one-node
runs reload nginx with the first node alone as its upstream, so both rows go through the same nginx and driver.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.cluster import Cluster, free_port  # noqa: E402

BATCH = 20
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
VISITORS_PER_THREAD = 200


@dataclass
class Run:
    """What one load run measured (all driver processes together)."""

    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    acked: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if status.startswith("2"))

    @property
    def rps(self) -> float:
        """Answered-2xx requests per second."""
        return self.ok / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def line(self) -> str:
        errors = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()) if not s.startswith("2")) or "none"
        events = f" {len(self.acked) / self.seconds:>9,.0f}" if self.sent else f" {'-':>9}"
        return (f"{self.name:<28} {self.rps:>8,.0f}{events} {self.percentile(0.5):>7.1f} {self.percentile(0.99):>7.1f}"
                f"   errors {errors}")


def batch_body(visitor: str, ids: list[str], skus: list[str], rng: random.Random) -> bytes:
    """A widget's batch: product views and a few adds to cart of catalog products, with these client event ids."""
    now = int(time.time() * 1000)
    events = []
    for n, event_id in enumerate(ids):
        sku = rng.choice(skus)
        kind = "add_to_cart" if n % 10 == 9 else "product_view"
        extra: dict[str, Any] = {"quantity": 1} if kind == "add_to_cart" else {}
        events.append({"id": event_id, "type": kind, "ts": now, "page": f"/p/{sku}", "sku": sku, **extra})
    return json.dumps({"visitor": visitor, "events": events}).encode()


def _thread_loop(kind: str, port: int, key: str, deadline: float, tag: str, skus: list[str], out: Run) -> None:
    """One client: requests over one keep-alive connection until the deadline, reconnecting after an error."""
    rng = random.Random(tag)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"User-Agent": BROWSER, "Content-Type": "text/plain", "Origin": f"http://127.0.0.1:{port}"}
    n = 0
    while time.monotonic() < deadline:
        n += 1
        visitor = f"{tag}-v{rng.randrange(VISITORS_PER_THREAD):04d}"
        ids: list[str] = []
        if kind == "ingest":
            ids = [f"{tag}-{n}-{i}" for i in range(BATCH)]
            method, path, body = "POST", f"/api/v1/events?site={key}", batch_body(visitor, ids, skus, rng)
        else:
            method, body = "GET", None
            path = f"/api/v1/recommendations?site={key}&placement=product&product={rng.choice(skus)}&visitor={visitor}"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as exc:
            out.statuses[type(exc).__name__] += 1
            out.sent.extend(ids)
            connection.close()
            continue
        out.latencies_ms.append((time.perf_counter() - started) * 1000)
        out.statuses[str(response.status)] += 1
        out.sent.extend(ids)
        if kind == "ingest" and 200 <= response.status < 300:
            rejected = {ids[r["index"]] for r in json.loads(answer)["rejected"]}
            out.acked.extend(i for i in ids if i not in rejected)
    connection.close()


def drive_process(kind: str, port: int, key: str, seconds: float, threads: int, tag: str,
                  skus: list[str]) -> dict[str, Any]:
    """One driver process: `threads` clients for `seconds`; what they saw, as plain data for the parent."""
    deadline = time.monotonic() + seconds
    outs = [Run(tag, seconds) for _ in range(threads)]
    workers = [threading.Thread(target=_thread_loop, args=(kind, port, key, deadline, f"{tag}t{i}", skus, out))
               for i, out in enumerate(outs)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"latencies_ms": [x for o in outs for x in o.latencies_ms], "acked": [x for o in outs for x in o.acked],
            "sent": [x for o in outs for x in o.sent], "statuses": sum((o.statuses for o in outs), Counter())}


def load(cluster: Cluster, kind: str, name: str, *, seconds: float, processes: int, threads: int,
         skus: list[str], during: tuple[float, Any] | None = None) -> Run:
    """Run `processes` x `threads` clients of `kind` (ingest | recs) against nginx; `during` = (after s, callable)."""
    run = Run(name, seconds)
    tag = uuid.uuid4().hex[:8]
    with ProcessPoolExecutor(processes) as pool:
        futures = [pool.submit(drive_process, kind, cluster.nginx_port, cluster.site_key, seconds, threads,
                               f"{tag}p{p}", skus) for p in range(processes)]
        if during is not None:
            time.sleep(during[0])
            during[1]()
        for future in futures:
            part = future.result()
            run.latencies_ms += part["latencies_ms"]
            run.acked += part["acked"]
            run.sent += part["sent"]
            run.statuses += part["statuses"]
    return run


def check_stored(cluster: Cluster, acked: list[str], sent: list[str]) -> dict[str, int]:
    """Ask PostgreSQL for the runs' client event ids: acknowledged and stored, acknowledged and missing, duplicates."""
    import psycopg

    with psycopg.connect(cluster.database_url.replace("+psycopg", "")) as connection:
        connection.execute("CREATE TEMP TABLE acked (client_id text PRIMARY KEY)")
        connection.execute("CREATE TEMP TABLE sent (client_id text PRIMARY KEY)")
        with connection.cursor() as cursor:
            for table, ids in (("acked", acked), ("sent", sent)):
                with cursor.copy(f"COPY {table} (client_id) FROM STDIN") as copy:
                    for client_id in set(ids):
                        copy.write_row((client_id,))
        one = connection.execute
        site = one("SELECT id FROM site WHERE key = %s", (cluster.site_key,)).fetchone()[0]  # type: ignore[index]
        counts = {
            "acknowledged": len(set(acked)),
            "acknowledged_stored": one("SELECT count(DISTINCT e.client_id) FROM event e JOIN acked a USING (client_id)"
                                       " WHERE e.site_id = %s", (site,)).fetchone()[0],  # type: ignore[index]
            "stored_rows": one("SELECT count(*) FROM event e JOIN sent s USING (client_id) WHERE e.site_id = %s",
                               (site,)).fetchone()[0],  # type: ignore[index]
            "duplicates": one("SELECT count(*) FROM (SELECT client_id FROM event WHERE site_id = %s GROUP BY client_id"
                              " HAVING count(*) > 1) d", (site,)).fetchone()[0],  # type: ignore[index]
        }
    counts["acknowledged_missing"] = counts["acknowledged"] - counts["acknowledged_stored"]
    return counts


def start_cluster(state: Path, workers: int) -> Cluster:
    """A cluster of its own on free ports (rate limits on, as in production, but above what the load sends)."""
    high = "100000000/minute"
    os.environ.update({"ASSISTANT_EVENT_LIMIT_SITE": high, "ASSISTANT_EVENT_LIMIT_CLIENT": high})
    cluster = Cluster(state, nginx_port=free_port(), node_ports=(free_port(), free_port()), workers=workers)
    cluster.start()
    return cluster


def set_synchronous_commit(cluster: Cluster, value: str) -> None:
    """ALTER SYSTEM SET synchronous_commit, reloaded: every new transaction of every node follows it."""
    import psycopg

    with psycopg.connect(cluster.database_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(f"ALTER SYSTEM SET synchronous_commit = {value}")
        connection.execute("SELECT pg_reload_conf()")


def catalog_skus(cluster: Cluster) -> list[str]:
    """The SKUs the cluster's site holds (the demo catalog it imported)."""
    with (cluster.state / "products.csv").open(encoding="utf-8", newline="") as file:
        return [row["sku"] for row in csv.DictReader(file)]


def warm_bundles(cluster: Cluster, skus: list[str], processes: int, threads: int) -> None:
    """Until every worker of both nodes serves the site's first bundle: a worker loads it on its first
    recommendation request at least CHECK_SECONDS after its last look (recommend/serving.py), or when /readyz
    finds it holds none."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        load(cluster, "recs", "warm-up", seconds=2, processes=processes, threads=threads, skus=skus)
        if all(_ready_everywhere(port) for port in cluster.node_ports):
            return
    raise RuntimeError("the trained bundle was not loaded by every worker within 60 s")


def _ready_everywhere(port: int, asks: int = 8) -> bool:
    """/readyz asked `asks` times on the node (its workers answer in turn): 200 every time."""
    for _ in range(asks):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/readyz")
        status = connection.getresponse().status
        connection.close()
        if status != 200:
            return False
    return True


def main() -> None:
    """Start a cluster, run the phases, print the table and the stored-events check, stop the cluster."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--processes", type=int, default=2, help="load driver processes")
    parser.add_argument("--threads", type=int, default=8, help="clients (keep-alive connections) per process")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per node")
    parser.add_argument("--synchronous-commit", choices=["on", "off"], default="on",
                        help="PostgreSQL's: off shows how much of an ingest request waits for the WAL flush")
    args = parser.parse_args()
    opts = {"seconds": args.seconds, "processes": args.processes, "threads": args.threads}
    with tempfile.TemporaryDirectory(prefix="assistant-cluster-") as tmp:
        Path(tmp).chmod(0o755)  # PostgreSQL runs as its own user under root
        cluster = start_cluster(Path(tmp) / "state", args.workers)
        try:
            if args.synchronous_commit == "off":
                set_synchronous_commit(cluster, "off")
            first, second = cluster.node_ports
            skus = catalog_skus(cluster)
            runs: list[Run] = []
            cluster.start_nginx([first])
            runs.append(load(cluster, "ingest", "ingest, 1 node", skus=skus, **opts))
            cluster.start_nginx([first, second])
            runs.append(load(cluster, "ingest", "ingest, 2 nodes", skus=skus, **opts))
            started = time.monotonic()
            cluster.assistant("train", "--site", cluster.site_key)
            trained = time.monotonic() - started
            warm_bundles(cluster, skus, opts["processes"], opts["threads"])
            cluster.start_nginx([first])
            runs.append(load(cluster, "recs", "recommendations, 1 node", skus=skus, **opts))
            cluster.start_nginx([first, second])
            runs.append(load(cluster, "recs", "recommendations, 2 nodes", skus=skus, **opts))
            runs.append(load(cluster, "ingest", "ingest, 2 nodes, 1 killed", skus=skus,
                             during=(args.seconds / 2, lambda: cluster.kill_node(second)), **opts))
            counts = check_stored(cluster, [i for r in runs for i in r.acked], [i for r in runs for i in r.sent])
        finally:
            cluster.stop()
    report(args, runs, counts, trained)


def report(args: argparse.Namespace, runs: list[Run], counts: dict[str, int], trained: float) -> None:
    """The table, the two-to-one ratios and the durability check."""
    print(f"nginx -> gunicorn nodes ({args.workers} sync workers each) -> PostgreSQL (synchronous_commit "
          f"{args.synchronous_commit}); Redis for rate limits; "
          f"{args.processes} x {args.threads} keep-alive clients, {args.seconds:.0f} s a run, batches of {BATCH}\n")
    print(f"{'':<28} {'req/s':>8} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
    for run in runs:
        print(run.line())
    by = {r.name: r for r in runs}
    for what in ("ingest", "recommendations"):
        one, two = by[f"{what}, 1 node"], by[f"{what}, 2 nodes"]
        print(f"{what}: 2 nodes / 1 node = {two.rps / one.rps:.2f}x req/s, p99 {two.percentile(0.99):.1f} ms "
              f"vs {one.percentile(0.99):.1f} ms")
    print(f"train + bundles loaded on both nodes: {trained:.1f} s; load average at the end "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min) on {os.cpu_count()} cores")
    print(f"events acknowledged {counts['acknowledged']:,}, of them stored {counts['acknowledged_stored']:,} "
          f"(missing {counts['acknowledged_missing']}); rows stored for the runs' ids {counts['stored_rows']:,} "
          f"(sent, answered or not); client event ids stored twice: {counts['duplicates']}")


if __name__ == "__main__":
    main()

"""The local cluster (scripts/cluster.py) and its Docker files: a quiz through nginx, a node killed under load with
every acknowledged event stored once, the request id and the client's address passed through nginx.

The cluster runs from Debian packages (PostgreSQL, redis-server, nginx) on free ports in a temporary folder; under
CI=true a missing package fails the test. Docker is only used where its daemon answers: these machines have none, so
the Dockerfile and compose.yaml are checked as files (and against the cluster's settings), and the build is said to
be left out.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.cluster import catalog_skus, check_stored, load
from scripts.cluster import NODE_SETTINGS, Cluster, free_port, render_template
from tests.conftest import need
from tests.quiz_walk import Call, outside_control, take_quiz

ROOT = Path(__file__).resolve().parents[2]


LIMITS = ("ASSISTANT_EVENT_LIMIT_CLIENT", "ASSISTANT_EVENT_LIMIT_SITE")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    need(shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists(), "nginx is not installed")
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    need(any(Path("/usr/lib/postgresql").glob("*/bin/initdb")), "PostgreSQL's initdb is not installed")
    with tempfile.TemporaryDirectory(prefix="assistant-cluster-test-") as tmp:
        Path(tmp).chmod(0o755)  # PostgreSQL runs as the postgres user under root
        running = Cluster(Path(tmp) / "state", nginx_port=free_port(), node_ports=(free_port(), free_port()))
        # the load below comes from one address: the production limit (300 batches a minute per client, now
        # counted across both nodes in Redis) would answer it 429, as benchmarks/cluster.py also raises it
        limits = {name: os.environ.get(name) for name in LIMITS}
        os.environ.update(dict.fromkeys(LIMITS, "10000000/minute"))
        try:
            running.start()
            yield running
        finally:
            running.stop()
            for name, value in limits.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def through_nginx(cluster: Cluster) -> Call:
    """API calls as the widget on the site's page makes them, through nginx."""
    def send(method: str, path: str, body: Any) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", cluster.nginx_port, timeout=30)
        sep = "&" if "?" in path else "?"
        try:
            connection.request(method, f"/api/v1{path}{sep}site={cluster.site_key}",
                               body=None if body is None else json.dumps(body),
                               headers={"Origin": cluster.url, "Content-Type": "text/plain"})
            answer = connection.getresponse()
            return answer.status, json.loads(answer.read())
        finally:
            connection.close()
    return send


def test_a_quiz_through_nginx_reaches_its_results(cluster: Cluster) -> None:
    call = through_nginx(cluster)
    status, listed = call("GET", "/flows", None)
    assert status == 200 and listed["flows"], listed
    skus = set(catalog_skus(cluster))
    asked, results = take_quiz(call, listed["flows"][0]["id"], outside_control(cluster.site_key))
    assert len(asked) >= 3
    assert {item["product"]["sku"] for item in results["items"]} <= skus and results["items"]


def test_both_nodes_serve(cluster: Cluster) -> None:
    for _ in range(6):
        through_nginx(cluster)("GET", "/flows", None)
    served = {m for m in re.findall(r"upstream=(127\.0\.0\.1:\d+) ", _nginx_log(cluster))}
    assert served >= {f"127.0.0.1:{port}" for port in cluster.node_ports}


def test_the_request_id_passes_through_nginx(cluster: Cluster) -> None:
    sent = f"test-{time.time_ns()}"
    answer = _get(cluster, "/healthz", {"X-Request-Id": sent})
    assert answer.getheader("X-Request-Id") == sent  # the node received it (and returns it)
    assert f"request_id={sent}\n" in _nginx_log(cluster)
    made = _get(cluster, "/healthz", {"X-Request-Id": "not a valid id!"}).getheader("X-Request-Id") or ""
    assert re.fullmatch(r"[0-9a-f]{32}", made), made  # nginx's $request_id replaces what the app would refuse


def test_the_client_address_is_the_real_one_not_the_proxys_nor_a_forged_one(cluster: Cluster) -> None:
    import redis

    connection = http.client.HTTPConnection("127.0.0.1", cluster.nginx_port, timeout=30,
                                            source_address=("127.0.0.2", 0))
    body = {"visitor": "v-address-test", "events": [{"id": "address-test-1", "type": "page_view", "page": "/",
                                                     "ts": int(time.time() * 1000)}]}
    connection.request("POST", f"/api/v1/events?site={cluster.site_key}", body=json.dumps(body),
                       headers={"Content-Type": "text/plain", "X-Forwarded-For": "203.0.113.9",
                                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"})
    answer = connection.getresponse()
    status, stored = answer.status, json.loads(answer.read())
    connection.close()
    assert (status, stored["accepted"]) == (200, 1), stored
    with redis.Redis.from_url(cluster.redis_url) as client:
        buckets = {k.decode() for k in client.keys("*events-client*")}
    assert any("/127.0.0.2/" in k for k in buckets), buckets  # the shopper's own rate-limit bucket
    assert not any("203.0.113.9" in k for k in buckets), buckets


def test_a_node_killed_under_load_loses_no_acknowledged_event(cluster: Cluster) -> None:
    first, second = cluster.node_ports
    skus = catalog_skus(cluster)
    try:
        run = load(cluster, "ingest", "kill", seconds=6, processes=1, threads=6, skus=skus,
                   during=(2.5, lambda: cluster.kill_node(second)))
        counts = check_stored(cluster, run.acked, run.sent)
        assert counts["acknowledged"] > 1000, (counts, run.statuses)
        # none refused: nginx retries a batch the killed node never answered. One whose answer had begun when the
        # node died cannot be retried by nginx (its status line is already the client's): the client sees it cut
        # off, counts it unacknowledged and would send it again, as the widget does. At most one per client.
        cut_off = {s: n for s, n in run.statuses.items() if s != "200"}
        assert set(cut_off) <= {"IncompleteRead", "RemoteDisconnected"} and sum(cut_off.values()) <= 6, run.statuses
        assert counts["acknowledged_missing"] == 0, counts
        assert counts["duplicates"] == 0, counts
        retry = rf'"POST /api/v1/events\S* HTTP/1.1" 200 .*upstream=127\.0\.0\.1:{second}, 127\.0\.0\.1:{first} '
        log = _nginx_log(cluster)
        assert re.findall(retry, log), [line for line in log.splitlines() if f":{second}" in line][-5:]
        assert cluster.status()[f"node {second}"] == "stopped"
    finally:
        cluster.start_node(second)  # back, for the tests after this one


def test_stop_stops_every_part(cluster: Cluster) -> None:
    assert "stopped" not in cluster.status().values()
    cluster.stop()  # the last test of the cluster: the fixture's own stop then finds nothing running
    assert set(cluster.status().values()) == {"stopped"}
    for port in (cluster.nginx_port, *cluster.node_ports, cluster.ports["postgres"], cluster.ports["redis"]):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


# -- the Docker files -----------------------------------------------------------------------------------------------

def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_postgres_redis_two_nodes_and_nginx_from_the_same_template() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "app1", "app2", "nginx"} <= set(services)
    nginx = services["nginx"]
    assert any("deploy/nginx.conf.template" in volume for volume in nginx["volumes"])
    nodes = nginx["environment"]["ASSISTANT_NODES"]
    assert "server app1:8000" in nodes and "server app2:8000" in nodes
    render_template((ROOT / "deploy" / "nginx.conf.template").read_text(), **nginx["environment"])


def test_compose_nodes_get_the_clusters_settings() -> None:
    services = compose()["services"]
    for name in ("app1", "app2"):
        env = services[name]["environment"]
        assert set(NODE_SETTINGS) <= set(env), set(NODE_SETTINGS) - set(env)
        assert env["ASSISTANT_ENV"] == "production" and env["ASSISTANT_TRUSTED_PROXIES"] == "1"
        assert env["SECRET_KEY"].startswith("${"), "the secret comes from the environment, never the file"
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:" in env["DATABASE_URL"]
        assert env["ASSISTANT_REDIS_URL"].startswith("redis://redis:")


def test_the_image_runs_gunicorn_as_a_user_that_is_not_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert "assistant.gunicorn_conf" in dockerfile and "assistant.app:create_app()" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "instance", ".git"} <= {line.strip("/") for line in ignored}


def test_the_image_builds_where_docker_runs() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True, check=False).returncode:
        print("docker build left out: no Docker daemon answers here (the files are checked above)")
        return
    done = subprocess.run([docker, "build", "-q", "-t", "assistant-test", str(ROOT)], capture_output=True, text=True,
                          check=False, timeout=900)
    assert done.returncode == 0, done.stderr


def _get(cluster: Cluster, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", cluster.nginx_port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer
    finally:
        connection.close()


def _nginx_log(cluster: Cluster) -> str:
    time.sleep(0.1)  # nginx writes its access log line after the answer
    return (cluster.state / "nginx" / "access.log").read_text()

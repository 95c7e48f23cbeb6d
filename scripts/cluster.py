"""A local cluster from Debian packages and the project's own files: PostgreSQL, Redis, two gunicorn nodes, nginx.

    .venv/bin/python scripts/cluster.py start|stop|status [--state instance/cluster]   (or: make cluster)

`start` makes a PostgreSQL cluster (initdb, once) and a Redis server (no persistence) on free loopback ports,
migrates the database, creates a site with the demo catalog (once), starts two app nodes with the README's
production settings on 127.0.0.1:8101 and :8102 (gunicorn, assistant.gunicorn_conf) and nginx on 127.0.0.1:8080
from deploy/nginx.conf.template. Everything lives in the state folder (pid files, logs, the generated SECRET_KEY,
the site's keys), so `stop` and `status` find it from any shell. No Docker: see compose.yaml for that.

The benchmark (benchmarks/cluster.py) and tests/ops/test_cluster.py drive the same Cluster on free ports. The
services are started by scripts/cluster_services.py, pid files and waits are in scripts/cluster_processes.py.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/cluster.py`

from scripts.cluster_processes import ClusterError, free_port, live_pid, stop_pid, wait_for, wait_ready  # noqa: E402
from scripts.cluster_services import (  # noqa: E402
    create_database,
    render_template,
    start_nginx,
    start_postgres,
    start_redis,
    stop_postgres,
)

__all__ = ["NODE_SETTINGS", "Cluster", "ClusterError", "free_port", "main", "render_template"]

DEFAULT_STATE = ROOT / "instance" / "cluster"
BIN = Path(sys.executable).parent
DATABASE = "assistant"
NODE_SETTINGS = ("ASSISTANT_ENV", "SECRET_KEY", "DATABASE_URL", "ASSISTANT_REDIS_URL", "ASSISTANT_TRUSTED_PROXIES",
                 "ASSISTANT_FLOWS", "ASSISTANT_MODELS", "ASSISTANT_PUBLIC_URL")
"""What every app node is given (compose.yaml gives its nodes the same; tests/ops/test_cluster.py compares)."""
PASSED_ON = ("ASSISTANT_EVENT_LIMIT_SITE", "ASSISTANT_EVENT_LIMIT_CLIENT", "ASSISTANT_RATE_LIMITS",
             "ASSISTANT_LOG_FORMAT", "ASSISTANT_DB_CONNECT_TIMEOUT")
"""Settings taken from the caller's environment when set (a load test raises the rate limits)."""


@dataclass
class Cluster:
    """One cluster's folder, ports and processes; every method may be called again (start is idempotent)."""

    state: Path
    nginx_port: int = 8080
    node_ports: tuple[int, ...] = (8101, 8102)
    workers: int = 2
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    """The nodes this object started, reaped when stopped or killed."""

    @property
    def url(self) -> str:
        """Where nginx serves the assistant."""
        return f"http://127.0.0.1:{self.nginx_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.ports['postgres']}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    @property
    def site_key(self) -> str:
        return (self.state / "site.key").read_text().strip()

    # -- start and stop -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every part that is not running yet, then wait until nginx answers with both nodes ready."""
        self.state.mkdir(parents=True, exist_ok=True)
        self._load_ports()
        self.start_postgres()
        self.start_redis()
        self._save_ports()
        self.prepare()
        for port in self.node_ports:
            self.start_node(port)
        for port in self.node_ports:
            wait_ready(f"http://127.0.0.1:{port}/readyz", self.node_log(port))
        self.start_nginx(self.node_ports)

    def stop(self) -> None:
        """Stop nginx, the nodes, Redis and PostgreSQL (each by its pid file); the data stays for the next start."""
        self._load_ports()
        stop_pid(self.state / "nginx" / "nginx.pid", signal.SIGQUIT)
        for port in self.node_ports:
            stop_pid(self.node_dir(port) / "gunicorn.pid", signal.SIGTERM)
            self._reap(port)
        stop_pid(self.state / "redis" / "redis.pid", signal.SIGTERM)
        stop_postgres(self.state / "pg")

    def status(self) -> dict[str, str]:
        """Each part: running (with its pid and address) or stopped."""
        self._load_ports()
        parts = {"postgres": (self.state / "pg" / "postmaster.pid", self.ports.get("postgres")),
                 "redis": (self.state / "redis" / "redis.pid", self.ports.get("redis")),
                 **{f"node {p}": (self.node_dir(p) / "gunicorn.pid", p) for p in self.node_ports},
                 "nginx": (self.state / "nginx" / "nginx.pid", self.nginx_port)}
        return {name: (f"running, pid {pid}, 127.0.0.1:{port}" if (pid := live_pid(path)) else "stopped")
                for name, (path, port) in parts.items()}

    # -- PostgreSQL and Redis (scripts/cluster_services.py) ------------------------------------------------------

    def start_postgres(self) -> None:
        """initdb once, then start PostgreSQL on its port unless it runs."""
        start_postgres(self.state / "pg", self.ports)

    def start_redis(self) -> None:
        """A Redis server without persistence (rate-limit counters and caches only)."""
        start_redis(self.state / "redis", self.ports)

    # -- the assistant ----------------------------------------------------------------------------------------

    def node_env(self) -> dict[str, str]:
        """The README's production settings for an app node of this cluster."""
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith("ASSISTANT_") and k not in {"DATABASE_URL", "SECRET_KEY"}}
        settings = {"ASSISTANT_ENV": "production", "SECRET_KEY": self._secret_key(), "DATABASE_URL": self.database_url,
                    "ASSISTANT_REDIS_URL": self.redis_url, "ASSISTANT_TRUSTED_PROXIES": "1",
                    "ASSISTANT_FLOWS": str(self.state / "flows"), "ASSISTANT_MODELS": str(self.state / "models"),
                    "ASSISTANT_PUBLIC_URL": self.url}
        passed = {k: os.environ[k] for k in PASSED_ON if k in os.environ}
        return {**inherited, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **settings, **passed}

    def _secret_key(self) -> str:
        """Generated once into the state folder (mode 0600), never into the repository."""
        path = self.state / "secret_key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def assistant(self, *args: str) -> str:
        """Run an `assistant` command with the nodes' settings; its standard output."""
        done = subprocess.run([str(BIN / "assistant"), *args], env=self.node_env(), cwd=self.state,
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise ClusterError(f"assistant {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def prepare(self) -> None:
        """Create the database, migrate it, and (once) a site holding the demo catalog, flows and models folders."""
        create_database(self.ports["postgres"], DATABASE)
        self.assistant("db", "upgrade")
        if not (self.state / "flows").exists():
            shutil.copytree(ROOT / "flows", self.state / "flows", ignore=shutil.ignore_patterns("*.draft.yaml"))
        (self.state / "models").mkdir(exist_ok=True)
        if (self.state / "site.key").exists():
            return
        key = self.assistant("site", "create", "--name", "Cluster shop", "--origin", self.url,
                             "--control-share", "0").strip()
        _write_catalog(self.state / "products.csv")
        self.assistant("catalog", "import", "products.csv", "--site", key)
        (self.state / "site.key").write_text(key + "\n")

    def node_dir(self, port: int) -> Path:
        return self.state / f"node-{port}"

    def node_log(self, port: int) -> Path:
        return self.node_dir(port) / "gunicorn.log"

    def start_node(self, port: int) -> None:
        """Start one app node (a gunicorn master and its workers, in a process group of their own)."""
        folder = self.node_dir(port)
        folder.mkdir(exist_ok=True)
        if live_pid(folder / "gunicorn.pid"):
            return
        metrics = folder / "metrics"  # prometheus_client's multiprocess files: emptied at each start
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir()
        env = {**self.node_env(), "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        command = [str(BIN / "gunicorn"), "-c", "python:assistant.gunicorn_conf", "-w", str(self.workers),
                   "--bind", f"127.0.0.1:{port}", "--pid", str(folder / "gunicorn.pid"),
                   "--access-logfile", str(folder / "access.log"), "--control-socket", str(folder / "gunicorn.ctl"),
                   "assistant.app:create_app()"]
        with self.node_log(port).open("a") as log:
            self.processes[port] = subprocess.Popen(command, cwd=self.state, env=env, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: live_pid(folder / "gunicorn.pid") is not None, f"node {port}", self.node_log(port))

    def kill_node(self, port: int) -> None:
        """SIGKILL one node's master and workers at once (its process group), as a crashed machine would."""
        pid = live_pid(self.node_dir(port) / "gunicorn.pid")
        if pid:
            os.killpg(pid, signal.SIGKILL)
            (self.node_dir(port) / "gunicorn.pid").unlink(missing_ok=True)
        self._reap(port)

    def _reap(self, port: int) -> None:
        process = self.processes.pop(port, None)
        if process is not None:
            process.wait(timeout=30)

    # -- nginx (scripts/cluster_services.py) ---------------------------------------------------------------------

    def start_nginx(self, nodes: Iterable[int]) -> None:
        """Start nginx on 127.0.0.1:nginx_port with `nodes` as its upstream, or reload it with them if it runs."""
        start_nginx(self.state / "nginx", self.nginx_port, nodes)

    # -- the ports file -----------------------------------------------------------------------------------------

    def _load_ports(self) -> None:
        path = self.state / "cluster.json"
        if path.exists() and not self.ports:
            self.ports = json.loads(path.read_text())["ports"]

    def _save_ports(self) -> None:
        (self.state / "cluster.json").write_text(json.dumps(
            {"ports": self.ports, "nginx": self.nginx_port, "nodes": list(self.node_ports)}, indent=2) + "\n")


def _write_catalog(path: Path) -> None:
    """The demo's 300 products as a shop's CSV file (what the README's `catalog import` reads)."""
    from assistant.demo.catalog import demo_rows

    rows = demo_rows()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, list(dict.fromkeys(name for row in rows for name in row)))
        writer.writeheader()
        writer.writerows(rows)


def _summary(cluster: Cluster) -> str:
    state = cluster.state
    nodes = "\n".join(f"  node      http://127.0.0.1:{p}  (log {cluster.node_log(p)}, access log "
                      f"{cluster.node_dir(p) / 'access.log'})" for p in cluster.node_ports)
    return (f"The assistant: {cluster.url}/api/v1/flows?site={cluster.site_key}  (admin: {cluster.url}/admin)\n"
            f"  site key  {cluster.site_key}  (secret key: `assistant site secret --site {cluster.site_key}`)\n"
            f"  nginx     {cluster.url}  (config {state / 'nginx' / 'nginx.conf'}, "
            f"log {state / 'nginx' / 'access.log'})\n"
            f"{nodes}\n"
            f"  postgres  {cluster.database_url}  (data {state / 'pg'})\n"
            f"  redis     {cluster.redis_url}\n"
            f"  settings  the nodes' environment: `{_command()} env`\n"
            f"Stop it: {_command()} stop" + ("" if state == DEFAULT_STATE else f" --state {state}"))


def _command() -> str:
    """How to run this script again from the repository's root."""
    python = Path(sys.executable)
    shown = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
    return f"{shown} scripts/cluster.py"


def main(argv: list[str] | None = None) -> int:
    """start | stop | status | env (the nodes' settings, for running `assistant` commands against the cluster)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "status", "env"])
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE, help="the cluster's folder")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    args = parser.parse_args(argv)
    cluster = Cluster(args.state.resolve(), workers=args.workers)
    try:
        if args.command == "start":
            cluster.start()
            print(_summary(cluster))  # noqa: T201
        elif args.command == "stop":
            cluster.stop()
            print(f"stopped (the data stays in {cluster.state}; delete it to start afresh)")  # noqa: T201
        elif args.command == "status":
            for name, text in cluster.status().items():
                print(f"{name:<11} {text}")  # noqa: T201
        else:
            cluster._load_ports()
            env = cluster.node_env()
            print("\n".join(f"export {k}={env[k]}" for k in NODE_SETTINGS))  # noqa: T201
    except ClusterError as exc:
        print(f"cluster: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

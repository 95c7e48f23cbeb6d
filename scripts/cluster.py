"""A local cluster from Debian packages and the project's own files: PostgreSQL, Redis, two gunicorn nodes, nginx.

    .venv/bin/python scripts/cluster.py start|stop|status [--state instance/cluster]   (or: make cluster)

`start` makes a PostgreSQL cluster (initdb, once) and a Redis server (no persistence) on free loopback ports,
migrates the database, creates a site with the demo catalog (once), starts two app nodes with the README's
production settings on 127.0.0.1:8101 and :8102 (gunicorn, assistant.gunicorn_conf) and nginx on 127.0.0.1:8080
from deploy/nginx.conf.template. Everything lives in the state folder (pid files, logs, the generated SECRET_KEY,
the site's keys), so `stop` and `status` find it from any shell. No Docker: see compose.yaml for that.

The benchmark (benchmarks/cluster.py) and tests/ops/test_cluster.py drive the same Cluster on free ports.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
DEFAULT_STATE = ROOT / "instance" / "cluster"
BIN = Path(sys.executable).parent
DATABASE = "assistant"
NODE_SETTINGS = ("ASSISTANT_ENV", "SECRET_KEY", "DATABASE_URL", "ASSISTANT_REDIS_URL", "ASSISTANT_TRUSTED_PROXIES",
                 "ASSISTANT_FLOWS", "ASSISTANT_MODELS", "ASSISTANT_PUBLIC_URL")
"""What every app node is given (compose.yaml gives its nodes the same; tests/ops/test_cluster.py compares)."""
PASSED_ON = ("ASSISTANT_EVENT_LIMIT_SITE", "ASSISTANT_EVENT_LIMIT_CLIENT", "ASSISTANT_RATE_LIMITS",
             "ASSISTANT_LOG_FORMAT", "ASSISTANT_DB_CONNECT_TIMEOUT")
"""Settings taken from the caller's environment when set (a load test raises the rate limits)."""


class ClusterError(RuntimeError):
    """A part of the cluster could not be started."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_again(port: int | None) -> int:
    """The port used last time when it is still free (the printed URLs stay the same), else a new free one."""
    if port:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                pass
    return free_port()


def as_root() -> bool:
    """Whether this runs as root (PostgreSQL then runs as the `postgres` user, nginx's workers as `nobody`)."""
    return os.geteuid() == 0


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
        _stop_pid(self.state / "nginx" / "nginx.pid", signal.SIGQUIT)
        for port in self.node_ports:
            _stop_pid(self.node_dir(port) / "gunicorn.pid", signal.SIGTERM)
            self._reap(port)
        _stop_pid(self.state / "redis" / "redis.pid", signal.SIGTERM)
        if _live_pid(self.state / "pg" / "postmaster.pid"):
            self._as_postgres(self._pg_bin("pg_ctl"), "-D", str(self.state / "pg"), "-m", "fast", "-w", "stop")

    def status(self) -> dict[str, str]:
        """Each part: running (with its pid and address) or stopped."""
        self._load_ports()
        parts = {"postgres": (self.state / "pg" / "postmaster.pid", self.ports.get("postgres")),
                 "redis": (self.state / "redis" / "redis.pid", self.ports.get("redis")),
                 **{f"node {p}": (self.node_dir(p) / "gunicorn.pid", p) for p in self.node_ports},
                 "nginx": (self.state / "nginx" / "nginx.pid", self.nginx_port)}
        return {name: (f"running, pid {pid}, 127.0.0.1:{port}" if (pid := _live_pid(path)) else "stopped")
                for name, (path, port) in parts.items()}

    # -- PostgreSQL and Redis ---------------------------------------------------------------------------------

    def _pg_bin(self, name: str) -> str:
        found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
        if not found:
            raise ClusterError("PostgreSQL is not installed: apt-get install postgresql")
        return str(found[-1])

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if as_root() else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
        if done.returncode:
            raise ClusterError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def start_postgres(self) -> None:
        """initdb once (trust on loopback: a local cluster only), then start it on its port unless it runs."""
        data = self.state / "pg"
        if not (data / "PG_VERSION").exists():
            data.mkdir(exist_ok=True)
            if as_root():
                shutil.chown(data, "postgres")
            self._as_postgres(self._pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if _live_pid(data / "postmaster.pid"):
            return
        self.ports["postgres"] = _port_again(self.ports.get("postgres"))
        options = f"-p {self.ports['postgres']} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._as_postgres(self._pg_bin("pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w",
                          "-o", options, "start")

    def start_redis(self) -> None:
        """A Redis server without persistence (rate-limit counters and caches only)."""
        folder = self.state / "redis"
        folder.mkdir(exist_ok=True)
        if _live_pid(folder / "redis.pid"):
            return
        if shutil.which("redis-server") is None:
            raise ClusterError("redis-server is not installed: apt-get install redis-server")
        self.ports["redis"] = _port_again(self.ports.get("redis"))
        subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(self.ports["redis"]), "--save", "",
                        "--appendonly", "no", "--daemonize", "yes", "--dir", str(folder),
                        "--pidfile", str(folder / "redis.pid"), "--logfile", str(folder / "redis.log")], check=True)
        _wait_for(lambda: _live_pid(folder / "redis.pid") is not None, "redis-server", folder / "redis.log")

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
        _create_database(self.ports["postgres"])
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
        if _live_pid(folder / "gunicorn.pid"):
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
        _wait_for(lambda: _live_pid(folder / "gunicorn.pid") is not None, f"node {port}", self.node_log(port))

    def kill_node(self, port: int) -> None:
        """SIGKILL one node's master and workers at once (its process group), as a crashed machine would."""
        pid = _live_pid(self.node_dir(port) / "gunicorn.pid")
        if pid:
            os.killpg(pid, signal.SIGKILL)
            (self.node_dir(port) / "gunicorn.pid").unlink(missing_ok=True)
        self._reap(port)

    def _reap(self, port: int) -> None:
        process = self.processes.pop(port, None)
        if process is not None:
            process.wait(timeout=30)

    # -- nginx ----------------------------------------------------------------------------------------------

    def start_nginx(self, nodes: Iterable[int]) -> None:
        """Start nginx on 127.0.0.1:nginx_port with `nodes` as its upstream, or reload it with them if it runs."""
        folder = self.state / "nginx"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / "tmp" / name).mkdir(parents=True, exist_ok=True)
            if as_root():
                shutil.chown(folder / "tmp" / name, "nobody")
        (folder / "assistant.conf").write_text(render_template(
            TEMPLATE.read_text(), NGINX_LISTEN=f"127.0.0.1:{self.nginx_port}",
            ASSISTANT_NODES=" ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in nodes),
            NGINX_ACCESS_LOG=str(folder / "access.log")))
        (folder / "nginx.conf").write_text(_nginx_main(folder))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise ClusterError("nginx is not installed: apt-get install nginx")
        base = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
        checked = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, check=False)
        if checked.returncode:
            raise ClusterError(f"nginx refused its configuration:\n{checked.stderr}")
        pid = _live_pid(folder / "nginx.pid")
        if pid:
            os.kill(pid, signal.SIGHUP)  # new workers with the new upstream; the old ones finish their requests
        else:
            subprocess.run(base, check=True)
        wait_ready(f"{self.url}/healthz", folder / "error.log")

    # -- the ports file -----------------------------------------------------------------------------------------

    def _load_ports(self) -> None:
        path = self.state / "cluster.json"
        if path.exists() and not self.ports:
            self.ports = json.loads(path.read_text())["ports"]

    def _save_ports(self) -> None:
        (self.state / "cluster.json").write_text(json.dumps(
            {"ports": self.ports, "nginx": self.nginx_port, "nodes": list(self.node_ports)}, indent=2) + "\n")


def render_template(text: str, **values: str) -> str:
    """${NAME} replaced by values[NAME] (as the nginx image's envsubst does with the variables it is given)."""
    def value(found: re.Match[str]) -> str:
        if found.group(1) not in values:
            raise ClusterError(f"the template needs ${{{found.group(1)}}}")
        return values[found.group(1)]
    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)\}", value, text)


def _nginx_main(folder: Path) -> str:
    """The main nginx.conf around the rendered template: pid, logs and temporary files in the state folder."""
    user = "user nobody nogroup;\n" if as_root() else ""
    temp = "\n".join(f"    {name}_temp_path {folder / 'tmp' / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
            f"events {{ worker_connections 1024; }}\nhttp {{\n{temp}\n    include {folder / 'assistant.conf'};\n}}\n")


def _create_database(port: int) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def _write_catalog(path: Path) -> None:
    """The demo's 300 products as a shop's CSV file (what the README's `catalog import` reads)."""
    sys.path.insert(0, str(ROOT))
    from assistant.demo.catalog import demo_rows

    rows = demo_rows()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, list(dict.fromkeys(name for row in rows for name in row)))
        writer.writeheader()
        writer.writerows(rows)


def _live_pid(path: Path) -> int | None:
    """The pid in `path` when that process is alive."""
    try:
        pid = int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    """Whether the process runs (an exited child not yet reaped, a zombie, does not)."""
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _stop_pid(path: Path, sig: signal.Signals, timeout: float = 30) -> None:
    pid = _live_pid(path)
    if pid is None:
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def _wait_for(done: object, what: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise ClusterError(f"{what} did not start in {timeout:.0f} s; see {log}")


def wait_ready(url: str, log: Path, timeout: float = 120) -> None:
    """Until `url` answers 200 (a node's /readyz: database, schema and bundles; nginx's /healthz)."""
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"{exc.code} {exc.read()[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise ClusterError(f"{url} was not ready in {timeout:.0f} s ({last}); see {log}")


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
            print(_summary(cluster))
        elif args.command == "stop":
            cluster.stop()
            print(f"stopped (the data stays in {cluster.state}; delete it to start afresh)")
        elif args.command == "status":
            for name, text in cluster.status().items():
                print(f"{name:<11} {text}")
        else:
            cluster._load_ports()
            env = cluster.node_env()
            print("\n".join(f"export {k}={env[k]}" for k in NODE_SETTINGS))
    except ClusterError as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

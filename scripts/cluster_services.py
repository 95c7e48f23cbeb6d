"""The local cluster's services from Debian packages: PostgreSQL (initdb once, pg_ctl), Redis without persistence,
and nginx configured from deploy/nginx.conf.template. Each lives in its own folder of the cluster's state folder."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterable
from pathlib import Path

from scripts.cluster_processes import ClusterError, as_root, live_pid, port_again, wait_for, wait_ready

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

# -- PostgreSQL ------------------------------------------------------------------------------------------------


def pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's program `name`."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise ClusterError("PostgreSQL is not installed: apt-get install postgresql")
    return str(found[-1])


def as_postgres(*command: str) -> None:
    """Run a PostgreSQL program (as the `postgres` user when this runs as root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if as_root() else []
    done = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
    if done.returncode:
        raise ClusterError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def start_postgres(data: Path, ports: dict[str, int]) -> None:
    """initdb once (trust on loopback: a local cluster only), then start it on its port unless it runs."""
    if not (data / "PG_VERSION").exists():
        data.mkdir(exist_ok=True)
        if as_root():
            shutil.chown(data, "postgres")
        as_postgres(pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    if live_pid(data / "postmaster.pid"):
        return
    ports["postgres"] = port_again(ports.get("postgres"))
    options = f"-p {ports['postgres']} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
    as_postgres(pg_bin("pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-o", options, "start")


def stop_postgres(data: Path) -> None:
    """pg_ctl stop (fast) when it runs."""
    if live_pid(data / "postmaster.pid"):
        as_postgres(pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")


def create_database(port: int, name: str) -> None:
    """CREATE DATABASE `name` unless it exists."""
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


# -- Redis -----------------------------------------------------------------------------------------------------


def start_redis(folder: Path, ports: dict[str, int]) -> None:
    """A Redis server without persistence (rate-limit counters and caches only)."""
    folder.mkdir(exist_ok=True)
    if live_pid(folder / "redis.pid"):
        return
    if shutil.which("redis-server") is None:
        raise ClusterError("redis-server is not installed: apt-get install redis-server")
    ports["redis"] = port_again(ports.get("redis"))
    subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(ports["redis"]), "--save", "",
                    "--appendonly", "no", "--daemonize", "yes", "--dir", str(folder),
                    "--pidfile", str(folder / "redis.pid"), "--logfile", str(folder / "redis.log")], check=True)
    wait_for(lambda: live_pid(folder / "redis.pid") is not None, "redis-server", folder / "redis.log")


# -- nginx -----------------------------------------------------------------------------------------------------


def start_nginx(folder: Path, listen_port: int, nodes: Iterable[int]) -> None:
    """Start nginx on 127.0.0.1:listen_port with `nodes` as its upstream, or reload it with them if it runs."""
    for name in NGINX_TEMP:
        (folder / "tmp" / name).mkdir(parents=True, exist_ok=True)
        if as_root():
            shutil.chown(folder / "tmp" / name, "nobody")
    (folder / "assistant.conf").write_text(render_template(
        TEMPLATE.read_text(), NGINX_LISTEN=f"127.0.0.1:{listen_port}",
        ASSISTANT_NODES=" ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in nodes),
        NGINX_ACCESS_LOG=str(folder / "access.log")))
    (folder / "nginx.conf").write_text(nginx_main(folder))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise ClusterError("nginx is not installed: apt-get install nginx")
    base = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    checked = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, check=False)
    if checked.returncode:
        raise ClusterError(f"nginx refused its configuration:\n{checked.stderr}")
    pid = live_pid(folder / "nginx.pid")
    if pid:
        os.kill(pid, signal.SIGHUP)  # new workers with the new upstream; the old ones finish their requests
    else:
        subprocess.run(base, check=True)
    wait_ready(f"http://127.0.0.1:{listen_port}/healthz", folder / "error.log")


def render_template(text: str, **values: str) -> str:
    """${NAME} replaced by values[NAME] (as the nginx image's envsubst does with the variables it is given)."""
    def value(found: re.Match[str]) -> str:
        if found.group(1) not in values:
            raise ClusterError(f"the template needs ${{{found.group(1)}}}")
        return values[found.group(1)]
    return re.sub(r"\$\{([A-Z_][A-Z0-9_]*)\}", value, text)


def nginx_main(folder: Path) -> str:
    """The main nginx.conf around the rendered template: pid, logs and temporary files in the state folder."""
    user = "user nobody nogroup;\n" if as_root() else ""
    temp = "\n".join(f"    {name}_temp_path {folder / 'tmp' / name};" for name in NGINX_TEMP)
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
            f"events {{ worker_connections 1024; }}\nhttp {{\n{temp}\n    include {folder / 'assistant.conf'};\n}}\n")

"""Shared benchmark plumbing: databases, a gunicorn server on loopback, wrk runs."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from assistant import migrate
from assistant.db import make_engine, session_scope
from assistant.sites.service import create_site

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
FLOWS_PROBE = "/api/v1/flows"


@dataclass
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    """A migrated, empty database URL with a site `pk_bench`."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        yield _prepared(url)
        return
    admin = make_engine(POSTGRES_URL)
    name = f"assistant_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    from sqlalchemy.engine import make_url

    try:
        yield _prepared(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepared(url: str) -> str:
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        # nobody held out: a benchmark measures what shoppers who see the assistant wait for
        create_site(session=session, name="Bench shop", origins=[], key="pk_bench", control_share=0)
    engine.dispose()
    return url


@contextlib.contextmanager
def gunicorn(app: str, *, workers: int, env: dict[str, str], probe: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve `app` with gunicorn on a free loopback port until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
               "--log-level", "warning", app]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base + probe, process)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    """Until the probe is answered: a refused connection is retried at once, an accepted one waits for its answer.

    A worker still starting on a loaded machine answers late; probes abandoned after one second against a 30 s
    deadline failed such a start with "did not come up". The deadline is only for a server that never answers.
    """
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=max(0.1, deadline - time.monotonic())) as response:  # noqa: S310 (loopback)
                check_probe(url, response.status, response.read())
            return
        except urllib.error.HTTPError as exc:
            check_probe(url, exc.code, exc.read())
            return  # it answered
        except OSError:
            time.sleep(0.05)  # not listening yet
    raise RuntimeError(f"server at {url} did not come up")


def check_probe(url: str, status: int, body: bytes) -> None:
    """Refuse a server whose flow list (when that is the probe) is not a 200 with at least one flow."""
    if urllib.parse.urlsplit(url).path != FLOWS_PROBE:
        return
    try:
        flows = json.loads(body)["flows"] if status == 200 else None
    except (ValueError, KeyError, TypeError):
        flows = None
    if not flows:
        raise RuntimeError(f"{url} answered {status} {body[:300]!r}: the server serves no flow")


def wrk(url: str, *, seconds: int, connections: int, threads: int = 2, script: str = "ingest.lua") -> WrkResult:
    """Run wrk against `url` with a Lua script; parse its JSON summary line."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(HERE / script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    return WrkResult(data["requests"], data["duration_us"] / 1e6, data["errors"],
                     data["p50_us"] / 1000, data["p99_us"] / 1000)

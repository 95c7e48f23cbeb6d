"""A real Redis server for the several-nodes tests: TEST_REDIS_URL (CI's, started by .ci/run), else one of our own.

Locally a `redis-server` on a free loopback port in a temporary folder, stopped afterwards; without the
program the tests skip (under CI=true that is a failure: CI must hand over TEST_REDIS_URL).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.ci_skips import IN_CI
from tests.conftest import need


@contextlib.contextmanager
def redis_url(folder: Path) -> Iterator[str]:
    """A Redis URL to a server no other test writes to: a database of TEST_REDIS_URL, flushed, or our own server."""
    given = os.environ.get("TEST_REDIS_URL", "")
    need(bool(given) or not IN_CI, "TEST_REDIS_URL is not set (.ci/run starts Redis and exports it)")
    if given:
        client = redis.Redis.from_url(given)
        client.flushdb()  # CI's server is the run's own: each test starts from an empty database
        yield given
        client.flushdb()
        return
    program = shutil.which("redis-server")
    need(program is not None, "redis-server is not installed (apt-get install redis-server), nor TEST_REDIS_URL set")
    with own_server(folder, str(program)) as url:
        yield url


@contextlib.contextmanager
def own_server(folder: Path, program: str = "redis-server") -> Iterator[str]:
    """Start redis-server on a free loopback port with no persistence in `folder`; its URL. Stopped afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / f"redis-{uuid.uuid4().hex[:6]}.log"
    process = subprocess.Popen([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no", "--dir", str(folder), "--logfile", str(log)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait (10 s at most) until the server at `url` answers PING."""
    client = redis.Redis.from_url(url, socket_timeout=0.5)
    deadline = time.monotonic() + 10
    while True:
        try:
            if client.ping():
                return
        except redis.RedisError:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                raise
        time.sleep(0.05)

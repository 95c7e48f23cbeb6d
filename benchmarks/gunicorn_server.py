"""A gunicorn master on a free loopback port for the benchmarks: started and stopped, waited for until a path answers
as it should, its workers' CPU (to wait until they are idle) and memory (RSS and PSS from /proc)."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, free_port


class Unusable(RuntimeError):
    """The server cannot be measured at this size (it does not answer, or answers wrongly): the reason."""


def call(base: str, method: str, path: str, body: str | None = None, timeout: float = 60,
         origin: str = "") -> tuple[int, Any]:
    """One request (with an Origin header when `origin` is given): (status, decoded JSON or None)."""
    headers = {"Origin": origin} if origin else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=body.encode() if body is not None else None,
                                     headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, None


class Server:
    """A gunicorn master on a free loopback port: its workers, their CPU and memory. Requests made through it
    (`call`, `wait_for`) carry `origin` as their Origin header when it is given."""

    def __init__(self, app: str, *, workers: int, env: dict[str, str], timeout: int, config: str = "",
                 origin: str = "") -> None:
        self.app, self.workers, self.env, self.timeout, self.config = app, workers, env, timeout, config
        self.origin = origin
        self.process: subprocess.Popen | None = None
        self.base = ""
        self.spawned = 0.0

    def start(self) -> None:
        """Spawn gunicorn; `spawned` is the moment, for start-up times."""
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{port}",
                   "--timeout", str(self.timeout), "--graceful-timeout", "5",
                   "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
                   "--log-level", "warning", *(["-c", self.config] if self.config else []), self.app]
        self.spawned = time.monotonic()
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env})

    def stop(self) -> None:
        """Stop gunicorn (killing it if it does not stop within 20 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def wait_for(self, method: str, path: str, check: Any, what: str, *, deadline: float = 180) -> float:
        """Seconds from spawn until `path` answers 2xx with a body `check` accepts; Unusable if it does not.

        Refused or dropped connections (not bound yet, a worker killed by gunicorn's timeout) are retried
        until `deadline` seconds have passed.
        """
        assert self.process is not None
        until = time.monotonic() + deadline
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise Unusable(f"gunicorn ({self.app}) exited with {self.process.returncode} before {what}")
            try:
                status, body = self.call(method, path, timeout=max(1.0, until - time.monotonic()))
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)
                continue
            if not 200 <= status < 300:
                raise Unusable(f"{what}: {method} {path} answered {status}: {json.dumps(body)[:500]}")
            problem = check(body)
            if problem:
                raise Unusable(f"{what}: {method} {path} answered {status} but {problem}")
            return time.monotonic() - self.spawned
        raise Unusable(f"{what}: no answer from {path} within {deadline:.0f} s")

    def call(self, method: str, path: str, body: str | None = None, *, timeout: float = 60) -> tuple[int, Any]:
        """One request to this server: (status, decoded JSON or None)."""
        return call(self.base, method, path, body, timeout, origin=self.origin)

    def worker_pids(self) -> list[int]:
        """The master's live children, by pid."""
        if self.process is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2:].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return sorted(children)

    def cpu_ticks(self) -> int:
        """User + system clock ticks of all workers."""
        total = 0
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{pid}/stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                total += int(fields[11]) + int(fields[12])
        return total

    def settle(self, *, cap: float, quiet: float = 0.8) -> bool:
        """Wait until every worker is booted and idle (no CPU for `quiet` s); False if still busy after `cap` s."""
        until = time.monotonic() + cap
        last, quiet_since = self.cpu_ticks(), time.monotonic()
        while time.monotonic() < until:
            time.sleep(0.2)
            ticks = self.cpu_ticks()
            if ticks - last > 2 or len(self.worker_pids()) < self.workers:
                quiet_since = time.monotonic()
            last = ticks
            if time.monotonic() - quiet_since >= quiet:
                return True
        return False

    def memory(self) -> list[tuple[int, float, float]]:
        """(pid, RSS MB, PSS MB) of the master, then of every worker."""
        found = []
        for pid in [self.process.pid if self.process else 0, *self.worker_pids()]:
            with contextlib.suppress(OSError):
                rss = _kb(Path(f"/proc/{pid}/status").read_text(), "VmRSS")
                pss = _kb(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss")
                found.append((pid, rss / 1024, pss / 1024))
        return found


def _kb(text_: str, key: str) -> float:
    match = re.search(rf"^{key}:\s+(\d+) kB", text_, re.MULTILINE)
    return float(match.group(1)) if match else math.nan


def memory_text(snapshot: list[tuple[int, float, float]]) -> str:
    """`RSS/PSS` MB of the master and of each worker."""
    if not snapshot:
        return "no server"
    (_, rss, pss), workers = snapshot[0], snapshot[1:]
    return (f"master {rss:,.0f}/{pss:,.0f}; workers "
            + (", ".join(f"{rss:,.0f}/{pss:,.0f}" for _, rss, pss in workers) or "none"))

"""wrk with quiz.lua over a file of prepared requests: what one run measured, errors by kind."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import HERE
from benchmarks.quiz_catalog import ORIGIN


@dataclass
class Load:
    """What one wrk run measured; `ok` counts 2xx/3xx answers."""

    name: str
    requests: int = 0
    seconds: float = 1.0
    status: int = 0
    socket: int = 0
    timeouts: int = 0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    notes: list[str] = field(default_factory=list)
    beside: Load | None = None
    """The bare endpoint's load run just before this one: the machine is shared, and its load drifts."""

    @property
    def ok(self) -> int:
        """Answers with a success status."""
        return self.requests - self.status

    @property
    def rps(self) -> float:
        """Successful answers per second."""
        return self.ok / self.seconds

    @property
    def errors(self) -> int:
        """Error statuses, socket errors and timeouts (wrk's count: each request found waiting longer than the
        timeout, once per 2 s check while it waits; answers later than the timeout are left out of p50/p99)."""
        return self.status + self.socket + self.timeouts


def run_wrk(name: str, base: str, requests: Path, *, seconds: int, connections: int, timeout: int) -> Load:
    """wrk with quiz.lua over the prepared `requests`."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "-s",
               str(HERE / "quiz.lua"), base + "/", "--", str(requests), ORIGIN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    load = Load(name, data["requests"], data["duration_us"] / 1e6, data["status"],
                data["connect"] + data["read"] + data["write"], data["timeout"])
    never = connections - data["requests"] - load.socket
    if seconds > timeout and never > load.timeouts:
        # wrk checks for timeouts every 2 s, so a step barely longer than the timeout can miss them; but a
        # connection that got no answer in the whole step had a request waiting longer than the timeout
        load.timeouts = never
        load.notes.append(f"{never} connections got no answer in {seconds} s")
    if data["p50_us"] > 0:  # else no answer came within the timeout: wrk recorded no latency
        load.p50_ms, load.p99_ms = data["p50_us"] / 1000, data["p99_us"] / 1000
    if load.timeouts:
        load.notes.append(f"requests waited over the {timeout} s timeout: p50 and p99 are of the faster answers only")
    return load
